import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asm } from '../src/hypervisor/cpu/asm';
import { parseDomainXml } from '../src/manage/xml/domain-xml';
import { XML_MAX_BYTES, parseXml } from '../src/manage/xml/xml-parser';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import type { DomainSession } from '../tools/lib/domain-session';
import { boot, settle, sleep, step } from './helpers/hypervisor';

/**
 * Issue [hardening]: a hostile guest or input against a victim VM on one
 * pCPU. The victim's `exec` must answer within a bound, destroy must be
 * quick and complete, and no input may cost the host more than a bounded
 * amount of work or memory (ARCHITECTURE.md, "Limits and isolation").
 */
let client: ControlClient;
let other: DomainSession;

beforeAll(async () => {
  client = await startControl({ pcpus: 1, ramMiB: 256 });
  other = await boot(client, { name: 'other' });
  await settle(other);
}, 120_000);
afterAll(async () => client?.close());

/** A RISC-V Linux Image (boot-image-header.rst) whose code loops on one ecall. */
function loopingImage(code: number[]): Uint8Array {
  const body = [
    asm.jal(0, 64),
    0,
    0x400000,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x05435352,
    0,
    ...code,
  ];
  const bytes = new Uint8Array(body.length * 4);
  const view = new DataView(bytes.buffer);
  body.forEach((w, i) => view.setUint32(i * 4, w >>> 0, true));
  view.setUint32(16, bytes.length, true); // image_size
  return bytes;
}

async function execLatency(): Promise<number> {
  const t0 = performance.now();
  expect(await step('exec in other', other.exec('uname -a'), other, 30_000)).toMatch(
    /^Linux virtlab/,
  );
  return performance.now() - t0;
}

describe('isolation between guests (one pCPU)', () => {
  it('a guest looping on a 1 MiB SBI debug-console write does not freeze another; destroy is quick', async () => {
    // a7 = DBCN, a6 = console_write, a0 = 1 MiB, a1 = its own code (guest-physical), a2 = 0; ecall; repeat.
    const image = loopingImage([
      ...asm.li(17, 0x4442434e),
      asm.addi(16, 0, 0),
      asm.lui(10, 0x100000),
      asm.auipc(11, 0),
      asm.addi(12, 0, 0),
      asm.ecall(),
      asm.jal(0, -4 * 7),
    ]);
    await client.api.define({ name: 'evil', memoryMiB: 16, vcpus: 1, kernel: image });
    await client.api.start('evil');
    await sleep(1_000);
    expect((await client.api.info('evil')).state).toBe('running');
    // The victim answers within 3 s (about 0.3 s alone), while the flood goes on.
    expect(await execLatency()).toBeLessThan(3_000);
    expect(await execLatency()).toBeLessThan(3_000);
    const t0 = performance.now();
    await client.api.destroy('evil');
    expect(performance.now() - t0, 'destroy time').toBeLessThan(1_000);
    expect((await client.api.info('evil')).state).toBe('shut off');
    expect(await execLatency()).toBeLessThan(3_000);
    await client.api.undefine('evil');
  }, 90_000);

  it('a kernel that is /dev/zero is refused at once, and the host goes on', async () => {
    await client.api.define({ name: 'zero', memoryMiB: 16, vcpus: 1, kernelPath: '/dev/zero' });
    const t0 = performance.now();
    await expect(client.api.start('zero')).rejects.toThrow(/\/dev\/zero: not a regular file/);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect((await client.api.info('zero')).state).toBe('shut off');
    await client.api.undefine('zero');
    expect(await execLatency()).toBeLessThan(3_000);
  }, 30_000);
});

describe('host memory accounting', () => {
  it('each running VM reserves its workers’ memory: many small VMs cannot promise more than the host has', async () => {
    const small = await startControl({ pcpus: 1, ramMiB: 100 });
    try {
      const api = small.api;
      const results: string[] = [];
      for (let i = 0; i < 8; i++) {
        await api.define({ name: `s${i}`, memoryMiB: 16, vcpus: 1 });
        try {
          await api.start(`s${i}`);
          results.push('ok');
        } catch (error) {
          results.push((error as { code: string }).code);
          expect((error as Error).message).toMatch(
            /for the VM's own workers \(18 MiB per running VM/,
          );
        }
        const host = await api.hostInfo();
        expect(host.usedKiB + host.overheadKiB).toBeLessThanOrEqual(host.ramMiB * 1024);
      }
      const started = results.filter((r) => r === 'ok').length;
      // At most 5 × 18 MiB of workers fit in 100 MiB, less what the started guests' images fill.
      expect(started).toBeGreaterThanOrEqual(3);
      expect(started).toBeLessThanOrEqual(5);
      expect(results.slice(started)).toEqual(Array(8 - started).fill('no-resources'));
      expect((await api.hostInfo()).overheadKiB).toBe(started * 18 * 1024);
      for (let i = 0; i < started; i++) await api.destroy(`s${i}`);
      expect((await api.hostInfo()).overheadKiB).toBe(0);
    } finally {
      await small.close();
    }
  }, 60_000);
});

describe('console input', () => {
  it('a write larger than the console input ring is refused whole, and the guest is unharmed', async () => {
    const api = client.api;
    let code = '';
    try {
      await api.consoleWrite('other', 'x'.repeat(100_000) + '\n');
    } catch (error) {
      code = (error as { code: string }).code;
      expect((error as Error).message).toMatch(/no room for 100001 bytes; nothing was written/);
    }
    expect(code).toBe('no-resources');
    expect(await execLatency()).toBeLessThan(3_000);
  });
});

describe('bounded input', () => {
  it('an error about a 10 MB name quotes at most 200 characters of it', async () => {
    let text = '';
    try {
      await client.api.define({ name: 'x'.repeat(10_000_000) + '/', memoryMiB: 32, vcpus: 1 });
    } catch (error) {
      text = (error as Error).message;
    }
    expect(text).toMatch(/^invalid domain name 'x{200}… \(10000001 characters\)'/);
    expect(text.length).toBeLessThan(400);
  });

  it('domain XML over 10 MiB is refused before parsing, with the limit in the error', () => {
    const big = `<domain>${'<controller/>'.repeat(XML_MAX_BYTES / 12)}</domain>`;
    expect(() => parseXml(big)).toThrow(/larger than the 10 MiB limit/);
  });

  it('an 800 KB cpuset of 0-16383 ranges is parsed in linear time, and errors quote at most 200 characters', () => {
    const cpuset = Array(100_000).fill('0-16383').join(',');
    const xml = `<domain type='kvm'><name>c</name><memory unit='MiB'>32</memory><os><type>hvm</type></os><vcpu cpuset='${cpuset}'>1</vcpu></domain>`;
    const t0 = performance.now();
    const { def } = parseDomainXml(xml);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(def.cpuset).toBe('0-16383');
    const bad = `<domain type='kvm'><name>c</name><memory unit='MiB'>32</memory><os><type>hvm</type></os><vcpu cpuset='${cpuset},x'>1</vcpu></domain>`;
    let message = '';
    try {
      parseDomainXml(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/Failed to parse bitmap/);
    expect(message.length).toBeLessThan(300);
  });
});
