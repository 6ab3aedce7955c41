/* What ps, top, vmstat, free and uptime read from /proc, and calendar
 * arithmetic (the guest has no time zone data: everything is UTC). */
#include "box.h"

static const char *num(const char *p, u64 *v)
{
	*v = 0;
	p = skip_ws(p);
	while (*p >= '0' && *p <= '9')
		*v = *v * 10 + (*p++ - '0');
	return p;
}

u64 cpu_total(const struct cpu_times *c)
{
	/* guest time is already counted in user/nice (kernel/sched/cputime.c) */
	return c->user + c->nice + c->system + c->idle + c->iowait + c->irq + c->softirq + c->steal;
}

static const char *parse_cpu(const char *p, struct cpu_times *c)
{
	u64 *f = &c->user;
	int i;
	memset(c, 0, sizeof(*c));
	for (i = 0; i < 10 && *p != '\n' && *p; i++)
		p = num(p, &f[i]);
	return p;
}

int read_cpu_times(struct cpu_times *all, struct cpu_times *per, int max)
{
	static char buf[8192];
	const char *p;
	int n = 0;
	if (read_file("/proc/stat", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : 0) {
		if (strncmp(p, "cpu", 3))
			continue;
		if (p[3] == ' ') {
			parse_cpu(p + 4, all);
		} else if (n < max && per) {
			const char *q = p + 3;
			while (*q >= '0' && *q <= '9') q++;
			parse_cpu(q, &per[n++]);
		} else
			n++;
	}
	return n;
}

s64 uptime_cs(void)
{
	char buf[64];
	u64 s, cs = 0;
	const char *p;
	if (read_file("/proc/uptime", buf, sizeof(buf)) < 0)
		return 0;
	p = num(buf, &s);
	if (*p == '.') {
		p++;
		if (*p >= '0' && *p <= '9') cs = (*p++ - '0') * 10;
		if (*p >= '0' && *p <= '9') cs += *p - '0';
	}
	return (s64)(s * 100 + cs);
}

int proc_read(int pid, struct proc *pr)
{
	char path[48], buf[1024];
	const char *p, *close_paren;
	u64 t[40];
	struct statx st;
	int i, n;

	memset(pr, 0, sizeof(*pr));
	snfmt(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	pr->pid = pid;
	p = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!p || !close_paren)
		return -1;
	n = close_paren - p - 1;
	if (n > (int)sizeof(pr->comm) - 1)
		n = sizeof(pr->comm) - 1;
	memcpy(pr->comm, p + 1, n);
	pr->comm[n] = 0;
	p = skip_ws(close_paren + 1);
	pr->state = *p++;
	for (i = 0; i < 40; i++) {
		const char *q = skip_ws(p);
		int neg = *q == '-';
		p = num(neg ? q + 1 : q, &t[i]);
		if (neg) t[i] = -(s64)t[i];
	}
	/* t[k] is field k+4 of proc(5)'s /proc/pid/stat */
	pr->ppid = t[0]; pr->pgrp = t[1]; pr->session = t[2]; pr->tty = t[3]; pr->tpgid = t[4];
	pr->utime = t[10]; pr->stime = t[11]; pr->prio = (int)t[14]; pr->nice = (int)t[15];
	pr->nlwp = t[16]; pr->start = t[18]; pr->vsize_kb = t[19] / 1024; pr->rss_kb = t[20] * 4;
	pr->processor = t[35]; pr->rtprio = t[36]; pr->policy = t[37];
	snfmt(path, sizeof(path), "/proc/%d/statm", pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		u64 size, res, shr;
		p = num(buf, &size);
		p = num(p, &res);
		num(p, &shr);
		pr->shared_kb = shr * 4;
	}
	snfmt(path, sizeof(path), "/proc/%d", pid);
	pr->uid = xstat(path, 0, &st) == 0 ? (int)st.stx_uid : 0;
	return 0;
}

void cmdline_of(const struct proc *pr, char *buf, int size)
{
	char path[48];
	int n, i;
	snfmt(path, sizeof(path), "/proc/%d/cmdline", pr->pid);
	n = read_file(path, buf, size);
	while (n > 0 && buf[n - 1] == 0)
		n--;
	if (n <= 0) {
		snfmt(buf, size, "[%s]", pr->comm);   /* kernel threads have no command line */
		return;
	}
	for (i = 0; i < n; i++)
		if (buf[i] == 0 || buf[i] == '\n')
			buf[i] = ' ';
	buf[n] = 0;
}

const char *proc_cmdline(struct proc *pr)
{
	if (!pr->cmdline) {
		pr->cmdline = xalloc(4096);
		cmdline_of(pr, pr->cmdline, 4096);
	}
	return pr->cmdline;
}

int proc_scan(struct proc *list, int cap)
{
	int fd = b_open("/proc", 0x10000 /* O_DIRECTORY */, 0), n = 0, i, j;
	char buf[2048];
	if (fd < 0)
		return fd;
	for (;;) {
		int len = b_getdents(fd, buf, sizeof(buf)), off;
		if (len <= 0)
			break;
		for (off = 0; off < len;) {
			/* struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name */
			unsigned short reclen = *(unsigned short *)(buf + off + 16);
			const char *name = buf + off + 19;
			s64 pid;
			off += reclen;
			if (parse_int(name, &pid) || pid <= 0)
				continue;
			if (n == cap) {
				close(fd);
				return -1;   /* caller retries with more room */
			}
			if (proc_read((int)pid, &list[n]) == 0)
				n++;
		}
	}
	close(fd);
	for (i = 1; i < n; i++)   /* insertion sort: /proc lists pids almost sorted */
		for (j = i; j > 0 && list[j - 1].pid > list[j].pid; j--) {
			struct proc t = list[j];
			list[j] = list[j - 1];
			list[j - 1] = t;
		}
	return n;
}

int proc_list(struct proc **out)
{
	int cap = 256, n;
	for (;;) {
		struct proc *list = xalloc(cap * sizeof(*list));
		n = proc_scan(list, cap);
		if (n >= 0 || cap > 65536) {
			*out = list;
			return n;
		}
		cap *= 4;
	}
}

/* tty_nr: major in bits 8-15, minor in 0-7 and 20-31 (proc(5)). */
void tty_name(int tty, char *buf)
{
	int major = (tty >> 8) & 0xfff, minor = (tty & 0xff) | ((tty >> 12) & 0xfff00);
	if (!tty)
		strcpy(buf, "?");
	else if (major == 4 && minor >= 64)
		snfmt(buf, 16, "ttyS%d", minor - 64);
	else if (major == 4)
		snfmt(buf, 16, "tty%d", minor);
	else if (major >= 136 && major <= 143)
		snfmt(buf, 16, "pts/%d", (major - 136) * 256 + minor);
	else if (major == 229)
		snfmt(buf, 16, "hvc%d", minor);
	else if (major == 5 && minor == 1)
		strcpy(buf, "console");
	else
		snfmt(buf, 16, "%d,%d", major, minor);
}

void fmt_uptime(char *buf, s64 up)
{
	int days = up / 86400, hours = up / 3600 % 24, mins = up / 60 % 60;
	int n = 0;
	if (days)
		n = snfmt(buf, 32, "%d day%s, ", days, days > 1 ? "s" : "");
	if (hours)
		snfmt(buf + n, 32, "%2d:%02d", hours, mins);
	else
		snfmt(buf + n, 32, "%d min", mins);
}

void fmt_clock(char *buf, s64 t, int with_seconds)
{
	struct tmv tm;
	gmtime_v(t, &tm);
	if (with_seconds)
		snfmt(buf, 16, "%02d:%02d:%02d", tm.hour, tm.min, tm.sec);
	else
		snfmt(buf, 16, "%02d:%02d", tm.hour, tm.min);
}

void user_name(int uid, char *buf)
{
	if (uid == 0)
		strcpy(buf, "root");
	else
		snfmt(buf, 16, "%d", uid);
}

const char *const month_abbr[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
const char *const day_abbr[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

/* Days-to-civil (Howard Hinnant's algorithm), valid for any s64 day count. */
void gmtime_v(s64 t, struct tmv *tm)
{
	s64 days = t / 86400, secs = t % 86400, z, era, y;
	unsigned doe, yoe, doy, mp;
	if (secs < 0) { secs += 86400; days--; }
	tm->hour = secs / 3600;
	tm->min = secs / 60 % 60;
	tm->sec = secs % 60;
	tm->wday = (int)((days % 7 + 11) % 7);   /* 1970-01-01 was a Thursday */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (s64)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->mday = doy - (153 * mp + 2) / 5 + 1;
	tm->mon = mp < 10 ? mp + 2 : mp - 10;
	tm->year = (int)(y + (tm->mon <= 1));
	{
		static const short cum[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
		int leap = (tm->year % 4 == 0 && tm->year % 100 != 0) || tm->year % 400 == 0;
		tm->yday = cum[tm->mon] + tm->mday - 1 + (leap && tm->mon > 1);
	}
}
