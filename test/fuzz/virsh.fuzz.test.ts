import { describe, expect, it } from 'vitest';
import { CaptureIo, FakeApi } from '../../src/manage/virsh/fake-api';
import { Virsh } from '../../src/manage/virsh/virsh';
import { FUZZ_SEED, cases, int, pick, prng } from './prng';

/**
 * Issue [hardening] point 4: random command lines through virsh's tokenizer
 * and every command's argument parser (over the fake API, so this tests
 * parsing, not the hypervisor). Each line ends with exit status 0 or 1 and
 * a bounded error; nothing throws, nothing hangs.
 */
const COMMANDS = [
  'list',
  'dominfo',
  'domstate',
  'define',
  'undefine',
  'create',
  'start',
  'shutdown',
  'reboot',
  'reset',
  'destroy',
  'suspend',
  'resume',
  'dumpxml',
  'setmem',
  'setmaxmem',
  'dommemstat',
  'setvcpus',
  'vcpuinfo',
  'vcpupin',
  'emulatorpin',
  'schedinfo',
  'domstats',
  'nodeinfo',
  'nodememstats',
  'node-memory-tune',
  'help',
  'exec',
  'virt-install',
  'nosuch',
];
const WORDS = [
  'web',
  'db',
  'Alpha',
  'nosuch',
  '--all',
  '--live',
  '--config',
  '--current',
  '--set',
  'cpu_shares=512',
  'vcpu_quota=-1',
  '--period',
  '0',
  '-1',
  '1',
  '99999999999999999999',
  '64M',
  '1G',
  '0-1',
  '^0',
  'r',
  '--maximum',
  '--inactive',
  '--name',
  '--uuid',
  '--reason',
  '--paused',
  'vm1.xml',
  'bad.xml',
  '/dev/zero',
  '--timeout',
  '"',
  "'",
  '\\',
  ';',
  '#',
  '--',
  '-',
  '--=',
  '--memory',
  '--vcpus',
  'x'.repeat(300),
];

function line(rand: () => number): string {
  const words = [pick(rand, COMMANDS)];
  for (let k = int(rand, 0, 6); k > 0; k--) {
    if (rand() < 0.15) {
      let junk = '';
      for (let j = int(rand, 1, 12); j > 0; j--) junk += String.fromCharCode(int(rand, 1, 0x7e));
      words.push(junk);
    } else words.push(pick(rand, WORDS));
  }
  return words.join(rand() < 0.9 ? ' ' : '  ');
}

describe('fuzz: virsh', () => {
  it(`random command lines end with status 0 or 1 and no exception (seed ${FUZZ_SEED})`, async () => {
    const rand = prng(FUZZ_SEED);
    const fake = new FakeApi()
      .add({ name: 'web', vcpus: 2 }, 'running')
      .add({ name: 'db' })
      .add({ name: 'Alpha' });
    const io = new CaptureIo({
      'vm1.xml':
        "<domain type='kvm'><name>vm9</name><memory unit='MiB'>32</memory><os><type>hvm</type></os><vcpu>1</vcpu></domain>",
      'bad.xml': '<domain',
    });
    const virsh = new Virsh(fake.api, io);
    for (let i = 0, n = cases(1500); i < n; i++) {
      const text = line(rand);
      let code: number;
      try {
        code = await virsh.run(text);
      } catch (error) {
        throw new Error(`case ${i}: ${JSON.stringify(text)} threw ${(error as Error).stack}`);
      }
      const { stderr } = io.take();
      expect([0, 1], `case ${i}: ${JSON.stringify(text)}`).toContain(code);
      expect(stderr.length, `case ${i}: ${JSON.stringify(text)}`).toBeLessThan(2000);
      if (virsh.done) break; // "quit" ends the session
    }
  });
});
