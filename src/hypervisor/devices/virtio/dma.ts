/**
 * Guest-physical memory as a virtio device (the VMM) sees it: the only way a
 * device model touches guest RAM. The VMM implements it over the p2m; tests
 * use `FakeGuestRam` (guest-ram.test-helper.ts).
 *
 * Contract:
 * - Every method fails (undefined / false) for any byte outside guest RAM and
 *   then has touched nothing. Page crossings are the implementation's
 *   business. A zero-length access never fails.
 * - 16- and 32-bit accesses are single, naturally atomic accesses (the VMM
 *   uses Atomics on the shared guest RAM), in program order: the split ring
 *   relies on this for its memory-ordering rules (VIRTIO 1.2 §2.7.13.3 on the
 *   driver side, §2.7.8.2 on ours: `len` before used `idx`).
 * - gpa values are plain numbers. Descriptor and ring addresses are le64,
 *   passed as `high * 2^32 + low`: `inRam` must answer false for anything at
 *   or above 2^32 (outside RAM on our 32-bit board), whatever its precision.
 *   Devices call the other methods only on ranges `inRam` accepted.
 */
export interface GuestDma {
  /** Little-endian. */
  read16(gpa: number): number | undefined;
  read32(gpa: number): number | undefined;
  write16(gpa: number, v: number): boolean;
  write32(gpa: number, v: number): boolean;
  /** A copy. */
  readBytes(gpa: number, len: number): Uint8Array | undefined;
  writeBytes(gpa: number, bytes: Uint8Array): boolean;
  /**
   * True iff every byte of [gpa, gpa + len) is guest RAM. Reads and maps
   * nothing (a ballooned-out page is still RAM and stays unbacked), so a
   * device can validate a buffer or a PFN without touching it.
   */
  inRam(gpa: number, len: number): boolean;
}
