/* df, mount, umount, sync. */
#include "box.h"

struct statfs64_k {   /* asm-generic/statfs.h, 32-bit, no ARCH_PACK_STATFS64 */
	u32 f_type, f_bsize;
	u64 f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int f_fsid[2];
	u32 f_namelen, f_frsize, f_flags, f_spare[4];
};

struct mnt { char *src, *dir, *type, *opts; };

/* /proc/mounts, with the octal escapes (\040 for a space) decoded */
static int read_mounts(struct mnt **out)
{
	char *buf, *p;
	int fd = b_open("/proc/mounts", 0, 0), n = 0, cap = 64;
	struct mnt *m = xalloc(cap * sizeof(*m));
	long len;
	if (fd < 0) return fd;
	len = read_all(fd, &buf);
	close(fd);
	buf[len] = 0;
	for (p = buf; *p;) {
		char *f[4];
		int k;
		for (k = 0; k < 4; k++) {
			char *o;
			while (*p == ' ') p++;
			f[k] = o = p;
			while (*p && *p != ' ' && *p != '\n') {
				if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3') {
					*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
					p += 4;
				} else
					*o++ = *p++;
			}
			if (*p == ' ') p++;
			*o = 0;
		}
		while (*p && *p != '\n') p++;
		if (*p) p++;
		if (n == cap) break;
		m[n].src = f[0]; m[n].dir = f[1]; m[n].type = f[2]; m[n].opts = f[3];
		n++;
	}
	*out = m;
	return n;
}

/* ---- df [-h] [-k] [-m] [-T] [-a] [FILE...] ---- */
int app_df(int argc, char **argv)
{
	int c, hum = 0, show_type = 0, all = 0, n, i, rows = 0, k, rc = 0;
	u64 unit = 1024;
	struct mnt *m;
	struct { char *f[7]; } *tab;
	int w[7] = { 14, 4, 5, 5, 5, 4, 0 };
	const char *head[7] = { "Filesystem", "Type", "1K-blocks", "Used", "Available", "Use%", "Mounted on" };
	while ((c = opt_next(argc, argv, "hkmTaP")) != -1) {
		switch (c) {
		case 'h': hum = 1; break;
		case 'k': unit = 1024; break;
		case 'm': unit = 1048576; head[2] = "1M-blocks"; break;
		case 'T': show_type = 1; break;
		case 'a': all = 1; break;
		case 'P': break;
		default: errf("usage: df [-hkmTa] [FILE...]\n"); return 1;
		}
	}
	if (hum) { head[2] = "Size"; head[4] = "Avail"; }
	n = read_mounts(&m);
	if (n < 0) { errf("cannot read /proc/mounts\n"); return 1; }
	tab = xalloc((n + 1) * sizeof(*tab));
	for (k = 0; k < 7; k++) tab[0].f[k] = (char *)head[k];
	rows = 1;
	for (i = 0; i < n; i++) {
		struct statfs64_k s;
		u64 bs, size, used, avail;
		long r;
		int want = opt_ind == argc;
		if (!want) {
			/* FILE arguments: the last mount (the visible one) on the same device */
			int a, j;
			for (a = opt_ind; a < argc; a++) {
				struct statx fs, ms;
				int best = -1;
				if (xstat(argv[a], 0, &fs)) continue;
				for (j = 0; j < n; j++)
					if (!xstat(m[j].dir, 0, &ms) && ms.stx_dev_major == fs.stx_dev_major &&
					    ms.stx_dev_minor == fs.stx_dev_minor)
						best = j;
				if (best == i) want = 1;
			}
		}
		if (!want) continue;
		r = my_syscall3(__NR_statfs64, m[i].dir, sizeof(s), &s);
		if (r < 0) { if (!all) continue; memset(&s, 0, sizeof(s)); }
		if (!s.f_blocks && !all && opt_ind == argc) continue;   /* pseudo file systems, as coreutils hides them */
		bs = s.f_frsize ? s.f_frsize : s.f_bsize;
		size = s.f_blocks * bs;
		used = (s.f_blocks - s.f_bfree) * bs;
		avail = s.f_bavail * bs;
		tab[rows].f[0] = m[i].src;
		tab[rows].f[1] = m[i].type;
		for (k = 2; k <= 4; k++) {
			u64 v = k == 2 ? size : k == 3 ? used : avail;
			char *b = xalloc(24);
			if (hum) human(b, v, 0);
			else snfmt(b, 24, "%llu", (v + unit - 1) / unit);
			tab[rows].f[k] = b;
		}
		tab[rows].f[5] = xalloc(8);
		if (used + avail)   /* coreutils rounds the percentage up */
			snfmt(tab[rows].f[5], 8, "%llu%%", (used * 100 + used + avail - 1) / (used + avail));
		else
			strcpy(tab[rows].f[5], "-");
		tab[rows].f[6] = m[i].dir;
		rows++;
	}
	for (i = 0; i < rows; i++)
		for (k = 0; k < 6; k++)
			if ((int)strlen(tab[i].f[k]) > w[k]) w[k] = strlen(tab[i].f[k]);
	for (i = 0; i < rows; i++) {
		outf("%-*s", w[0], tab[i].f[0]);
		if (show_type) outf(" %-*s", w[1], tab[i].f[1]);
		for (k = 2; k <= 5; k++)
			outf(" %*s", w[k], tab[i].f[k]);
		outf(" %s\n", tab[i].f[6]);
	}
	if (rows == 1 && opt_ind < argc) rc = 1;
	return rc;
}

/* ---- mount [-t TYPE] [-o OPTS] [-r] [-w] [SRC] DIR | mount ---- */
static const struct { const char *name; unsigned long set, clear; } flags[] = {
	{ "ro", 1, 0 }, { "rw", 0, 1 }, { "nosuid", 2, 0 }, { "suid", 0, 2 }, { "nodev", 4, 0 }, { "dev", 0, 4 },
	{ "noexec", 8, 0 }, { "exec", 0, 8 }, { "sync", 16, 0 }, { "async", 0, 16 }, { "remount", 32, 0 },
	{ "noatime", 1024, 0 }, { "atime", 0, 1024 }, { "nodiratime", 2048, 0 }, { "bind", 4096, 0 },
	{ "rbind", 4096 | 16384, 0 }, { "relatime", 1 << 21, 0 }, { "strictatime", 1 << 24, 0 },
	{ "defaults", 0, 0 },
};

int app_mount(int argc, char **argv)
{
	int c, i;
	const char *type = 0, *src, *dir;
	unsigned long mflags = 0;
	char *data, *opts = 0, *o;
	long r;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--bind")) argv[i] = "-B";
	while ((c = opt_next(argc, argv, "t:o:rwBv")) != -1) {
		switch (c) {
		case 't': type = opt_arg; break;
		case 'o': opts = opt_arg; break;
		case 'r': mflags |= 1; break;
		case 'w': mflags &= ~1UL; break;
		case 'B': mflags |= 4096; break;
		case 'v': break;
		default: errf("usage: mount [-t TYPE] [-o OPTIONS] [-r] SOURCE DIR\n"); return 1;
		}
	}
	if (opt_ind == argc) {   /* list */
		struct mnt *m;
		int n = read_mounts(&m);
		if (n < 0) { errf("cannot read /proc/mounts\n"); return 1; }
		for (i = 0; i < n; i++)
			if (!type || !strcmp(type, m[i].type))
				outf("%s on %s type %s (%s)\n", m[i].src, m[i].dir, m[i].type, m[i].opts);
		return 0;
	}
	data = xalloc(opts ? strlen(opts) + 1 : 1);
	data[0] = 0;
	for (o = opts ? xstrdup(opts) : 0; o && *o;) {
		char *e = strchr(o, ',');
		unsigned k;
		if (e) *e = 0;
		for (k = 0; k < ARRAY_SIZE(flags); k++)
			if (!strcmp(o, flags[k].name)) {
				mflags = (mflags | flags[k].set) & ~flags[k].clear;
				break;
			}
		if (k == ARRAY_SIZE(flags)) {   /* the file system's own option */
			if (data[0]) strcpy(data + strlen(data), ",");
			strcpy(data + strlen(data), o);
		}
		o = e ? e + 1 : 0;
	}
	if (argc - opt_ind == 1) {
		if (!(mflags & 32)) { errf("%s: can't find in /etc/fstab (there is none)\n", argv[opt_ind]); return 1; }
		src = "none";
		dir = argv[opt_ind];
	} else {
		src = argv[opt_ind];
		dir = argv[opt_ind + 1];
	}
	if (!type && !(mflags & (32 | 4096))) type = !strcmp(src, "proc") ? "proc" : !strcmp(src, "sysfs") ? "sysfs" : 0;
	if (!type && !(mflags & (32 | 4096))) { errf("%s: need -t TYPE (no probing here)\n", src); return 1; }
	r = my_syscall5(__NR_mount, src, dir, type, mflags, data[0] ? data : 0);
	if (r < 0) {
		errf("mounting %s on %s failed: %s\n", src, dir, strerr(r));
		return 32;
	}
	return 0;
}

/* ---- umount [-l] [-f] DIR... ---- */
int app_umount(int argc, char **argv)
{
	int c, fl = 0, rc = 0;
	while ((c = opt_next(argc, argv, "lfn")) != -1) {
		if (c == 'l') fl |= 2;        /* MNT_DETACH */
		else if (c == 'f') fl |= 1;   /* MNT_FORCE */
		else if (c != 'n') { errf("usage: umount [-l] [-f] DIR...\n"); return 1; }
	}
	if (opt_ind == argc) { errf("bad usage\n"); return 1; }
	for (; opt_ind < argc; opt_ind++) {
		long r = my_syscall2(__NR_umount2, argv[opt_ind], fl);
		if (r < 0) { errf("%s: %s\n", argv[opt_ind], strerr(r)); rc = 32; }
	}
	return rc;
}

int app_sync(int argc, char **argv)
{
	(void)argc; (void)argv;
	my_syscall0(__NR_sync);
	return 0;
}
