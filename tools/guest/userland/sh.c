/* VirtLab guest shell (/bin/sh): line editing on a tty, built-in commands,
 * foreground/background jobs. Also hosts the workload applets (hog, spin,
 * bench), selected by argv[0] or forked directly. */
#include "lib.h"
#include "workloads.c"

#define LINE_MAX_ 512
#define MAX_ARGS 64
#define HIST 16

static char *const sh_envp[] = { "PATH=/bin", "HOME=/", "TERM=vt100", 0 };
static int interactive;          /* stdin is a terminal */
static struct termios tty_cooked; /* terminal state at start (canonical) */
static int shell_pgrp;
static volatile int got_sigint;
static int last_status;

static void on_sigint(int sig) { (void)sig; got_sigint = 1; }

/* ---------------------------------------------------------- line editor */
static char hist[HIST][LINE_MAX_];
static int hist_count;

static void prompt_str(char *buf, int size)
{
	char cwd[256];
	if (vgetcwd(cwd, sizeof(cwd)) < 0)
		strcpy(cwd, "?");
	buf[0] = 0;
	strlcpy(buf, "root@virtlab:", size);
	strlcat(buf, cwd, size);
	strlcat(buf, "# ", size);
}

static void redraw(const char *prompt, const char *line, int len, int pos)
{
	out_char('\r');
	out_str(prompt);
	out_mem(line, len);
	out_str("\x1b[K");
	if (len > pos)
		outf("\x1b[%dD", len - pos);
	out_flush();
}

/* Read one edited line from the terminal. Returns length, or -1 on EOF. */
static int read_line_tty(char *line)
{
	char prompt[300], c, seq[4];
	int len = 0, pos = 0, hidx = hist_count, n;
	struct termios raw = tty_cooked;

	raw.c_lflag &= ~(ICANON | ECHO | ISIG | IEXTEN);
	raw.c_iflag &= ~(IXON | ICRNL | INLCR | IGNCR);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tty_set(0, &raw);

	prompt_str(prompt, sizeof(prompt));
	out_str(prompt);
	out_flush();
	for (;;) {
		n = read(0, &c, 1);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			tty_set(0, &tty_cooked);
			return -1;
		}
		switch (c) {
		case '\r': case '\n':
			out_str("\r\n");
			out_flush();
			line[len] = 0;
			tty_set(0, &tty_cooked);
			if (len && (hist_count == 0 || strcmp(hist[(hist_count - 1) % HIST], line))) {
				strcpy(hist[hist_count % HIST], line);
				hist_count++;
			}
			return len;
		case 3:   /* Ctrl-C: abandon the line */
			out_str("^C\r\n");
			out_str(prompt);
			out_flush();
			len = pos = 0;
			hidx = hist_count;
			break;
		case 4:   /* Ctrl-D: delete under cursor; ignored on an empty line */
			if (pos < len) {
				memmove(line + pos, line + pos + 1, len - pos - 1);
				len--;
				redraw(prompt, line, len, pos);
			}
			break;
		case 127: case 8:   /* Backspace / DEL */
			if (pos > 0) {
				memmove(line + pos - 1, line + pos, len - pos);
				len--;
				pos--;
				if (pos == len) {
					out_str("\b \b");
					out_flush();
				} else
					redraw(prompt, line, len, pos);
			}
			break;
		case 21:  /* Ctrl-U: kill line */
			len = pos = 0;
			redraw(prompt, line, len, pos);
			break;
		case 11:  /* Ctrl-K: kill to end */
			len = pos;
			redraw(prompt, line, len, pos);
			break;
		case 1:   /* Ctrl-A */
			pos = 0;
			redraw(prompt, line, len, pos);
			break;
		case 5:   /* Ctrl-E */
			pos = len;
			redraw(prompt, line, len, pos);
			break;
		case 12:  /* Ctrl-L: clear screen */
			out_str("\x1b[H\x1b[2J");
			redraw(prompt, line, len, pos);
			break;
		case 27:  /* escape sequences: arrows, Home/End, Delete */
			if (read(0, &seq[0], 1) != 1)
				break;
			if (seq[0] != '[' && seq[0] != 'O')
				break;
			if (read(0, &seq[1], 1) != 1)
				break;
			if (seq[1] >= '0' && seq[1] <= '9') {
				if (read(0, &seq[2], 1) != 1 || seq[2] != '~')
					break;
				if (seq[1] == '3' && pos < len) {
					memmove(line + pos, line + pos + 1, len - pos - 1);
					len--;
				} else if (seq[1] == '1' || seq[1] == '7')
					pos = 0;
				else if (seq[1] == '4' || seq[1] == '8')
					pos = len;
			} else if (seq[1] == 'C') {
				if (pos < len) pos++;
			} else if (seq[1] == 'D') {
				if (pos > 0) pos--;
			} else if (seq[1] == 'H') {
				pos = 0;
			} else if (seq[1] == 'F') {
				pos = len;
			} else if (seq[1] == 'A' || seq[1] == 'B') {
				int oldest = hist_count > HIST ? hist_count - HIST : 0;
				if (seq[1] == 'A' && hidx > oldest)
					hidx--;
				else if (seq[1] == 'B' && hidx < hist_count)
					hidx++;
				else
					break;
				if (hidx == hist_count)
					len = 0;
				else {
					strcpy(line, hist[hidx % HIST]);
					len = strlen(line);
				}
				pos = len;
			}
			redraw(prompt, line, len, pos);
			break;
		default:
			if ((unsigned char)c < 32 || len >= LINE_MAX_ - 1)
				break;
			memmove(line + pos + 1, line + pos, len - pos);
			line[pos++] = c;
			len++;
			if (pos == len) {
				out_char(c);
				out_flush();
			} else
				redraw(prompt, line, len, pos);
		}
	}
}

/* Non-tty input: plain lines, buffered. Returns length or -1 at EOF. */
static char in_buf[4096];
static int in_len, in_pos;

static int read_line_plain(char *line)
{
	int len = 0;
	for (;;) {
		if (in_pos == in_len) {
			int n = read(0, in_buf, sizeof(in_buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				line[len] = 0;
				return len ? len : -1;
			}
			in_len = n;
			in_pos = 0;
		}
		char c = in_buf[in_pos++];
		if (c == '\n') {
			line[len] = 0;
			return len;
		}
		if (len < LINE_MAX_ - 1)
			line[len++] = c;
	}
}

/* ------------------------------------------------------------- parsing */
/* Splits a line into commands. Each word is NUL-terminated in place in
 * `store`. Returns the number of words; seps[i] marks the separator after
 * word i: 0 none, ';' or '&'. */
static int split_words(const char *line, char *store, char **words, char *seps, int max)
{
	int n = 0;
	char *o = store;
	const char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (*p == ';' || *p == '&') {
			if (n > 0 && !seps[n - 1])
				seps[n - 1] = *p;
			else if (n == 0 || seps[n - 1])
				; /* empty command; ignore */
			p++;
			continue;
		}
		if (*p == '#')
			break;
		if (n == max)
			break;
		words[n] = o;
		seps[n] = 0;
		while (*p && *p != ' ' && *p != '\t' && *p != ';' && *p != '&') {
			if (*p == '\'' || *p == '"') {
				char q = *p++;
				while (*p && *p != q) {
					if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					*o++ = *p++;
				}
				if (*p)
					p++;
			} else if (*p == '$' && p[1] == '?') {
				char num[12];
				int k = 0, v = last_status;
				do { num[k++] = '0' + v % 10; v /= 10; } while (v);
				while (k) *o++ = num[--k];
				p += 2;
			} else
				*o++ = *p++;
		}
		*o++ = 0;
		n++;
	}
	return n;
}

/* ------------------------------------------------------------ builtins */
static int b_echo(int argc, char **argv)
{
	int i = 1, nl = 1;
	if (argc > 1 && !strcmp(argv[1], "-n")) { nl = 0; i++; }
	for (; i < argc; i++) {
		out_str(argv[i]);
		if (i + 1 < argc) out_char(' ');
	}
	if (nl) out_char('\n');
	out_flush();
	return 0;
}

static int cat_fd(int fd)
{
	char buf[1024];
	int n;
	while (!got_sigint && (n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) != n)
			return 1;
	return 0;
}

static int b_cat(int argc, char **argv)
{
	int i, rc = 0;
	if (argc < 2)
		return cat_fd(0);
	for (i = 1; i < argc && !got_sigint; i++) {
		int fd = open(argv[i], O_RDONLY, 0);
		if (fd < 0) {
			epr("cat: %s: %s\n", argv[i], errstr(errno));
			rc = 1;
			continue;
		}
		rc |= cat_fd(fd);
		close(fd);
	}
	return rc;
}

static void mode_string(unsigned mode, char *s)
{
	static const char rwx[] = "rwxrwxrwx";
	int i;
	switch (mode & S_IFMT) {
	case S_IFDIR: s[0] = 'd'; break;
	case S_IFLNK: s[0] = 'l'; break;
	case S_IFCHR: s[0] = 'c'; break;
	case S_IFBLK: s[0] = 'b'; break;
	case S_IFIFO: s[0] = 'p'; break;
	case S_IFSOCK: s[0] = 's'; break;
	default: s[0] = '-';
	}
	for (i = 0; i < 9; i++)
		s[i + 1] = (mode & (0400 >> i)) ? rwx[i] : '-';
	if (mode & 01000) s[9] = (mode & 1) ? 't' : 'T';
	s[10] = 0;
}

static void ls_long(const char *path, const char *name)
{
	struct statx st;
	char mode[12], target[256];
	if (vstatx(path, 1, &st) < 0) {
		epr("ls: %s: %s\n", path, errstr(errno));
		return;
	}
	mode_string(st.stx_mode, mode);
	if ((st.stx_mode & S_IFMT) == S_IFCHR || (st.stx_mode & S_IFMT) == S_IFBLK)
		outf("%s %3u %4u %4u %4u, %4u %s", mode, st.stx_nlink, st.stx_uid, st.stx_gid,
		     st.stx_rdev_major, st.stx_rdev_minor, name);
	else
		outf("%s %3u %4u %4u %10llu %s", mode, st.stx_nlink, st.stx_uid, st.stx_gid,
		     (u64)st.stx_size, name);
	if ((st.stx_mode & S_IFMT) == S_IFLNK) {
		int n = vreadlink(path, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = 0;
			outf(" -> %s", target);
		}
	}
	out_char('\n');
}

static int b_ls(int argc, char **argv)
{
	static char names[16384];
	char *list[512];
	char dbuf[1024], path[512];
	const char *dir = ".";
	int i, lng = 0, all = 0, fd, n, count = 0, used = 0, rc = 0;
	struct statx st;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			const char *o;
			for (o = argv[i] + 1; *o; o++) {
				if (*o == 'l') lng = 1;
				else if (*o == 'a') all = 1;
				else { epr("ls: unknown option -%c\n", *o); return 2; }
			}
		} else
			dir = argv[i];
	}
	if (vstatx(dir, 0, &st) < 0) {
		epr("ls: %s: %s\n", dir, errstr(errno));
		return 1;
	}
	if ((st.stx_mode & S_IFMT) != S_IFDIR) {
		if (lng) ls_long(dir, dir); else outf("%s\n", dir);
		out_flush();
		return 0;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		epr("ls: %s: %s\n", dir, errstr(errno));
		return 1;
	}
	while ((n = getdents64(fd, (void *)dbuf, sizeof(dbuf))) > 0) {
		int off = 0;
		while (off < n) {
			struct linux_dirent64 *d = (void *)(dbuf + off);
			int l = strlen(d->d_name) + 1;
			off += d->d_reclen;
			if (d->d_name[0] == '.' && !all)
				continue;
			if (count == 512 || used + l > (int)sizeof(names)) {
				rc = 1;
				continue;
			}
			list[count++] = names + used;
			memcpy(names + used, d->d_name, l);
			used += l;
		}
	}
	close(fd);
	/* insertion sort by name */
	for (i = 1; i < count; i++) {
		char *k = list[i];
		int j = i - 1;
		while (j >= 0 && strcmp(list[j], k) > 0) {
			list[j + 1] = list[j];
			j--;
		}
		list[j + 1] = k;
	}
	for (i = 0; i < count; i++) {
		if (lng) {
			strlcpy(path, dir, sizeof(path));
			strlcat(path, "/", sizeof(path));
			strlcat(path, list[i], sizeof(path));
			ls_long(path, list[i]);
		} else
			outf("%s\n", list[i]);
	}
	out_flush();
	return rc;
}

static int b_cd(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/";
	if (chdir(dir) < 0) {
		epr("cd: %s: %s\n", dir, errstr(errno));
		return 1;
	}
	return 0;
}

static int b_pwd(int argc, char **argv)
{
	char cwd[256];
	if (vgetcwd(cwd, sizeof(cwd)) < 0)
		return 1;
	pr("%s\n", cwd);
	return 0;
}

static char big[16384];

/* Value in kB of a /proc/meminfo field, or 0. */
static u64 meminfo_kb(const char *text, const char *field)
{
	int fl = strlen(field);
	const char *p = text;
	while (*p) {
		if (!strncmp(p, field, fl) && p[fl] == ':') {
			u64 v;
			p += fl + 1;
			while (*p == ' ') p++;
			parse_u64(p, &v);
			return v;
		}
		while (*p && *p != '\n') p++;
		if (*p) p++;
	}
	return 0;
}

static int b_free(int argc, char **argv)
{
	u64 total, fr, shared, buffers, cache, avail, used, stotal, sfree;
	if (read_file("/proc/meminfo", big, sizeof(big)) < 0) {
		epr("free: cannot read /proc/meminfo\n");
		return 1;
	}
	total = meminfo_kb(big, "MemTotal");
	fr = meminfo_kb(big, "MemFree");
	shared = meminfo_kb(big, "Shmem");
	buffers = meminfo_kb(big, "Buffers");
	cache = meminfo_kb(big, "Cached") + meminfo_kb(big, "SReclaimable");
	avail = meminfo_kb(big, "MemAvailable");
	stotal = meminfo_kb(big, "SwapTotal");
	sfree = meminfo_kb(big, "SwapFree");
	used = total - fr - buffers - cache;
	if (used > total)
		used = total - fr;
	pr("               total        used        free      shared  buff/cache   available\n"
	   "Mem:    %12llu%12llu%12llu%12llu%12llu%12llu\n"
	   "Swap:   %12llu%12llu%12llu\n",
	   total, used, fr, shared, buffers + cache, avail, stotal, stotal - sfree, sfree);
	return 0;
}

static int b_meminfo(int argc, char **argv)
{
	char *a[] = { "cat", "/proc/meminfo", 0 };
	return b_cat(2, a);
}

static int b_uptime(int argc, char **argv)
{
	char up[64], load[128], avg[64];
	u64 secs, mins, daytime;
	const char *p;
	char *l;
	int i;

	if (read_file("/proc/uptime", up, sizeof(up)) < 0 ||
	    read_file("/proc/loadavg", load, sizeof(load)) < 0) {
		epr("uptime: cannot read /proc\n");
		return 1;
	}
	parse_u64(up, &secs);
	mins = secs / 60;
	daytime = (u64)(clock_ns(CLK_REALTIME) / 1000000000LL) % 86400;
	outf(" %02llu:%02llu:%02llu up ", daytime / 3600, daytime / 60 % 60, daytime % 60);
	if (mins >= 1440)
		outf("%llu day%s, ", mins / 1440, mins >= 2880 ? "s" : "");
	if (mins % 1440 >= 60)
		outf("%2llu:%02llu, ", mins % 1440 / 60, mins % 60);
	else
		outf("%llu min, ", mins % 60);
	/* load averages are the first three fields of /proc/loadavg */
	l = avg;
	for (i = 0, p = load; i < 3; i++) {
		while (*p == ' ') p++;
		while (*p && *p != ' ') *l++ = *p++;
		if (i < 2) { *l++ = ','; *l++ = ' '; }
	}
	*l = 0;
	pr("load average: %s\n", avg);
	return 0;
}

static int b_ps(int argc, char **argv)
{
	char dbuf[1024], path[64], stat[512], cmd[256], statm[64];
	int fd, n;

	fd = open("/proc", O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		epr("ps: cannot open /proc\n");
		return 1;
	}
	outf("  PID STATE   RSS COMMAND\n");
	while ((n = getdents64(fd, (void *)dbuf, sizeof(dbuf))) > 0) {
		int off = 0;
		while (off < n) {
			struct linux_dirent64 *d = (void *)(dbuf + off);
			char *rp, *comm, state;
			u64 rss = 0, pages;
			int len, i;
			off += d->d_reclen;
			if (d->d_name[0] < '1' || d->d_name[0] > '9')
				continue;
			strcpy(path, "/proc/");
			strlcat(path, d->d_name, sizeof(path));
			strlcat(path, "/stat", sizeof(path));
			if (read_file(path, stat, sizeof(stat)) <= 0)
				continue;
			comm = strchr(stat, '(');
			rp = strrchr(stat, ')');
			if (!comm || !rp)
				continue;
			*rp = 0;
			comm++;
			state = rp[2];
			strcpy(path + strlen(path) - 4, "statm");
			if (read_file(path, statm, sizeof(statm)) > 0) {
				const char *p = parse_u64(statm, &pages);
				parse_u64(p + 1, &pages);
				rss = pages * 4;
			}
			strcpy(path + strlen(path) - 5, "cmdline");
			len = read_file(path, cmd, sizeof(cmd));
			outf("%5s %-5c %5llu ", d->d_name, state, rss);
			if (len <= 0) {
				outf("[%s]\n", comm);   /* kernel thread */
				continue;
			}
			/* command name, then the arguments from cmdline */
			out_str(comm);
			for (i = 0; i < len && cmd[i]; i++)
				;
			for (; i < len - 1; i++)
				out_char(cmd[i] ? cmd[i] : ' ');
			out_char('\n');
		}
	}
	close(fd);
	out_flush();
	return 0;
}

static const struct { const char *name; int num; } signames[] = {
	{ "HUP", 1 }, { "INT", 2 }, { "QUIT", 3 }, { "ILL", 4 }, { "TRAP", 5 }, { "ABRT", 6 },
	{ "BUS", 7 }, { "FPE", 8 }, { "KILL", 9 }, { "USR1", 10 }, { "SEGV", 11 },
	{ "USR2", 12 }, { "PIPE", 13 }, { "ALRM", 14 }, { "TERM", 15 }, { "CHLD", 17 },
	{ "CONT", 18 }, { "STOP", 19 }, { "TSTP", 20 }, { 0, 0 },
};

static int parse_signal(const char *s)
{
	int i;
	u64 v;
	if (*s >= '0' && *s <= '9')
		return parse_u64(s, &v)[0] || v > 64 ? -1 : (int)v;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (i = 0; signames[i].name; i++)
		if (!strcmp(s, signames[i].name))
			return signames[i].num;
	return -1;
}

static int b_kill(int argc, char **argv)
{
	int i = 1, sig = SIGTERM, rc = 0;
	if (argc > 1 && !strcmp(argv[1], "-l")) {
		for (i = 0; signames[i].name; i++)
			pr("%2d) SIG%s\n", signames[i].num, signames[i].name);
		return 0;
	}
	if (argc > 1 && argv[1][0] == '-' && !(argv[1][1] >= '0' && argv[1][1] <= '9' && argc == 2)) {
		const char *s = argv[1] + 1;
		if (*s == 's' && !s[1] && argc > 2) { s = argv[2]; i++; }
		sig = parse_signal(s);
		if (sig < 0) {
			epr("kill: %s: invalid signal\n", s);
			return 2;
		}
		i++;
	}
	if (i >= argc) {
		epr("usage: kill [-SIGNAL] PID...\n");
		return 2;
	}
	for (; i < argc; i++) {
		const char *a = argv[i];
		int neg = *a == '-';
		u64 v;
		if (parse_u64(a + neg, &v)[0] || v == 0) {
			epr("kill: %s: invalid pid\n", a);
			rc = 1;
			continue;
		}
		if (kill(neg ? -(int)v : (int)v, sig) < 0) {
			epr("kill: (%s): %s\n", a, errstr(errno));
			rc = 1;
		}
	}
	return rc;
}

static int b_sleep(int argc, char **argv)
{
	s64 ns, end, now;
	if (argc != 2 || (ns = parse_seconds(argv[1])) < 0) {
		epr("usage: sleep SECONDS\n");
		return 2;
	}
	end = clock_ns(CLK_MONOTONIC) + ns;
	while (!got_sigint && (now = clock_ns(CLK_MONOTONIC)) < end)
		sleep_ns(end - now);
	return got_sigint ? 130 : 0;
}

static int b_uname(int argc, char **argv)
{
	struct utsname_k u;
	int i, s = 0, n = 0, r = 0, v = 0, m = 0, o = 0;
	vuname(&u);
	if (argc == 1)
		s = 1;
	for (i = 1; i < argc; i++) {
		const char *p = argv[i];
		if (*p != '-') goto usage;
		for (p++; *p; p++) {
			switch (*p) {
			case 'a': s = n = r = v = m = o = 1; break;
			case 's': s = 1; break;
			case 'n': n = 1; break;
			case 'r': r = 1; break;
			case 'v': v = 1; break;
			case 'm': m = 1; break;
			case 'o': o = 1; break;
			default: goto usage;
			}
		}
	}
	{
		const char *f[6];
		int k = 0;
		if (s) f[k++] = u.sysname;
		if (n) f[k++] = u.nodename;
		if (r) f[k++] = u.release;
		if (v) f[k++] = u.version;
		if (m) f[k++] = u.machine;
		if (o) f[k++] = "GNU/Linux";
		for (i = 0; i < k; i++)
			outf("%s%s", i ? " " : "", f[i]);
		pr("\n");
	}
	return 0;
usage:
	epr("usage: uname [-asnrvmo]\n");
	return 2;
}

static int b_nproc(int argc, char **argv)
{
	unsigned long mask[32];
	int n, i, count = 0;
	memset(mask, 0, sizeof(mask));
	n = my_syscall3(__NR_sched_getaffinity, 0, sizeof(mask), mask);
	if (n > 0) {
		for (i = 0; i < n * 8; i++)
			if (mask[i / 32] & (1UL << (i % 32)))
				count++;
	}
	if (count == 0)
		count = 1;
	pr("%d\n", count);
	return 0;
}

static int b_dmesg(int argc, char **argv)
{
	int size = my_syscall3(__NR_syslog, 10, 0, 0), n, i, start = 1;
	char *buf;
	if (size <= 0)
		size = 1 << 17;
	buf = malloc(size);
	if (!buf)
		return 1;
	n = my_syscall3(__NR_syslog, 3, buf, size);
	if (n < 0) {
		epr("dmesg: %s\n", errstr(n));
		free(buf);
		return 1;
	}
	/* strip the "<level>" prefixes like dmesg(1) */
	for (i = 0; i < n; i++) {
		if (start && buf[i] == '<') {
			int j = i + 1;
			while (j < n && buf[j] >= '0' && buf[j] <= '9') j++;
			if (j < n && buf[j] == '>') { i = j; start = 0; continue; }
		}
		start = buf[i] == '\n';
		out_char(buf[i]);
	}
	out_flush();
	free(buf);
	return 0;
}

static int b_poweroff(int argc, char **argv)
{
	vsync();
	reboot(LINUX_REBOOT_CMD_POWER_OFF);
	epr("poweroff: %s\n", errstr(errno));
	return 1;
}

static int b_reboot(int argc, char **argv)
{
	vsync();
	reboot(LINUX_REBOOT_CMD_RESTART);
	epr("reboot: %s\n", errstr(errno));
	return 1;
}

static int b_exit(int argc, char **argv)
{
	exit(argc > 1 ? atoi(argv[1]) : last_status);
}

static int b_help(int argc, char **argv);

struct builtin {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
};

static const struct builtin builtins[] = {
	{ "help", b_help, "help: list the commands" },
	{ "echo", b_echo, "echo [-n] ARGS...: print the arguments" },
	{ "cat", b_cat, "cat FILE...: print files" },
	{ "ls", b_ls, "ls [-l] [-a] [DIR]: list a directory" },
	{ "cd", b_cd, "cd [DIR]: change directory (default /)" },
	{ "pwd", b_pwd, "pwd: print the current directory" },
	{ "free", b_free, "free: memory usage in kB (from /proc/meminfo)" },
	{ "meminfo", b_meminfo, "meminfo: print /proc/meminfo" },
	{ "uptime", b_uptime, "uptime: time since boot and load averages" },
	{ "ps", b_ps, "ps: list processes (PID, state, RSS kB, command)" },
	{ "kill", b_kill, "kill [-SIGNAL] PID...: send a signal (default TERM; kill -l lists)" },
	{ "sleep", b_sleep, "sleep SECONDS: wait (fractions allowed)" },
	{ "uname", b_uname, "uname [-a]: print system information" },
	{ "nproc", b_nproc, "nproc: number of online CPUs available" },
	{ "dmesg", b_dmesg, "dmesg: print the kernel log" },
	{ "poweroff", b_poweroff, "poweroff: sync and power off the machine" },
	{ "reboot", b_reboot, "reboot: sync and restart the machine" },
	{ "exit", b_exit, "exit [STATUS]: leave the shell" },
	{ 0, 0, 0 },
};

static int b_help(int argc, char **argv)
{
	const struct builtin *b;
	const struct applet *a;
	outf("Built-in commands:\n");
	for (b = builtins; b->name; b++)
		outf("  %s\n", b->help);
	outf("Workloads (separate processes; stop with Ctrl-C or kill):\n");
	for (a = applets; a->name; a++)
		outf("  %s\n", a->help);
	outf("  isa-selftest: run the RISC-V integer ISA self-test\n");
	outf("Other programs are run from /bin. Use 'CMD &' for a background job, ';' to chain.\n");
	out_flush();
	return 0;
}

/* ----------------------------------------------------------- execution */
static void child_signals(void)
{
	set_signal(SIGINT, V_SIG_DFL, 0);
	set_signal(SIGQUIT, V_SIG_DFL, 0);
	set_signal(SIGTERM, V_SIG_DFL, 0);
	set_signal(SIGTTOU, V_SIG_DFL, 0);
	set_signal(SIGTTIN, V_SIG_DFL, 0);
	set_signal(SIGTSTP, V_SIG_IGN, 0);   /* no job control: ignore Ctrl-Z */
}

static void reap_background(void)
{
	int st, pid;
	while ((pid = vwait(-1, &st, V_WNOHANG)) > 0) {
		if (W_SIGNALED(st))
			pr("[%d] killed by signal %d\n", pid, W_TERMSIG(st));
		else
			pr("[%d] done, exit %d\n", pid, W_EXITCODE(st));
	}
}

static int run_external(int argc, char **argv, int background)
{
	char path[300];
	const struct applet *app = 0;
	int pid, st, rc;

	if (strchr(argv[0], '/'))
		strlcpy(path, argv[0], sizeof(path));
	else {
		strcpy(path, "/bin/");
		strlcat(path, argv[0], sizeof(path));
	}
	if (vaccess(path, 1 /* X_OK */) < 0) {
		app = find_applet(base_name(argv[0]));
		if (!app) {
			epr("sh: %s: command not found\n", argv[0]);
			return 127;
		}
	}
	out_flush();
	pid = fork();
	if (pid < 0) {
		epr("sh: fork: %s\n", errstr(errno));
		return 1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		if (interactive && !background)
			tcsetpgrp(0, getpid());
		child_signals();
		if (app) {   /* applet without a /bin entry: run it in this process */
			set_name(app->name);
			out_flush();
			exit(app->fn(argc, argv));
		}
		execve(path, argv, sh_envp);
		epr("sh: %s: %s\n", argv[0], errstr(errno));
		exit(126);
	}
	setpgid(pid, pid);
	if (background) {
		pr("[%d]\n", pid);
		return 0;
	}
	if (interactive)
		tcsetpgrp(0, pid);
	do {
		rc = vwait(pid, &st, 0);
	} while (rc == -EINTR);
	if (interactive) {
		tcsetpgrp(0, shell_pgrp);
		tty_set(0, &tty_cooked);
	}
	if (rc < 0)
		return 1;
	if (W_SIGNALED(st)) {
		if (W_TERMSIG(st) != SIGINT)
			pr("%s: killed by signal %d\n", argv[0], W_TERMSIG(st));
		else
			pr("\n");
		return 128 + W_TERMSIG(st);
	}
	if (interactive && W_EXITCODE(st) == 130)
		pr("\n");   /* interrupted by Ctrl-C but exited itself */
	return W_EXITCODE(st);
}

static int run_command(int argc, char **argv, int background)
{
	const struct builtin *b;
	argv[argc] = 0;
	if (!background) {
		for (b = builtins; b->name; b++) {
			if (!strcmp(b->name, argv[0])) {
				int rc;
				got_sigint = 0;
				rc = b->fn(argc, argv);
				out_flush();
				if (got_sigint) pr("\n");
				return rc;
			}
		}
	}
	return run_external(argc, argv, background);
}

static void run_line(const char *line)
{
	static char store[LINE_MAX_ * 2];
	char *words[MAX_ARGS + 1], seps[MAX_ARGS + 1];
	int n = split_words(line, store, words, seps, MAX_ARGS), start = 0, i;

	for (i = 0; i < n; i++) {
		if (seps[i] || i == n - 1) {
			char *argv[MAX_ARGS + 1];
			int k, argc = i - start + 1;
			for (k = 0; k < argc; k++)
				argv[k] = words[start + k];
			last_status = run_command(argc, argv, seps[i] == '&');
			start = i + 1;
		}
	}
}

int main(int argc, char **argv)
{
	char line[LINE_MAX_];
	const struct applet *app = find_applet(base_name(argv[0]));

	if (app)   /* invoked as /bin/hog, /bin/spin, /bin/bench */
		return app->fn(argc, argv);

	if (argc > 2 && !strcmp(argv[1], "-c")) {
		run_line(argv[2]);
		return last_status;
	}

	interactive = tty_get(0, &tty_cooked) == 0;
	set_signal(SIGINT, on_sigint, 0);  /* only seen while a built-in runs */
	set_signal(SIGQUIT, V_SIG_IGN, 0);
	set_signal(SIGTSTP, V_SIG_IGN, 0);
	set_signal(SIGTTOU, V_SIG_IGN, 0);
	set_signal(SIGTTIN, V_SIG_IGN, 0);
	if (interactive) {
		/* own process group in the foreground of the terminal */
		setpgid(0, 0);
		shell_pgrp = getpid();
		tcsetpgrp(0, shell_pgrp);
		tty_cooked.c_lflag |= ICANON | ECHO | ISIG | ECHOE | ECHOK;
		tty_cooked.c_iflag |= ICRNL;
		tty_set(0, &tty_cooked);
	}

	for (;;) {
		int len;
		reap_background();
		len = interactive ? read_line_tty(line) : read_line_plain(line);
		if (len < 0) {
			if (interactive) {
				/* the terminal went away: wait a moment, then retry */
				sleep_ns(100000000LL);
				continue;
			}
			break;
		}
		run_line(line);
	}
	return last_status;
}
