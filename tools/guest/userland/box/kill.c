/* kill [-s SIG | -SIG | -n NUM] PID... ; kill -l [SIG] ; kill -L (procps/util-linux). */
#include "box.h"

int app_kill(int argc, char **argv)
{
	int sig = 15, i = 1, rc = 0;
	if (i < argc && (!strcmp(argv[i], "-l") || !strcmp(argv[i], "-L") || !strcmp(argv[i], "--list"))) {
		int table = argv[i][1] == 'L';
		if (i + 1 < argc) {   /* kill -l 9 -> KILL; kill -l KILL -> 9; exit codes > 128 too */
			int s = sig_from_name(argv[i + 1]);
			s64 n;
			if (!parse_int(argv[i + 1], &n) && n > 128) s = (int)n - 128;
			if (s <= 0 || !sig_name(s)) { errf("unknown signal: %s\n", argv[i + 1]); return 1; }
			if (!parse_int(argv[i + 1], &n)) outf("%s\n", sig_name(s));
			else outf("%d\n", s);
			return 0;
		}
		for (int s = 1; s < 32; s++) {
			if (table) outf("%2d %-8s%s", s, sig_name(s), s % 7 == 0 ? "\n" : "");
			else outf("%s%s", sig_name(s), s == 31 ? "\n" : " ");
		}
		if (table) outf("\n");
		return 0;
	}
	if (i < argc && (!strcmp(argv[i], "-s") || !strcmp(argv[i], "-n"))) {
		if (i + 1 >= argc) goto usage;
		sig = sig_from_name(argv[i + 1]);
		i += 2;
	} else if (i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--")) {
		s64 pid;
		if (parse_int(argv[i], &pid) || argc - i > 1) {   /* "-9 PID", "-KILL PID" (not "kill -1") */
			sig = sig_from_name(argv[i] + 1);
			i++;
		}
	}
	if (i < argc && !strcmp(argv[i], "--")) i++;
	if (sig < 0) {
		errf("unknown signal; kill -l lists signals\n");
		return 1;
	}
	if (i >= argc) goto usage;
	for (; i < argc; i++) {
		s64 pid;
		long r;
		if (parse_int(argv[i], &pid)) {
			errf("cannot find process \"%s\"\n", argv[i]);
			rc = 1;
			continue;
		}
		r = my_syscall2(__NR_kill, (int)pid, sig);
		if (r < 0) {
			errf("(%lld): %s\n", pid, strerr(r));
			rc = 1;
		}
	}
	return rc;
usage:
	errf("usage: kill [-s SIGNAL | -SIGNAL] PID... | kill -l [SIGNAL]\n");
	return 1;
}
