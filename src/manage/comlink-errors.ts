import * as Comlink from 'comlink';
import { VirtError } from './errors';

/**
 * Comlink's default "throw" handler keeps only name, message and stack of an
 * Error; this one also keeps a VirtError's `code`, so callers on the other
 * side of a thread get the same typed error. Install it on both sides.
 */
export function installVirtErrorTransfer(): void {
  const fallback = Comlink.transferHandlers.get('throw')!;
  Comlink.transferHandlers.set('throw', {
    canHandle: fallback.canHandle,
    serialize(thrown: unknown) {
      const value = (thrown as { value: unknown }).value;
      if (value instanceof VirtError) {
        return [{ virt: true, code: value.code, message: value.message }, []];
      }
      return fallback.serialize(thrown);
    },
    deserialize(serialized: unknown) {
      const s = serialized as { virt?: boolean; code: VirtError['code']; message: string };
      if (s && s.virt) throw new VirtError(s.code, s.message);
      return fallback.deserialize(serialized);
    },
  } as Comlink.TransferHandler<unknown, unknown>);
}
