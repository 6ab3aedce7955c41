/* watch [-n SECONDS] [-t] [-e] [-x] COMMAND...: procps-ng's watch without
 * curses. Every interval: clear the screen, print the "Every 1.0s: CMD"
 * header with the host name and time at the right edge, a blank line, then
 * the command's output (run with sh -c, or directly with -x). */
#include "box.h"

static volatile int stop;
static void on_int(int s) { (void)s; stop = 1; }

struct utsname_w { char sysname[65], nodename[65], release[65], version[65], machine[65], domain[65]; };

int app_watch(int argc, char **argv)
{
	s64 interval = 2000000000LL;
	int i = 1, title = 1, errexit = 0, direct = 0, rows, cols, len, j;
	char *cmd, *shargv[4];
	struct utsname_w u;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) { i++; break; }
		if (!strcmp(a, "-n") || !strcmp(a, "--interval")) {
			if (++i >= argc) goto usage;
			interval = parse_duration(argv[i]);
		} else if (!strncmp(a, "-n", 2)) interval = parse_duration(a + 2);
		else if (!strncmp(a, "--interval=", 11)) interval = parse_duration(a + 11);
		else if (!strcmp(a, "-t") || !strcmp(a, "--no-title")) title = 0;
		else if (!strcmp(a, "-e") || !strcmp(a, "--errexit")) errexit = 1;
		else if (!strcmp(a, "-x") || !strcmp(a, "--exec")) direct = 1;
		else if (!strcmp(a, "-d") || !strcmp(a, "-c") || !strcmp(a, "-p")) ;   /* accepted, no effect */
		else goto usage;
	}
	if (i >= argc || interval < 0) goto usage;
	if (interval < 100000000LL) interval = 100000000LL;   /* procps' minimum: 0.1 s */
	for (len = 0, j = i; j < argc; j++) len += strlen(argv[j]) + 1;
	cmd = xalloc(len + 1);
	for (len = 0, j = i; j < argc; j++) {   /* procps joins the words with spaces */
		if (j > i) cmd[len++] = ' ';
		strcpy(cmd + len, argv[j]);
		len += strlen(argv[j]);
	}
	cmd[len] = 0;
	shargv[0] = "sh"; shargv[1] = "-c"; shargv[2] = cmd; shargv[3] = 0;
	b_sigaction(2, on_int, 0);
	b_sigaction(15, on_int, 0);
	my_syscall1(__NR_uname, &u);
	while (!stop) {
		int st;
		outf("\033[H\033[2J");
		if (title) {
			char left[256], right[128];
			struct tmv tm;
			int ll, rl;
			gmtime_v(clock_ns(CLK_REALTIME) / 1000000000LL, &tm);
			term_size(&rows, &cols);
			snfmt(left, sizeof(left), "Every %lld.%llds: %s", interval / 1000000000LL,
			      interval / 100000000LL % 10, cmd);
			snfmt(right, sizeof(right), "%s: %s %s %2d %02d:%02d:%02d %d", u.nodename, day_abbr[tm.wday],
			      month_abbr[tm.mon], tm.mday, tm.hour, tm.min, tm.sec, tm.year);
			ll = strlen(left);
			rl = strlen(right);
			if (ll + rl + 1 > cols) {   /* the command gives way to the clock */
				ll = cols - rl - 4 > 0 ? cols - rl - 4 : 0;
				outf("%.*s...", ll, left);
				ll += 3;
			} else
				outf("%s", left);
			outf("%*s%s\n\n", cols - ll - rl > 0 ? cols - ll - rl : 1, "", right);
		}
		out_flush();
		st = run_argv(direct ? argv + i : shargv);
		if (stop)
			break;
		if (errexit && st) {
			outf("\ncommand exit with a non-zero status (%d), press a key to exit\n", st);
			out_flush();
			{ char c; read(0, &c, 1); }
			return st;
		}
		sleep_ns(interval);
	}
	outf("\n");
	return 0;
usage:
	errf("usage: watch [-n SECONDS] [-t] [-e] [-x] COMMAND...\n");
	return 1;
}
