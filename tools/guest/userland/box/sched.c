/* Scheduling tools: nice, renice, taskset (sched_{get,set}affinity), chrt
 * (sched_{get,set}scheduler) and nproc, with util-linux's/coreutils' messages. */
#include "box.h"

#define MASK_WORDS 32   /* 1024 CPUs */

static int get_affinity(int pid, unsigned long *mask)
{
	memset(mask, 0, MASK_WORDS * sizeof(long));
	return my_syscall3(__NR_sched_getaffinity, pid, MASK_WORDS * sizeof(long), mask);
}

static int cpu_count(const unsigned long *m)
{
	int n = 0, i;
	for (i = 0; i < MASK_WORDS * 32; i++)
		n += m[i / 32] >> (i % 32) & 1;
	return n;
}

/* ---- nproc [--all] ---- */
int app_nproc(int argc, char **argv)
{
	unsigned long m[MASK_WORDS];
	if (argc > 1 && !strcmp(argv[1], "--all")) {
		/* every present CPU: "0-3" or "0,2" in /sys/devices/system/cpu/present */
		char buf[256], *p = buf;
		int n = 0;
		if (read_file("/sys/devices/system/cpu/present", buf, sizeof(buf)) > 0) {
			while (*p >= '0' && *p <= '9') {
				int a = atoi(p), b;
				while (*p >= '0' && *p <= '9') p++;
				b = a;
				if (*p == '-') { p++; b = atoi(p); while (*p >= '0' && *p <= '9') p++; }
				n += b - a + 1;
				if (*p == ',') p++;
			}
			outf("%d\n", n);
			return 0;
		}
	}
	if (get_affinity(0, m) < 0) { outf("1\n"); return 0; }
	outf("%d\n", cpu_count(m));
	return 0;
}

static void print_list(const unsigned long *m)
{
	int i, first = 1;
	for (i = 0; i < MASK_WORDS * 32; i++) {
		int j;
		if (!(m[i / 32] >> (i % 32) & 1)) continue;
		for (j = i; j + 1 < MASK_WORDS * 32 && (m[(j + 1) / 32] >> ((j + 1) % 32) & 1); j++)
			;
		outf(first ? "%d" : ",%d", i);
		if (j > i) outf("-%d", j);
		first = 0;
		i = j;
	}
}

static void print_mask(const unsigned long *m)
{
	int top = MASK_WORDS - 1, started = 0;
	while (top > 0 && !m[top]) top--;
	for (; top >= 0; top--) {
		if (started) outf("%08lx", m[top]);
		else if (m[top] || top == 0) { outf("%lx", m[top]); started = 1; }
	}
}

static int parse_list(const char *s, unsigned long *m)
{
	memset(m, 0, MASK_WORDS * sizeof(long));
	while (*s) {
		int a, b, stride = 1, i;
		if (*s < '0' || *s > '9') return -1;
		a = b = atoi(s);
		while (*s >= '0' && *s <= '9') s++;
		if (*s == '-') {
			s++;
			if (*s < '0' || *s > '9') return -1;
			b = atoi(s);
			while (*s >= '0' && *s <= '9') s++;
			if (*s == ':') { s++; stride = atoi(s); while (*s >= '0' && *s <= '9') s++; }
		}
		if (b < a || b >= MASK_WORDS * 32 || stride < 1) return -1;
		for (i = a; i <= b; i += stride)
			m[i / 32] |= 1UL << (i % 32);
		if (*s == ',') s++;
		else if (*s) return -1;
	}
	return 0;
}

static int parse_mask(const char *s, unsigned long *m)
{
	int len, bit = 0, i;
	memset(m, 0, MASK_WORDS * sizeof(long));
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
	len = strlen(s);
	if (!len) return -1;
	for (i = len - 1; i >= 0; i--, bit += 4) {
		int c = s[i], v;
		if (c == ',') { bit -= 4; continue; }
		if (c >= '0' && c <= '9') v = c - '0';
		else if ((c | 32) >= 'a' && (c | 32) <= 'f') v = (c | 32) - 'a' + 10;
		else return -1;
		if (bit < MASK_WORDS * 32) m[bit / 32] |= (unsigned long)v << (bit % 32);
	}
	return 0;
}

/* ---- taskset [-p] [-c] [MASK|LIST] [PID | CMD ARGS...] ---- */
int app_taskset(int argc, char **argv)
{
	int c, pidmode = 0, list = 0, pid;
	unsigned long m[MASK_WORDS], cur[MASK_WORDS];
	const char *spec;
	long r;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pid")) argv[i] = "-p";
		else if (!strcmp(argv[i], "--cpu-list")) argv[i] = "-c";
		else if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--all-tasks")) argv[i] = "-a";
	}
	while ((c = opt_next(argc, argv, "+pca")) != -1) {
		if (c == 'p') pidmode = 1;
		else if (c == 'c') list = 1;
		else if (c == 'a') ;
		else goto usage;
	}
	if (pidmode && argc - opt_ind == 1) {   /* show */
		pid = atoi(argv[opt_ind]);
		if ((r = get_affinity(pid, cur)) < 0) {
			errf("failed to get pid %d's affinity: %s\n", pid, strerr(r));
			return 1;
		}
		outf("pid %d's current affinity %s: ", pid, list ? "list" : "mask");
		if (list) print_list(cur); else print_mask(cur);
		outf("\n");
		return 0;
	}
	if (argc - opt_ind < 2)
		goto usage;
	spec = argv[opt_ind++];
	if (list ? parse_list(spec, m) : parse_mask(spec, m)) {
		errf("failed to parse CPU %s: %s\n", list ? "list" : "mask", spec);
		return 1;
	}
	if (pidmode) {
		pid = atoi(argv[opt_ind]);
		if ((r = get_affinity(pid, cur)) < 0) {
			errf("failed to get pid %d's affinity: %s\n", pid, strerr(r));
			return 1;
		}
		outf("pid %d's current affinity %s: ", pid, list ? "list" : "mask");
		if (list) print_list(cur); else print_mask(cur);
		outf("\n");
		if ((r = my_syscall3(__NR_sched_setaffinity, pid, sizeof(m), m)) < 0) {
			errf("failed to set pid %d's affinity: %s\n", pid, strerr(r));
			return 1;
		}
		get_affinity(pid, cur);
		outf("pid %d's new affinity %s: ", pid, list ? "list" : "mask");
		if (list) print_list(cur); else print_mask(cur);
		outf("\n");
		return 0;
	}
	if ((r = my_syscall3(__NR_sched_setaffinity, 0, sizeof(m), m)) < 0) {
		errf("failed to set pid 0's affinity: %s\n", strerr(r));
		return 1;
	}
	out_flush();
	exec_argv(argv + opt_ind);
	return 127;
usage:
	errf("usage: taskset [-p] [-c] [MASK|LIST] [PID | COMMAND [ARGS...]]\n");
	return 1;
}

/* ---- nice [-n N | -N] [COMMAND [ARGS...]] ---- */
static int get_nice(int pid)
{
	/* the raw syscall returns 20 - nice (getpriority(2) NOTES) */
	long r = my_syscall2(__NR_getpriority, 0 /* PRIO_PROCESS */, pid);
	return r < 0 ? 0 : 20 - (int)r;
}

int app_nice(int argc, char **argv)
{
	int adj = 10, i = 1;
	long r;
	if (i < argc && !strcmp(argv[i], "-n") && i + 1 < argc) { adj = atoi(argv[i + 1]); i += 2; }
	else if (i < argc && !strncmp(argv[i], "-n", 2) && argv[i][2]) { adj = atoi(argv[i] + 2); i++; }
	else if (i < argc && argv[i][0] == '-' && ((argv[i][1] >= '0' && argv[i][1] <= '9') || argv[i][1] == '-')) {
		adj = atoi(argv[i] + 1);
		i++;
	} else if (i < argc && !strncmp(argv[i], "--adjustment=", 13)) { adj = atoi(argv[i] + 13); i++; }
	if (i < argc && !strcmp(argv[i], "--")) i++;
	if (i >= argc) {
		outf("%d\n", get_nice(0));
		return 0;
	}
	adj += get_nice(0);   /* not inside my_syscall3: a call there clobbers its registers */
	r = my_syscall3(__NR_setpriority, 0, 0, adj);
	if (r < 0)
		errf("cannot set niceness: %s\n", strerr(r));
	out_flush();
	exec_argv(argv + i);
	return 127;
}

/* ---- renice [-n] N [-p] PID... ---- */
int app_renice(int argc, char **argv)
{
	int i = 1, n, rc = 0;
	if (i < argc && (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--priority"))) i++;
	if (i >= argc) {
		errf("usage: renice [-n] PRIORITY [-p] PID...\n");
		return 1;
	}
	n = atoi(argv[i++]);
	for (; i < argc; i++) {
		int pid, old;
		long r;
		if (!strcmp(argv[i], "-p")) continue;
		if (!strcmp(argv[i], "-g") || !strcmp(argv[i], "-u")) { errf("only -p is supported\n"); return 1; }
		pid = atoi(argv[i]);
		old = get_nice(pid);
		r = my_syscall3(__NR_setpriority, 0, pid, n);
		if (r < 0) {
			errf("failed to set priority for %d (process ID): %s\n", pid, strerr(r));
			rc = 1;
			continue;
		}
		outf("%d (process ID) old priority %d, new priority %d\n", pid, old, get_nice(pid));
	}
	return rc;
}

/* ---- chrt [-p] [-f|-r|-o|-b|-i] [PRIO] [PID | COMMAND ARGS...], chrt -m ---- */
static const char *const policy_names[] = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
					    "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE" };

static void show_policy(int pid)
{
	long pol = my_syscall1(__NR_sched_getscheduler, pid);
	int prio = 0;
	if (pol < 0) {
		errf("failed to get pid %d's policy: %s\n", pid, strerr(pol));
		return;
	}
	my_syscall2(__NR_sched_getparam, pid, &prio);
	outf("pid %d's current scheduling policy: %s\n", pid,
	     (pol & 0xff) < 7 ? policy_names[pol & 0xff] : "unknown");
	outf("pid %d's current scheduling priority: %d\n", pid, prio);
}

int app_chrt(int argc, char **argv)
{
	int c, pidmode = 0, policy = 2 /* util-linux defaults to SCHED_RR */, prio, pid, i;
	long r;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pid")) argv[i] = "-p";
		else if (!strcmp(argv[i], "--fifo")) argv[i] = "-f";
		else if (!strcmp(argv[i], "--rr")) argv[i] = "-r";
		else if (!strcmp(argv[i], "--other")) argv[i] = "-o";
		else if (!strcmp(argv[i], "--batch")) argv[i] = "-b";
		else if (!strcmp(argv[i], "--idle")) argv[i] = "-i";
		else if (!strcmp(argv[i], "--max")) argv[i] = "-m";
	}
	while ((c = opt_next(argc, argv, "+pfrobim")) != -1) {
		switch (c) {
		case 'p': pidmode = 1; break;
		case 'f': policy = 1; break;
		case 'r': policy = 2; break;
		case 'o': policy = 0; break;
		case 'b': policy = 3; break;
		case 'i': policy = 5; break;
		case 'm':
			for (i = 0; i < 7; i++) {
				long lo, hi;
				if (i == 4) continue;
				lo = my_syscall1(__NR_sched_get_priority_min, i);
				hi = my_syscall1(__NR_sched_get_priority_max, i);
				if (lo >= 0) outf("%s min/max priority\t: %ld/%ld\n", policy_names[i], lo, hi);
			}
			return 0;
		default: goto usage;
		}
	}
	if (pidmode && argc - opt_ind == 1) {
		show_policy(atoi(argv[opt_ind]));
		return 0;
	}
	if (argc - opt_ind < 2)
		goto usage;
	prio = atoi(argv[opt_ind++]);
	pid = pidmode ? atoi(argv[opt_ind]) : 0;
	r = my_syscall3(__NR_sched_setscheduler, pid, policy, &prio);
	if (r < 0) {
		errf("failed to set pid %d's policy: %s\n", pid, strerr(r));
		return 1;
	}
	if (pidmode)
		return 0;
	out_flush();
	exec_argv(argv + opt_ind);
	return 127;
usage:
	errf("usage: chrt [-p] [-f|-r|-o|-b|-i] PRIORITY [PID | COMMAND [ARGS...]]\n       chrt -p PID | chrt -m\n");
	return 1;
}
