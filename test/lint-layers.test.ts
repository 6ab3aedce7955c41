import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '..', 'tools', 'lint-layers.mjs');
let tree: string | undefined;

function lint(files: Record<string, string>) {
  tree = mkdtempSync(join(tmpdir(), 'virtlab-layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  }
  mkdirSync(join(tree, 'src', 'manage'), { recursive: true });
  return spawnSync(process.execPath, [script, tree], { encoding: 'utf8' });
}

afterEach(() => tree && rmSync(tree, { recursive: true, force: true }));

describe('layer rule', () => {
  it('passes on the real source tree', () => {
    const result = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('fails when src/hypervisor imports the UI', () => {
    const result = lint({
      'src/hypervisor/cpu.ts': "import { x } from '../ui/thing';\nexport const y = x;\n",
      'src/ui/thing.ts': 'export const x = 1;\n',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('src/hypervisor/cpu.ts: imports src/ui');
  });

  it('fails when src/hypervisor imports Svelte or touches the DOM', () => {
    const result = lint({
      'src/hypervisor/a.ts': "import { mount } from 'svelte';\nexport const m = mount;\n",
      'src/hypervisor/b.ts': 'export const t = document.title;\n',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('imports svelte');
    expect(result.stderr).toContain("DOM global 'document'");
  });

  it('ignores names in comments', () => {
    const result = lint({ 'src/hypervisor/c.ts': '// the window of a TLB\nexport const c = 1;\n' });
    expect(result.status).toBe(0);
  });
});
