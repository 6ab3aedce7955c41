/* VirtLab guest shell: the legacy built-ins for commands that are not
 * shell built-ins (cat, ls, free, ps, sleep, uname, ...). The shell uses
 * one only when no program of that name is in $PATH, and runs it in a
 * forked child as if it were a program. Once /bin has them all, replace
 * the #include of this file in sh.c with sh-legacy-none.c. */

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


static const struct legacy {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} legacy[] = {
	{ "cat", b_cat, "cat FILE...: print files" },
	{ "ls", b_ls, "ls [-l] [-a] [DIR]: list a directory" },
	{ "free", b_free, "free: memory usage in kB (from /proc/meminfo)" },
	{ "meminfo", b_meminfo, "meminfo: print /proc/meminfo" },
	{ "uptime", b_uptime, "uptime: time since boot and load averages" },
	{ "ps", b_ps, "ps: list processes (PID, state, RSS kB, command)" },
	{ "sleep", b_sleep, "sleep SECONDS: wait (fractions allowed)" },
	{ "uname", b_uname, "uname [-a]: print system information" },
	{ "nproc", b_nproc, "nproc: number of online CPUs available" },
	{ "dmesg", b_dmesg, "dmesg: print the kernel log" },
	{ "poweroff", b_poweroff, "poweroff: sync and power off the machine" },
	{ "reboot", b_reboot, "reboot: sync and restart the machine" },
	{ 0, 0, 0 },
};

static int legacy_find(const char *name)
{
	int i;
	for (i = 0; legacy[i].name; i++)
		if (!strcmp(legacy[i].name, name))
			return i;
	return -1;
}

/* In the forked child. */
static int legacy_run(int i, int argc, char **argv)
{
	int st;
	set_name(legacy[i].name);
	st = legacy[i].fn(argc, argv);
	out_flush();
	return st;
}

static void legacy_help(void)
{
	char path[512];
	int i, any = 0;
	for (i = 0; legacy[i].name; i++) {
		if (lookup_path(legacy[i].name, path, sizeof(path)))
			continue;   /* the real program is used */
		if (!any++)
			outf("Built into the shell until /bin has them:\n");
		outf("  %s\n", legacy[i].help);
	}
}

static void legacy_complete(struct cands *c, const char *w, int wl)
{
	int i;
	for (i = 0; legacy[i].name; i++)
		if (!strncmp(legacy[i].name, w, wl))
			cand_add(c, legacy[i].name, strlen(legacy[i].name), 0);
}
