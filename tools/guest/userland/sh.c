/* VirtLab guest shell (/bin/sh): a POSIX-like shell for interactive use
 * on the serial console and for scripts. Also hosts the workload applets
 * (hog, spin, bench), selected by argv[0]. The parts, one job per file:
 *   sh-arena.c    allocation          sh-vars.c     variables, environment
 *   sh-lex.c      lexer               sh-parse.c    parser (syntax tree)
 *   sh-expand.c   word expansion      sh-glob.c     patterns, pathnames
 *   sh-arith.c    $((...))            sh-exec.c     running the tree
 *   sh-jobs.c     job control         sh-edit.c     line editor, history
 *   sh-builtins.c, sh-builtins-io.c   built-in commands
 *   sh-legacy-none.c  no legacy built-ins: /bin (the box) has the commands */
#include "sh.h"
#include "workloads.c"
#include "sh-arena.c"
#include "sh-vars.c"
#include "sh-lex.c"
#include "sh-parse.c"
#include "sh-glob.c"
#include "sh-arith.c"
#include "sh-expand.c"
#include "sh-jobs.c"
#include "sh-exec.c"
#include "sh-builtins.c"
#include "sh-builtins-io.c"
#include "sh-edit.c"
#include "sh-legacy-none.c"   /* every command is a program in /bin (the box) */

static void on_sigint(int sig) { (void)sig; got_sigint = 1; }

/* sh FILE [ARGS] (also a #!-less script exec'd by us): in this process. */
static int run_script_file(const char *path, char **argv, int argc)
{
	char *text = slurp(path);
	if (!text) {
		sh_error("%s: %s", path, errstr(errno));
		return 127;
	}
	pos_zero = path;
	sh_name = path;
	pos_set(argv + 1, argc > 1 ? argc - 1 : 0);
	exec_string(text, path);
	return sh_exiting >= 0 ? sh_exiting : sh_status;
}

static void setup_terminal(void)
{
	sh_ttyfd = sh_fcntl(0, SH_F_DUPFD_CLOEXEC, 10);
	set_signal(SIGINT, on_sigint, 0);   /* interrupts read/wait; the line editor sees ^C as a key */
	set_signal(SIGQUIT, V_SIG_IGN, 0);
	set_signal(SIGTSTP, V_SIG_IGN, 0);
	set_signal(SIGTTOU, V_SIG_IGN, 0);
	set_signal(SIGTTIN, V_SIG_IGN, 0);
	/* own process group in the foreground of the terminal */
	setpgid(0, 0);
	sh_pgrp = getpid();
	tcsetpgrp(sh_ttyfd, sh_pgrp);
	tty_get(sh_ttyfd, &sh_tty_modes);
	sh_tty_modes.c_lflag |= ICANON | ECHO | ISIG | ECHOE | ECHOK;
	sh_tty_modes.c_iflag |= ICRNL;
	tty_set(sh_ttyfd, &sh_tty_modes);
}

/* Reads one more line of input into b (with its newline). -1 at EOF;
 * -2: Ctrl-C dropped the command being typed. */
static int read_more(struct sbuf *b, int first)
{
	char line[LINE_MAX_], prompt[300];
	int n;
	if (!sh_interactive)
		return read_line_plain(0, b);
	prompt_expand(first ? (var_get("PS1") ? var_get("PS1") : "\\u@\\h:\\w\\$ ")
			    : (var_get("PS2") ? var_get("PS2") : "> "), prompt, sizeof(prompt));
	for (;;) {
		n = read_line_tty(prompt, line);
		if (n == -1) {
			/* the terminal went away: wait a moment, then retry */
			sleep_ns(100000000LL);
			continue;
		}
		if (n == -2)
			return -2;
		sb_putn(b, line, n);
		sb_putc(b, '\n');
		return 0;
	}
}

/* The read-parse-run loop over stdin (a terminal or not). */
static int run_stdin(void)
{
	struct sbuf in = { 0 };   /* pending input; lives outside the arena marks */
	char *pending = 0;
	int plen = 0;
	for (;;) {
		unsigned mark;
		struct node *tree;
		int used, r, eof = 0;

		if (sh_interactive)
			jobs_notify();
		arena_release(0);
		memset(&in, 0, sizeof(in));
		if (plen)
			sb_putn(&in, pending, plen);   /* text after the last command */
		if (!plen && (r = read_more(&in, 1)) < 0) {
			if (r == -2) continue;
			break;
		}
		for (;;) {
			mark = arena_mark();
			r = parse_program_ex(sb_str(&in), eof, &used, &tree);
			if (r != P_MORE) break;
			arena_release(mark);
			r = read_more(&in, 0);
			if (r == -2) { used = in.len; r = P_EMPTY; tree = 0; break; }
			if (r < 0) eof = 1;
		}
		if (sh_interactive && (r == P_OK || r == P_ERROR))
			hist_add_command(in.s, used);
		/* keep what follows the command for the next round (outside the arena) */
		free(pending);
		plen = in.len - used;
		pending = plen > 0 ? malloc(plen) : 0;
		if (plen > 0) memcpy(pending, in.s + used, plen);
		if (r == P_ERROR) {
			sh_status = 2;
			if (!sh_interactive) break;
			continue;
		}
		if (r == P_OK) {
			got_sigint = 0;
			exec_node(tree, 0);
			if (got_sigint && sh_interrupted)
				sh_status = 130;
			sh_interrupted = sh_break = sh_continue = 0;
		}
		if (sh_exiting >= 0)
			return sh_exiting;
		if (eof && !plen)
			break;
	}
	return sh_status;
}

int main(int argc, char **argv, char **envp)
{
	const struct applet *app = find_applet(base_name(argv[0]));
	char cwd[512];
	int i = 1, st, force_i = 0, from_stdin = 0;

	if (app)   /* invoked as /bin/hog, /bin/spin, /bin/bench */
		return app->fn(argc, argv);

	sh_pid = getpid();
	env_import(envp);
	if (!var_get("PATH")) var_set("PATH", "/bin:/sbin:/usr/bin", 1);
	if (!var_get("HOME")) var_set("HOME", "/root", 1);
	if (vgetcwd(cwd, sizeof(cwd)) >= 0) var_set("PWD", cwd, 1);
	pos_zero = argv[0];

	for (; i < argc && argv[i][0] == '-' && argv[i][1] && argv[i][1] != 'c'; i++) {
		const char *o;
		if (!strcmp(argv[i], "--")) { i++; break; }
		if (!strcmp(argv[i], "-s")) { from_stdin = 1; i++; break; }
		for (o = argv[i] + 1; *o; o++) {
			if (*o == 'e') sh_opt_e = 1;
			else if (*o == 'x') sh_opt_x = 1;
			else if (*o == 'i') force_i = 1;
		}
	}
	if (i < argc && !strcmp(argv[i], "-c")) {   /* sh -c CMD [NAME [ARGS...]] */
		if (i + 1 >= argc) {
			sh_error("-c: option requires an argument");
			return 2;
		}
		if (i + 2 < argc) {
			pos_zero = argv[i + 2];
			pos_set(argv + i + 3, argc - i - 3);
		}
		st = exec_string(argv[i + 1], "sh");
		jobs_notify();
		return sh_exiting >= 0 ? sh_exiting : st;
	}
	if (i < argc && !from_stdin)   /* sh FILE [ARGS...] */
		return run_script_file(argv[i], argv + i, argc - i);
	if (from_stdin)   /* sh -s ARGS...: commands from stdin */
		pos_set(argv + i, argc - i);

	sh_interactive = force_i || tty_get(0, &sh_tty_modes) == 0;
	if (sh_interactive)
		setup_terminal();
	return run_stdin();
}
