/* ls [-laAh1RdrtSFpi] [--color[=WHEN]] [FILE...]: coreutils' layouts (long
 * format with per-listing column widths, columns on a terminal, one per line
 * otherwise). Colour is on only when stdout is a terminal (or --color=always). */
#include "box.h"

struct ent {
	const char *name, *path;
	struct statx st;
	int ok;
};

static int f_all, f_almost, f_long, f_human, f_one, f_rec, f_dir, f_rev, f_time, f_size, f_classify, f_slash,
	f_inode, color, tty_cols = 80, multi, printed;
static s64 now_s;

static int type_of(const struct statx *st) { return st->stx_mode & 0170000; }
#define T_DIR 0040000
#define T_LNK 0120000
#define T_REG 0100000

static int cmp(const struct ent *a, const struct ent *b)
{
	int r = 0;
	if (f_time) {
		s64 d = b->st.stx_mtime.tv_sec - a->st.stx_mtime.tv_sec;
		if (!d) d = (s64)b->st.stx_mtime.tv_nsec - (s64)a->st.stx_mtime.tv_nsec;
		r = d > 0 ? 1 : d < 0 ? -1 : 0;
	} else if (f_size)
		r = b->st.stx_size > a->st.stx_size ? 1 : b->st.stx_size < a->st.stx_size ? -1 : 0;
	if (!r)
		r = strcmp(a->name, b->name);
	return f_rev ? -r : r;
}

static void sort_ents(struct ent *e, int n)
{
	int i, j;
	for (i = 1; i < n; i++) {
		struct ent x = e[i];
		for (j = i; j > 0 && cmp(&e[j - 1], &x) > 0; j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
}

static void mode_str(unsigned m, char *b)
{
	static const char types[] = "?pc?d?b?-?l?s???";
	b[0] = types[(m >> 12) & 15];
	b[1] = m & 0400 ? 'r' : '-';
	b[2] = m & 0200 ? 'w' : '-';
	b[3] = m & 04000 ? (m & 0100 ? 's' : 'S') : (m & 0100 ? 'x' : '-');
	b[4] = m & 040 ? 'r' : '-';
	b[5] = m & 020 ? 'w' : '-';
	b[6] = m & 02000 ? (m & 010 ? 's' : 'S') : (m & 010 ? 'x' : '-');
	b[7] = m & 04 ? 'r' : '-';
	b[8] = m & 02 ? 'w' : '-';
	b[9] = m & 01000 ? (m & 01 ? 't' : 'T') : (m & 01 ? 'x' : '-');
	b[10] = 0;
}

static const char *color_of(const struct ent *e)
{
	unsigned m = e->st.stx_mode;
	if (!color || !e->ok) return 0;
	switch (m & 0170000) {
	case T_DIR: return "01;34";
	case T_LNK: return "01;36";
	case 0010000: return "40;33";
	case 0140000: return "01;35";
	case 0020000: case 0060000: return "40;33;01";
	}
	return m & 0111 ? "01;32" : 0;
}

static char suffix_of(const struct ent *e)
{
	unsigned m = e->st.stx_mode;
	if (!e->ok || (!f_classify && !f_slash)) return 0;
	if ((m & 0170000) == T_DIR) return '/';
	if (!f_classify) return 0;
	switch (m & 0170000) {
	case T_LNK: return '@';
	case 0010000: return '|';
	case 0140000: return '=';
	}
	return (m & 0170000) == T_REG && (m & 0111) ? '*' : 0;
}

static int name_width(const struct ent *e) { return strlen(e->name) + (suffix_of(e) ? 1 : 0); }

static void put_name(const struct ent *e)
{
	const char *c = color_of(e);
	char s = suffix_of(e);
	if (c) outf("\033[%sm%s\033[0m", c, e->name);
	else out_s(e->name);
	if (s) out_c(s);
}

static int ndigits(u64 v) { int n = 1; while (v >= 10) { v /= 10; n++; } return n; }

static void size_str(const struct ent *e, char *b)
{
	int t = type_of(&e->st);
	if (t == 0020000 || t == 0060000)
		snfmt(b, 32, "%u, %u", e->st.stx_rdev_major, e->st.stx_rdev_minor);
	else if (f_human)
		human(b, e->st.stx_size, 0);
	else
		snfmt(b, 32, "%llu", e->st.stx_size);
}

static void long_list(struct ent *e, int n, int show_total)
{
	int i, wl = 1, ws = 1, wi = 1;
	u64 blocks = 0;
	char b[64];
	for (i = 0; i < n; i++) {
		if (!e[i].ok) continue;
		blocks += e[i].st.stx_blocks;
		if (ndigits(e[i].st.stx_nlink) > wl) wl = ndigits(e[i].st.stx_nlink);
		if (ndigits(e[i].st.stx_ino) > wi) wi = ndigits(e[i].st.stx_ino);
		size_str(&e[i], b);
		if ((int)strlen(b) > ws) ws = strlen(b);
	}
	if (show_total) {
		if (f_human) { human(b, blocks * 512, 0); outf("total %s\n", b); }
		else outf("total %llu\n", blocks / 2);
	}
	for (i = 0; i < n; i++) {
		struct tmv tm;
		char mode[12], user[16], group[16];
		s64 t = e[i].st.stx_mtime.tv_sec;
		if (!e[i].ok) continue;
		mode_str(e[i].st.stx_mode, mode);
		user_name(e[i].st.stx_uid, user);
		user_name(e[i].st.stx_gid, group);
		size_str(&e[i], b);
		gmtime_v(t, &tm);
		if (f_inode) outf("%*llu ", wi, e[i].st.stx_ino);
		outf("%s %*u %s %s %*s %s %2d ", mode, wl, e[i].st.stx_nlink, user, group, ws, b, month_abbr[tm.mon], tm.mday);
		/* coreutils: the year instead of the time for files older than six months or in the future */
		if (t > now_s || now_s - t > 15778476)
			outf(" %d ", tm.year);
		else
			outf("%02d:%02d ", tm.hour, tm.min);
		put_name(&e[i]);
		if (type_of(&e[i].st) == T_LNK) {
			char target[512];
			int k = b_readlink(e[i].path, target, sizeof(target) - 1);
			if (k >= 0) {
				target[k] = 0;
				outf(" -> %s", target);
			}
		}
		out_c('\n');
	}
}

static void short_list(struct ent *e, int n)
{
	int i, cols, rows, r, c, widths[256], wi = 0;
	if (f_inode)
		for (i = 0; i < n; i++) if (ndigits(e[i].st.stx_ino) > wi) wi = ndigits(e[i].st.stx_ino);
	if (f_one || !isatty_fd(1) || n == 0) {
		for (i = 0; i < n; i++) {
			if (f_inode) outf("%*llu ", wi, e[i].st.stx_ino);
			put_name(&e[i]);
			out_c('\n');
		}
		return;
	}
	/* coreutils' vertical columns: the most columns whose widths (+2) fit */
	for (cols = n < 256 ? n : 256; cols > 1; cols--) {
		int total = 0;
		rows = (n + cols - 1) / cols;
		for (c = 0; c < cols; c++) {
			widths[c] = 0;
			for (r = 0; r < rows; r++) {
				i = c * rows + r;
				if (i < n) {
					int w = name_width(&e[i]) + (f_inode ? wi + 1 : 0);
					if (w > widths[c]) widths[c] = w;
				}
			}
			total += widths[c] + (c < cols - 1 ? 2 : 0);
		}
		if (total <= tty_cols)
			break;
	}
	if (cols < 1) cols = 1;
	rows = (n + cols - 1) / cols;
	if (cols == 1) widths[0] = 0;
	for (r = 0; r < rows; r++) {
		for (c = 0; c < cols; c++) {
			i = c * rows + r;
			if (i >= n) continue;
			if (f_inode) outf("%*llu ", wi, e[i].st.stx_ino);
			put_name(&e[i]);
			if (c < cols - 1 && (c + 1) * rows + r < n)
				outf("%*s", widths[c] - name_width(&e[i]) - (f_inode ? wi + 1 : 0) + 2, "");
		}
		out_c('\n');
	}
}

static void show(struct ent *e, int n, int show_total)
{
	if (f_long) long_list(e, n, show_total);
	else short_list(e, n);
}

static char *join(const char *dir, const char *name)
{
	int dl = strlen(dir), nl = strlen(name);
	char *p = xalloc(dl + nl + 2);
	memcpy(p, dir, dl);
	if (dl && dir[dl - 1] != '/') p[dl++] = '/';
	memcpy(p + dl, name, nl + 1);
	return p;
}

static int list_dir(const char *path, const char *label)
{
	int fd = b_open(path, 0x10000, 0), n = 0, cap = 64, i, rc = 0;
	struct ent *e = xalloc(cap * sizeof(*e));
	char buf[4096];
	if (fd < 0) {
		errf("cannot open directory '%s': %s\n", path, strerr(fd));
		return 2;
	}
	for (;;) {
		int len = b_getdents(fd, buf, sizeof(buf)), off;
		if (len <= 0) break;
		for (off = 0; off < len;) {
			unsigned short reclen = *(unsigned short *)(buf + off + 16);
			const char *name = buf + off + 19;
			off += reclen;
			if (name[0] == '.' && !f_all && (!f_almost || !name[1] || (name[1] == '.' && !name[2])))
				continue;
			if (name[0] == '.' && f_almost && !f_all && (!name[1] || (name[1] == '.' && !name[2])))
				continue;
			if (n == cap) {
				struct ent *b = xalloc(cap * 2 * sizeof(*b));
				memcpy(b, e, n * sizeof(*b));
				e = b;
				cap *= 2;
			}
			e[n].name = xstrdup(name);
			e[n].path = join(path, name);
			e[n].ok = xstat(e[n].path, 1, &e[n].st) == 0;
			n++;
		}
	}
	close(fd);
	sort_ents(e, n);
	if (label) {
		if (printed) out_c('\n');
		outf("%s:\n", label);
	}
	printed = 1;
	show(e, n, 1);
	if (f_rec)
		for (i = 0; i < n; i++)
			if (e[i].ok && type_of(&e[i].st) == T_DIR && strcmp(e[i].name, ".") && strcmp(e[i].name, ".."))
				rc |= list_dir(e[i].path, e[i].path);
	return rc;
}

int app_ls(int argc, char **argv)
{
	int c, i, nf = 0, nd = 0, rc = 0, rows;
	struct ent *files, *dirs;
	color = -1;
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--color", 7) || !strncmp(argv[i], "--colour", 8)) {
			const char *w = strchr(argv[i], '=');
			color = !w || !strcmp(w + 1, "always") || !strcmp(w + 1, "yes") ? 1 :
				!strcmp(w + 1, "auto") || !strcmp(w + 1, "tty") ? -1 : 0;
			argv[i] = "-\x01";   /* an option the loop below ignores */
		}
	}
	while ((c = opt_next(argc, argv, "laAh1RdrtSFpin\x01")) != -1) {
		switch (c) {
		case 'l': case 'n': f_long = 1; break;
		case 'a': f_all = 1; break;
		case 'A': f_almost = 1; break;
		case 'h': f_human = 1; break;
		case '1': f_one = 1; break;
		case 'R': f_rec = 1; break;
		case 'd': f_dir = 1; break;
		case 'r': f_rev = 1; break;
		case 't': f_time = 1; break;
		case 'S': f_size = 1; break;
		case 'F': f_classify = 1; break;
		case 'p': f_slash = 1; break;
		case 'i': f_inode = 1; break;
		case 1: break;
		default: errf("usage: ls [-laAh1RdrtSFpi] [--color[=WHEN]] [FILE...]\n"); return 2;
		}
	}
	if (color < 0)
		color = isatty_fd(1);
	term_size(&rows, &tty_cols);
	now_s = clock_ns(CLK_REALTIME) / 1000000000LL;
	if (opt_ind == argc)
		argv[--opt_ind] = ".";
	files = xalloc((argc - opt_ind) * sizeof(*files));
	dirs = xalloc((argc - opt_ind) * sizeof(*dirs));
	for (i = opt_ind; i < argc; i++) {
		struct ent e;
		e.name = e.path = argv[i];
		if (xstat(argv[i], 0, &e.st) && xstat(argv[i], 1, &e.st)) {
			errf("cannot access '%s': %s\n", argv[i], strerr(2));
			rc = 2;
			continue;
		}
		e.ok = 1;
		if (!f_dir && type_of(&e.st) == T_DIR)
			dirs[nd++] = e;
		else {
			if (f_long) xstat(argv[i], 1, &e.st);   /* -l describes a link itself */
			files[nf++] = e;
		}
	}
	sort_ents(files, nf);
	sort_ents(dirs, nd);
	multi = nf + nd > 1 || f_rec;
	if (nf) {
		show(files, nf, 0);
		printed = 1;
	}
	for (i = 0; i < nd; i++)
		rc |= list_dir(dirs[i].path, multi ? dirs[i].path : 0);
	return rc;
}
