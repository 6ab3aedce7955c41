/* stress: load generator for lessons and benchmarks, after stress(1) and
 * stress-ng. Options:
 *   -c, --cpu N          N workers spinning on integer arithmetic (no syscalls)
 *   -i, --io N           N workers calling sync()
 *   -m, --vm N           N workers that map, touch and free memory
 *       --vm-bytes B     per vm worker (default 16M; K/M/G suffixes)
 *       --vm-keep        keep and re-dirty the memory instead of freeing it
 *       --vm-hang S      sleep S seconds after touching the memory (0 = forever)
 *       --vm-pattern P   page contents: zero (untouched zero bytes written),
 *                        same (every page identical, also across workers and
 *                        VMs: KSM merges them), random (every page distinct,
 *                        the default)
 *       --dirty-rate R   after the first touch, re-dirty the memory at R MB/s
 *                        (implies --vm-keep; for migration's dirty tracking)
 *   -t, --timeout S      stop after S seconds (s/m/h suffixes)
 *   -q, --quiet / -v, --verbose
 * Prints what it dispatches and how the run ended, like stress(1). */
#include "box.h"

enum { P_ZERO, P_SAME, P_RANDOM };
static const char *const pattern_names[] = { "zero", "same", "random" };

static int quiet, verbose, pattern = P_RANDOM, keep;
static s64 hang_ns = -1;
static u64 vm_bytes = 16ULL << 20, dirty_rate_mb;
static int master;

#define PAGE 4096

static void info(const char *f, ...)
{
	char buf[256];
	va_list ap;
	int n;
	if (quiet)
		return;
	n = snfmt(buf, sizeof(buf), "stress: info: [%d] ", master);
	va_start(ap, f);
	/* format the rest through outf's engine */
	out_flush();
	write_all(1, buf, n);
	voutf(f, ap);
	va_end(ap);
	out_flush();
}

static void cpu_worker(void)
{
	volatile u32 sink = 0;
	u32 x = 2463534242u;
	for (;;) {
		int i;
		for (i = 0; i < 100000; i++) {
			x ^= x << 13; x ^= x >> 17; x ^= x << 5;
			sink += x * 2654435761u;
		}
	}
}

static void io_worker(void)
{
	for (;;)
		my_syscall0(__NR_sync);
}

/* One page's content under the pattern; gen changes "random" pages on each re-dirty. */
static void fill_page(u32 *w, u64 index, u32 seed, u32 gen)
{
	int i;
	if (pattern == P_ZERO) {
		w[0] = 0;   /* touching is enough: the page is allocated and stays zero */
		return;
	}
	if (pattern == P_SAME) {
		for (i = 0; i < PAGE / 4; i++)
			w[i] = 0x5354524bu ^ (u32)i * 0x9e3779b9u;   /* the same on every page of every VM */
		return;
	}
	{
		u32 x = seed ^ (u32)index * 0x9e3779b9u ^ (u32)(index >> 32) ^ gen * 0x85ebca6bu;
		if (!x) x = 1;
		for (i = 0; i < PAGE / 4; i++) {
			x ^= x << 13; x ^= x >> 17; x ^= x << 5;
			w[i] = x;
		}
		w[0] = (u32)index;   /* distinct even if two xorshift streams met */
	}
}

/* Re-dirty one page: one word written, keeping the pattern's promise. */
static void dirty_page(u32 *w, u64 index, u32 seed, u32 gen)
{
	if (pattern == P_RANDOM)
		w[1] = seed ^ gen ^ (u32)index * 2654435761u;
	else
		*(volatile u32 *)w = *(volatile u32 *)w;   /* same value: the page is written, its content unchanged */
	(void)seed;
}

static void vm_worker(void)
{
	u64 pages = (vm_bytes + PAGE - 1) / PAGE, i;
	u32 seed = (u32)(clock_ns(CLK_MONOTONIC) ^ ((u64)getpid() << 16)), gen = 0;
	char *mem = 0;
	info("vm worker %d: %llu bytes (%llu pages), pattern %s%s%s\n", getpid(), pages * PAGE, pages,
	     pattern_names[pattern], keep ? ", keep" : "", dirty_rate_mb ? ", dirty rate set" : "");
	for (;;) {
		if (!mem || !keep) {
			long p = my_syscall6(__NR_mmap2, 0, pages * PAGE, 3, 0x22, -1, 0);
			if (p < 0 && p > -4096) {
				errf("FAIL: [%d] vm worker %d: mmap of %llu bytes failed: %s\n", master, getpid(),
				     pages * PAGE, strerr(p));
				exit(1);
			}
			mem = (char *)p;
			for (i = 0; i < pages; i++)
				fill_page((u32 *)(mem + i * PAGE), i, seed, gen);
			if (verbose)
				info("vm worker %d: touched %llu pages\n", getpid(), pages);
		} else if (!dirty_rate_mb) {
			gen++;
			for (i = 0; i < pages; i++)
				dirty_page((u32 *)(mem + i * PAGE), i, seed, gen);
		}
		if (dirty_rate_mb) {
			/* pace: R MB/s = R*256 pages/s, checked every 10 ms */
			u64 rate = dirty_rate_mb * 256, done = 0, next = 0;
			s64 start = clock_ns(CLK_MONOTONIC);
			info("vm worker %d: dirtying %llu MB/s (%llu pages/s)\n", getpid(), dirty_rate_mb, rate);
			for (;;) {
				u64 due = (u64)(clock_ns(CLK_MONOTONIC) - start) / 1000000ULL * rate / 1000;
				while (done < due) {
					if (next == 0) gen++;
					dirty_page((u32 *)(mem + next * PAGE), next, seed, gen);
					next = next + 1 == pages ? 0 : next + 1;
					done++;
				}
				sleep_ns(10000000LL);
			}
		}
		if (hang_ns == 0) {
			for (;;)
				sleep_ns(3600000000000LL);
		}
		if (hang_ns > 0)
			sleep_ns(hang_ns);
		if (!keep) {
			my_syscall2(__NR_munmap, mem, pages * PAGE);
			mem = 0;
		}
	}
}

static volatile int interrupted;
static void on_signal(int s) { (void)s; interrupted = 1; }

static int spawn(void (*fn)(void), int *pids, int *n)
{
	int pid;
	out_flush();
	pid = fork();
	if (pid < 0) {
		errf("FAIL: [%d] fork failed: %s\n", master, strerr(-errno));
		return -1;
	}
	if (!pid) {
		b_sigaction(2, B_SIG_DFL, 0);
		b_sigaction(15, B_SIG_DFL, 0);
		my_syscall2(__NR_prctl, 1 /* PR_SET_PDEATHSIG */, 9);
		fn();
		exit(0);
	}
	pids[(*n)++] = pid;
	return 0;
}

int app_stress(int argc, char **argv)
{
	int ncpu = 0, nio = 0, nvm = 0, i, n = 0, alive, failed = 0;
	int *pids;
	s64 timeout = 0, start, elapsed;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : 0;
		u64 x;
#define TAKES(s, l) ((!strcmp(a, s) || !strcmp(a, l)) && v && (i++, 1))
		if (TAKES("-c", "--cpu")) ncpu = atoi(v);
		else if (TAKES("-i", "--io")) nio = atoi(v);
		else if (TAKES("-m", "--vm")) nvm = atoi(v);
		else if (TAKES("--vm-bytes", "--vm-bytes")) {
			if (parse_size(v, &x) || !x) { errf("FAIL: invalid --vm-bytes '%s'\n", v); return 1; }
			vm_bytes = x;
		} else if (!strcmp(a, "--vm-keep")) keep = 1;
		else if (TAKES("--vm-hang", "--vm-hang")) {
			hang_ns = parse_duration(v);
			if (hang_ns < 0) { errf("FAIL: invalid --vm-hang '%s'\n", v); return 1; }
		} else if (TAKES("--vm-pattern", "--vm-pattern")) {
			for (pattern = 0; pattern < 3 && strcmp(v, pattern_names[pattern]); pattern++)
				;
			if (pattern == 3) { errf("FAIL: --vm-pattern must be zero, same or random\n"); return 1; }
		} else if (TAKES("--dirty-rate", "--dirty-rate")) {
			s64 r;
			if (parse_int(v, &r) || r <= 0) { errf("FAIL: invalid --dirty-rate '%s' (MB/s)\n", v); return 1; }
			dirty_rate_mb = (u64)r;
			keep = 1;
		} else if (TAKES("-t", "--timeout")) {
			timeout = parse_duration(v);
			if (timeout < 0) { errf("FAIL: invalid --timeout '%s'\n", v); return 1; }
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) quiet = 1;
		else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) verbose = 1;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			outf("usage: stress [--cpu N] [--io N] [--vm N [--vm-bytes B] [--vm-keep] [--vm-hang S]\n"
			     "              [--vm-pattern zero|same|random] [--dirty-rate MB/s]] [--timeout S] [-q|-v]\n");
			return 0;
		} else {
			errf("FAIL: unknown option '%s' (stress --help)\n", a);
			return 1;
		}
	}
	if (ncpu + nio + nvm == 0) {
		errf("FAIL: no workers: give --cpu, --io or --vm\n");
		return 1;
	}
	master = getpid();
	info("dispatching hogs: %d cpu, %d io, %d vm, 0 hdd\n", ncpu, nio, nvm);
	if (nvm)
		info("vm: %llu bytes per worker, pattern %s, %s%s\n", vm_bytes, pattern_names[pattern],
		     keep ? "keep (re-dirty)" : "free and re-map", hang_ns == 0 ? ", hang forever" : hang_ns > 0 ? ", hang between passes" : "");
	b_sigaction(2, on_signal, 0);
	b_sigaction(15, on_signal, 0);
	pids = xalloc((ncpu + nio + nvm) * sizeof(int));
	start = clock_ns(CLK_MONOTONIC);
	for (i = 0; i < ncpu; i++) if (spawn(cpu_worker, pids, &n)) failed = 1;
	for (i = 0; i < nio; i++) if (spawn(io_worker, pids, &n)) failed = 1;
	for (i = 0; i < nvm; i++) if (spawn(vm_worker, pids, &n)) failed = 1;
	alive = n;
	while (alive > 0 && !failed) {
		int st, pid = b_wait(-1, &st, 1);
		if (pid > 0) {
			alive--;
			for (i = 0; i < n; i++)
				if (pids[i] == pid) pids[i] = 0;
			if (!W_EXITED(st) || W_CODE(st)) {
				if (!W_EXITED(st))
					errf("FAIL: [%d] (%d) <-- worker %d got signal %d\n", master, __LINE__, pid, W_SIG(st));
				else
					errf("FAIL: [%d] (%d) <-- worker %d returned error %d\n", master, __LINE__, pid, W_CODE(st));
				failed = 1;
			}
			continue;
		}
		if (interrupted || (timeout && clock_ns(CLK_MONOTONIC) - start >= timeout))
			break;
		sleep_ns(50000000LL);
	}
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			my_syscall2(__NR_kill, pids[i], 9);
	while (b_wait(-1, 0, 0) > 0)
		;
	elapsed = (clock_ns(CLK_MONOTONIC) - start + 500000000LL) / 1000000000LL;
	if (failed) {
		errf("FAIL: [%d] (%d) failed run completed in %llds\n", master, __LINE__, elapsed);
		return 1;
	}
	info("%s run completed in %llds\n", interrupted ? "interrupted" : "successful", elapsed);
	return 0;
}
