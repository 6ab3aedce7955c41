/* top [-b] [-n N] [-d SECONDS] [-1] [-p PID]: procps-ng's summary and task
 * list. Interactive on a terminal (q quits, 1 toggles per-CPU lines, M/P sort
 * by memory/CPU, c full command lines, space refreshes); -b prints frames as
 * text. CPU shares are /proc/stat deltas over the interval, steal (st)
 * included; the first frame covers a short 0.5 s sample, not the time since
 * boot, so it already shows what the machine is doing now. */
#include "box.h"
#include <asm/termbits.h>

#define MAX_CPUS 64
#define MAX_PROCS 2048

/* Two snapshots alternate in static storage: top runs for hours, and the
 * arena never frees. */
struct snap {
	struct cpu_times all, per[MAX_CPUS];
	int ncpu, nproc;
	struct proc procs[MAX_PROCS];
	s64 at_ns;
};
static struct snap snaps[2];
struct row { struct proc *p; long cpu; };
static struct row rows[MAX_PROCS];

static int sort_mem, per_cpu, full_cmd, only_pid;
static volatile int stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

static void take(struct snap *s)
{
	s->ncpu = read_cpu_times(&s->all, s->per, MAX_CPUS);
	if (s->ncpu > MAX_CPUS)
		s->ncpu = MAX_CPUS;
	s->nproc = proc_scan(s->procs, MAX_PROCS);
	if (s->nproc < 0)
		s->nproc = 0;
	s->at_ns = clock_ns(CLK_MONOTONIC);
}

/* tenths of a percent of d over total */
static long share(u64 d, u64 total) { return total ? (long)((d * 1000 + total / 2) / total) : 0; }

static void cpu_line(const char *label, const struct cpu_times *a, const struct cpu_times *b)
{
	struct cpu_times d;
	const u64 *fa = &a->user, *fb = &b->user;
	u64 *fd = &d.user, total;
	int i;
	for (i = 0; i < 10; i++)
		fd[i] = fb[i] >= fa[i] ? fb[i] - fa[i] : 0;
	total = cpu_total(&d);
	if (!total) { d.idle = 1; total = 1; }
	outf("%s%5.1P us,%5.1P sy,%5.1P ni,%5.1P id,%5.1P wa,%5.1P hi,%5.1P si,%5.1P st\n", label,
	     share(d.user, total), share(d.system, total), share(d.nice, total), share(d.idle, total),
	     share(d.iowait, total), share(d.irq, total), share(d.softirq, total), share(d.steal, total));
}

static u64 ticks_of(const struct snap *s, int pid)
{
	int lo = 0, hi = s->nproc - 1;
	while (lo <= hi) {   /* procs are sorted by pid */
		int mid = (lo + hi) / 2;
		if (s->procs[mid].pid == pid)
			return s->procs[mid].utime + s->procs[mid].stime;
		if (s->procs[mid].pid < pid) lo = mid + 1;
		else hi = mid - 1;
	}
	return (u64)-1;
}

/* max_rows < 0: every task (batch); otherwise a screenful of width cols */
static void frame(const struct snap *a, struct snap *b, int max_rows, int cols)
{
	static char mi[4096];
	static char cmd[512];
	char line[160];
	u64 total, freek, availk, cache, swt, swf;
	int i, j, running = 0, sleeping = 0, stopped = 0, zombie = 0, nrows = 0;
	s64 elapsed_cs = (b->at_ns - a->at_ns) / 10000000;

	uptime_line(line, sizeof(line));
	outf("top -%s\n", line);
	for (i = 0; i < b->nproc; i++) {
		char st = b->procs[i].state;
		if (st == 'R') running++;
		else if (st == 'T' || st == 't') stopped++;
		else if (st == 'Z') zombie++;
		else sleeping++;
	}
	outf("Tasks: %3d total, %3d running, %3d sleeping, %3d stopped, %3d zombie\n",
	     b->nproc, running, sleeping, stopped, zombie);
	if (per_cpu) {
		for (i = 0; i < b->ncpu; i++) {
			char label[24];
			snfmt(label, sizeof(label), "%%Cpu%-3d:", i);
			cpu_line(label, &a->per[i], &b->per[i]);
		}
	} else
		cpu_line("%Cpu(s):", &a->all, &b->all);
	read_file("/proc/meminfo", mi, sizeof(mi));
	total = meminfo_kb(mi, "MemTotal:");
	freek = meminfo_kb(mi, "MemFree:");
	availk = field_after(mi, "MemAvailable:") ? meminfo_kb(mi, "MemAvailable:") : freek;
	cache = meminfo_kb(mi, "Buffers:") + meminfo_kb(mi, "Cached:") + meminfo_kb(mi, "SReclaimable:");
	swt = meminfo_kb(mi, "SwapTotal:");
	swf = meminfo_kb(mi, "SwapFree:");
#define MIB(kb) ((long)((kb) * 10 / 1024))
	outf("MiB Mem : %8.1P total, %8.1P free, %8.1P used, %8.1P buff/cache\n", MIB(total), MIB(freek),
	     MIB(total > availk ? total - availk : 0), MIB(cache));
	outf("MiB Swap: %8.1P total, %8.1P free, %8.1P used. %8.1P avail Mem\n", MIB(swt), MIB(swf), MIB(swt - swf),
	     MIB(availk));
	outf("\n  PID USER      PR  NI    VIRT    RES    SHR S  %%CPU  %%MEM     TIME+ COMMAND\n");
	if (elapsed_cs <= 0)
		elapsed_cs = 1;
	for (i = 0; i < b->nproc; i++) {
		struct proc *p = &b->procs[i];
		u64 before = ticks_of(a, p->pid), now = p->utime + p->stime;
		if (only_pid && p->pid != only_pid)
			continue;
		rows[nrows].p = p;
		/* one CPU fully busy = 100% (procps' Irix mode) */
		rows[nrows].cpu = before == (u64)-1 || now < before ? 0 : (long)((now - before) * 1000 / elapsed_cs);
		nrows++;
	}
	for (i = 1; i < nrows; i++)   /* insertion sort: by %CPU (or RES), then pid */
		for (j = i; j > 0; j--) {
			struct row x = rows[j - 1], y = rows[j];
			long kx = sort_mem ? (long)x.p->rss_kb : x.cpu, ky = sort_mem ? (long)y.p->rss_kb : y.cpu;
			if (kx > ky || (kx == ky && x.p->pid < y.p->pid))
				break;
			rows[j - 1] = y;
			rows[j] = x;
		}
	for (i = 0; i < nrows && (max_rows < 0 || i < max_rows); i++) {
		struct proc *p = rows[i].p;
		char user[16], pr[8], t[24];
		u64 cs = p->utime + p->stime;
		user_name(p->uid, user);
		if (p->prio <= -100) strcpy(pr, "rt");
		else snfmt(pr, sizeof(pr), "%d", p->prio);
		snfmt(t, sizeof(t), "%llu:%02llu.%02llu", cs / 6000, cs / 100 % 60, cs % 100);
		/* the columns before COMMAND take 70 characters; a line must not wrap on a terminal */
		outf("%5d %-8s %3s %3d %7llu %6llu %6llu %c %5.1P %5.1P %9s %.*s\n", p->pid, user, pr, p->nice,
		     p->vsize_kb, p->rss_kb, p->shared_kb, p->state, rows[i].cpu,
		     total ? (long)(p->rss_kb * 1000 / total) : 0L, t, max_rows < 0 ? 4096 : cols > 71 ? cols - 71 : 0,
		     full_cmd ? (cmdline_of(p, cmd, sizeof(cmd)), cmd) : p->comm);
	}
}

int app_top(int argc, char **argv)
{
	int c, batch = 0, nrows_term, cols, interactive;
	s64 iterations = -1, delay = 3000000000LL, n;
	struct snap *a = &snaps[0], *b = &snaps[1], *t;
	struct termios saved, raw;

	while ((c = opt_next(argc, argv, "bn:d:1p:cs")) != -1) {
		switch (c) {
		case 'b': batch = 1; break;
		case 'n': iterations = atoi(opt_arg); break;
		case 'd': delay = parse_duration(opt_arg); break;
		case '1': per_cpu = 1; break;
		case 'c': full_cmd = 1; break;
		case 's': break;
		case 'p': only_pid = atoi(opt_arg); break;
		default:
			errf("usage: top [-b] [-n N] [-d SECONDS] [-1] [-c] [-p PID]\n");
			return 1;
		}
	}
	if (delay <= 0) {
		errf("bad delay\n");
		return 1;
	}
	interactive = !batch && ioctl(0, TCGETS, &saved) == 0;
	if (!batch && !interactive)
		batch = 1;
	if (interactive) {
		raw = saved;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		ioctl(0, TCSETSW, &raw);
	}
	b_sigaction(2, on_signal, 0);
	b_sigaction(15, on_signal, 0);
	take(a);
	sleep_ns(500000000LL);
	for (n = 0; !stop; n++) {
		take(b);
		if (interactive) {
			term_size(&nrows_term, &cols);
			outf("\033[H\033[2J");
			int avail = nrows_term - 8 - (per_cpu ? b->ncpu - 1 : 0);
			frame(a, b, avail < 1 ? 1 : avail, cols);
		} else {
			frame(a, b, -1, 0);
			outf("\n");
		}
		out_flush();
		t = a;
		a = b;
		b = t;
		if (iterations > 0 && n + 1 >= iterations)
			break;
		if (interactive) {
			s64 end = clock_ns(CLK_MONOTONIC) + delay;
			int redraw = 0;
			while (!stop && !redraw) {
				s64 left = end - clock_ns(CLK_MONOTONIC);
				char key;
				if (left <= 0)
					break;
				if (poll_in(0, (int)(left / 1000000) + 1) <= 0)
					continue;
				if (read(0, &key, 1) != 1) { stop = 1; break; }
				switch (key) {
				case 'q': case 3: stop = 1; break;
				case '1': per_cpu = !per_cpu; redraw = 1; break;
				case 'M': sort_mem = 1; redraw = 1; break;
				case 'P': sort_mem = 0; redraw = 1; break;
				case 'c': full_cmd = !full_cmd; redraw = 1; break;
				case ' ': case '\n': redraw = 1; break;
				}
			}
		} else if (sleep_ns(delay) < 0)
			break;
	}
	if (interactive) {
		ioctl(0, TCSETSW, &saved);
		outf("\n");
	}
	return 0;
}
