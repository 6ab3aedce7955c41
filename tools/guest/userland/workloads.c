/* VirtLab guest workloads: hog, spin, bench. Part of the /bin/sh binary;
 * /bin/hog, /bin/spin and /bin/bench are symlinks to it (argv[0] selects). */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* ------------------------------------------------------------------ hog */
static volatile int hog_usr1, hog_usr2;
static void hog_on_usr1(int sig) { (void)sig; hog_usr1 = 1; }
static void hog_on_usr2(int sig) { (void)sig; hog_usr2 = 1; }

static int parse_size(const char *s, u64 *out)
{
	u64 v;
	const char *p = parse_u64(s, &v);
	if (p == s)
		return -1;
	switch (*p) {
	case 'k': case 'K': v <<= 10; p++; break;
	case 'm': case 'M': v <<= 20; p++; break;
	case 'g': case 'G': v <<= 30; p++; break;
	}
	if (*p == 'i' && p[1] == 'B') p += 2;
	else if (*p == 'B') p++;
	if (*p)
		return -1;
	*out = v;
	return 0;
}

static u32 hog_checksum(const u32 *mem, u32 words)
{
	u32 h = 2166136261u, i;    /* FNV-1a over 32-bit words */
	for (i = 0; i < words; i++)
		h = (h ^ mem[i]) * 16777619u;
	return h;
}

static int cmd_hog(int argc, char **argv)
{
	u64 sigs;
	const char *pattern = "unique";
	int i, checksum = 0, pid = getpid();
	u64 size = 0, seed = 0;
	u32 pages, pg, j;
	u32 *mem;
	int have_size = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pattern") && i + 1 < argc)
			pattern = argv[++i];
		else if (!strncmp(argv[i], "--pattern=", 10))
			pattern = argv[i] + 10;
		else if (!strcmp(argv[i], "--checksum"))
			checksum = 1;
		else if (!have_size && !parse_size(argv[i], &size))
			have_size = 1;
		else
			goto usage;
	}
	if (!have_size || size == 0 || size > 0xC0000000ULL ||
	    (strcmp(pattern, "zero") && strcmp(pattern, "same") && strcmp(pattern, "unique")))
		goto usage;

	pages = (u32)((size + 4095) >> 12);
	mem = mmap(0, (size_t)pages << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		epr("hog: cannot map %llu bytes: %s\n", size, errstr(errno));
		return 1;
	}
	set_signal(SIGUSR1, hog_on_usr1, 0);
	set_signal(SIGUSR2, hog_on_usr2, 0);
	/* USR1/USR2 are blocked except inside rt_sigsuspend below, so a signal
	 * that arrives while we work is not lost before we go back to sleep. */
	sigs = (1UL << (SIGUSR1 - 1)) | (1UL << (SIGUSR2 - 1));
	my_syscall4(__NR_rt_sigprocmask, 0 /* SIG_BLOCK */, &sigs, 0, 8);

	if (!strcmp(pattern, "unique")) {
		/* per-process seed: boot-random bytes, pid and time */
		my_syscall3(__NR_getrandom, &seed, sizeof(seed), 4 /* GRND_INSECURE */);
		seed ^= ((u64)pid << 32) ^ (u64)clock_ns(CLK_MONOTONIC);
	}
	for (pg = 0; pg < pages; pg++) {
		u32 *p = mem + (pg << 10);
		if (pattern[0] == 'z') {
			*(volatile char *)p = 0;
		} else if (pattern[0] == 's') {
			for (j = 0; j < 1024; j++)
				p[j] = 0x9E3779B9u * (j + 1) ^ 0x5A5A0000u;
		} else {
			u64 h = mix64(seed ^ ((u64)pg * 0x9E3779B97F4A7C15ULL));
			p[0] = pg;            /* distinct within the process */
			p[1] = (u32)pid;
			p[2] = (u32)seed;
			p[3] = (u32)(seed >> 32);
			for (j = 4; j < 1024; j += 2) {
				h = mix64(h + j);
				p[j] = (u32)h;
				p[j + 1] = (u32)(h >> 32);
			}
		}
	}
	pr("hog: %d holds %llu bytes (%u pages, pattern %s)\n", pid, (u64)pages << 12, pages, pattern);
	if (checksum)
		pr("hog: checksum %08x\n", hog_checksum(mem, pages << 10));
	for (;;) {
		u64 none = 0;
		my_syscall2(__NR_rt_sigsuspend, &none, 8);   /* sleep until a signal was handled */
		if (hog_usr2) {
			/* write one word of every page (a host COW fault on a merged page) */
			s64 t0 = clock_ns(CLK_MONOTONIC), t1;
			hog_usr2 = 0;
			for (pg = 0; pg < pages; pg++)
				mem[pg << 10] ^= 1;
			t1 = clock_ns(CLK_MONOTONIC);
			pr("hog: touched %u pages in %llu us\n", pages, (u64)((t1 - t0) / 1000));
		}
		if (hog_usr1) {
			hog_usr1 = 0;
			pr("hog: checksum %08x\n", hog_checksum(mem, pages << 10));
		}
	}
usage:
	epr("usage: hog SIZE[K|M|G] [--pattern zero|same|unique] [--checksum]\n");
	return 2;
}

/* ----------------------------------------------------------------- spin */
static volatile int spin_stop;
static void spin_on_term(int sig) { (void)sig; spin_stop = 1; }

static void spin_work(volatile u64 *counter)
{
	u32 x = 0x12345678u ^ (u32)(unsigned long)counter;
	u64 n = 0;
	for (;;) {
		int k;
		for (k = 0; k < 256; k++) {   /* pure integer work, no syscalls */
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			x = x * 2654435761u + (x >> 7);
		}
		n++;
		*counter = n;
		if (x == 0)                     /* never true; keeps x alive */
			*counter = 0;
	}
}

static int cmd_spin(int argc, char **argv)
{
	int i, n = 1, have_n = 0, pids[64];
	s64 run_ns = -1;
	const char *secs = 0;
	volatile u64 *counters;
	u64 total = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			secs = argv[++i];
			run_ns = parse_seconds(secs);
			if (run_ns < 0)
				goto usage;
		} else if (!have_n && argv[i][0] >= '0' && argv[i][0] <= '9') {
			n = atoi(argv[i]);
			have_n = 1;
		} else
			goto usage;
	}
	if (n < 1 || n > 64)
		goto usage;

	counters = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if ((void *)counters == MAP_FAILED) {
		epr("spin: mmap: %s\n", errstr(errno));
		return 1;
	}
	set_signal(SIGINT, spin_on_term, 0);
	set_signal(SIGTERM, spin_on_term, 0);
	set_signal(SIGHUP, spin_on_term, 0);
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			set_signal(SIGINT, V_SIG_DFL, 0);
			set_signal(SIGTERM, V_SIG_DFL, 0);
			set_signal(SIGHUP, V_SIG_DFL, 0);
			set_pdeathsig(SIGKILL);
			spin_work(&counters[i]);
		}
		if (pids[i] < 0) {
			epr("spin: fork: %s\n", errstr(errno));
			n = i;
			break;
		}
	}
	outf("spin: started %d workers:", n);
	for (i = 0; i < n; i++)
		outf(" %d", pids[i]);
	pr("\n");

	if (run_ns >= 0) {
		s64 end = clock_ns(CLK_MONOTONIC) + run_ns, now;
		while (!spin_stop && (now = clock_ns(CLK_MONOTONIC)) < end)
			sleep_ns(end - now);
		for (i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		for (i = 0; i < n; i++)
			vwait(pids[i], 0, 0);
		for (i = 0; i < n; i++) {
			pr("spin: worker %d: %llu iterations\n", pids[i], counters[i]);
			total += counters[i];
		}
		pr("spin: total %llu iterations in %s s\n", total, secs);
		return 0;
	}

	/* run until stopped; end all workers when we are told to stop */
	for (;;) {
		int st, pid = vwait(-1, &st, 0);
		if (spin_stop) {
			for (i = 0; i < n; i++)
				kill(pids[i], SIGKILL);
			while (vwait(-1, 0, 0) > 0)
				;
			return 130;
		}
		if (pid == -ECHILD)
			return 0;
	}
usage:
	epr("usage: spin [N] [--seconds S]   (N = 1..64 workers)\n");
	return 2;
}

/* ---------------------------------------------------------------- bench */
static u32 bench_once(u32 iter)
{
	static unsigned char sieve[8192];
	static unsigned char buf[4096];
	static u32 a[16][16], b[16][16];
	u32 i, j, k, primes = 0, crc, sum = 0;

	/* sieve of Eratosthenes */
	memset(sieve, 1, sizeof(sieve));
	for (i = 2; i < sizeof(sieve); i++) {
		if (!sieve[i])
			continue;
		primes++;
		for (j = i * i; j < sizeof(sieve); j += i)
			sieve[j] = 0;
	}
	/* CRC32 over a buffer */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 31 + iter);
	crc = crc32_update(0, buf, sizeof(buf));
	/* 16x16 integer matrix multiply */
	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++) {
			a[i][j] = i * 16 + j + iter;
			b[i][j] = (i ^ j) + 1;
		}
	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++) {
			u32 s = 0;
			for (k = 0; k < 16; k++)
				s += a[i][k] * b[k][j];
			sum += s / (j + 1);
		}
	return primes ^ crc ^ sum;
}

static int cmd_bench(int argc, char **argv)
{
	u64 n = 100, i;
	u32 result = 0;
	s64 t0, t1, ms_x100, rate_x100;

	if (argc > 1 && (parse_u64(argv[1], &n)[0] || n == 0)) {
		epr("usage: bench [ITERATIONS]   (default 100)\n");
		return 2;
	}
	t0 = clock_ns(CLK_MONOTONIC);
	for (i = 0; i < n; i++)
		result = result * 33 + bench_once((u32)i);
	t1 = clock_ns(CLK_MONOTONIC);
	ms_x100 = (t1 - t0) / 10000;
	if (ms_x100 < 1)
		ms_x100 = 1;
	rate_x100 = (s64)(n * 100000ULL * 100ULL / (u64)ms_x100);
	pr("bench: result %08x\n", result);
	pr("bench: %llu iterations in %lld.%02lld ms (%lld.%02lld iterations/s)\n", n,
	   ms_x100 / 100, ms_x100 % 100, rate_x100 / 100, rate_x100 % 100);
	return 0;
}

struct applet {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
};

static const struct applet applets[] = {
	{ "hog", cmd_hog, "hog SIZE [--pattern zero|same|unique] [--checksum]: hold SIZE bytes of touched memory (kill -USR1 prints a checksum, -USR2 writes a word of every page)" },
	{ "spin", cmd_spin, "spin [N] [--seconds S]: run N CPU-bound worker processes (forever, or S seconds and report iterations)" },
	{ "bench", cmd_bench, "bench [ITERATIONS]: integer CPU benchmark (sieve, CRC32, matrix multiply) with timing" },
	{ 0, 0, 0 },
};

static const struct applet *find_applet(const char *name)
{
	const struct applet *a;
	for (a = applets; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return 0;
}
