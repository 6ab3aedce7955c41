/** The name a save image of `domain` downloads as. */
export function saveFileName(domain: string): string {
  return `${domain.replace(/[/\\:*?"<>|]/g, '_')}.vlsave`;
}

/**
 * Hands `bytes` to the browser as a download named `fileName` (a Blob, an
 * object URL and a clicked `<a download>`); the URL is revoked once the
 * browser has taken it.
 */
export function downloadBytes(fileName: string, bytes: Uint8Array): void {
  // A Blob takes only ArrayBuffer-backed views: copy one that is not (a SharedArrayBuffer's).
  const own = bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
  const url = URL.createObjectURL(
    new Blob([own as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
  );
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
