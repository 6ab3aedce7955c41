import { VirtError } from '../errors';

/**
 * Why a save image was refused. libvirt reports all of these as
 * VIR_ERR_OPERATION_FAILED or VIR_ERR_INVALID_ARG on `virsh restore`; the
 * reason lets virsh, the page and the tests tell them apart.
 */
export type SaveImageErrorReason =
  /** Wrong magic or empty: some other file. */
  | 'not-save-image'
  /** Shorter than its header says. */
  | 'truncated'
  /** Checksum mismatch, trailing bytes, undecodable memory. */
  | 'corrupt'
  /** Written by a newer VirtLab (file format or machine-state version). */
  | 'newer-version'
  /** Checksum fine, contents inconsistent: sizes, limits, JSON, page index. */
  | 'invalid'
  /** A valid image that does not match what the caller expected (readSaveImage's `expect`). */
  | 'mismatch';

/**
 * A save image that cannot be read (or a state that cannot be written). A
 * VirtError with code 'invalid-arg' (the file argument is bad), so it
 * crosses the control API's Comlink boundary with its code and message.
 */
export class SaveImageError extends VirtError {
  override name = 'SaveImageError';
  constructor(
    readonly reason: SaveImageErrorReason,
    message: string,
  ) {
    super('invalid-arg', message);
  }
}
