import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../tools/lib/images';
import { findProgram } from '../tools/lib/programs';

/**
 * The guest's tools (tools/guest/userland/box, one multi-call rv32 binary
 * built by tools/guest/build.sh into test/fixtures/guest-box.elf) run under
 * QEMU's user-mode emulator. Where coreutils, grep or hexdump print a
 * defined format, the box must print the same bytes and exit status (C
 * locale); the tools that read /proc and /sys are checked against their
 * documented layouts. The same binary is /bin/box in the guest image
 * (test/guest-tools-vm.test.ts runs it there).
 */
const BOX = join(ROOT, 'test', 'fixtures', 'guest-box.elf');
const qemu = findProgram('qemu-riscv32');
let dir: string;

interface Run {
  stdout: Buffer;
  stderr: string;
  status: number | null;
}

/** Runs applet NAME of the box (argv[0] = NAME, as through a /bin symlink). */
function box(name: string, args: string[], input?: string | Buffer): Run {
  const r = spawnSync(qemu, ['-0', name, BOX, ...args], { cwd: dir, input, timeout: 30_000 });
  return { stdout: r.stdout, stderr: r.stderr.toString(), status: r.status };
}

function host(name: string, args: string[], input?: string | Buffer): Run {
  const r = spawnSync(findProgram(name), args, {
    cwd: dir,
    input,
    timeout: 30_000,
    env: { ...process.env, LC_ALL: 'C' },
  });
  return { stdout: r.stdout, stderr: r.stderr.toString(), status: r.status };
}

const text = (r: Run) => r.stdout.toString();

/** A deterministic generator, so a failure reproduces. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'guest-tools-'));
  const rnd = lcg(7);
  const pick = <T>(a: T[]) => a[rnd() % a.length];
  const words = [
    'alpha',
    'beta',
    'Gamma',
    'delta',
    'eta',
    'theta',
    '10',
    '2',
    '-3',
    '1.5',
    '1K',
    '2M',
  ];
  const more = ['512', '0.25', 'foo', 'bar', 'Foo', 'BAR', 'a:b:c', 'x y', 'hello world', 'zeta'];
  const all = [...words, ...more];
  const lines = Array.from({ length: 200 }, () =>
    Array.from({ length: 1 + (rnd() % 5) }, () => pick(all)).join(' '),
  );
  writeFileSync(join(dir, 'lines.txt'), lines.join('\n') + '\n');
  const nums = Array.from(
    { length: 100 },
    () =>
      `${pick(['a', 'b', 'c', 'B', 'A'])} ${(rnd() % 101) - 50} ${pick(['1K', '3M', '2G', '512', '10K', '1.5M', '0', '-2'])}`,
  );
  writeFileSync(join(dir, 'nums.txt'), nums.join('\n') + '\n');
  const csv = Array.from({ length: 50 }, () =>
    Array.from({ length: 1 + (rnd() % 6) }, () => String(rnd() % 1000)).join(','),
  );
  writeFileSync(join(dir, 'csv.txt'), csv.join('\n') + '\n');
  const bin = Buffer.alloc(1068);
  for (let i = 0; i < 1000; i++) bin[i] = rnd() & 0xff;
  bin.write('tail', 1064);
  writeFileSync(join(dir, 'bin.dat'), bin);
  writeFileSync(join(dir, 'nonl.txt'), 'one\ntwo\nthree');
  writeFileSync(join(dir, 'empty.txt'), '');
  mkdirSync(join(dir, 'tree', 'a', 'b'), { recursive: true });
  mkdirSync(join(dir, 'tree', 'c'));
  writeFileSync(join(dir, 'tree', 'a', 'f1'), 'hi\n', { mode: 0o755 });
  writeFileSync(join(dir, 'tree', 'a', 'b', 'big'), bin.subarray(0, 900));
  writeFileSync(join(dir, 'tree', 'c', 'empty'), '');
  symlinkSync('../a/f1', join(dir, 'tree', 'c', 'link'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** [program, args, stdin file] — box and host must agree byte for byte. */
const SAME: [string, string[], string?][] = [
  ['head', ['lines.txt']],
  ['head', ['-n', '3', 'nonl.txt']],
  ['head', ['-n', '-2', 'nonl.txt']],
  ['head', ['-c', '10', 'lines.txt']],
  ['head', ['-c', '-10', 'nonl.txt']],
  ['head', ['-3', 'lines.txt', 'nonl.txt']],
  ['head', ['-n', '2'], 'lines.txt'],
  ['tail', ['lines.txt']],
  ['tail', ['-n', '2', 'nonl.txt']],
  ['tail', ['-n', '+195', 'lines.txt']],
  ['tail', ['-c', '7', 'nonl.txt']],
  ['tail', ['-n', '3', 'lines.txt', 'nonl.txt']],
  ['tail', ['-n', '0', 'nonl.txt']],
  ['tail', ['-4'], 'lines.txt'],
  ['wc', ['lines.txt']],
  ['wc', ['-l', 'lines.txt']],
  ['wc', ['-l'], 'lines.txt'],
  ['wc', [], 'lines.txt'],
  ['wc', ['-w', '-c', 'nonl.txt', 'lines.txt']],
  ['wc', ['-L', 'lines.txt']],
  ['wc', ['empty.txt']],
  ['grep', ['alpha', 'lines.txt']],
  ['grep', ['-i', 'foo', 'lines.txt']],
  ['grep', ['-v', 'a', 'lines.txt']],
  ['grep', ['-c', 'beta', 'lines.txt']],
  ['grep', ['-n', 'Gamma', 'lines.txt']],
  ['grep', ['-E', 'alpha|beta', 'lines.txt']],
  ['grep', ['-E', 'alpha|beta', '-n', 'lines.txt']],
  ['grep', ['-o', 'e[a-z]*a', 'lines.txt']],
  ['grep', ['-w', 'eta', 'lines.txt']],
  ['grep', ['-ow', 'eta', 'lines.txt']],
  ['grep', ['-q', 'zeta', 'lines.txt']],
  ['grep', ['-q', 'nothere', 'lines.txt']],
  ['grep', ['-x', 'foo', 'lines.txt']],
  ['grep', ['^[0-9]', 'lines.txt']],
  ['grep', ['a$', 'lines.txt']],
  ['grep', ['-E', '^(foo|bar) ', 'lines.txt']],
  ['grep', ['th\\(e\\|i\\)ta', 'lines.txt']],
  ['grep', ['-E', '[[:upper:]]{2,}', 'lines.txt']],
  ['grep', ['-E', 'x?y', 'lines.txt']],
  ['grep', ['-e', 'alpha', '-e', 'zeta', 'lines.txt']],
  ['grep', ['-l', 'alpha', 'lines.txt', 'nonl.txt']],
  ['grep', ['alpha', 'lines.txt', 'nonl.txt']],
  ['grep', ['-h', 'alpha', 'lines.txt', 'nonl.txt']],
  ['grep', ['-F', 'a:b', 'lines.txt']],
  ['grep', ['-o', '[0-9]\\+', 'lines.txt']],
  ['grep', ['-oi', 'fo*', 'lines.txt']],
  ['grep', ['-E', '-o', '(ab|a)(c|bcd)', 'lines.txt']],
  ['grep', ['-m', '3', 'a', 'lines.txt']],
  ['grep', ['-r', 'hi', 'tree']],
  ['grep', ['-vc', 'e', 'lines.txt']],
  ['grep', ['\\<eta\\>', 'lines.txt']],
  ['grep', ['[]a]', 'lines.txt']],
  ['grep', ['[^a-z ]', 'lines.txt']],
  ['grep', ['x\\{1,\\}', 'lines.txt']],
  ['grep', ['*', 'lines.txt']],
  ['grep', ['-c', ''], 'lines.txt'],
  ['sort', ['lines.txt']],
  ['sort', ['-r', 'lines.txt']],
  ['sort', ['-n', 'nums.txt']],
  ['sort', ['-k2', '-n', 'nums.txt']],
  ['sort', ['-k2,2n', 'nums.txt']],
  ['sort', ['-k2,2nr', '-k1,1', 'nums.txt']],
  ['sort', ['-u', 'lines.txt']],
  ['sort', ['-h', '-k3', 'nums.txt']],
  ['sort', ['-k3,3h', 'nums.txt']],
  ['sort', ['-t,', '-k2', '-n', 'csv.txt']],
  ['sort', ['-t', ',', '-k2,2n', '-k1,1nr', 'csv.txt']],
  ['sort', ['-f', 'lines.txt']],
  ['sort', ['-k1.2', 'lines.txt']],
  ['sort', ['-u', '-k1,1', 'nums.txt']],
  ['sort', ['-rn', 'nums.txt']],
  ['sort', ['-n', '-k2', '-u', 'nums.txt']],
  ['sort', ['-s', '-k1,1', 'nums.txt']],
  ['sort', [], 'nonl.txt'],
  ['uniq', ['lines.txt']],
  ['uniq', ['-c', 'lines.txt']],
  ['uniq', ['-d', 'nums.txt']],
  ['uniq', ['-u', 'nums.txt']],
  ['uniq', ['-i', '-c', 'lines.txt']],
  ['uniq', ['-c', '-f1', 'nums.txt']],
  ['cut', ['-d', ' ', '-f1', 'lines.txt']],
  ['cut', ['-d', ' ', '-f2-', 'lines.txt']],
  ['cut', ['-d', ' ', '-f1,3', 'lines.txt']],
  ['cut', ['-c1-5', 'lines.txt']],
  ['cut', ['-c3-', 'lines.txt']],
  ['cut', ['-d,', '-f2', 'csv.txt']],
  ['cut', ['-d,', '-f2', '-s', 'csv.txt']],
  ['cut', ['-d,', '-f-2,4', 'csv.txt']],
  ['cut', ['-d,', '--complement', '-f1', 'csv.txt']],
  ['cut', ['-b2,4,6', 'lines.txt']],
  ['tr', ['a-z', 'A-Z'], 'lines.txt'],
  ['tr', ['-d', 'aeiou'], 'lines.txt'],
  ['tr', ['-s', ' '], 'lines.txt'],
  ['tr', ['-s', 'a-z'], 'lines.txt'],
  ['tr', ['-d', '[:digit:]'], 'lines.txt'],
  ['tr', ['[:lower:]', '[:upper:]'], 'lines.txt'],
  ['tr', ['-c', 'a-z\\n', '_'], 'lines.txt'],
  ['tr', ['-cd', 'a-z\\n'], 'lines.txt'],
  ['tr', ['abc', 'x'], 'lines.txt'],
  ['tr', ['-s', 'a', 'b'], 'lines.txt'],
  ['tr', ['\\n', ' '], 'nonl.txt'],
  ['seq', ['5']],
  ['seq', ['3', '7']],
  ['seq', ['1', '2', '10']],
  ['seq', ['10', '-3', '1']],
  ['seq', ['-w', '8', '11']],
  ['seq', ['-s', ',', '1', '5']],
  ['seq', ['0', '0.5', '2']],
  ['seq', ['-1', '1']],
  ['seq', ['-w', '-3', '3']],
  ['seq', ['5', '1']],
  ['printf', ['%s-%d\\n', 'a', '1', 'b', '2']],
  ['printf', ['%5s|%-5s|%05d|%x|%X|%o|%c|%%\\n', 'ab', 'cd', '42', '255', '255', '8', 'hello']],
  ['printf', ['%3.1s|%.3d|%+d|% d\\n', 'xyz', '5', '7', '7']],
  ['printf', ['a\\tb\\\\n\\n']],
  ['printf', ['%b\\n', 'x\\ty']],
  ['printf', ['%d\\n', "'A"]],
  ['printf', ['%*d|\\n', '6', '42']],
  ['printf', ['no newline']],
  ['md5sum', ['lines.txt', 'bin.dat', 'empty.txt']],
  ['md5sum', [], 'nonl.txt'],
  ['sha256sum', ['lines.txt', 'bin.dat', 'empty.txt']],
  ['sha256sum', [], 'bin.dat'],
  ['od', ['-x', 'nonl.txt']],
  ['od', ['-c', 'nonl.txt']],
  ['od', ['-b', 'nonl.txt']],
  ['od', ['bin.dat']],
  ['od', ['-A', 'x', '-t', 'x1', 'bin.dat']],
  ['od', ['-t', 'x4', 'nonl.txt']],
  ['od', ['-An', '-t', 'u1', 'nonl.txt']],
  ['od', ['-d', 'nonl.txt']],
  ['od', ['-c', '-x', 'nonl.txt']],
  ['od', ['-v', '-t', 'x2', 'bin.dat']],
  ['hexdump', ['-C', 'bin.dat']],
  ['hexdump', ['-C', 'nonl.txt']],
  ['hexdump', ['nonl.txt']],
  ['hexdump', ['-C', '-n', '20', '-s', '5', 'bin.dat']],
  ['hexdump', ['-C', 'empty.txt']],
  ['hexdump', ['-v', '-C', 'bin.dat']],
  ['dd', ['if=bin.dat', 'bs=100', 'count=3']],
  ['dd', ['if=bin.dat', 'bs=7', 'skip=3', 'count=5']],
  ['dd', ['if=bin.dat', 'ibs=64', 'obs=100']],
  ['dd', ['bs=10', 'count=2'], 'nonl.txt'],
];

describe('guest tools under qemu-riscv32: the same output as coreutils, grep and hexdump', () => {
  it.each(SAME)('%s %j', (name, args, stdin) => {
    const input = stdin ? readFileSync(join(dir, stdin)) : undefined;
    const ours = box(name, args, input);
    const ref = host(name, args, input);
    expect(ref.status, ref.stderr).not.toBeNull();
    expect(ours.stdout.toString('latin1')).toBe(ref.stdout.toString('latin1'));
    expect(ours.status).toBe(ref.status);
    if (name === 'dd') {
      // "N+M records in/out" must agree; the time and rate line cannot.
      const records = (s: string) => s.split('\n').slice(0, 2);
      expect(records(ours.stderr)).toEqual(records(ref.stderr));
      expect(ours.stderr.split('\n')[2]).toMatch(/^\d+ bytes? (\(.+\) )?copied, [\d.]+ s, .+\/s$/);
    }
  });
});

describe('guest tools under qemu-riscv32: formats', () => {
  it('box --list names every applet, and argv[0] or the first argument selects one', () => {
    const list = text(box('box', ['--list']))
      .trim()
      .split('\n');
    for (const a of [
      'free',
      'ps',
      'top',
      'vmstat',
      'grep',
      'ls',
      'stress',
      'taskset',
      '[',
      'poweroff',
    ])
      expect(list).toContain(a);
    expect(text(box('box', ['seq', '2']))).toBe('1\n2\n');
    const unknown = box('nosuchtool', []);
    expect(unknown.status).toBe(127);
    expect(unknown.stderr).toBe('nosuchtool: applet not found\n');
  });

  it('ls -l: mode, links, owner, size, date, name and symlink target; colour off on a pipe', () => {
    const out = text(box('ls', ['-l', 'tree/a', 'tree/c']));
    expect(out).not.toContain('\x1b[');
    expect(out).toMatch(/^tree\/a:\ntotal \d+\n/);
    expect(out).toMatch(
      /^drwx[-r][-w]x[-r][-w]x \d+ \S+ \S+ +\d+ [A-Z][a-z]{2} [ \d]\d [ \d]\d:\d\d b$/m,
    );
    expect(out).toMatch(/^-rwxr-xr-x 1 \S+ \S+ +3 [A-Z][a-z]{2} [ \d]\d [ \d]\d:\d\d f1$/m);
    expect(out).toMatch(/^lrwxrwxrwx 1 \S+ \S+ +7 .* link -> \.\.\/a\/f1$/m);
    expect(text(box('ls', ['-a', 'tree']))).toBe('.\n..\na\nc\n');
    expect(text(box('ls', ['-R', 'tree']))).toBe(
      'tree:\na\nc\n\ntree/a:\nb\nf1\n\ntree/a/b:\nbig\n\ntree/c:\nempty\nlink\n',
    );
    expect(text(box('ls', ['-1F', 'tree/a', 'tree/c']))).toBe(
      'tree/a:\nb/\nf1*\n\ntree/c:\nempty\nlink@\n',
    );
    expect(text(box('ls', ['-lh', 'tree/a/b']))).toMatch(/ 900 .* big\n$/);
    const missing = box('ls', ['nothere']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe("ls: cannot access 'nothere': No such file or directory\n");
  });

  it('find -name -type -maxdepth, stat -c and du -s', () => {
    const lines = (r: Run) => text(r).trim().split('\n').sort();
    expect(lines(box('find', ['tree']))).toEqual(
      [
        'tree',
        'tree/a',
        'tree/a/b',
        'tree/a/b/big',
        'tree/a/f1',
        'tree/c',
        'tree/c/empty',
        'tree/c/link',
      ].sort(),
    );
    expect(lines(box('find', ['tree', '-type', 'f', '-name', '*i*']))).toEqual(['tree/a/b/big']);
    expect(lines(box('find', ['tree', '-maxdepth', '1', '-type', 'd']))).toEqual([
      'tree',
      'tree/a',
      'tree/c',
    ]);
    expect(lines(box('find', ['tree', '-type', 'l']))).toEqual(['tree/c/link']);
    expect(text(box('stat', ['-c', '%n %s %a %F', 'tree/a/f1', 'tree/c/link', 'tree/a']))).toMatch(
      /^tree\/a\/f1 3 755 regular file\ntree\/c\/link 7 777 symbolic link\ntree\/a \d+ 755 directory\n$/,
    );
    const full = text(box('stat', ['tree/a/f1']));
    expect(full).toMatch(
      /^ {2}File: tree\/a\/f1\n {2}Size: 3\s+Blocks: \d+\s+IO Block: \d+\s+regular file\n/,
    );
    expect(full).toMatch(/^Access: \(0755\/-rwxr-xr-x\) {2}Uid: \( *\d+\/ *\S+\) {3}Gid: /m);
    expect(full).toMatch(/^Modify: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} \+0000$/m);
    const du = text(box('du', ['-a', 'tree']))
      .trim()
      .split('\n');
    expect(du.map((l) => l.split('\t')[1]).sort()).toEqual(
      [
        'tree',
        'tree/a',
        'tree/a/b',
        'tree/a/b/big',
        'tree/a/f1',
        'tree/c',
        'tree/c/empty',
        'tree/c/link',
      ].sort(),
    );
    const kib = (path: string) => Number(du.find((l) => l.endsWith(`\t${path}`))!.split('\t')[0]);
    expect(kib('tree')).toBeGreaterThanOrEqual(kib('tree/a') + kib('tree/c'));
    expect(text(box('du', ['-s', 'tree']))).toBe(`${kib('tree')}\ttree\n`);
  });

  it('ps (default, aux, -ef, -o) reads /proc', () => {
    const def = text(box('ps', ['-e'])).split('\n');
    expect(def[0]).toBe('  PID TTY          TIME CMD');
    expect(def).toContainEqual(expect.stringMatching(/^ +1 \S+ +\d\d:\d\d:\d\d \S/));
    const aux = text(box('ps', ['aux'])).split('\n');
    expect(aux[0]).toBe('USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND');
    expect(aux[1]).toMatch(/^\S+ +1 +\d+\.\d +\d+\.\d +\d+ +\d+ \S+ +\S+ +\S+ +\d+:\d\d .+/);
    const ef = text(box('ps', ['-ef'])).split('\n');
    expect(ef[0]).toBe('UID        PID  PPID  C STIME TTY          TIME CMD');
    expect(ef[1]).toMatch(/^\S+ +1 +0 +\d+ \S+ \S+ +\d\d:\d\d:\d\d .+/);
    const o = text(box('ps', ['-o', 'pid,psr,ni,comm', '-p', '1'])).split('\n');
    expect(o[0]).toMatch(/^ +PID PSR +NI COMMAND$/);
    expect(o[1]).toMatch(/^ +1 +\d+ +-?\d+ \S+/);
  });

  it('top -b -n 1: load, tasks, %Cpu(s) with steal, memory, the task list', () => {
    const out = text(box('top', ['-b', '-n', '1'])).split('\n');
    expect(out[0]).toMatch(
      /^top - \d\d:\d\d:\d\d up .+, +\d+ users?, +load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d$/,
    );
    expect(out[1]).toMatch(
      /^Tasks: +\d+ total, +\d+ running, +\d+ sleeping, +\d+ stopped, +\d+ zombie$/,
    );
    const cpu =
      /^%Cpu\(s\): *([\d.]+) us, *([\d.]+) sy, *([\d.]+) ni, *([\d.]+) id, *([\d.]+) wa, *([\d.]+) hi, *([\d.]+) si, *([\d.]+) st$/.exec(
        out[2],
      );
    expect(cpu, out[2]).not.toBeNull();
    const sum = cpu!.slice(1).reduce((a, v) => a + Number(v), 0);
    expect(sum).toBeGreaterThan(98);
    expect(sum).toBeLessThan(102);
    expect(out[3]).toMatch(
      /^MiB Mem : +[\d.]+ total, +[\d.]+ free, +[\d.]+ used, +[\d.]+ buff\/cache$/,
    );
    expect(out[4]).toMatch(
      /^MiB Swap: +[\d.]+ total, +[\d.]+ free, +[\d.]+ used\. +[\d.]+ avail Mem$/,
    );
    expect(out[6]).toBe(
      '  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND',
    );
    expect(out[7]).toMatch(
      /^ *\d+ \S+ +(-?\d+|rt) +-?\d+ +\d+ +\d+ +\d+ [RSDIZTt] +\d+\.\d +\d+\.\d +\d+:\d\d\.\d\d \S/,
    );
  });

  it('vmstat 1 2: the procps header and two lines of 17 numbers ending in st', () => {
    const out = text(box('vmstat', ['1', '2'])).split('\n');
    expect(out[0]).toBe(
      'procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----',
    );
    expect(out[1]).toBe(
      ' r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st',
    );
    for (const line of out.slice(2, 4)) {
      const cols = line.trim().split(/ +/).map(Number);
      expect(cols, line).toHaveLength(17);
      const [us, sy, id, wa, st] = cols.slice(12);
      expect(us + sy + id + wa + st).toBeGreaterThanOrEqual(97);
      expect(us + sy + id + wa + st).toBeLessThanOrEqual(103);
    }
    expect(out[4]).toBe('');
  });

  it('free -k / -m / -h: procps layout, totals from /proc/meminfo', () => {
    const memTotal = Number(
      /^MemTotal: +(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1],
    );
    const header =
      '               total        used        free      shared  buff/cache   available';
    const k = text(box('free', [])).split('\n');
    expect(k[0]).toBe(header);
    expect(k[1]).toMatch(/^Mem: +\d+ +\d+ +\d+ +\d+ +\d+ +\d+$/);
    expect(k[1].slice(0, 20)).toBe(`Mem:${String(memTotal).padStart(16)}`);
    expect(k[2]).toMatch(/^Swap: +\d+ +\d+ +\d+$/);
    const m = text(box('free', ['-m'])).split('\n');
    expect(Number(m[1].split(/ +/)[1])).toBe(Math.floor(memTotal / 1024));
    const h = text(box('free', ['-h'])).split('\n');
    expect(h[1]).toMatch(/^Mem: +[\d.]+[KMGT]i( +[\d.]+([KMGT]i|B)){5}$/);
  });

  it('uptime, uname, nproc, date, kill -l, sleep', () => {
    expect(text(box('uptime', []))).toMatch(
      /^ \d\d:\d\d:\d\d up .+, +\d+ users?, +load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d\n$/,
    );
    expect(text(box('uname', ['-m']))).toBe('riscv32\n');
    expect(text(box('uname', ['-a']))).toMatch(/^Linux \S+ \S+ .+ riscv32 Linux\n$/);
    expect(Number(text(box('nproc', [])))).toBeGreaterThanOrEqual(1);
    expect(text(box('date', ['-u', '-d', '@0']))).toBe('Thu Jan  1 00:00:00 UTC 1970\n');
    expect(text(box('date', ['-d', '@1700000000', '+%F %T %a %j %s']))).toBe(
      '2023-11-14 22:13:20 Tue 318 1700000000\n',
    );
    expect(text(box('kill', ['-l']))).toMatch(
      /^HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV .* SYS\n$/,
    );
    expect(text(box('kill', ['-l', '9']))).toBe('KILL\n');
    const t0 = Date.now();
    expect(box('sleep', ['0.3']).status).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it('test and [: file, string and integer tests, exit 0/1/2', () => {
    const st = (name: string, ...args: string[]) => box(name, args).status;
    expect(st('test', '-f', 'lines.txt')).toBe(0);
    expect(st('test', '-d', 'lines.txt')).toBe(1);
    expect(st('test', '-e', 'nothere')).toBe(1);
    expect(st('test', '-z', '')).toBe(0);
    expect(st('test', '-n', '')).toBe(1);
    expect(st('test', 'abc', '=', 'abc', '-a', '1', '-lt', '2')).toBe(0);
    expect(st('test', '!', '3', '-ge', '4')).toBe(0);
    expect(st('[', '3', '-ge', '4', '-o', 'a', '!=', 'b', ']')).toBe(0);
    expect(st('[', '(', '1', '-eq', '2', ')', ']')).toBe(1);
    expect(st('[', '-f', 'lines.txt')).toBe(2);
    expect(st('test', 'x', '-eq', '1')).toBe(2);
  });

  it('echo, env, tee, xargs, true/false', () => {
    expect(text(box('echo', ['-n', 'a', 'b']))).toBe('a b');
    expect(text(box('echo', ['-e', 'x\\ty']))).toBe('x\ty\n');
    expect(text(box('env', ['-i', 'A=1', 'B=2']))).toBe('A=1\nB=2\n');
    expect(text(box('tee', ['teed.txt'], 'copied\n'))).toBe('copied\n');
    expect(readFileSync(join(dir, 'teed.txt'), 'utf8')).toBe('copied\n');
    expect(box('true', []).status).toBe(0);
    expect(box('false', []).status).toBe(1);
  });

  it('mkdir -p, touch, cp -r, ln -s, mv, rm -r, rmdir', () => {
    expect(box('mkdir', ['-p', 'work/x/y']).status).toBe(0);
    expect(box('touch', ['work/x/y/t']).status).toBe(0);
    expect(box('cp', ['-r', 'tree', 'work/copy']).status).toBe(0);
    expect(readFileSync(join(dir, 'work', 'copy', 'a', 'b', 'big'))).toEqual(
      readFileSync(join(dir, 'tree', 'a', 'b', 'big')),
    );
    expect(text(box('stat', ['-c', '%a %F', 'work/copy/a/f1', 'work/copy/c/link']))).toBe(
      '755 regular file\n777 symbolic link\n',
    );
    expect(box('ln', ['-s', 'x/y/t', 'work/l']).status).toBe(0);
    expect(text(box('stat', ['-c', '%N', 'work/l']))).toBe("'work/l' -> 'x/y/t'\n");
    expect(box('mv', ['work/x/y/t', 'work/moved']).status).toBe(0);
    expect(text(box('ls', ['work']))).toBe('copy\nl\nmoved\nx\n');
    expect(box('rmdir', ['-p', 'work/x/y']).status).toBe(1); // "work" is not empty
    expect(text(box('ls', ['work']))).toBe('copy\nl\nmoved\n');
    expect(box('rm', ['-r', 'work']).status).toBe(0);
    expect(box('ls', ['work']).status).toBe(2);
    expect(box('rm', ['-f', 'work']).status).toBe(0);
  });

  it('df and mount list the mounted file systems', () => {
    const df = text(box('df', ['.'])).split('\n');
    expect(df[0]).toMatch(/^Filesystem +1K-blocks +Used +Available +Use% +Mounted on$/);
    expect(df[1]).toMatch(/^\S+ +\d+ +\d+ +\d+ +\d+% +\/\S*$/);
    expect(text(box('df', ['-h', '.']))).toMatch(
      /^Filesystem +Size +Used +Avail +Use% +Mounted on\n/,
    );
    expect(text(box('mount', []))).toMatch(/^proc on \/proc type proc \(\S+\)$/m);
  });

  it('stress runs and stops its workers, and says what it did', () => {
    const r = box('stress', [
      '--cpu',
      '1',
      '--vm',
      '1',
      '--vm-bytes',
      '1M',
      '--vm-pattern',
      'same',
      '--timeout',
      '1',
    ]);
    expect(r.status).toBe(0);
    const out = text(r);
    expect(out).toMatch(/^stress: info: \[\d+\] dispatching hogs: 1 cpu, 0 io, 1 vm, 0 hdd$/m);
    expect(out).toMatch(
      /^stress: info: \[\d+\] vm worker \d+: 1048576 bytes \(256 pages\), pattern same$/m,
    );
    expect(out).toMatch(/^stress: info: \[\d+\] successful run completed in 1s$/m);
    const bad = box('stress', ['--vm', '1', '--vm-pattern', 'plaid']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--vm-pattern must be zero, same or random');
  });

  it('watch clears the screen and prints its header before each run; clear is ANSI', () => {
    const r = spawnSync(qemu, ['-0', 'watch', BOX, '-n', '0.5', 'echo', 'hi'], {
      cwd: dir,
      timeout: 2500,
      killSignal: 'SIGINT',
    });
    const frames = r.stdout.toString().split('\x1b[H\x1b[2J').slice(1);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(frames[0]).toMatch(
      /^Every 0\.5s: echo hi +\S+: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n\nhi\n$/,
    );
    expect(text(box('clear', []))).toBe('\x1b[H\x1b[2J\x1b[3J');
  });

  it('tail -f prints what is appended until it is stopped', async () => {
    writeFileSync(join(dir, 'log.txt'), 'first\nsecond\n');
    const child = spawn(qemu, ['-0', 'tail', BOX, '-f', '-n', '1', 'log.txt'], { cwd: dir });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => setTimeout(resolve, 600));
    appendFileSync(join(dir, 'log.txt'), 'third\n');
    await new Promise((resolve) => setTimeout(resolve, 1800));
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('close', resolve));
    expect(out).toBe('second\nthird\n');
  });

  it('taskset -p / -cp show the affinity; chrt -p the policy', () => {
    expect(text(box('taskset', ['-p', '1']))).toMatch(
      /^pid 1's current affinity mask: [0-9a-f]+\n$/,
    );
    expect(text(box('taskset', ['-cp', '1']))).toMatch(
      /^pid 1's current affinity list: [\d,-]+\n$/,
    );
    // The command runs on the host (qemu-user execs it natively), with the affinity we set.
    expect(text(box('taskset', ['-c', '0', 'nproc']))).toBe('1\n');
    expect(text(box('chrt', ['-p', '1']))).toMatch(
      /^pid 1's current scheduling policy: SCHED_\w+\npid 1's current scheduling priority: \d+\n$/,
    );
    const niceness = Number(text(box('nice', [])));
    expect(text(box('nice', ['-n', '5', 'nice']))).toBe(`${Math.min(19, niceness + 5)}\n`);
  });
});
