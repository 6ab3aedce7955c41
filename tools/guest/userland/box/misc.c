/* true, false, sleep, env, clear, poweroff, reboot. */
#include "box.h"

/* reboot(2) magic (linux/reboot.h; 6.1's nolibc defines these itself) */
#define BOX_RB_MAGIC1 0xfee1dead
#define BOX_RB_MAGIC2 672274793
#define BOX_RB_POWER_OFF 0x4321fedc
#define BOX_RB_RESTART 0x01234567

int app_true(int argc, char **argv) { (void)argc; (void)argv; return 0; }
int app_false(int argc, char **argv) { (void)argc; (void)argv; return 1; }

/* sleep NUMBER[smhd]... (summed, fractions allowed, as coreutils) */
int app_sleep(int argc, char **argv)
{
	s64 total = 0;
	int i;
	if (argc < 2) {
		errf("missing operand\n");
		return 1;
	}
	for (i = 1; i < argc; i++) {
		s64 ns = parse_duration(argv[i]);
		if (ns < 0) {
			errf("invalid time interval '%s'\n", argv[i]);
			return 1;
		}
		total += ns;
	}
	{
		s64 end = clock_ns(CLK_MONOTONIC) + total;
		while (sleep_ns(end - clock_ns(CLK_MONOTONIC)) == -4 /* EINTR from a stop/continue */)
			;
	}
	return 0;
}

/* env [-i] [-u NAME]... [NAME=VALUE]... [COMMAND [ARGS...]] */
int app_env(int argc, char **argv)
{
	char **env, **e;
	int i = 1, n = 0, cnt = 0, clear = 0, j;
	for (e = box_envp; e && *e; e++) cnt++;
	env = xalloc((cnt + argc + 1) * sizeof(char *));
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "-i") || !strcmp(argv[i], "-") || !strcmp(argv[i], "--ignore-environment")) clear = 1;
		else if (!strcmp(argv[i], "-u") && i + 1 < argc) { i++; }
		else if (!strcmp(argv[i], "--")) { i++; break; }
		else break;
	}
	if (!clear)
		for (e = box_envp; e && *e; e++) {
			int skip = 0, k;
			for (k = 1; k < i; k++)   /* -u NAME */
				if (!strcmp(argv[k], "-u") && k + 1 < i) {
					int l = strlen(argv[k + 1]);
					if (!strncmp(*e, argv[k + 1], l) && (*e)[l] == '=') skip = 1;
				}
			if (!skip) env[n++] = *e;
		}
	for (; i < argc && strchr(argv[i], '='); i++) {
		int l = strchr(argv[i], '=') - argv[i];
		for (j = 0; j < n; j++)
			if (!strncmp(env[j], argv[i], l + 1)) break;
		env[j] = argv[i];
		if (j == n) n++;
	}
	env[n] = 0;
	if (i >= argc) {
		for (j = 0; j < n; j++) outf("%s\n", env[j]);
		return 0;
	}
	box_envp = env;
	out_flush();
	exec_argv(argv + i);
	return 127;
}

int app_clear(int argc, char **argv)
{
	(void)argc; (void)argv;
	outf("\033[H\033[2J\033[3J");   /* home, erase screen, erase scrollback (ncurses' clear) */
	return 0;
}

/* poweroff/reboot [-f]: sync, then reboot(2) at once (what sh's built-ins did;
 * the initramfs holds no state that processes must flush first). */
static int halt(int cmd, const char *what, int argc, char **argv)
{
	long r;
	(void)argc; (void)argv;
	my_syscall0(__NR_sync);
	r = my_syscall4(__NR_reboot, BOX_RB_MAGIC1, BOX_RB_MAGIC2, cmd, 0);
	(void)what;
	errf("%s\n", strerr(r));
	return 1;
}

int app_poweroff(int argc, char **argv) { return halt(BOX_RB_POWER_OFF, "poweroff", argc, argv); }
int app_reboot(int argc, char **argv) { return halt(BOX_RB_RESTART, "reboot", argc, argv); }
