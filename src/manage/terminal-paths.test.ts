import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ControlApi } from './control-api';
import { PAGE_ONLY, TERMINAL_PATHS } from './terminal-paths';
import { CaptureIo, FakeApi } from './virsh/fake-api';
import { Virsh } from './virsh/virsh';

const UI = join(import.meta.dirname, '..', 'ui');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(svelte|ts)$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

/** Control API methods the page's source calls (`api.name(`). */
function pageCalls(): Set<string> {
  const out = new Set<string>();
  for (const file of sources(UI))
    for (const m of readFileSync(file, 'utf8').matchAll(/\bapi\.([a-zA-Z]+)\(/g)) out.add(m[1]);
  return out;
}

const XML = `<domain type='kvm'><name>vm1</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`;

describe('terminal parity: every page control has a virsh path', () => {
  it('lists every control API call the page makes, as a terminal path or page-only with a reason', () => {
    const calls = pageCalls();
    expect(calls.size).toBeGreaterThan(10);
    for (const method of calls)
      expect(
        method in TERMINAL_PATHS || method in PAGE_ONLY,
        `the page calls api.${method}(): give it a terminal path in src/manage/terminal-paths.ts`,
      ).toBe(true);
  });

  for (const [method, path] of Object.entries(TERMINAL_PATHS)) {
    it(`${method}: \`${path!.line}\` makes the same call`, async () => {
      const fake = new FakeApi()
        .add({ name: 'web', vcpus: 2 }, 'running')
        .add({ name: 'db' })
        .add({ name: 'idle' }, 'paused');
      const called: string[] = [];
      const api = new Proxy(fake.api, {
        get(target, key: string) {
          const value = target[key as keyof ControlApi];
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            called.push(key);
            return (value as (...a: unknown[]) => unknown)(...args);
          };
        },
      });
      // Save images: what `save` writes, and one of `db` for `restore` (the fake's format).
      const binaries: Record<string, Uint8Array> = {
        'db.vlsave': new TextEncoder().encode('FakeVirtLabSave db'),
      };
      const io = Object.assign(new CaptureIo({ 'vm1.xml': XML }), {
        readBinary: async (file: string) => {
          if (!(file in binaries)) throw new Error('No such file or directory');
          return binaries[file];
        },
        writeBinary: async (file: string, bytes: Uint8Array) => void (binaries[file] = bytes),
      });
      const code = await new Virsh(api, io).run(path!.line);
      const { stderr } = io.take();
      // The fake host may refuse the call (its rules are simpler than the real one's);
      // what counts is that virsh parsed the line and made the call.
      expect(stderr, path!.line).not.toMatch(/unknown command|unknown option|expected syntax/i);
      expect(code === 0 || stderr !== '').toBe(true);
      expect(
        path!.methods.some((m) => called.includes(m)),
        `${path!.line} called ${called.join(', ')}`,
      ).toBe(true);
    });
  }
});
