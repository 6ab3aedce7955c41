/* cp, mv, rm, mkdir, rmdir, ln, touch (coreutils' messages). */
#include "box.h"

#define T_DIR 0040000
#define T_LNK 0120000
#define T_REG 0100000

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	while (s && !s[1] && s > p) {   /* "dir/" */
		const char *q = s - 1;
		while (q > p && *q != '/') q--;
		return *q == '/' ? q + 1 : q;
	}
	return s ? s + 1 : p;
}

static char *path_join(const char *dir, const char *name)
{
	int dl = strlen(dir), nl = strlen(name);
	char *p = xalloc(dl + nl + 2);
	memcpy(p, dir, dl);
	if (dl && dir[dl - 1] != '/') p[dl++] = '/';
	memcpy(p + dl, name, nl);
	p[dl + nl] = 0;
	while (dl + nl > 1 && p[dl + nl - 1] == '/') p[--nl + dl] = 0;
	return p;
}

typedef int (*dir_fn)(const char *path, const char *name, void *ctx);

/* Call fn for every entry of dir except . and .. */
static int each_entry(const char *dir, dir_fn fn, void *ctx)
{
	char buf[4096];
	int fd = b_open(dir, 0x10000, 0), rc = 0;
	if (fd < 0) return fd;
	for (;;) {
		int n = b_getdents(fd, buf, sizeof(buf)), off;
		if (n <= 0) break;
		for (off = 0; off < n;) {
			unsigned short reclen = *(unsigned short *)(buf + off + 16);
			const char *name = buf + off + 19;
			off += reclen;
			if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
			rc |= fn(path_join(dir, name), name, ctx);
		}
	}
	close(fd);
	return rc;
}

/* ---- rm [-r] [-f] [-d] [-v] ---- */
static int rm_rec, rm_force, rm_dirs, rm_verbose;

static int rm_one(const char *path, const char *name, void *ctx);

static int rm_path(const char *path)
{
	struct statx st;
	int r = xstat(path, 1, &st);
	if (r) {
		if (rm_force && r == -2) return 0;
		errf("cannot remove '%s': %s\n", path, strerr(r));
		return 1;
	}
	if ((st.stx_mode & 0170000) == T_DIR) {
		if (!rm_rec && !rm_dirs) { errf("cannot remove '%s': Is a directory\n", path); return 1; }
		if (rm_rec && each_entry(path, rm_one, 0)) return 1;
		r = b_unlinkat(path, 0x200 /* AT_REMOVEDIR */);
	} else
		r = b_unlinkat(path, 0);
	if (r) { errf("cannot remove '%s': %s\n", path, strerr(r)); return 1; }
	if (rm_verbose) outf("removed %s'%s'\n", (st.stx_mode & 0170000) == T_DIR ? "directory " : "", path);
	return 0;
}

static int rm_one(const char *path, const char *name, void *ctx) { (void)name; (void)ctx; return rm_path(path); }

int app_rm(int argc, char **argv)
{
	int c, rc = 0;
	while ((c = opt_next(argc, argv, "rRfdvi")) != -1) {
		switch (c) {
		case 'r': case 'R': rm_rec = 1; break;
		case 'f': rm_force = 1; break;
		case 'd': rm_dirs = 1; break;
		case 'v': rm_verbose = 1; break;
		case 'i': break;
		default: errf("usage: rm [-rfdv] FILE...\n"); return 1;
		}
	}
	if (opt_ind == argc && !rm_force) { errf("missing operand\n"); return 1; }
	for (; opt_ind < argc; opt_ind++) {
		const char *b = base_name(argv[opt_ind]);
		if (!strcmp(b, ".") || !strcmp(b, "..") || !strcmp(argv[opt_ind], "/")) {
			errf("refusing to remove '.' or '..' or '/' directory: skipping '%s'\n", argv[opt_ind]);
			rc = 1;
			continue;
		}
		rc |= rm_path(argv[opt_ind]);
	}
	return rc;
}

/* ---- mkdir [-p] [-m MODE] [-v] ---- */
static int parse_mode(const char *s, int *mode)
{
	int m = 0;
	if (!*s) return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '7') return -1;
		m = m * 8 + *s - '0';
	}
	*mode = m;
	return 0;
}

int app_mkdir(int argc, char **argv)
{
	int c, parents = 0, mode = 0777, verbose = 0, rc = 0;
	while ((c = opt_next(argc, argv, "pm:v")) != -1) {
		switch (c) {
		case 'p': parents = 1; break;
		case 'v': verbose = 1; break;
		case 'm': if (parse_mode(opt_arg, &mode)) { errf("invalid mode '%s'\n", opt_arg); return 1; } break;
		default: errf("usage: mkdir [-p] [-m MODE] DIR...\n"); return 1;
		}
	}
	if (opt_ind == argc) { errf("missing operand\n"); return 1; }
	for (; opt_ind < argc; opt_ind++) {
		char *p = xstrdup(argv[opt_ind]);
		int r;
		if (parents) {
			char *s;
			for (s = p + 1; *s; s++) {
				if (*s != '/') continue;
				*s = 0;
				r = b_mkdir(p, 0777);
				if (r == 0 && verbose) outf("mkdir: created directory '%s'\n", p);
				*s = '/';
			}
		}
		r = b_mkdir(p, mode);
		if (r == -17 && parents && is_dir(p)) continue;
		if (r) { errf("cannot create directory '%s': %s\n", p, strerr(r)); rc = 1; continue; }
		if (mode & ~0777) b_chmod(p, mode);
		if (verbose) outf("mkdir: created directory '%s'\n", p);
	}
	return rc;
}

/* ---- rmdir [-p] ---- */
int app_rmdir(int argc, char **argv)
{
	int c, parents = 0, rc = 0;
	while ((c = opt_next(argc, argv, "p")) != -1) {
		if (c == 'p') parents = 1;
		else { errf("usage: rmdir [-p] DIR...\n"); return 1; }
	}
	if (opt_ind == argc) { errf("missing operand\n"); return 1; }
	for (; opt_ind < argc; opt_ind++) {
		char *p = xstrdup(argv[opt_ind]);
		for (;;) {
			int r = b_unlinkat(p, 0x200);
			char *s;
			if (r) { errf("failed to remove '%s': %s\n", p, strerr(r)); rc = 1; break; }
			if (!parents) break;
			s = strrchr(p, '/');
			while (s && s > p && s[1] == 0) { *s = 0; s = strrchr(p, '/'); }
			if (!s || s == p) break;
			*s = 0;
		}
	}
	return rc;
}

/* ---- cp [-r|-R|-a] [-p] [-f] [-v] SRC... DEST ---- */
static int cp_rec, cp_preserve, cp_verbose;

static int copy_path(const char *src, const char *dst);

static int copy_child(const char *path, const char *name, void *ctx)
{
	return copy_path(path, path_join((const char *)ctx, name));
}

static int copy_file(const char *src, const char *dst, const struct statx *st)
{
	static char buf[32768];
	int in = b_open(src, 0, 0), out, rc = 0;
	long n;
	if (in < 0) { errf("cannot open '%s' for reading: %s\n", src, strerr(in)); return 1; }
	out = b_open(dst, 01 | 0100 | 01000, st->stx_mode & 07777);
	if (out < 0) { errf("cannot create regular file '%s': %s\n", dst, strerr(out)); close(in); return 1; }
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, n) < 0) { errf("error writing '%s'\n", dst); rc = 1; break; }
	if (cp_preserve) my_syscall3(__NR_fchmod, out, st->stx_mode & 07777, 0);
	close(in);
	close(out);
	return rc;
}

static int copy_path(const char *src, const char *dst)
{
	struct statx st;
	int r = xstat(src, cp_rec, &st), t;
	if (r) { errf("cannot stat '%s': %s\n", src, strerr(r)); return 1; }
	t = st.stx_mode & 0170000;
	if (cp_verbose) outf("'%s' -> '%s'\n", src, dst);
	if (t == T_DIR) {
		if (!cp_rec) { errf("-r not specified; omitting directory '%s'\n", src); return 1; }
		r = b_mkdir(dst, st.stx_mode & 07777);
		if (r && !(r == -17 && is_dir(dst))) { errf("cannot create directory '%s': %s\n", dst, strerr(r)); return 1; }
		return each_entry(src, copy_child, (void *)dst);
	}
	if (t == T_LNK) {
		char target[1024];
		int k = b_readlink(src, target, sizeof(target) - 1);
		if (k < 0) return 1;
		target[k] = 0;
		b_unlinkat(dst, 0);
		r = b_symlink(target, dst);
		if (r) { errf("cannot create symbolic link '%s': %s\n", dst, strerr(r)); return 1; }
		return 0;
	}
	if (t != T_REG && cp_rec) {
		r = my_syscall4(__NR_mknodat, -100, dst, st.stx_mode, (st.stx_rdev_major << 8) | st.stx_rdev_minor);
		if (r) { errf("cannot create special file '%s': %s\n", dst, strerr(r)); return 1; }
		return 0;
	}
	return copy_file(src, dst, &st);
}

int app_cp(int argc, char **argv)
{
	int c, rc = 0, i, ndir;
	const char *dest;
	while ((c = opt_next(argc, argv, "rRapfvdP")) != -1) {
		switch (c) {
		case 'r': case 'R': cp_rec = 1; break;
		case 'a': cp_rec = cp_preserve = 1; break;
		case 'p': cp_preserve = 1; break;
		case 'v': cp_verbose = 1; break;
		case 'f': case 'd': case 'P': break;
		default: errf("usage: cp [-rapfv] SOURCE... DEST\n"); return 1;
		}
	}
	if (argc - opt_ind < 2) { errf("missing file operand\n"); return 1; }
	dest = argv[argc - 1];
	ndir = is_dir(dest);
	if (argc - opt_ind > 2 && !ndir) { errf("target '%s' is not a directory\n", dest); return 1; }
	for (i = opt_ind; i < argc - 1; i++)
		rc |= copy_path(argv[i], ndir ? path_join(dest, base_name(argv[i])) : dest);
	return rc;
}

/* ---- mv [-f] [-v] SRC... DEST ---- */
int app_mv(int argc, char **argv)
{
	int c, rc = 0, i, ndir, verbose = 0;
	const char *dest;
	while ((c = opt_next(argc, argv, "fiv")) != -1) {
		if (c == 'v') verbose = 1;
		else if (c != 'f' && c != 'i') { errf("usage: mv [-fv] SOURCE... DEST\n"); return 1; }
	}
	if (argc - opt_ind < 2) { errf("missing file operand\n"); return 1; }
	dest = argv[argc - 1];
	ndir = is_dir(dest);
	if (argc - opt_ind > 2 && !ndir) { errf("target '%s' is not a directory\n", dest); return 1; }
	for (i = opt_ind; i < argc - 1; i++) {
		const char *to = ndir ? path_join(dest, base_name(argv[i])) : dest;
		int r = b_rename(argv[i], to);
		if (r == -18) {   /* EXDEV: copy, then remove */
			cp_rec = cp_preserve = 1;
			rm_rec = 1;
			r = copy_path(argv[i], to) || rm_path(argv[i]) ? -5 : 0;
		}
		if (r) { errf("cannot move '%s' to '%s': %s\n", argv[i], to, strerr(r)); rc = 1; continue; }
		if (verbose) outf("renamed '%s' -> '%s'\n", argv[i], to);
	}
	return rc;
}

/* ---- ln [-s] [-f] [-v] TARGET... LINK_NAME|DIR ---- */
int app_ln(int argc, char **argv)
{
	int c, sym = 0, force = 0, verbose = 0, rc = 0, i, ndir;
	const char *dest;
	while ((c = opt_next(argc, argv, "sfvnT")) != -1) {
		switch (c) {
		case 's': sym = 1; break;
		case 'f': force = 1; break;
		case 'v': verbose = 1; break;
		case 'n': case 'T': break;
		default: errf("usage: ln [-sfv] TARGET... LINK_NAME\n"); return 1;
		}
	}
	if (argc - opt_ind < 1) { errf("missing file operand\n"); return 1; }
	if (argc - opt_ind == 1) { argv[argc] = "."; argc++; }
	dest = argv[argc - 1];
	ndir = is_dir(dest);
	if (argc - opt_ind > 2 && !ndir) { errf("target '%s' is not a directory\n", dest); return 1; }
	for (i = opt_ind; i < argc - 1; i++) {
		const char *to = ndir ? path_join(dest, base_name(argv[i])) : dest;
		int r;
		if (force) b_unlinkat(to, 0);
		r = sym ? b_symlink(argv[i], to) : b_link(argv[i], to);
		if (r) {
			errf("failed to create %slink '%s'%s%s: %s\n", sym ? "symbolic " : "hard ", to,
			     sym ? " -> '" : "", sym ? argv[i] : "", strerr(r));
			rc = 1;
			continue;
		}
		if (verbose) outf("'%s' -> '%s'\n", to, argv[i]);
	}
	return rc;
}

/* ---- touch [-c] [-a] [-m] FILE... (now; no -d/-t) ---- */
int app_touch(int argc, char **argv)
{
	int c, nocreate = 0, rc = 0;
	while ((c = opt_next(argc, argv, "cam")) != -1) {
		if (c == 'c') nocreate = 1;
		else if (c != 'a' && c != 'm') { errf("usage: touch [-c] FILE...\n"); return 1; }
	}
	if (opt_ind == argc) { errf("missing file operand\n"); return 1; }
	for (; opt_ind < argc; opt_ind++) {
		const char *p = argv[opt_ind];
		long r = my_syscall4(__NR_utimensat_time64, -100, p, 0, 0);
		if (r == -2 && !nocreate) {
			int fd = b_open(p, 01 | 0100, 0666);
			if (fd < 0) r = fd;
			else { close(fd); r = 0; }
		} else if (r == -2)
			r = 0;
		if (r) { errf("cannot touch '%s': %s\n", p, strerr(r)); rc = 1; }
	}
	return rc;
}
