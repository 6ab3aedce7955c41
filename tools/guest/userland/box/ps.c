/* ps: procps-ng's default, "aux" (BSD) and "-ef" (full) layouts, plus
 * -e/-A, -p PID,... and -o FIELD,... (pid ppid user comm args stat rss vsz
 * %cpu %mem psr ni pri time tty nlwp cls rtprio etime), all from /proc. */
#include "box.h"

struct col { const char *name, *head; int width, left; };
static const struct col cols[] = {
	{ "pid", "PID", 5, 0 }, { "ppid", "PPID", 5, 0 }, { "user", "USER", 8, 1 },
	{ "uid", "UID", 5, 0 }, { "comm", "COMMAND", 0, 1 }, { "args", "COMMAND", 0, 1 },
	{ "cmd", "CMD", 0, 1 }, { "stat", "STAT", 4, 1 }, { "s", "S", 1, 1 }, { "rss", "RSS", 5, 0 },
	{ "vsz", "VSZ", 6, 0 }, { "%cpu", "%CPU", 4, 0 }, { "%mem", "%MEM", 4, 0 },
	{ "psr", "PSR", 3, 0 }, { "ni", "NI", 3, 0 }, { "pri", "PRI", 3, 0 },
	{ "time", "TIME", 8, 0 }, { "tty", "TT", 8, 1 }, { "nlwp", "NLWP", 4, 0 },
	{ "cls", "CLS", 3, 1 }, { "rtprio", "RTPRIO", 6, 0 }, { "etime", "ELAPSED", 11, 0 },
	{ "pgid", "PGID", 5, 0 }, { "sid", "SID", 5, 0 },
};

static s64 up_cs, boot_s;
static u64 mem_total_kb;

static void bsd_stat(const struct proc *p, char *b)
{
	int n = 0;
	b[n++] = p->state;
	if (p->nice < 0) b[n++] = '<';
	else if (p->nice > 0) b[n++] = 'N';
	if (p->session == p->pid) b[n++] = 's';
	if (p->nlwp > 1) b[n++] = 'l';
	if (p->tty && p->pgrp == p->tpgid) b[n++] = '+';
	b[n] = 0;
}

/* %CPU over the process's lifetime in tenths, as procps computes it: whole
 * seconds of life, 0 for a process younger than a second */
static long pcpu(const struct proc *p)
{
	s64 seconds = up_cs / 100 - (s64)p->start / 100;
	if (seconds <= 0)
		return 0;
	return (long)((p->utime + p->stime) * 1000 / 100 / (u64)seconds);
}

static long pmem(const struct proc *p) { return mem_total_kb ? (long)(p->rss_kb * 1000 / mem_total_kb) : 0; }

static void cputime(char *b, const struct proc *p, int bsd)
{
	u64 s = (p->utime + p->stime) / 100;
	if (bsd)
		snfmt(b, 16, "%llu:%02llu", s / 60, s % 60);
	else if (s >= 86400)
		snfmt(b, 16, "%llu-%02llu:%02llu:%02llu", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
	else
		snfmt(b, 16, "%02llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
}

static void start_time(char *b, const struct proc *p)
{
	s64 t = boot_s + (s64)p->start / 100, now = clock_ns(CLK_REALTIME) / 1000000000LL;
	struct tmv tm;
	gmtime_v(t, &tm);
	if (now - t < 86400)
		snfmt(b, 8, "%02d:%02d", tm.hour, tm.min);
	else
		snfmt(b, 8, "%s%02d", month_abbr[tm.mon], tm.mday);
}

static void field(const char *name, struct proc *p, char *b)
{
	if (!strcmp(name, "pid")) snfmt(b, 24, "%d", p->pid);
	else if (!strcmp(name, "ppid")) snfmt(b, 24, "%d", p->ppid);
	else if (!strcmp(name, "pgid")) snfmt(b, 24, "%d", p->pgrp);
	else if (!strcmp(name, "sid")) snfmt(b, 24, "%d", p->session);
	else if (!strcmp(name, "user")) user_name(p->uid, b);
	else if (!strcmp(name, "uid")) snfmt(b, 24, "%d", p->uid);
	else if (!strcmp(name, "stat")) bsd_stat(p, b);
	else if (!strcmp(name, "s")) snfmt(b, 24, "%c", p->state);
	else if (!strcmp(name, "rss")) snfmt(b, 24, "%llu", p->rss_kb);
	else if (!strcmp(name, "vsz")) snfmt(b, 24, "%llu", p->vsize_kb);
	else if (!strcmp(name, "%cpu")) snfmt(b, 24, "%.1P", pcpu(p));
	else if (!strcmp(name, "%mem")) snfmt(b, 24, "%.1P", pmem(p));
	else if (!strcmp(name, "psr")) snfmt(b, 24, "%d", p->processor);
	else if (!strcmp(name, "ni")) {
		if (p->policy == 1 || p->policy == 2) strcpy(b, "-");
		else snfmt(b, 24, "%d", p->nice);
	} else if (!strcmp(name, "pri")) snfmt(b, 24, "%d", 39 - p->prio);   /* procps: 19 at nice 0, 40+rtprio for RT */
	else if (!strcmp(name, "time")) cputime(b, p, 0);
	else if (!strcmp(name, "tty")) tty_name(p->tty, b);
	else if (!strcmp(name, "nlwp")) snfmt(b, 24, "%d", p->nlwp);
	else if (!strcmp(name, "cls")) {
		static const char *const cls[] = { "TS", "FF", "RR", "B", "ISO", "IDL", "DLN" };
		strcpy(b, p->policy >= 0 && p->policy < 7 ? cls[p->policy] : "?");
	} else if (!strcmp(name, "rtprio")) {
		if (p->policy == 1 || p->policy == 2) snfmt(b, 24, "%d", p->rtprio);
		else strcpy(b, "-");
	} else if (!strcmp(name, "etime")) {
		s64 e = (up_cs - (s64)p->start) / 100;
		if (e >= 86400) snfmt(b, 24, "%lld-%02lld:%02lld:%02lld", e / 86400, e / 3600 % 24, e / 60 % 60, e % 60);
		else if (e >= 3600) snfmt(b, 24, "%02lld:%02lld:%02lld", e / 3600, e / 60 % 60, e % 60);
		else snfmt(b, 24, "%02lld:%02lld", e / 60, e % 60);
	} else strcpy(b, "?");
}

static int custom(struct proc *list, int n, char *fmt, int (*want)(struct proc *))
{
	const char *names[24];
	const struct col *c[24];
	int nf = 0, i, j;
	char *p = fmt, b[64];
	while (*p && nf < 24) {
		char *e = p;
		while (*e && *e != ',' && *e != ' ') e++;
		if (*e) *e++ = 0;
		for (j = 0; j < (int)ARRAY_SIZE(cols); j++)
			if (!strcmp(cols[j].name, p) || (!strcmp(p, "pcpu") && !strcmp(cols[j].name, "%cpu")) ||
			    (!strcmp(p, "pmem") && !strcmp(cols[j].name, "%mem")) ||
			    (!strcmp(p, "command") && !strcmp(cols[j].name, "args")) ||
			    (!strcmp(p, "ucmd") && !strcmp(cols[j].name, "comm")) ||
			    (!strcmp(p, "cpu") && !strcmp(cols[j].name, "psr")) ||
			    (!strcmp(p, "nice") && !strcmp(cols[j].name, "ni")) ||
			    (!strcmp(p, "policy") && !strcmp(cols[j].name, "cls")) ||
			    (!strcmp(p, "state") && !strcmp(cols[j].name, "s")) ||
			    (!strcmp(p, "rssize") && !strcmp(cols[j].name, "rss")))
				break;
		if (j == (int)ARRAY_SIZE(cols)) {
			errf("error: unknown user-defined format specifier \"%s\"\n", p);
			return 1;
		}
		names[nf] = cols[j].name;
		c[nf++] = &cols[j];
		p = e;
	}
	for (i = 0; i < nf; i++)
		outf(c[i]->left ? "%s%-*s" : "%s%*s", i ? " " : "", i == nf - 1 && c[i]->left ? 0 : c[i]->width, c[i]->head);
	outf("\n");
	for (j = 0; j < n; j++) {
		if (!want(&list[j]))
			continue;
		for (i = 0; i < nf; i++) {
			if (!strcmp(names[i], "comm")) strcpy(b, list[j].comm);
			else if (!strcmp(names[i], "args") || !strcmp(names[i], "cmd")) {
				outf("%s%s", i ? " " : "", proc_cmdline(&list[j]));
				continue;
			} else field(names[i], &list[j], b);
			outf(c[i]->left ? "%s%-*s" : "%s%*s", i ? " " : "", i == nf - 1 && c[i]->left ? 0 : c[i]->width, b);
		}
		outf("\n");
	}
	return 0;
}

static int sel_all, sel_tty, sel_uid, sel_npids;
static int sel_pids[64];

static int want(struct proc *p)
{
	int i;
	if (sel_npids) {
		for (i = 0; i < sel_npids; i++)
			if (sel_pids[i] == p->pid)
				return 1;
		return 0;
	}
	if (sel_all)
		return 1;
	/* procps' default: same effective user and same terminal as ps */
	return p->tty == sel_tty && p->uid == sel_uid;
}

int app_ps(int argc, char **argv)
{
	struct proc *list, self;
	int n, i, bsd = 0, full = 0, c;
	char *fmt = 0;
	char b1[32], b2[32], b3[32], user[16];
	static char mi[4096];

	/* BSD syntax: "ps aux" / "ps ax" / "ps -aux" */
	if (argc > 1 && argv[1][0] != '-') {
		for (const char *p = argv[1]; *p; p++) {
			if (*p == 'a' || *p == 'x') sel_all = 1;
			else if (*p == 'u') bsd = 1;
			else if (*p != 'w') { errf("unsupported option (BSD syntax) '%c'\n", *p); return 1; }
		}
		opt_ind = 2;
	} else if (argc > 1 && !strcmp(argv[1], "-aux")) {
		sel_all = bsd = 1;
		opt_ind = 2;
	}
	while ((c = opt_next(argc, argv, "eAfp:o:lw")) != -1) {
		switch (c) {
		case 'e': case 'A': sel_all = 1; break;
		case 'f': full = 1; break;
		case 'w': case 'l': break;
		case 'o': fmt = opt_arg; break;
		case 'p':
			for (char *p = opt_arg; *p && sel_npids < 64;) {
				sel_pids[sel_npids++] = atoi(p);
				while (*p && *p != ',' && *p != ' ') p++;
				if (*p) p++;
			}
			break;
		default:
			errf("usage: ps [-e|-A] [-f] [-p PID,...] [-o FIELD,...] | ps aux\n");
			return 1;
		}
	}
	for (; opt_ind < argc; opt_ind++)   /* "ps -p 1 2" and "ps 1" */
		if (sel_npids < 64 && argv[opt_ind][0] >= '0' && argv[opt_ind][0] <= '9')
			sel_pids[sel_npids++] = atoi(argv[opt_ind]);
	up_cs = uptime_cs();
	boot_s = clock_ns(CLK_REALTIME) / 1000000000LL - up_cs / 100;
	if (read_file("/proc/meminfo", mi, sizeof(mi)) > 0)
		mem_total_kb = meminfo_kb(mi, "MemTotal:");
	if (proc_read(getpid(), &self) == 0) {
		sel_tty = self.tty;
		sel_uid = self.uid;
	}
	n = proc_list(&list);
	if (n < 0) {
		errf("cannot read /proc\n");
		return 1;
	}
	if (fmt)
		return custom(list, n, fmt, want);
	if (bsd)
		outf("USER       PID %%CPU %%MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n");
	else if (full)
		outf("UID        PID  PPID  C STIME TTY          TIME CMD\n");
	else
		outf("  PID TTY          TIME CMD\n");
	for (i = 0; i < n; i++) {
		struct proc *p = &list[i];
		if (!want(p))
			continue;
		tty_name(p->tty, b1);
		user_name(p->uid, user);
		if (bsd) {
			bsd_stat(p, b2);
			start_time(b3, p);
			outf("%-8s %5d %4.1P %4.1P %6llu %5llu %-8s %-4s %5s ", user, p->pid, pcpu(p), pmem(p),
			     p->vsize_kb, p->rss_kb, b1, b2, b3);
			cputime(b2, p, 1);
			outf("%6s %s\n", b2, proc_cmdline(p));
		} else if (full) {
			start_time(b3, p);
			cputime(b2, p, 0);
			outf("%-8s %5d %5d %2ld %5s %-8s %8s %s\n", user, p->pid, p->ppid, pcpu(p) / 10, b3, b1, b2,
			     proc_cmdline(p));
		} else {
			cputime(b2, p, 0);
			outf("%5d %-8s %8s %s\n", p->pid, b1, b2, p->comm);
		}
	}
	return 0;
}
