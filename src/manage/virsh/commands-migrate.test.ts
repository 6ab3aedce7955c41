import { describe, expect, it } from 'vitest';
import { CaptureIo, FakeApi } from './fake-api';
import { Virsh } from './virsh';

function setup() {
  const fake = new FakeApi().add({ name: 'web', vcpus: 1 }, 'running').add({ name: 'db' });
  const io = new CaptureIo({});
  const virsh = new Virsh(fake.api, io);
  const run = async (line: string) => {
    const code = await virsh.run(line);
    return { code, ...io.take() };
  };
  return { fake, io, run };
}

describe('virsh: migrate and domjobinfo', () => {
  it('domjobinfo with no job says None', async () => {
    const { run } = setup();
    expect(await run('domjobinfo web')).toEqual({
      code: 0,
      stdout: 'Job type:         None\n\n',
      stderr: '',
    });
  });

  it("migrate --live over bc:, then domjobinfo --completed prints libvirt's fields", async () => {
    const { run, fake } = setup();
    expect(await run('migrate --live --auto-converge web bc:tab2')).toMatchObject({ code: 0 });
    expect(fake.domains.get('web')!.state).toBe('shut off');
    const { stdout } = await run('domjobinfo web --completed');
    expect(stdout).toBe(
      [
        'Job type:         Completed',
        'Operation:        Outgoing migration',
        'Time elapsed:     812          ms',
        'Data processed:   7.000 MiB',
        'Data remaining:   0.000 B',
        'Data total:       32.000 MiB',
        'Memory processed: 7.000 MiB',
        'Memory remaining: 0.000 B',
        'Memory total:     32.000 MiB',
        'Memory bandwidth: 8.750 MiB/s',
        'Dirty rate:       12           pages/s',
        'Page size:        4096         bytes',
        'Iteration:        2',
        'Postcopy requests: 0',
        'Constant pages:   211',
        'Normal pages:     1785',
        'Normal data:      6.973 MiB',
        'Total downtime:   74           ms',
        'Setup time:       2            ms',
        'Auto converge throttle: 20',
        '',
        '',
      ].join('\n'),
    );
  });

  it('refuses a shut-off domain, an unknown URI scheme, and sockets where there are none', async () => {
    const { run } = setup();
    expect((await run('migrate --live db bc:x')).stderr).toMatch(/domain is not running/);
    expect((await run('migrate --live web ssh://elsewhere')).stderr).toMatch(
      /unsupported migration URI/,
    );
    expect((await run('migrate --live web unix:/tmp/s')).stderr).toMatch(/needs sockets/);
    expect((await run('migrate --live --auto-converge-initial 30 web bc:x')).stderr).toMatch(
      /--auto-converge is required/,
    );
  });

  it('domjobabort without a job, and the migration tunables', async () => {
    const { run } = setup();
    expect((await run('domjobabort web')).stderr).toMatch(/no job is active on the domain/);
    expect((await run('migrate-getmaxdowntime web')).stdout).toBe('300\n\n');
    expect((await run('migrate-setmaxdowntime web 50')).code).toBe(0);
    expect((await run('migrate-getmaxdowntime web')).stdout).toBe('50\n\n');
    expect((await run('migrate-setmaxdowntime web 0')).stderr).toMatch(/Invalid downtime/);
    expect((await run('migrate-setspeed web --bandwidth 16')).code).toBe(0);
    expect((await run('migrate-getspeed web')).stdout).toBe('16\n\n');
  });
});
