/**
 * The RISC-V Linux `Image` header (Documentation/riscv/boot-image-header.rst):
 *   0 code0, 4 code1, 8 text_offset (u64), 16 image_size (u64), 24 flags,
 *   32 version, 36 res1, 40 res2, 48 magic "RISCV\0\0\0" (deprecated),
 *   56 magic2 "RSC\x05", 60 res3.
 */
export class ImageError extends Error {
  override name = 'ImageError';
}

const MAGIC2 = 0x05435352; // "RSC\x05" little-endian

export interface LinuxImage {
  textOffset: number;
  imageSize: number;
  bytes: Uint8Array;
}

export function parseLinuxImage(bytes: Uint8Array): LinuxImage {
  if (bytes.length < 64)
    throw new ImageError(
      `kernel image too small (${bytes.length} bytes): truncated or not a Linux Image`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(56, true) !== MAGIC2) {
    throw new ImageError('not a RISC-V Linux Image (no "RSC\\x05" magic at offset 56)');
  }
  const textOffset = view.getUint32(8, true);
  const imageSize = view.getUint32(16, true);
  if (view.getUint32(12, true) !== 0 || view.getUint32(20, true) !== 0) {
    throw new ImageError('kernel Image header has 64-bit offsets: is this an rv64 kernel?');
  }
  if (imageSize !== 0 && imageSize < bytes.length) {
    throw new ImageError(
      `kernel Image header says ${imageSize} bytes but the file has ${bytes.length}`,
    );
  }
  if (imageSize > bytes.length + (64 << 20))
    throw new ImageError('kernel Image size in header is implausible');
  return { textOffset, imageSize: Math.max(imageSize, bytes.length), bytes };
}
