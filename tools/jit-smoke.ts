import { performance } from 'node:perf_hooks';
import { startControl } from './lib/control-client';
import { DomainSession, PROMPT } from './lib/domain-session';

async function main() {
  for (const type of (process.argv[2] ?? 'qemu,kvm').split(',') as ('kvm' | 'qemu')[])
    await one(type);
}
async function one(type: 'kvm' | 'qemu') {
  const client = await startControl({ pcpus: 1, ramMiB: 512 });
  try {
    const s = await DomainSession.attach(client, 'a');
    await client.api.define({ name: 'a', vcpus: 1, memoryMiB: 64, type });
    const t0 = performance.now();
    await client.api.start('a');
    try {
      await s.waitFor(PROMPT, 0, 180_000);
    } catch (e) {
      console.log(s.output.slice(-3000));
      throw e;
    }
    console.log(type, 'boot', ((performance.now() - t0) / 1000).toFixed(2), 's');
    const out = await s.exec('bench 300');
    console.log(out);
    const info = await client.api.info('a');
    console.log(info.type, info.engine, info.instructions);
  } finally {
    await client.close();
  }
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
