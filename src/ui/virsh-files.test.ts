import { describe, expect, it } from 'vitest';
import { MAX_BINARY_BYTES, VirshFiles } from './virsh-files.svelte';

/** A FileList from Files (jsdom-free: the store only iterates it). */
const list = (...files: File[]) => files as unknown as FileList;

describe('VirshFiles (the virsh panel file store)', () => {
  it('keeps a save image virsh save wrote, for restore and save-image-dumpxml to read', async () => {
    const files = new VirshFiles();
    const image = new Uint8Array([1, 2, 3]);
    files.writeBinary('./vm1.vlsave', image);
    expect(await files.readBinary('vm1.vlsave')).toBe(image);
    expect(files.names).toContain('vm1.vlsave');
    expect(files.stat('vm1.vlsave')).toEqual({ bytes: 3, binary: true });
    await expect(files.read('vm1.vlsave')).rejects.toThrow('not a text file');
  });

  it('takes uploads: XML as text, a .vlsave as bytes', async () => {
    const files = new VirshFiles();
    await files.upload(
      list(
        new File(['<domain/>'], 'a.xml', { type: 'text/xml' }),
        new File([new Uint8Array([0, 255])], 'b.vlsave'),
      ),
    );
    expect(await files.read('a.xml')).toBe('<domain/>');
    expect([...(await files.readBinary('b.vlsave'))]).toEqual([0, 255]);
    // A text file reads as bytes too (its UTF-8).
    expect([...(await files.readBinary('a.xml'))]).toEqual([
      ...new TextEncoder().encode('<domain/>'),
    ]);
    files.remove('b.vlsave');
    await expect(files.readBinary('b.vlsave')).rejects.toThrow('No such file');
  });

  it('refuses a save image over the limit', () => {
    const files = new VirshFiles();
    const huge = { length: MAX_BINARY_BYTES + 1 } as Uint8Array;
    expect(() => files.writeBinary('x.vlsave', huge)).toThrow('larger than 256 MiB');
  });
});
