/* vmstat [-n] [-S k|K|m|M] [-t] [delay [count]]: procps-ng's layout. The first
 * line averages since boot; later lines cover the last interval. The cpu
 * columns come from /proc/stat deltas, steal included (st). */
#include "box.h"

struct vm_sample {
	struct cpu_times cpu;
	u64 intr, ctxt, running, blocked, pgin, pgout, swin, swout;
	u64 free, buff, cache, swpd;
};

static u64 stat_value(const char *buf, const char *key)
{
	const char *p = field_after(buf, key);
	u64 v = 0;
	if (!p)
		return 0;
	p = skip_ws(p);
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	return v;
}

static void sample(struct vm_sample *s)
{
	static char buf[8192];
	read_cpu_times(&s->cpu, 0, 0);
	read_file("/proc/stat", buf, sizeof(buf));
	s->intr = stat_value(buf, "intr ");
	s->ctxt = stat_value(buf, "ctxt ");
	s->running = stat_value(buf, "procs_running ");
	s->blocked = stat_value(buf, "procs_blocked ");
	read_file("/proc/vmstat", buf, sizeof(buf));
	s->pgin = stat_value(buf, "pgpgin ");
	s->pgout = stat_value(buf, "pgpgout ");
	s->swin = stat_value(buf, "pswpin ");
	s->swout = stat_value(buf, "pswpout ");
	read_file("/proc/meminfo", buf, sizeof(buf));
	s->free = meminfo_kb(buf, "MemFree:");
	s->buff = meminfo_kb(buf, "Buffers:");
	s->cache = meminfo_kb(buf, "Cached:") + meminfo_kb(buf, "SReclaimable:");
	s->swpd = meminfo_kb(buf, "SwapTotal:") - meminfo_kb(buf, "SwapFree:");
}

static u64 pct(u64 part, u64 total) { return total ? (100 * part + total / 2) / total : 0; }

static void header(int timestamp)
{
	outf("procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----%s\n",
	     timestamp ? " -----timestamp-----" : "");
	outf(" r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st%s\n",
	     timestamp ? "                 UTC" : "");
}

int app_vmstat(int argc, char **argv)
{
	int c, one_header = 0, timestamp = 0, rows, cols, height, line = 0;
	u64 unit_div = 1, per_s;
	s64 delay = 0, count = 1, n;
	struct vm_sample prev, cur;

	while ((c = opt_next(argc, argv, "nS:tw")) != -1) {
		switch (c) {
		case 'n': one_header = 1; break;
		case 't': timestamp = 1; break;
		case 'w': break;   /* our columns already widen as needed */
		case 'S':
			/* memory columns in kB (k, K) or MB (m, M) */
			unit_div = (*opt_arg == 'm' || *opt_arg == 'M') ? 1024 : 1;
			break;
		default:
			errf("usage: vmstat [-n] [-t] [-S k|K|m|M] [delay [count]]\n");
			return 1;
		}
	}
	if (opt_ind < argc) {
		delay = parse_duration(argv[opt_ind++]);
		if (delay <= 0) {
			errf("delay must be positive integer\n");
			return 1;
		}
		count = -1;
	}
	if (opt_ind < argc && parse_int(argv[opt_ind], &count))
		count = 1;
	height = term_size(&rows, &cols) ? rows - 3 : 22;
	if (height < 5)
		height = 22;

	sample(&prev);
	memset(&cur, 0, sizeof(cur));
	per_s = uptime_cs() / 100;
	if (!per_s) per_s = 1;
	for (n = 0;; n++) {
		struct vm_sample *a = n ? &prev : &cur, *b = n ? &cur : &prev;   /* first: since boot (a zero) */
		struct cpu_times d;
		u64 total, mul;
		u64 *fa = &a->cpu.user, *fb = &b->cpu.user, *fd = &d.user;
		int i;
		if (n) {
			sleep_ns(delay);
			sample(&cur);
			per_s = (u64)(delay / 1000000000LL) ? (u64)(delay / 1000000000LL) : 1;
		}
		for (i = 0; i < 10; i++)
			fd[i] = fb[i] - fa[i];
		total = cpu_total(&d);
		if ((!one_header && line % height == 0) || n == 0)
			header(timestamp);
		line++;
		mul = unit_div;
		outf("%2llu %2llu %6llu %6llu %6llu %6llu %4llu %4llu %5llu %5llu %4llu %4llu %2llu %2llu %2llu %2llu %2llu",
		     b->running, b->blocked,
		     b->swpd / mul, b->free / mul, b->buff / mul, b->cache / mul,
		     (b->swin - a->swin) * 4 / per_s, (b->swout - a->swout) * 4 / per_s,
		     (b->pgin - a->pgin) / per_s, (b->pgout - a->pgout) / per_s,
		     (b->intr - a->intr) / per_s, (b->ctxt - a->ctxt) / per_s,
		     pct(d.user + d.nice, total), pct(d.system + d.irq + d.softirq, total),
		     pct(d.idle, total), pct(d.iowait, total), pct(d.steal, total));
		if (timestamp) {
			struct tmv tm;
			gmtime_v(clock_ns(CLK_REALTIME) / 1000000000LL, &tm);
			outf(" %d-%02d-%02d %02d:%02d:%02d", tm.year, tm.mon + 1, tm.mday, tm.hour, tm.min, tm.sec);
		}
		outf("\n");
		out_flush();
		if (n)
			prev = cur;
		if (count > 0 && n + 1 >= count)
			break;
		if (!delay)
			break;
	}
	return 0;
}
