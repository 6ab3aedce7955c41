/**
 * ELF32 loader for RISC-V bare-metal programs (System V gABI, RISC-V ELF
 * psABI). Validates everything it reads: a malformed file is an ElfError
 * with a clear message, never an exception from deep inside.
 */
export class ElfError extends Error {
  override name = 'ElfError';
}

export interface ElfSegment {
  /** Physical load address (p_paddr). */
  paddr: number;
  /** Bytes from the file; memsz beyond them is zero-filled (.bss). */
  data: Uint8Array;
  memsz: number;
}

export interface ElfImage {
  entry: number;
  segments: ElfSegment[];
  /** Symbol table: name → value, when the file has one. */
  symbols: Map<string, number>;
}

const EM_RISCV = 243;
const PT_LOAD = 1;
const SHT_SYMTAB = 2;

export function isElf(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x7f &&
    bytes[1] === 0x45 &&
    bytes[2] === 0x4c &&
    bytes[3] === 0x46
  );
}

export function parseElf(bytes: Uint8Array): ElfImage {
  if (!isElf(bytes)) throw new ElfError('not an ELF file (bad magic)');
  if (bytes.length < 52) throw new ElfError('truncated ELF header');
  if (bytes[4] === 2)
    throw new ElfError(
      'this is a 64-bit ELF (ELFCLASS64); VirtLab runs 32-bit RISC-V (rv32) programs',
    );
  if (bytes[4] !== 1) throw new ElfError(`unknown ELF class ${bytes[4]}`);
  if (bytes[5] !== 1) throw new ElfError('big-endian ELF; RISC-V is little-endian');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const machine = u16(18);
  if (machine !== EM_RISCV)
    throw new ElfError(`ELF is for machine ${machine}, not RISC-V (${EM_RISCV})`);
  const entry = u32(24);
  const phoff = u32(28);
  const shoff = u32(32);
  const phentsize = u16(42);
  const phnum = u16(44);
  const shentsize = u16(46);
  const shnum = u16(48);
  if (phnum === 0) throw new ElfError('ELF has no program headers');
  if (phentsize < 32 || phoff + phnum * phentsize > bytes.length)
    throw new ElfError('truncated ELF program headers');

  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (u32(ph) !== PT_LOAD) continue;
    const offset = u32(ph + 4);
    const paddr = u32(ph + 12);
    const filesz = u32(ph + 16);
    const memsz = u32(ph + 20);
    if (offset + filesz > bytes.length)
      throw new ElfError(`segment ${i} runs past the end of the file (truncated ELF)`);
    if (filesz > memsz) throw new ElfError(`segment ${i} has filesz > memsz`);
    if (memsz === 0) continue;
    segments.push({ paddr, data: bytes.subarray(offset, offset + filesz), memsz });
  }
  if (segments.length === 0) throw new ElfError('ELF has no loadable segments');

  const symbols = new Map<string, number>();
  if (shoff && shnum && shentsize >= 40 && shoff + shnum * shentsize <= bytes.length) {
    for (let i = 0; i < shnum; i++) {
      const sh = shoff + i * shentsize;
      if (u32(sh + 4) !== SHT_SYMTAB) continue;
      const symOff = u32(sh + 16);
      const symSize = u32(sh + 20);
      const link = u32(sh + 24);
      const strSh = shoff + link * shentsize;
      if (link >= shnum) continue;
      const strOff = u32(strSh + 16);
      const strSize = u32(strSh + 20);
      if (symOff + symSize > bytes.length || strOff + strSize > bytes.length) continue;
      for (let s = symOff; s + 16 <= symOff + symSize; s += 16) {
        const nameOff = u32(s);
        if (nameOff === 0 || nameOff >= strSize) continue;
        let end = strOff + nameOff;
        while (end < strOff + strSize && bytes[end] !== 0) end++;
        symbols.set(new TextDecoder().decode(bytes.subarray(strOff + nameOff, end)), u32(s + 4));
      }
    }
  }
  return { entry, segments, symbols };
}
