import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import { PROMPT, type DomainSession } from '../tools/lib/domain-session';
import { boot, settle, sleep } from './helpers/hypervisor';

/**
 * The guest's /bin/sh on its real console (ttyS0, a controlling terminal
 * with job control), typed at as the page and `virsh exec` type at it.
 * test/guest-shell.test.ts covers the language under qemu-riscv32.
 */
let client: ControlClient;
let vm: DomainSession;

beforeAll(async () => {
  client = await startControl({ pcpus: 1, ramMiB: 256 });
  vm = await boot(client, { name: 'shell', memoryMiB: 64 });
  await settle(vm);
}, 120_000);
afterAll(async () => client?.close());

/** Types `line`, then `keys` once the command runs; returns the output up to the next prompt. */
async function keys(line: string, key: string, settleMs = 1500): Promise<string> {
  const from = vm.output.length;
  await vm.type(line + '\n');
  await sleep(settleMs);
  await vm.type(key);
  const after = await vm.waitFor(PROMPT, from);
  return vm.output.slice(from, after.index).replace(/\r+\n/g, '\n');
}

describe('guest shell on the serial console', () => {
  it('pipes, redirects, expands and loops', async () => {
    expect(await vm.exec('echo hi > /tmp/x; cat /tmp/x')).toBe('hi\n');
    // Counted by the shell itself: a pipeline into a { while read ...; } group.
    const count = await vm.exec(
      'n=0; cat /proc/meminfo | { while read k v u; do n=$((n+1)); done; echo $n; }',
    );
    expect(Number(count)).toBeGreaterThan(10);
    expect(await vm.exec('read a b <<< "x y z"; echo $b 2>&1 >/tmp/y; cat </tmp/y')).toBe('y z\n');
    expect(await vm.exec('for i in 1 2 3; do echo $i; done')).toBe('1\n2\n3\n');
    expect(await vm.exec('x=$(uname -s); echo "${x:-none} $((6 * 7))"')).toBe('Linux 42\n');
    expect(await vm.exec('cd; pwd; cd /tmp; pwd; cd -')).toBe('/root\n/tmp\n/root\n');
    expect(await vm.exec('echo $PATH')).toBe('/bin:/sbin:/usr/bin\n');
  });

  it('Ctrl-C ends the foreground job, Ctrl-Z stops it, fg and bg continue it', async () => {
    expect(await keys('sleep 30', '\x03')).toContain('^C');
    expect(await vm.exec('echo $?')).toBe('130\n');
    const stopped = await keys('sleep 30', '\x1a');
    expect(stopped).toMatch(/\[1\]\+ {2}Stopped {17}sleep 30\n$/);
    expect(await vm.exec('bg')).toBe('[1]+ sleep 30 &\n');
    expect(await vm.exec('jobs')).toBe('[1]+  Running                 sleep 30 &\n');
    expect(await keys('fg', '\x03')).toMatch(/^fg\nsleep 30\n/);
    expect(await vm.exec('jobs')).toBe('');
    const loop = await keys('while true; do cat /proc/loadavg; sleep 1; done', '\x03', 2500);
    expect(loop).toMatch(/^\d+\.\d+ \d+\.\d+ \d+\.\d+ /m);
    expect(await vm.exec('echo still here')).toBe('still here\n');
  });
});
