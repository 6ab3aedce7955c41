/**
 * The virsh panel's files: a small in-page store that `define FILE`,
 * `create FILE` and the other commands reading files see (VirshIo.readFile),
 * and the save images `save` writes and `restore` reads (VirshIo.writeBinary,
 * readBinary). Seeded with example domain XML; the user adds files by
 * upload. Kept for the page's lifetime only.
 */

const VM1 = `<domain type='kvm'>
  <name>vm1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='riscv32' machine='virt'>hvm</type>
  </os>
  <devices>
    <memballoon model='virtio'>
      <stats period='2'/>
    </memballoon>
  </devices>
</domain>
`;

const KSM_DEMO = `<!-- Two of these (change the name) share most of their pages once ksmd runs. -->
<domain type='kvm'>
  <name>ksm-demo</name>
  <memory unit='MiB'>48</memory>
  <currentMemory unit='MiB'>40</currentMemory>
  <vcpu>1</vcpu>
  <os>
    <type arch='riscv32' machine='virt'>hvm</type>
  </os>
  <devices>
    <memballoon model='virtio' autodeflate='on' freePageReporting='on'>
      <stats period='1'/>
    </memballoon>
  </devices>
</domain>
`;

const PINNED = `<domain type='kvm'>
  <name>pinned</name>
  <memory unit='MiB'>32</memory>
  <vcpu placement='static'>2</vcpu>
  <cputune>
    <shares>512</shares>
    <period>100000</period>
    <quota>50000</quota>
    <vcpupin vcpu='0' cpuset='0'/>
    <vcpupin vcpu='1' cpuset='0'/>
  </cputune>
  <memoryBacking>
    <nosharepages/>
  </memoryBacking>
  <os>
    <type arch='riscv32' machine='virt'>hvm</type>
  </os>
</domain>
`;

export const SEED_FILES: Record<string, string> = {
  'vm1.xml': VM1,
  'ksm-demo.xml': KSM_DEMO,
  'pinned.xml': PINNED,
};

/** Largest text file accepted from an upload. */
const MAX_TEXT_BYTES = 1 << 20;
/** Largest binary file (a save image) kept or accepted from an upload. */
export const MAX_BINARY_BYTES = 256 << 20;

/** Text files by name; anything else (a `.vlsave` save image) is kept as bytes. */
const isText = (file: File) => /\.(xml|txt)$/i.test(file.name) || file.type.startsWith('text/');

/** "./x.xml" and "/x.xml" are "x.xml"; a store has no folders, so "a/b" is "a_b". */
const fileName = (path: string) => path.replace(/^(\.\/|\/)+/, '').replace(/[/\\]/g, '_');

const noSuchFile = () => Promise.reject(new Error('No such file or directory'));

export class VirshFiles {
  files = $state.raw<Record<string, string>>({ ...SEED_FILES });
  binaries = $state.raw<Record<string, Uint8Array>>({});

  get names(): string[] {
    return [...new Set([...Object.keys(this.files), ...Object.keys(this.binaries)])].sort();
  }

  /** VirshIo.readFile: a text file in the store. */
  read(path: string): Promise<string> {
    const name = fileName(path);
    const text = this.files[name];
    if (text !== undefined) return Promise.resolve(text);
    return name in this.binaries ? Promise.reject(new Error('not a text file')) : noSuchFile();
  }

  /** VirshIo.readBinary: a file's bytes (a text file's as UTF-8). */
  readBinary(path: string): Promise<Uint8Array> {
    const name = fileName(path);
    const bytes = this.binaries[name];
    if (bytes) return Promise.resolve(bytes);
    const text = this.files[name];
    return text === undefined ? noSuchFile() : Promise.resolve(new TextEncoder().encode(text));
  }

  /** Keeps `bytes` as the binary file `path` (VirshIo.writeBinary; the panel also downloads it). */
  writeBinary(path: string, bytes: Uint8Array): void {
    if (bytes.length > MAX_BINARY_BYTES)
      throw new Error(`${fileName(path)} is larger than ${MAX_BINARY_BYTES >> 20} MiB`);
    const name = fileName(path);
    const files = { ...this.files };
    delete files[name];
    this.files = files;
    this.binaries = { ...this.binaries, [name]: bytes };
  }

  /** Size in bytes of a stored file, and whether it is binary. */
  stat(name: string): { bytes: number; binary: boolean } | undefined {
    const b = this.binaries[name];
    if (b) return { bytes: b.length, binary: true };
    const text = this.files[name];
    return text === undefined
      ? undefined
      : { bytes: new TextEncoder().encode(text).length, binary: false };
  }

  async upload(list: FileList): Promise<void> {
    const files = { ...this.files };
    const binaries = { ...this.binaries };
    for (const file of Array.from(list)) {
      const name = fileName(file.name);
      if (isText(file)) {
        if (file.size > MAX_TEXT_BYTES) throw new Error(`${file.name} is larger than 1 MiB`);
        files[name] = await file.text();
        delete binaries[name];
      } else {
        if (file.size > MAX_BINARY_BYTES)
          throw new Error(`${file.name} is larger than ${MAX_BINARY_BYTES >> 20} MiB`);
        binaries[name] = new Uint8Array(await file.arrayBuffer());
        delete files[name];
      }
    }
    this.files = files;
    this.binaries = binaries;
  }

  remove(name: string): void {
    const files = { ...this.files };
    const binaries = { ...this.binaries };
    delete files[name];
    delete binaries[name];
    this.files = files;
    this.binaries = binaries;
  }
}
