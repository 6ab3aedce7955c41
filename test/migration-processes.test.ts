import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../tools/lib/images';
import { TEST_BOOTARGS, sleep } from './helpers/hypervisor';

/**
 * Issue 17 part 5's third case: two `npm run virsh` processes on one
 * machine, each with its own host, the domain moving over a Unix socket.
 */
const dir = mkdtempSync(join(tmpdir(), 'virsh-mig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `npm run virsh` with a script on stdin; resolves with its output and status. */
function virsh(script: string): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['--prefix', ROOT, 'run', '--silent', 'virsh'], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill(), 170_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status });
    });
    child.stdin.end(script);
  });
}

describe('virsh migrate between two processes', () => {
  it('the domain leaves one `npm run virsh` and runs in the other', async () => {
    writeFileSync(
      join(dir, 'mover.xml'),
      `<domain type='kvm'><name>mover</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>` +
        `<os><type arch='riscv32' machine='virt'>hvm</type><cmdline>${TEST_BOOTARGS}</cmdline></os></domain>\n`,
    );
    const sock = join(dir, 'mig.sock');
    const there = virsh(
      `migrate-incoming unix:${sock}\ndomstate mover --reason\nexec mover "echo moved-$((6*7))"\ndestroy mover\n`,
    );
    while (!existsSync(sock)) await sleep(50);
    const here = await virsh(
      `define mover.xml\nstart mover\nexec mover "echo booted"\nmigrate --live mover unix:${sock}\ndomstate mover --reason\ndomjobinfo mover --completed\n`,
    );
    const dest = await there;
    expect(here.stderr, here.stdout).toBe('');
    expect(here.stdout).toMatch(/booted\n/);
    expect(here.stdout).toMatch(/shut off \(migrated\)/);
    expect(here.stdout).toMatch(/^Job type: {9}Completed$/m);
    expect(here.status).toBe(0);
    expect(dest.stderr).not.toMatch(/error/);
    expect(dest.stdout).toMatch(/Domain 'mover' migrated here/);
    expect(dest.stdout).toMatch(/running \(migrated\)/);
    expect(dest.stdout).toMatch(/moved-42\n/);
    expect(dest.status).toBe(0);
  }, 180_000);
});
