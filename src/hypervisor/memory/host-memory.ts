/**
 * Host RAM: one SharedArrayBuffer of 4 KiB frames, shared by every VM and
 * every worker. Views of every width are made once; the hart indexes them
 * with host byte offsets (< 2^31).
 *
 * Layout: frame f occupies bytes [f * 4096, (f + 1) * 4096). Frames are
 * handed out by the frame pool (./frame-pool.ts) and mapped by the VMs' p2m
 * tables (./p2m.ts).
 *
 * Endianness: RISC-V is little-endian and typed arrays use the platform's
 * order; every browser platform VirtLab targets is little-endian (checked
 * at construction).
 */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** WebAssembly page size (wasm core spec §2.5.5). */
const WASM_PAGE = 65536;

export class HostMemory {
  readonly ram8: Uint8Array;
  readonly ram16: Uint16Array;
  readonly ram32: Int32Array;
  readonly frames: number;

  /**
   * @param wasm the shared `WebAssembly.Memory` whose buffer `sab` is, when host RAM
   *   was made as one (HostMemory.create): the JIT's generated code reaches guest
   *   RAM through it (cpu/jit/). Absent, the vCPUs can only run the interpreter.
   */
  constructor(
    readonly sab: SharedArrayBuffer,
    readonly wasm?: WebAssembly.Memory,
  ) {
    if (wasm && (wasm.buffer as unknown) !== sab)
      throw new Error('wasm memory and host RAM differ');
    if (sab.byteLength % PAGE_SIZE !== 0)
      throw new RangeError('host RAM must be a whole number of frames');
    if (sab.byteLength >= 2 ** 31) throw new RangeError('host RAM must be below 2 GiB');
    if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
      throw new Error('VirtLab needs a little-endian host');
    this.ram8 = new Uint8Array(sab);
    this.ram16 = new Uint16Array(sab);
    this.ram32 = new Int32Array(sab);
    this.frames = sab.byteLength / PAGE_SIZE;
  }

  /** Host RAM of `bytes`: a shared WebAssembly.Memory (64 KiB pages) when the size allows. */
  static create(bytes: number): HostMemory {
    if (bytes % WASM_PAGE === 0 && bytes > 0 && typeof WebAssembly === 'object') {
      const pages = bytes / WASM_PAGE;
      const wasm = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
      return new HostMemory(wasm.buffer as unknown as SharedArrayBuffer, wasm);
    }
    return new HostMemory(new SharedArrayBuffer(bytes));
  }
}
