import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../tools/lib/images';
import { findProgram } from '../tools/lib/programs';

/**
 * The guest's /bin/sh (tools/guest/userland/sh.c and sh-*.c), the binary
 * tools/guest/build.sh puts in the image, run under QEMU's user-mode
 * emulator: scripts on stdin, and an interactive session on a
 * pseudo-terminal (util-linux `script`) for line editing and job control.
 * Host programs (cat, sleep, ...) are on PATH; `sh` on PATH is a wrapper
 * that runs the guest shell again, so `sh -c` and `sh FILE` test ours.
 */
const SH = join(ROOT, 'test', 'fixtures', 'guest-sh.elf');
const PROMPT = /root@virtlab:[^\n#]*# $/;
let qemu: string;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  qemu = findProgram('qemu-riscv32');
  dir = mkdtempSync(join(tmpdir(), 'guest-sh-'));
  writeFileSync(join(dir, 'sh'), `#!/bin/sh\nexec '${qemu}' '${SH}' "$@"\n`);
  chmodSync(join(dir, 'sh'), 0o755);
  env = { PATH: `${dir}:/usr/bin:/bin`, HOME: dir, LC_ALL: 'C' };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `script` as the shell's stdin (not a terminal: no prompt, no job control). */
function run(script: string, args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(findProgram('qemu-riscv32'), [SH, ...args], {
    input: script,
    cwd: dir,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
  });
  return { out: r.stdout, err: r.stderr, status: r.status };
}

describe('guest shell: scripts', () => {
  it('pipes, and redirections into files and back', () => {
    const r = run(
      [
        'echo hello | cat',
        'printf "a\\nb\\nc\\n" | cat | cat -n | cat',
        'echo hi > f1; cat f1',
        'echo more >> f1; cat < f1',
        'echo err 1>&2 2>/dev/null',
        'ls /nonexistent-dir 2>&1 | cat > f2; cat f2 | wc -l',
        'ls /nonexistent-dir 2>/dev/null; echo status $?',
        'echo to3 3>f3 >&3; cat f3',
        'exec 4>f4; echo via4 >&4; exec 4>&-; cat f4',
        '{ echo g1; echo g2; } > f5; cat f5',
        'cat <f1 >f6; cat f6',
        '',
      ].join('\n'),
    );
    expect(r.out).toBe(
      'hello\n     1\ta\n     2\tb\n     3\tc\nhi\nhi\nmore\n1\nstatus 2\nto3\nvia4\ng1\ng2\nhi\nmore\n',
    );
    expect(r.err).toBe('err\n');
    expect(readFileSync(join(dir, 'f2'), 'utf8')).toMatch(/nonexistent-dir/);
  });

  it('quotes, backslashes and variables', () => {
    const r = run(
      [
        'x=hello; y="two  words"',
        'echo "$x world" \'$x\' ${x}s "${y}" $y',
        'echo ${unset:-default} ${x:+alt} ${#x} "${unset}" end',
        "echo a\\ b \"q\\\"uote\" 'it'\\''s' \\$x",
        'z=abc.tar.gz; echo ${z%.*} ${z%%.*} ${z#*.} ${z##*.}',
        'echo ${new:=assigned} $new',
        'VAR=prefix sh -c \'echo in child: $VAR\'; echo "after: ${VAR-unset}"',
        "export EXP=1; sh -c 'echo exported $EXP'; unset EXP; sh -c 'echo unset ${EXP-gone}'",
        'set -- p q "r s"; echo $# "$1" "$3"; for a in "$@"; do echo "<$a>"; done; shift; echo $1',
        'echo $$ | grep -c "^[0-9][0-9]*$"',
        '',
      ].join('\n'),
    );
    expect(r.out).toBe(
      [
        'hello world $x hellos two  words two words',
        'default alt 5  end',
        'a b q"uote it\'s $x',
        'abc.tar abc tar.gz gz',
        'assigned assigned',
        'in child: prefix',
        'after: unset',
        'exported 1',
        'unset gone',
        '3 p r s',
        '<p>',
        '<q>',
        '<r s>',
        'q',
        '1',
        '',
      ].join('\n'),
    );
  });

  it('command substitution, arithmetic, && || ! and exit statuses', () => {
    const r = run(
      [
        'echo $(echo sub) `echo back` "$(echo "nested $(echo deep)")"',
        'lines=$(printf "a\\nb\\n\\n"); echo "[$lines]"',
        'x=$(exit 3); echo $?',
        'echo $((3 + 4 * 2)) $(( (1 + 2) * 3 )) $((7 / 2)) $((7 % 2)) $((2 > 1))',
        'i=0; i=$((i + 1)); echo $i',
        'true && echo and; false && echo no; false || echo or; true || echo no',
        '! false; echo $?; ! true; echo $?',
        'false; echo $?; false | true; echo $?',
        'nosuchcommand; echo $?',
        'sh -c "exit 7"; echo $?',
        'sleep 0.2 & wait $!; echo waited $?',
        '',
      ].join('\n'),
    );
    expect(r.out).toBe(
      'sub back nested deep\n[a\nb]\n3\n11 9 3 1 1\n1\nand\nor\n0\n1\n1\n0\n127\n7\nwaited 0\n',
    );
    expect(r.err).toBe('sh: nosuchcommand: command not found\n');
  });

  it('if, for, while, until, case, groups and subshells', () => {
    const r = run(
      [
        'for i in 1 2 3; do echo $i; done',
        'i=0; while [ $i -lt 3 ]; do echo w$i; i=$((i+1)); done',
        'until [ $i -eq 0 ]; do i=$((i-1)); done; echo until $i',
        'if false; then echo no; elif [ -d / ]; then echo elif; else echo else; fi',
        'for f in a b c; do if [ $f = b ]; then continue; fi; echo $f; done',
        'while true; do echo once; break; done',
        'for w in x.c y.h z; do case $w in *.c) echo C $w;; *.h|*.hpp) echo H $w;; *) echo other $w;; esac; done',
        '(cd /; pwd); pwd | grep -c guest-sh-',
        'x=outer; (x=inner; echo $x); echo $x',
        'for i in 1 2\ndo\n  echo multi $i\ndone',
        'case a in b) ;; a) echo A;; esac',
        '',
      ].join('\n'),
    );
    expect(r.out).toBe(
      [
        '1',
        '2',
        '3',
        'w0',
        'w1',
        'w2',
        'until 0',
        'elif',
        'a',
        'c',
        'once',
        'C x.c',
        'H y.h',
        'other z',
        '/',
        '1',
        'inner',
        'outer',
        'multi 1',
        'multi 2',
        'A',
        '',
      ].join('\n'),
    );
  });

  it('here-documents, here-strings and globbing', () => {
    const r = run(
      [
        'mkdir g; touch g/a.txt g/b.txt g/c.log g/.hidden',
        'v=expanded',
        'cat <<EOF\nline $v\n  $(echo sub)\nEOF',
        "cat <<'EOF'\nliteral $v\nEOF",
        'cat <<-EOF\n\tstripped\n\tEOF',
        'cat <<<"here $v"',
        'read a b <<< "one two three"; echo "$a|$b"',
        'echo g/*.txt; echo g/?.log; echo g/[ab]*; echo g/*; echo g/none* "g/*"',
        'cd g; echo *; cd ..',
        '',
      ].join('\n'),
    );
    expect(r.out).toBe(
      [
        'line expanded',
        '  sub',
        'literal $v',
        'stripped',
        'here expanded',
        'one|two three',
        'g/a.txt g/b.txt',
        'g/c.log',
        'g/a.txt g/b.txt',
        'g/a.txt g/b.txt g/c.log',
        'g/none* g/*',
        'a.txt b.txt c.log',
        '',
      ].join('\n'),
    );
  });

  it('sh -c, scripts with and without #!, ., set -e and set -x, exit', () => {
    writeFileSync(join(dir, 'script1'), '#!/bin/sh\necho script $0 $# "$1"\nexit 5\n');
    chmodSync(join(dir, 'script1'), 0o755);
    writeFileSync(join(dir, 'script2'), 'echo no shebang $1\n');
    chmodSync(join(dir, 'script2'), 0o755);
    writeFileSync(join(dir, 'lib.sh'), 'FROM_LIB=yes\n');
    const r = run(
      [
        `sh ${dir}/script1 "a b"; echo rc $?`,
        './script2 arg',
        '. ./lib.sh; echo $FROM_LIB',
        "sh -c 'echo $0 $1 $#' zero one",
        "sh -c 'set -e; false; echo not reached'; echo rc $?",
        "sh -c 'set -x; echo traced' 2>&1",
        'type cd echo | cat',
        'command -v cat',
        'alias hi="echo alias says"; hi there',
        'eval "echo evaluated \\$HOME" | grep -c guest-sh-',
        'exit 4',
        'echo not reached',
        '',
      ].join('\n'),
    );
    expect(r.out).toBe(
      [
        `script ${dir}/script1 1 a b`,
        'rc 5',
        'no shebang arg',
        'yes',
        'zero one 1',
        'rc 1',
        '+ echo traced',
        'traced',
        'cd is a shell builtin',
        'echo is a shell builtin',
        '/usr/bin/cat',
        'alias says there',
        '1',
        '',
      ].join('\n'),
    );
    expect(r.status).toBe(4);
    expect(run('echo "unterminated\n')).toMatchObject({ status: 2, out: '' });
    expect(run('if true; then echo x\n').err).toMatch(/syntax error/);
    expect(run('echo $# $1 $2', ['-s', 'a', 'b']).out).toBe('2 a b\n');
  });

  it('runs programs from $PATH, and says so when a name is found nowhere', () => {
    expect(run('type uname').out).toBe('uname is /usr/bin/uname\n');
    const none = run('type uname; uname -s; nosuch', [], { PATH: dir });
    expect(none.out).toBe('');
    expect(none.err).toBe(
      'sh: uname: not found\nsh: uname: command not found\nsh: nosuch: command not found\n',
    );
  });
});

/** The shell on a pseudo-terminal, driven like the host drives the guest console. */
class PtySession {
  output = '';
  #proc: ChildProcessWithoutNullStreams;
  #wake: (() => void) | undefined;

  constructor(ps1 = 'root@virtlab:\\w# ') {
    // script(1) gives the shell a terminal; qemu -E sets the guest's environment.
    const cmd = `'${qemu}' -E 'PS1=${ps1}' -E 'PATH=${env.PATH}' -E 'HOME=${dir}' '${SH}'`;
    this.#proc = spawn(findProgram('script'), ['-qfec', cmd, '/dev/null'], { cwd: dir, env });
    this.#proc.stdout.on('data', (b: Buffer) => {
      this.output += b.toString('utf8');
      this.#wake?.();
    });
  }

  type(text: string): void {
    this.#proc.stdin.write(text);
  }

  /** Waits until the output from `from` on matches; returns the index after the match. */
  async waitFor(pattern: RegExp, from: number, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.output.slice(from));
      if (m) return from + m.index + m[0].length;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${pattern}; output:\n${this.output.slice(from)}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 200);
      });
    }
  }

  /** Types `line` at the prompt; returns what came before the next prompt (echo removed). */
  async command(line: string): Promise<string> {
    const start = await this.waitFor(PROMPT, 0);
    const mark = Math.max(start, this.output.length);
    this.type(line + '\r');
    await this.waitFor(PROMPT, mark);
    const text = this.output.slice(mark).replace(PROMPT, '').replace(/\r+\n/g, '\n');
    return text.slice(text.indexOf('\n') + 1);
  }

  /** The shell's pid (qemu running sh), the child of script(1). */
  #shellPid(): number | undefined {
    const pid = this.#proc.pid;
    if (pid === undefined) return undefined;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return children ? Number(children.split(' ')[0]) : undefined;
  }

  /**
   * Waits until a job, not the shell, is the terminal's foreground process
   * group (/proc/PID/stat: pgrp and tpgid), so keys typed next go to it
   * however slow the machine is. False when that does not happen in time.
   */
  async #jobInForeground(timeoutMs = 15_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const pid = this.#shellPid();
      if (pid !== undefined) {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const pgrp = Number(fields[2]);
        const tpgid = Number(fields[5]);
        if (tpgid > 0 && tpgid !== pgrp) return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }

  /**
   * Types keys while a command runs; returns the output up to the next
   * prompt. After `settleMs`, and when `job`, once a job owns the terminal
   * (otherwise the command runs in the shell itself).
   */
  async keys(line: string, keys: string, settleMs = 300, job = true): Promise<string> {
    await this.waitFor(PROMPT, 0);
    const mark = this.output.length;
    this.type(line + '\r');
    await this.waitFor(/\n/, mark);
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    // Right before the keys: a job (not the shell between two commands of a loop) owns the terminal.
    if (job) await this.#jobInForeground();
    this.type(keys);
    await this.waitFor(PROMPT, mark);
    return this.output.slice(mark).replace(PROMPT, '').replace(/\r+\n/g, '\n');
  }

  close(): void {
    this.#proc.kill('SIGKILL');
  }
}

describe('guest shell: on a terminal', () => {
  let s: PtySession;
  afterEach(() => s?.close());

  it('prompts, echoes and edits lines like the host expects', async () => {
    s = new PtySession();
    expect(await s.command('echo hello')).toBe('hello\n');
    expect(await s.command('cd /tmp')).toBe('');
    expect(s.output.endsWith('root@virtlab:/tmp# ')).toBe(true);
    expect(await s.command('cd -')).toBe(`${dir}\n`);
    expect(await s.command('cd; pwd')).toBe(`${dir}\n`);
    // Up arrow recalls the previous line; Ctrl-A/Ctrl-K edit it.
    expect(await s.command('echo recalled')).toBe('recalled\n');
    expect(await s.command('\x1b[A')).toMatch(/recalled\n$/);
    expect(await s.command('XXecho edited\x01\x1b[C\x1b[C\x0b')).toMatch(
      /sh: XX: command not found/,
    );
    // A command over two lines gets the "> " prompt, and is one history line.
    s.type('for i in a b\r');
    const more = await s.waitFor(/\n> $/, s.output.length);
    s.type('do echo $i; done\r');
    await s.waitFor(PROMPT, more);
    expect(s.output.slice(more)).toMatch(/^do echo \$i; done\r+\na\r\nb\r\n/);
    expect(await s.command('history | tail -2')).toMatch(
      /for i in a b; do echo \$i; done\n.*history/,
    );
    // Ctrl-C drops the line being typed.
    const mark = s.output.length;
    s.type('echo never\x03');
    await s.waitFor(PROMPT, mark);
    expect(s.output.slice(mark)).toContain('^C');
    expect(s.output.slice(mark)).not.toContain('never\r\n');
  });

  it('completes commands and paths with Tab, listing candidates on a second Tab', async () => {
    writeFileSync(join(dir, 'unique-file.txt'), 'completed\n');
    writeFileSync(join(dir, 'twin-1'), '');
    writeFileSync(join(dir, 'twin-2'), '');
    s = new PtySession();
    expect(await s.command(`cat ${dir}/uniq\t`)).toBe('completed\n');
    expect(await s.command('his\t| tail -1')).toMatch(/history \| tail -1\n$/);
    await s.waitFor(PROMPT, 0);
    const mark = s.output.length;
    s.type(`ls ${dir}/tw\t`);
    await s.waitFor(/twin-(\x1b\[K)?$/, mark);
    s.type('\t');
    const listed = await s.waitFor(/twin-1\s+twin-2\s*\r\n/, mark);
    s.type('1\r');
    await s.waitFor(PROMPT, listed);
    expect(s.output.slice(listed)).toContain(`${dir}/twin-1\r\n`);
  });

  it('Ctrl-C interrupts the foreground job and a loop', async () => {
    s = new PtySession();
    const out = await s.keys('sleep 30', '\x03');
    expect(out).toContain('^C');
    expect(await s.command('echo $?')).toBe('130\n');
    const loop = await s.keys('while true; do echo tick; sleep 5; done', '\x03', 500);
    expect(loop).toMatch(/tick\n/);
    expect(await s.command('echo after')).toBe('after\n');
    // A loop of builtins runs in the shell itself, which then takes the SIGINT.
    expect(await s.keys('while true; do i=$((i+1)); done', '\x03', 1000, false)).toContain('^C');
    expect(await s.command('echo $?')).toBe('130\n');
  });

  it('Ctrl-Z stops the foreground job; jobs, bg, fg and kill act on it', async () => {
    s = new PtySession();
    const stopped = await s.keys('sleep 30', '\x1a');
    expect(stopped).toMatch(/\[1\]\+ {2}Stopped {17}sleep 30\n$/);
    expect(await s.command('echo $?')).toBe('148\n');
    expect(await s.command('jobs')).toBe('[1]+  Stopped                 sleep 30\n');
    expect(await s.command('bg')).toBe('[1]+ sleep 30 &\n');
    expect(await s.command('jobs')).toBe('[1]+  Running                 sleep 30 &\n');
    const fg = await s.keys('fg', '\x03');
    expect(fg).toMatch(/^fg\nsleep 30\n/);
    expect(await s.command('jobs')).toBe('');
    // A stopped pipeline is one job; kill %1 ends it.
    expect(await s.keys('sleep 30 | cat', '\x1a')).toContain(
      'Stopped                 sleep 30 | cat',
    );
    // The end is reported before a prompt or by jobs, whichever comes first.
    let reports = await s.command('kill %1');
    reports += await s.command('sleep 1');
    reports += await s.command('jobs');
    expect(reports).toMatch(/\[1\]\+ {2}Terminated {14}sleep 30 \| cat\n/);
    expect(await s.command('jobs')).toBe('');
  });

  it('runs background jobs and reports them when done', async () => {
    s = new PtySession();
    expect(await s.command('sleep 0.5 &')).toMatch(/^\[1\] \d+\n$/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await s.command('echo next')).toBe('next\n[1]+  Done                    sleep 0.5\n');
    expect(await s.command('sleep 0.3 & sleep 0.3 & wait; echo all done')).toMatch(/all done\n/);
  });

  it('expands PS1 escapes', async () => {
    s = new PtySession('[\\W] root@virtlab:\\w# ');
    await s.waitFor(/\[guest-sh-\w+\] root@virtlab:\/[^#]*# $/, 0);
  });
});
