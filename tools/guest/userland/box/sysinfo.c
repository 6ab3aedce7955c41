/* dmesg, uname, hostname. */
#include "box.h"

/* ---- dmesg [-c] [-C] [-r] [-t] [-n LEVEL] (syslog(2), like util-linux's fallback) ---- */
int app_dmesg(int argc, char **argv)
{
	int c, clear = 0, read_clear = 0, raw = 0, notime = 0, level = -1, size;
	char *buf;
	long n, i;
	while ((c = opt_next(argc, argv, "cCrtn:")) != -1) {
		switch (c) {
		case 'c': read_clear = 1; break;
		case 'C': clear = 1; break;
		case 'r': raw = 1; break;
		case 't': notime = 1; break;
		case 'n': level = atoi(opt_arg); break;
		default: errf("usage: dmesg [-c|-C] [-r] [-t] [-n LEVEL]\n"); return 1;
		}
	}
	if (level >= 0) {
		n = my_syscall3(__NR_syslog, 8 /* CONSOLE_LEVEL */, 0, level);
		if (n < 0) { errf("klogctl failed: %s\n", strerr(n)); return 1; }
		return 0;
	}
	if (clear) {
		n = my_syscall3(__NR_syslog, 5 /* CLEAR */, 0, 0);
		if (n < 0) { errf("klogctl failed: %s\n", strerr(n)); return 1; }
		return 0;
	}
	size = my_syscall3(__NR_syslog, 10 /* SIZE_BUFFER */, 0, 0);
	if (size < 16384) size = 16384;
	buf = xalloc(size);
	n = my_syscall3(__NR_syslog, read_clear ? 4 : 3 /* READ_CLEAR : READ_ALL */, buf, size);
	if (n < 0) { errf("read kernel buffer failed: %s\n", strerr(n)); return 1; }
	for (i = 0; i < n;) {
		long end = i;
		while (end < n && buf[end] != '\n') end++;
		{
			long s = i;
			if (!raw && buf[s] == '<') {   /* drop the "<6>" priority prefix */
				long p = s + 1;
				while (p < end && buf[p] >= '0' && buf[p] <= '9') p++;
				if (p < end && buf[p] == '>') s = p + 1;
			}
			if (notime && buf[s] == '[') {
				long p = s;
				while (p < end && buf[p] != ']') p++;
				if (p < end) s = p + (p + 1 < end && buf[p + 1] == ' ' ? 2 : 1);
			}
			out_m(buf + s, end - s);
			out_c('\n');
		}
		i = end + 1;
	}
	return 0;
}

struct utsname_k { char sysname[65], nodename[65], release[65], version[65], machine[65], domain[65]; };

/* ---- uname [-asnrvmopi] ---- */
int app_uname(int argc, char **argv)
{
	struct utsname_k u;
	int c, want = 0, first = 1;
	enum { S = 1, N = 2, R = 4, V = 8, M = 16, O = 32, P = 64, I = 128 };
	while ((c = opt_next(argc, argv, "asnrvmopi")) != -1) {
		switch (c) {
		case 'a': want |= S | N | R | V | M | O; break;
		case 's': want |= S; break;
		case 'n': want |= N; break;
		case 'r': want |= R; break;
		case 'v': want |= V; break;
		case 'm': want |= M; break;
		case 'o': want |= O; break;
		case 'p': want |= P; break;
		case 'i': want |= I; break;
		default: errf("usage: uname [-asnrvmopi]\n"); return 1;
		}
	}
	if (!want) want = S;
	if (my_syscall1(__NR_uname, &u) < 0) { errf("cannot get system name\n"); return 1; }
#define F(bit, s) if (want & bit) { outf("%s%s", first ? "" : " ", s); first = 0; }
	F(S, u.sysname); F(N, u.nodename); F(R, u.release); F(V, u.version); F(M, u.machine);
	F(P, "unknown"); F(I, "unknown");
	F(O, "Linux");   /* no GNU userland here: the system is just Linux */
	outf("\n");
	return 0;
}

/* ---- hostname [NAME] ---- */
int app_hostname(int argc, char **argv)
{
	struct utsname_k u;
	int i = 1, s = 0;
	if (i < argc && !strcmp(argv[i], "-s")) { s = 1; i++; }
	if (i < argc) {
		long len = strlen(argv[i]), r;   /* outside my_syscall2: see sched.c */
		r = my_syscall2(__NR_sethostname, argv[i], len);
		if (r < 0) { errf("you must be root to change the host name (%s)\n", strerr(r)); return 1; }
		return 0;
	}
	my_syscall1(__NR_uname, &u);
	if (s) {
		char *dot = strchr(u.nodename, '.');
		if (dot) *dot = 0;
	}
	outf("%s\n", u.nodename);
	return 0;
}
