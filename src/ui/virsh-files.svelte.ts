/**
 * The virsh panel's files: a small in-page store that `define FILE`,
 * `create FILE` and the other commands reading files see (VirshIo.readFile).
 * Seeded with example domain XML; the user adds files by upload. Kept for
 * the page's lifetime only.
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

/** Largest file accepted from an upload. */
const MAX_BYTES = 1 << 20;

export class VirshFiles {
  files = $state.raw<Record<string, string>>({ ...SEED_FILES });

  get names(): string[] {
    return Object.keys(this.files).sort();
  }

  /** VirshIo.readFile: a name in the store ("./x.xml" and "/x.xml" are "x.xml"). */
  read(path: string): Promise<string> {
    const name = path.replace(/^(\.\/|\/)+/, '');
    const text = this.files[name];
    return text === undefined
      ? Promise.reject(new Error('No such file or directory'))
      : Promise.resolve(text);
  }

  async upload(list: FileList): Promise<void> {
    const next = { ...this.files };
    for (const file of Array.from(list)) {
      if (file.size > MAX_BYTES) throw new Error(`${file.name} is larger than 1 MiB`);
      next[file.name.replace(/[/\\]/g, '_')] = await file.text();
    }
    this.files = next;
  }

  remove(name: string): void {
    const next = { ...this.files };
    delete next[name];
    this.files = next;
  }
}
