import { describe, expect, it } from 'vitest';
import { CaptureIo, FakeApi, UNAME } from './fake-api';
import { Virsh } from './virsh';

const VM1_XML = `<domain type='kvm'>
  <name>vm1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
</domain>
`;
const BAD_XML = `<domain type='kvm'>
  <name>vm1</nam>
</domain>
`;

/** A host with web (running, 2 vCPUs), db and Alpha (shut off), and a virsh on it. */
function setup(files: Record<string, string> = {}, tty = false) {
  const fake = new FakeApi()
    .add({ name: 'web', vcpus: 2 }, 'running')
    .add({ name: 'db' })
    .add({ name: 'Alpha' });
  const io = new CaptureIo({ 'vm1.xml': VM1_XML, 'bad.xml': BAD_XML, ...files }, tty);
  const virsh = new Virsh(fake.api, io);
  const run = async (line: string) => {
    const code = await virsh.run(line);
    return { code, ...io.take() };
  };
  const state = () => JSON.stringify([...fake.domains.values()]);
  return { fake, io, virsh, run, state };
}

describe('virsh: domain monitoring output', () => {
  it('list: running domains by id; --all adds the others by name (case-insensitive)', async () => {
    const { run } = setup();
    expect(await run('list')).toEqual({
      code: 0,
      stdout: ' Id   Name   State\n----------------------\n 1    web    running\n\n',
      stderr: '',
    });
    expect((await run('list --all')).stdout).toBe(
      ' Id   Name    State\n' +
        '------------------------\n' +
        ' 1    web     running\n' +
        ' -    Alpha   shut off\n' +
        ' -    db      shut off\n' +
        '\n',
    );
  });

  it('list: --inactive, --name, --uuid, --id, --title and filters', async () => {
    const { run } = setup();
    expect((await run('list --inactive --name')).stdout).toBe('Alpha\ndb\n\n');
    expect((await run('list --all --uuid')).stdout).toBe(
      '00000000-0000-4000-8000-000000000001\n' +
        '00000000-0000-4000-8000-000000000003\n' +
        '00000000-0000-4000-8000-000000000002\n\n',
    );
    expect((await run('list --all --id')).stdout).toBe('1\n\n');
    expect((await run('list --all --uuid --name')).stdout).toContain(
      '00000000-0000-4000-8000-000000000002 db\n',
    );
    expect((await run('list --all --table --uuid')).stdout).toBe(
      ' Id   Name    State      UUID\n' +
        '---------------------------------------------------------------\n' +
        ' 1    web     running    00000000-0000-4000-8000-000000000001\n' +
        ' -    Alpha   shut off   00000000-0000-4000-8000-000000000003\n' +
        ' -    db      shut off   00000000-0000-4000-8000-000000000002\n\n',
    );
    expect((await run('list --all --state-shutoff --name')).stdout).toBe('Alpha\ndb\n\n');
    expect((await run('list --all --autostart --name')).stdout).toBe('\n');
    expect((await run('list --all --transient --name')).stdout).toBe('\n');
    expect((await run('list --title')).stdout).toBe(
      ' Id   Name   State     Title\n------------------------------\n 1    web    running   \n\n',
    );
    expect((await run('list --table --name')).stderr).toBe(
      'error: Options --table and --name are mutually exclusive\n',
    );
  });

  it('dominfo: libvirt labels (%-15s), CPU time only when non-zero', async () => {
    const { run, fake } = setup();
    fake.domains.get('web')!.def.currentMemoryKiB = 49152;
    expect((await run('dominfo web')).stdout).toBe(
      'Id:             1\n' +
        'Name:           web\n' +
        'UUID:           00000000-0000-4000-8000-000000000001\n' +
        'OS Type:        hvm\n' +
        'State:          running\n' +
        'CPU(s):         2\n' +
        'CPU time:       1.2s\n' +
        'Max memory:     65536 KiB\n' +
        'Used memory:    49152 KiB\n' +
        'Persistent:     yes\n' +
        'Autostart:      disable\n' +
        'Managed save:   no\n' +
        'Hypervisor:     kvm (JIT)\n' +
        '\n',
    );
    const off = (await run('dominfo db')).stdout;
    expect(off).toContain('Id:             -\n');
    expect(off).toContain('State:          shut off\n');
    expect(off).not.toContain('CPU time');
    // By id and by uuid too.
    expect((await run('dominfo 1')).stdout).toContain('Name:           web\n');
    expect((await run('dominfo 00000000-0000-4000-8000-000000000002')).stdout).toContain(
      'Name:           db\n',
    );
  });

  it('domstate [--reason]', async () => {
    const { run } = setup();
    expect((await run('domstate web')).stdout).toBe('running\n\n');
    expect((await run('domstate web --reason')).stdout).toBe('running (booted)\n\n');
    expect((await run('domstate db --reason')).stdout).toBe('shut off (unknown)\n\n');
    await run('suspend web');
    expect((await run('domstate web --reason')).stdout).toBe('paused (user)\n\n');
    await run('destroy web');
    expect((await run('domstate web --reason')).stdout).toBe('shut off (destroyed)\n\n');
  });

  it('dommemstat: present fields in libvirt order; --period sets the polling period', async () => {
    const { run, fake } = setup();
    expect((await run('dommemstat web')).stdout).toBe('actual 65536\nrss 8192\n\n');
    expect(await run('dommemstat web --period 5')).toEqual({ code: 0, stdout: '\n', stderr: '' });
    expect(fake.calls).toContain('setMemoryStatsPeriod web 5');
    expect((await run('dommemstat web --period -1')).stderr).toBe(
      "error: Invalid collection period value '-1'\n",
    );
    expect((await run('dommemstat db')).stderr).toBe(
      'error: Failed to get memory statistics for domain db\n' +
        'error: Requested operation is not valid: domain is not running\n',
    );
  });

  it('domstats: records of `  field=value` lines, a blank line between', async () => {
    const { run } = setup();
    expect((await run('domstats --state --cpu-total --vcpu web db')).stdout).toBe(
      "Domain: 'web'\n" +
        '  state.state=1\n' +
        '  state.reason=1\n' +
        '  cpu.time=1234000000\n' +
        '  vcpu.current=2\n' +
        '  vcpu.maximum=2\n' +
        '  vcpu.0.state=1\n' +
        '  vcpu.0.time=1200000000\n' +
        '  vcpu.0.delay=5000000\n' +
        '  vcpu.1.state=2\n' +
        '  vcpu.1.time=1300000000\n' +
        '  vcpu.1.delay=5000000\n' +
        '\n' +
        "Domain: 'db'\n" +
        '  state.state=5\n' +
        '  state.reason=0\n' +
        '  vcpu.current=1\n' +
        '  vcpu.maximum=1\n' +
        '\n',
    );
    expect((await run('domstats --balloon web')).stdout).toBe(
      "Domain: 'web'\n  balloon.current=65536\n  balloon.maximum=65536\n  balloon.rss=8192\n\n",
    );
    expect((await run('domstats --list-active --state')).stdout).toBe(
      "Domain: 'web'\n  state.state=1\n  state.reason=1\n\n",
    );
    expect((await run('domstats --perf --enforce')).stderr).toBe(
      'error: argument unsupported: Stats types bits 0x40 are not supported by this daemon\n',
    );
    expect((await run('domstats nosuch')).stderr).toBe("error: failed to get domain 'nosuch'\n");
  });
});

describe('virsh: host output', () => {
  it('nodeinfo: %-20s labels, no frequency line', async () => {
    const { run } = setup();
    expect((await run('nodeinfo')).stdout).toBe(
      'CPU model:           riscv32\n' +
        'CPU(s):              4\n' +
        'CPU socket(s):       1\n' +
        'Core(s) per socket:  4\n' +
        'Thread(s) per core:  1\n' +
        'NUMA cell(s):        1\n' +
        'Memory size:         1048576 KiB\n' +
        '\n',
    );
  });

  it('nodememstats: %-7s: %20llu KiB', async () => {
    const { run } = setup();
    expect((await run('nodememstats')).stdout).toBe(
      'total  :              1048576 KiB\n' +
        'free   :              1024000 KiB\n' +
        'buffers:                    0 KiB\n' +
        'cached :                    0 KiB\n' +
        '\n',
    );
  });

  it('node-memory-tune: "Shared memory:" and tab-indented shm_* lines; sets knobs', async () => {
    const { run, fake } = setup();
    expect((await run('node-memory-tune')).stdout).toBe(
      'Shared memory:\n' +
        '\tshm_pages_to_scan 100\n' +
        '\tshm_sleep_millisecs 20\n' +
        '\tshm_pages_shared 10\n' +
        '\tshm_pages_sharing 30\n' +
        '\tshm_pages_unshared 5\n' +
        '\tshm_pages_volatile 2\n' +
        '\tshm_full_scans  3\n' +
        '\tshm_merge_across_nodes 1\n' +
        '\n',
    );
    expect(await run('node-memory-tune --shm-pages-to-scan 200 --shm-sleep-millisecs 10')).toEqual({
      code: 0,
      stdout: '\n',
      stderr: '',
    });
    expect(fake.ksmKnobs).toMatchObject({ pages_to_scan: 200, sleep_millisecs: 10 });
    expect((await run('node-memory-tune --shm-merge-across-nodes 0')).stderr).toBe(
      'error: Unable to change memory parameters\n' +
        'error: Operation not supported: the host has one NUMA node; shm_merge_across_nodes stays 1\n',
    );
    expect((await run('node-memory-tune --shm-pages-to-scan -5')).stderr).toBe(
      "error: Numeric value '-5' for <shm-pages-to-scan> option is malformed or out of range\n",
    );
  });

  it("ksm (ours): sets the knobs given, prints /sys/kernel/mm/ksm and each domain's merging pages", async () => {
    const { run, fake } = setup();
    const out = await run('ksm --run 1 --pages-to-scan 2000 --sleep-millisecs 10');
    expect(out.stderr).toBe('');
    expect(fake.ksmKnobs).toMatchObject({ run: 1, pages_to_scan: 2000, sleep_millisecs: 10 });
    expect(out.stdout).toContain('run:                 1\n');
    expect(out.stdout).toContain('pages_to_scan:       2000\n');
    expect(out.stdout).toContain('pages_sharing:       30\n');
    expect(out.stdout).toContain('general_profit:      110000\n');
    expect(out.stdout).toMatch(/ Domain +ksm_merging_pages\n-+\n/);
    expect((await run('ksm --run 5')).stderr).toBe(
      'error: Unable to change KSM parameters\n' +
        'error: invalid argument: invalid value for run: 5 (must be 0, 1 or 2)\n',
    );
    expect(fake.ksmKnobs.run).toBe(1);
    expect((await run('help')).stdout).toMatch(/ksm +show or set ksmd's knobs.*\(ours\)/);
  });

  it('balloon-policy (ours): shows, switches and tunes the policy; refuses bad thresholds', async () => {
    const { run, fake } = setup();
    const shown = (await run('balloon-policy')).stdout;
    expect(shown).toContain('state:     off\n');
    expect(shown).toContain('low:       10 %');
    expect(shown).toContain('Recent decisions (newest first):\n none\n');
    const out = await run('balloon-policy --enable --low 20 --target 30 --high 40');
    expect(out.stderr).toBe('');
    expect(fake.policy.enabled).toBe(true);
    expect(fake.policy.thresholds).toMatchObject({ low: 0.2, target: 0.3, high: 0.4 });
    expect(out.stdout).toContain('state:     on\n');
    expect((await run('balloon-policy --low 50')).stderr).toBe(
      'error: Unable to change the balloon policy\n' +
        'error: invalid argument: thresholds must satisfy 0 < low < target < high, got low 0.5, target 0.3, high 0.4\n',
    );
    expect(fake.policy.thresholds.low).toBe(0.2);
    fake.policy.decisions = [
      {
        kind: 'balloon-policy',
        domain: 'vm2',
        action: 'inflate',
        pages: 4096,
        message: 'inflated vm2 by 16 MiB: host free 8 %; it had 40 MiB free',
        atMs: Date.UTC(2026, 11, 6, 4, 50, 1),
      },
    ];
    expect((await run('balloon-policy --disable')).stdout).toContain(
      ' 2026-12-06 04:50:01  inflate  vm2           inflated vm2 by 16 MiB: host free 8 %; it had 40 MiB free\n',
    );
    expect(fake.policy.enabled).toBe(false);
  });

  it('version and uri', async () => {
    const { run } = setup();
    expect((await run('version')).stdout).toBe(
      'Compiled against library: virtlab 0.1.0\n' +
        'Using library: virtlab 0.1.0\n' +
        'Using API: VirtLab 0.1.0\n' +
        'Running hypervisor: VirtLab 0.1.0\n\n',
    );
    expect((await run('uri')).stdout).toBe('virtlab:///system\n\n');
  });
});

describe('virsh: lifecycle', () => {
  it('define, start, suspend, resume, reboot, shutdown, reset, destroy, undefine: libvirt messages', async () => {
    const { run, fake } = setup();
    expect(await run('define vm1.xml')).toEqual({
      code: 0,
      stdout: "Domain 'vm1' defined from vm1.xml\n\n",
      stderr: '',
    });
    expect(fake.domains.get('vm1')!.def).toMatchObject({ name: 'vm1', memoryMiB: 64, vcpus: 1 });
    expect((await run('start vm1')).stdout).toBe("Domain 'vm1' started\n\n");
    expect((await run('suspend vm1')).stdout).toBe("Domain 'vm1' suspended\n\n");
    expect((await run('resume vm1')).stdout).toBe("Domain 'vm1' resumed\n\n");
    expect((await run('reboot vm1')).stdout).toBe("Domain 'vm1' is being rebooted\n\n");
    expect((await run('shutdown vm1 --mode agent')).stdout).toBe(
      "Domain 'vm1' is being shutdown\n\n",
    );
    expect((await run('reset vm1')).stdout).toBe("Domain 'vm1' was reset\n\n");
    expect((await run('destroy vm1')).stdout).toBe("Domain 'vm1' destroyed\n\n");
    expect((await run('undefine vm1')).stdout).toBe("Domain 'vm1' has been undefined\n\n");
    expect(fake.domains.has('vm1')).toBe(false);
  });

  it('create: a transient domain; undefine refuses it', async () => {
    const { run, fake } = setup();
    expect((await run('create vm1.xml')).stdout).toBe("Domain 'vm1' created from vm1.xml\n\n");
    expect((await run('list --transient --name')).stdout).toBe('vm1\n\n');
    expect((await run('dominfo vm1')).stdout).toContain('Persistent:     no\n');
    expect((await run('undefine vm1')).stderr).toBe(
      "error: Failed to undefine domain 'vm1'\n" +
        'error: Requested operation is not valid: cannot undefine transient domain\n',
    );
    await run('destroy vm1');
    expect(fake.domains.has('vm1')).toBe(false);
  });

  it('a `;` line runs each command, a blank line after each', async () => {
    const { run } = setup();
    expect(await run('start db; domstate db')).toEqual({
      code: 0,
      stdout: "Domain 'db' started\n\nrunning\n\n",
      stderr: '',
    });
  });

  it('dumpxml prints the XML; the running one has its id, --inactive not', async () => {
    const { run } = setup();
    const live = (await run('dumpxml web')).stdout;
    expect(live).toMatch(/^<domain type='kvm' id='1'>\n  <name>web<\/name>\n/);
    expect(live).toMatch(/<\/domain>\n\n$/);
    expect((await run('dumpxml web --inactive')).stdout).toMatch(/^<domain type='kvm'>\n/);
  });

  it('console: connects through the IO, as virsh prints it', async () => {
    const { run, io } = setup({}, true);
    expect((await run('console web')).stdout).toBe(
      "Connected to domain 'web'\nEscape character is ^] (Ctrl + ])\n\n",
    );
    expect(io.consoles).toEqual(['web']);
    expect((await run('start db --console')).stdout).toBe(
      "Domain 'db' started\nConnected to domain 'db'\nEscape character is ^] (Ctrl + ])\n\n",
    );
    expect((await run('console Alpha')).stderr).toBe('error: The domain is not running\n');
  });

  it('console without a terminal fails as virsh does', async () => {
    const { run } = setup();
    expect((await run('console web')).stderr).toBe(
      'error: Cannot run interactive console without a controlling TTY\n',
    );
  });
});

describe('virsh: tuning', () => {
  it('setmem: KiB by default, units scaled; live needs a running domain', async () => {
    const { run, fake } = setup();
    expect(await run('setmem web 32M')).toEqual({ code: 0, stdout: '\n', stderr: '' });
    expect(await run('setmem web 40000 --live')).toMatchObject({ code: 0 });
    expect(await run('setmem db 16384 --config')).toMatchObject({ code: 0 });
    expect(await run('setmem db 1G --current')).toMatchObject({ code: 1 });
    expect(fake.calls.filter((c) => c.startsWith('setMemory'))).toEqual([
      'setMemory web 32768',
      'setMemory web 40000',
      'setMemory db 16384',
      'setMemory db 1048576',
    ]);
    expect((await run('setmem db 32M')).stderr).toBe(
      'error: Requested operation is not valid: domain is not running\n',
    );
    expect((await run('setmem web 1G')).stderr).toBe(
      'error: invalid argument: cannot set memory higher than max memory (65536 KiB)\n',
    );
    // --config on a running domain changes its persistent definition (the next boot).
    expect(await run('setmem web 16M --config')).toMatchObject({ code: 0 });
  });

  it("setmaxmem: shut-off only, with virsh's message first", async () => {
    const { run, fake } = setup();
    expect(await run('setmaxmem db 128M')).toMatchObject({ code: 0 });
    expect(fake.domains.get('db')!.def.memoryMiB).toBe(128);
    expect((await run('setmaxmem web 128M')).stderr).toBe(
      'error: Unable to change MaxMemorySize\n' +
        'error: Requested operation is not valid: cannot resize the maximum memory on an active domain\n',
    );
  });

  it('setvcpus: --config (and --maximum --config); live changes refused', async () => {
    const { run, fake } = setup();
    expect(await run('setvcpus db 4 --maximum --config')).toMatchObject({ code: 0 });
    expect(await run('setvcpus db 2 --config')).toMatchObject({ code: 0 });
    expect(fake.domains.get('db')!.def).toMatchObject({ vcpus: 4, vcpusCurrent: 2 });
    expect((await run('setvcpus db 2 --maximum')).stderr).toBe(
      'error: Option --config is required by option --maximum\n',
    );
    expect((await run('setvcpus db 0 --config')).stderr).toBe(
      "error: Can't set 0 processors for a VM\n",
    );
    expect((await run('setvcpus web 1 --live')).stderr).toBe(
      'error: Requested operation is not valid: vCPU hotplug of a running domain is not supported; use --config\n',
    );
    expect((await run('setvcpus web 1 --current --live')).stderr).toBe(
      'error: Options --current and --live are mutually exclusive\n',
    );
  });

  it('vcpuinfo: one block per online vCPU; N/A when shut off', async () => {
    const { run } = setup();
    expect((await run('vcpuinfo web')).stdout).toBe(
      'VCPU:           0\n' +
        'CPU:            0\n' +
        'State:          running\n' +
        'CPU time:       1.2s\n' +
        'CPU Affinity:   yyyy\n' +
        '\n' +
        'VCPU:           1\n' +
        'CPU:            1\n' +
        'State:          blocked\n' +
        'CPU time:       1.3s\n' +
        'CPU Affinity:   yyyy\n' +
        '\n',
    );
    expect((await run('vcpuinfo db --pretty')).stdout).toBe(
      'VCPU:           0\n' +
        'CPU:            N/A\n' +
        'State:          N/A\n' +
        'CPU time        N/A\n' +
        'CPU Affinity:   0-3 (out of 4)\n' +
        '\n',
    );
  });

  it('vcpupin: a table without arguments; pins with VCPU CPULIST', async () => {
    const { run, fake } = setup();
    expect((await run('vcpupin web')).stdout).toBe(
      ' VCPU   CPU Affinity\n----------------------\n 0      0-3\n 1      0-3\n\n',
    );
    expect(await run('vcpupin web 1 3,1')).toEqual({ code: 0, stdout: '\n', stderr: '' });
    expect(fake.calls).toContain('pinVcpu web 1 1,3');
    expect((await run('vcpupin web --vcpu 1')).stdout).toBe(
      ' VCPU   CPU Affinity\n----------------------\n 1      1,3\n\n',
    );
    expect((await run('vcpupin web 0 r')).code).toBe(0);
    expect(fake.calls).toContain('pinVcpu web 0 0-3');
  });

  it("vcpupin: virsh's errors", async () => {
    const { run } = setup();
    expect((await run('vcpupin web --cpulist 1')).stderr).toBe(
      'error: vcpupin: Missing vCPU number in pin mode.\n',
    );
    expect((await run('vcpupin web 0 7')).stderr).toBe(
      "error: CPU 7 in cpulist '7' exceed the maxcpu 4\n",
    );
    expect((await run('vcpupin web 0 0-')).stderr).toBe("error: Invalid cpulist '0-'\n");
    expect((await run('vcpupin web 5')).stderr).toBe(
      'error: vcpu 5 is out of range of live cpu count 2\n',
    );
    expect((await run('vcpupin db 3')).stderr).toBe(
      'error: vcpu 3 is out of range of persistent cpu count 1\n',
    );
    expect((await run('vcpupin db --live')).stderr).toBe(
      'error: cannot get vcpupin for offline domain\n',
    );
    expect((await run('vcpupin web --live --config')).stderr).toBe(
      'error: Options --live and --config are mutually exclusive\n',
    );
  });

  it("emulatorpin: libvirt's query layout; pins (recorded)", async () => {
    const { run, fake } = setup();
    expect((await run('emulatorpin web')).stdout).toBe(
      'emulator: CPU Affinity\n----------------------------------\n       *: 0-3\n\n',
    );
    expect((await run('emulatorpin web 1-2')).code).toBe(0);
    expect(fake.calls).toContain('emulatorPin web 1-2');
    expect((await run('emulatorpin db 1')).stderr).toBe(
      'error: Requested operation is not valid: domain is not running\n',
    );
    expect((await run('emulatorpin db 1 --config')).code).toBe(0);
  });

  it('schedinfo: posix parameters; --set; Xen --weight/--cap refused', async () => {
    const { run, fake } = setup();
    expect((await run('schedinfo web')).stdout).toBe(
      'Scheduler      : posix\n' +
        'cpu_shares     : 1024\n' +
        'vcpu_period    : 100000\n' +
        'vcpu_quota     : -1\n' +
        '\n',
    );
    const set = await run('schedinfo web --set cpu_shares=2048 --set vcpu_quota=50000');
    expect(set.stdout).toBe(
      'Scheduler      : posix\n' +
        'cpu_shares     : 2048\n' +
        'vcpu_period    : 100000\n' +
        'vcpu_quota     : 50000\n' +
        '\n',
    );
    expect(fake.calls).toContain('setSchedParams web {"shares":2048,"quotaUs":50000}');
    expect(await run('schedinfo web --weight 256')).toEqual({
      code: 1,
      stdout: 'Scheduler      : posix\n\n',
      stderr: 'error: invalid scheduler option: weight\n',
    });
    expect((await run('schedinfo web --cap 50')).stderr).toBe(
      'error: invalid scheduler option: cap\n',
    );
    expect((await run('schedinfo web --set emulator_period=1000')).stderr).toBe(
      'error: invalid scheduler option: emulator_period\n',
    );
    expect((await run('schedinfo web --set cpu_shares')).stderr).toBe(
      'error: Invalid syntax for --set, expecting name=value\n',
    );
    expect((await run('schedinfo web cpu_shares=abc')).stderr).toBe(
      "error: invalid argument: Invalid value for field 'cpu_shares': expected unsigned long long\n",
    );
    expect((await run('schedinfo web cpu_shares=0')).stderr).toBe(
      'error: invalid argument: shares must be 1 to 262144, got 0\n',
    );
  });
});

describe('virsh: bad input changes nothing', () => {
  it.each([
    ['foo', "error: unknown command: 'foo'\n"],
    ['start', "error: command 'start' requires <domain> option\n"],
    ['start nosuch', "error: failed to get domain 'nosuch'\n"],
    ['start web', 'error: Domain is already active\n'],
    ['start 1', "error: failed to get domain '1'\n"],
    [
      'suspend db',
      "error: Failed to suspend domain 'db'\n" +
        "error: Requested operation is not valid: cannot suspend domain 'db' while it is shut off\n",
    ],
    [
      'resume web',
      "error: Failed to resume domain 'web'\n" +
        "error: Requested operation is not valid: cannot resume domain 'web' while it is running\n",
    ],
    [
      'destroy db',
      "error: Failed to destroy domain 'db'\n" +
        "error: Requested operation is not valid: cannot destroy domain 'db' while it is shut off\n",
    ],
    [
      'shutdown web --mode acpi',
      "error: Failed to shutdown domain 'web'\n" +
        'error: Operation not supported: the acpi mode: this board has no ACPI; the guest agent (--mode agent) is the only way in\n',
    ],
    [
      'shutdown web --mode bogus',
      "error: Unknown mode bogus value, expecting 'acpi', 'agent', 'initctl', 'signal' or 'paravirt'\n",
    ],
    [
      'setmem web 1X',
      "error: Scaled numeric value '1X' for <size> option is malformed or out of range\n",
    ],
    [
      'setmem web -1',
      "error: Scaled numeric value '-1' for <size> option is malformed or out of range\n",
    ],
    [
      'setmem web 64M --current --live',
      'error: Options --current and --live are mutually exclusive\n',
    ],
    [
      'setvcpus db two --config',
      "error: Numeric value 'two' for <count> option is malformed or out of range\n",
    ],
    ['list --all --bogus', "error: command 'list' doesn't support option --bogus\n"],
    ['dominfo web db', "error: unexpected data 'db'\n"],
    ['exec web "uname -a', 'error: missing "\n'],
    ['start db; bogus', "error: unknown command: 'bogus'\n"],
    ['define nosuch.xml', "error: Failed to open file 'nosuch.xml': No such file or directory\n"],
    [
      'define bad.xml',
      'error: Failed to define domain from bad.xml\n' +
        'error: (domain_definition):2: Opening and ending tag mismatch: name line 2 and nam\n' +
        '  <name>vm1</nam>\n' +
        '-----------^\n',
    ],
    ['help nosuch', "error: command or command group 'nosuch' doesn't exist\n"],
  ])('%s', async (line, stderr) => {
    const { run, state, fake } = setup();
    const before = state();
    const calls = fake.calls.length;
    const result = await run(line);
    expect(result.stderr).toBe(stderr);
    expect(result.code).toBe(1);
    expect(state()).toBe(before);
    expect(fake.calls.length - calls).toBeLessThanOrEqual(1);
  });

  it('a syntax error prints no blank line and runs nothing of the line', async () => {
    const { run, fake } = setup();
    expect(await run('start db; list --bogus')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: command 'list' doesn't support option --bogus\n",
    });
    expect(fake.calls).toEqual([]);
  });

  it('a define with a duplicate name is reported and changes nothing', async () => {
    const { run, state } = setup({ 'web.xml': VM1_XML.replace('vm1', 'web') });
    const before = state();
    expect((await run('define web.xml')).stderr).toBe(
      'error: Failed to define domain from web.xml\n' +
        "error: operation failed: domain 'web' already exists\n",
    );
    expect(state()).toBe(before);
  });

  it("a semantic XML error is reported in libvirt's words", async () => {
    const { run } = setup({
      'noos.xml': "<domain type='kvm'><name>x</name><memory>65536</memory></domain>",
    });
    expect((await run('define noos.xml')).stderr).toMatch(
      /^error: Failed to define domain from noos\.xml\nerror: XML error: /,
    );
  });
});

describe('virsh: help, quit, exec, argv, completion', () => {
  it('help lists the groups with their keywords; ours is marked', async () => {
    const { run } = setup();
    const { stdout } = await run('help');
    expect(stdout).toMatch(/^Grouped commands:\n\n Domain Management \(help keyword 'domain'\):\n/);
    expect(stdout).toContain(`    list                           list domains\n`);
    expect(stdout).toContain(" VirtLab (ours, not in libvirt) (help keyword 'virtlab'):\n");
    expect(stdout).toMatch(/exec {27}run a command in the guest's shell .*\(ours\)\n/);
    expect(stdout.endsWith('\n\n\n')).toBe(true);
    expect((await run('help monitor')).stdout).toBe(
      " Domain Monitoring (help keyword 'monitor'):\n" +
        '    dominfo                        domain information\n' +
        '    dommemstat                     get memory statistics for a domain\n' +
        '    domstate                       domain state\n' +
        '    domstats                       get statistics about one or multiple domains\n' +
        '    list                           list domains\n' +
        '\n',
    );
  });

  it("help COMMAND: vshCmddefHelp's layout", async () => {
    const { run } = setup();
    expect((await run('help setmem')).stdout).toBe(
      '  NAME\n' +
        '    setmem - change memory allocation\n' +
        '\n' +
        '  SYNOPSIS\n' +
        '    setmem <domain> <size> [--config] [--live] [--current]\n' +
        '\n' +
        '  DESCRIPTION\n' +
        '    Change the current memory allocation in the guest domain.\n' +
        '\n' +
        '  OPTIONS\n' +
        '    [--domain] <string>  domain name, id or uuid\n' +
        '    [--size] <number>  new memory size, as scaled integer (default KiB)\n' +
        '    --config         affect next boot\n' +
        '    --live           affect running domain\n' +
        '    --current        affect current domain\n' +
        '\n',
    );
    expect((await run('vcpupin --help')).stdout).toContain(
      '    vcpupin <domain> [--vcpu <number>] [--cpulist <string>] [--config] [--live] [--current]\n',
    );
    expect((await run('help domstats')).stdout).toContain(' [<domain>]...\n');
  });

  it('quit and exit end the session without a blank line', async () => {
    const { virsh, run } = setup();
    expect(await run('list --name; quit; list')).toEqual({
      code: 0,
      stdout: 'web\n\n',
      stderr: '',
    });
    expect(virsh.done).toBe(true);
  });

  it('exec types the line into the console and prints its output (ours)', async () => {
    const { run } = setup();
    expect(await run('exec web "uname -a"')).toEqual({
      code: 0,
      stdout: `${UNAME}\n\n`,
      stderr: '',
    });
    expect((await run('exec web uname -a')).stdout).toBe(`${UNAME}\n\n`);
    expect((await run('exec db "uname -a"')).stderr).toBe(
      'error: Requested operation is not valid: domain is not running\n',
    );
    expect((await run('exec web x --timeout 0')).stderr).toBe(
      "error: Numeric value '0' for <timeout> option is malformed or out of range\n",
    );
    // A control character would act as a key; a line longer than the shell's buffer would be cut.
    expect(await run('exec web "echo a\x03b"')).toMatchObject({
      code: 1,
      stderr:
        'error: the command line contains the control character 0x03 at 7; exec types one line (use console for keys)\n',
    });
    expect((await run(`exec web "echo ${'x'.repeat(600)}"`)).stderr).toBe(
      "error: the command line is 605 bytes, more than the guest shell's 511\n",
    );
  });

  it('runArgv: one word is a command string, several are one command', async () => {
    const { virsh, io } = setup();
    expect(await virsh.runArgv(['list --name; domstate web'])).toBe(0);
    expect(io.take().stdout).toBe('web\n\nrunning\n\n');
    expect(await virsh.runArgv(['exec', 'web', 'uname -a'])).toBe(0);
    expect(io.take().stdout).toBe(`${UNAME}\n\n`);
    expect(await virsh.runArgv(['dominfo', 'nosuch'])).toBe(1);
  });

  it('quiet: no headers, messages or blank lines', async () => {
    const fake = new FakeApi().add({ name: 'web' }, 'running').add({ name: 'db' });
    const io = new CaptureIo();
    const virsh = new Virsh(fake.api, io, { quiet: true });
    await virsh.run('list --all; start db; vcpupin web');
    expect(io.take().stdout).toBe(' 1   web   running\n -   db    shut off\n 0   0-3\n');
  });

  it('completes commands, options and domain names', async () => {
    const { virsh } = setup();
    expect(await virsh.complete('dom')).toEqual([
      'domcapabilities',
      'domid',
      'dominfo',
      'domjobabort',
      'domjobinfo',
      'dommemstat',
      'domname',
      'domstate',
      'domstats',
      'domuuid',
    ]);
    expect(await virsh.complete('list --st')).toEqual([
      '--state-other',
      '--state-paused',
      '--state-running',
      '--state-shutoff',
    ]);
    expect(await virsh.complete('dominfo ')).toEqual(['Alpha', 'db', 'web']);
    expect(await virsh.complete('start ')).toEqual(['Alpha', 'db']);
    expect(await virsh.complete('suspend w')).toEqual(['web']);
    expect(await virsh.complete('setmem web 64M ')).toEqual(['--config', '--current', '--live']);
    expect(await virsh.complete('help sched')).toEqual(['schedinfo']);
    expect(await virsh.complete('list; nodei')).toEqual(['nodeinfo']);
  });
});
