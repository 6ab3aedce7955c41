/* free and uptime, in procps-ng 4's layout. */
#include "box.h"

struct meminfo { u64 total, free, avail, buffers, cache, shared, swap_total, swap_free, used; };

static int read_meminfo(struct meminfo *m)
{
	static char buf[4096];
	if (read_file("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return -1;
	m->total = meminfo_kb(buf, "MemTotal:");
	m->free = meminfo_kb(buf, "MemFree:");
	m->buffers = meminfo_kb(buf, "Buffers:");
	/* buff/cache counts reclaimable slab as cache, as procps does */
	m->cache = meminfo_kb(buf, "Cached:") + meminfo_kb(buf, "SReclaimable:");
	m->shared = meminfo_kb(buf, "Shmem:");
	m->avail = field_after(buf, "MemAvailable:") ? meminfo_kb(buf, "MemAvailable:") : m->free;
	m->swap_total = meminfo_kb(buf, "SwapTotal:");
	m->swap_free = meminfo_kb(buf, "SwapFree:");
	/* procps-ng 4: used = total - available */
	m->used = m->total > m->avail ? m->total - m->avail : 0;
	return 0;
}

/* procps' scale_size for -h: the shortest of "9.9Mi" / "907Mi" that fits 4 characters. */
static void free_human(char *buf, u64 kb, int si)
{
	static const char units[] = "BKMGTPE";
	u64 base = si ? 1000 : 1024, bytes = kb * 1024, div = 1;
	int i;
	if (bytes < 1000) {
		snfmt(buf, 16, "%lluB", bytes);
		return;
	}
	for (i = 1; units[i]; i++) {
		u64 tenths;
		div *= base;
		tenths = (bytes * 10 + div / 2) / div;   /* %.1f rounds */
		if (tenths < 100) {
			snfmt(buf, 16, "%llu.%llu%c%s", tenths / 10, tenths % 10, units[i], si ? "" : "i");
			return;
		}
		if (bytes / div < 1000) {
			snfmt(buf, 16, "%llu%c%s", bytes / div, units[i], si ? "" : "i");
			return;
		}
	}
	snfmt(buf, 16, "%lluE", bytes / div);
}

static int unit_shift;   /* kB >> shift, or -1 bytes, or 99 human */

static void col(u64 kb, int first)
{
	char b[24];
	if (unit_shift == 99)
		free_human(b, kb, 0);
	else if (unit_shift < 0)
		snfmt(b, sizeof(b), "%llu", kb * 1024);
	else
		snfmt(b, sizeof(b), "%llu", kb / (unit_shift == 20 ? 1048576 : unit_shift == 10 ? 1024 : 1));
	outf(first ? "%11s" : " %11s", b);
}

int app_free(int argc, char **argv)
{
	int c, total = 0, wide = 0;
	s64 count = 1, delay = 0;
	struct meminfo m;

	unit_shift = 0;
	for (int i = 1; i < argc; i++) {   /* the long options people type */
		if (!strcmp(argv[i], "--human")) argv[i] = "-h";
		else if (!strcmp(argv[i], "--mebi") || !strcmp(argv[i], "--mega")) argv[i] = "-m";
		else if (!strcmp(argv[i], "--kibi") || !strcmp(argv[i], "--kilo")) argv[i] = "-k";
		else if (!strcmp(argv[i], "--total")) argv[i] = "-t";
		else if (!strcmp(argv[i], "--wide")) argv[i] = "-w";
	}
	while ((c = opt_next(argc, argv, "bkmghtws:c:")) != -1) {
		switch (c) {
		case 'b': unit_shift = -1; break;
		case 'k': unit_shift = 0; break;
		case 'm': unit_shift = 10; break;
		case 'g': unit_shift = 20; break;
		case 'h': unit_shift = 99; break;
		case 't': total = 1; break;
		case 'w': wide = 1; break;
		case 's': delay = parse_duration(opt_arg); if (count == 1) count = -1; break;
		case 'c': count = atoi(opt_arg); break;
		default:
			errf("usage: free [-b|-k|-m|-g|-h] [-t] [-w] [-s SECONDS] [-c COUNT]\n");
			return 1;
		}
	}
	for (;;) {
		if (read_meminfo(&m)) {
			errf("cannot read /proc/meminfo\n");
			return 1;
		}
		if (wide)
			outf("               total        used        free      shared     buffers       cache   available\n");
		else
			outf("               total        used        free      shared  buff/cache   available\n");
		outf("%-8s ", "Mem:");
		col(m.total, 1); col(m.used, 0); col(m.free, 0); col(m.shared, 0);
		if (wide) { col(m.buffers, 0); col(m.cache, 0); }
		else col(m.buffers + m.cache, 0);
		col(m.avail, 0);
		outf("\n%-8s ", "Swap:");
		col(m.swap_total, 1); col(m.swap_total - m.swap_free, 0); col(m.swap_free, 0);
		outf("\n");
		if (total) {
			outf("%-8s ", "Total:");
			col(m.total + m.swap_total, 1);
			col(m.used + m.swap_total - m.swap_free, 0);
			col(m.free + m.swap_free, 0);
			outf("\n");
		}
		out_flush();
		if (count > 0 && --count == 0)
			break;
		outf("\n");
		sleep_ns(delay > 0 ? delay : 1000000000LL);
	}
	return 0;
}

/* " 04:10:23 up  1:02,  0 users,  load average: 0.00, 0.01, 0.05" */
void uptime_line(char *buf, int size)
{
	char up[48], now[16], load[64];
	char *p;
	s64 t = clock_ns(CLK_REALTIME) / 1000000000LL;
	fmt_clock(now, t, 1);
	fmt_uptime(up, uptime_cs() / 100);
	if (read_file("/proc/loadavg", load, sizeof(load)) <= 0)
		strcpy(load, "0.00 0.00 0.00");
	/* keep the three averages: "0.00 0.01 0.05 1/60 123" */
	p = load;
	for (int i = 0; i < 3 && p; i++) {
		p = strchr(p, ' ');
		if (p && i < 2) *p++ = ',';
	}
	if (p) *p = 0;
	/* "a,b,c" -> "a, b, c" */
	{
		char l2[64];
		int j = 0;
		for (p = load; *p && j < 60; p++) {
			l2[j++] = *p;
			if (*p == ',') l2[j++] = ' ';
		}
		l2[j] = 0;
		/* no utmp in the guest: nobody is logged in (procps says "0 user") */
		snfmt(buf, size, " %s up %s,  0 user,  load average: %s", now, up, l2);
	}
}

int app_uptime(int argc, char **argv)
{
	char line[160];
	if (argc > 1 && (!strcmp(argv[1], "-p") || !strcmp(argv[1], "--pretty"))) {
		s64 up = uptime_cs() / 100;
		int d = up / 86400, h = up / 3600 % 24, m = up / 60 % 60, any = 0;
		outf("up");
		if (d) { outf(" %d day%s", d, d == 1 ? "" : "s"); any = 1; }
		if (h) { outf("%s %d hour%s", any ? "," : "", h, h == 1 ? "" : "s"); any = 1; }
		if (m || !any) outf("%s %d minute%s", any ? "," : "", m, m == 1 ? "" : "s");
		outf("\n");
		return 0;
	}
	if (argc > 1 && (!strcmp(argv[1], "-s") || !strcmp(argv[1], "--since"))) {
		struct tmv tm;
		s64 boot = clock_ns(CLK_REALTIME) / 1000000000LL - uptime_cs() / 100;
		gmtime_v(boot, &tm);
		outf("%d-%02d-%02d %02d:%02d:%02d\n", tm.year, tm.mon + 1, tm.mday, tm.hour, tm.min, tm.sec);
		return 0;
	}
	uptime_line(line, sizeof(line));
	outf("%s\n", line);
	return 0;
}
