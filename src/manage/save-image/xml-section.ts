/**
 * The XML section: the domain XML as UTF-8, what `save-image-dumpxml`
 * prints and `save-image-define` replaces. Checked as text only; whether it
 * is a domain this host accepts is the restorer's question (domain-xml.ts).
 */
import { SaveImageError } from './save-image-error';

/** libvirt's domain XML is a few KiB; <metadata> may add some. */
export const XML_MAX_BYTES = 1 << 20;

export function encodeXml(xml: string): Uint8Array {
  const bytes = new TextEncoder().encode(xml);
  if (bytes.length === 0)
    throw new SaveImageError('invalid', 'cannot save: the domain XML is empty');
  if (bytes.length > XML_MAX_BYTES)
    throw new SaveImageError(
      'invalid',
      `cannot save: the domain XML is ${bytes.length} bytes, over the ${XML_MAX_BYTES} limit`,
    );
  return bytes;
}

export function decodeXml(bytes: Uint8Array | undefined): string {
  if (!bytes || bytes.length === 0) throw invalid('the domain XML is missing');
  if (bytes.length > XML_MAX_BYTES)
    throw invalid(`the domain XML is ${bytes.length} bytes, over the ${XML_MAX_BYTES} limit`);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw invalid('the domain XML is not valid UTF-8');
  }
}

function invalid(what: string): SaveImageError {
  return new SaveImageError('invalid', `invalid save image: ${what}`);
}
