/* find [PATH...] [-maxdepth N] [-mindepth N] [-name GLOB] [-iname GLOB]
 * [-type f|d|l|c|b|p|s] [-size [+-]N[ckMG]] [-newer FILE] [-print] [-exec CMD {} ;]
 * (all tests ANDed, with ! / -not) and du [-s] [-h] [-a] [-k] [-m] [-c] [-d N]. */
#include "box.h"

/* ---- find ---- */
enum { F_NAME, F_INAME, F_TYPE, F_SIZE, F_NEWER, F_PRINT, F_EXEC, F_PATH };
struct test { int kind, neg; const char *arg; char cmp; u64 size; s64 time; char **exec; int nexec; };
static struct test tests[32];
static int ntests, maxdepth = -1, mindepth, has_action, find_rc;

static const char *leaf(const char *p)
{
	const char *s = strrchr(p, '/');
	if (s && !s[1] && s != p) {   /* "dir/" as given on the command line */
		const char *q = s;
		while (q > p && q[-1] != '/') q--;
		return q;
	}
	return s && s[1] ? s + 1 : p;
}

static int type_char(unsigned mode)
{
	switch (mode & 0170000) {
	case 0100000: return 'f';
	case 0040000: return 'd';
	case 0120000: return 'l';
	case 0020000: return 'c';
	case 0060000: return 'b';
	case 0010000: return 'p';
	case 0140000: return 's';
	}
	return '?';
}

static int run_tests(const char *path, const struct statx *st)
{
	int i;
	for (i = 0; i < ntests; i++) {
		struct test *t = &tests[i];
		int ok = 1;
		switch (t->kind) {
		case F_NAME: case F_INAME: {
			/* find matches "dir/" against its last component without the slash */
			const char *l = leaf(path);
			int n = strlen(l);
			char *tmp = (char *)l;
			if (n > 1 && l[n - 1] == '/') tmp = xstrndup(l, n - 1);
			ok = glob_match(t->arg, tmp, t->kind == F_INAME);
			break;
		}
		case F_PATH: ok = glob_match(t->arg, path, 0); break;
		case F_TYPE: ok = type_char(st->stx_mode) == t->arg[0]; break;
		case F_SIZE: {
			/* GNU: sizes round up to the unit (t->time bytes) before comparing */
			u64 v = (st->stx_size + t->time - 1) / t->time;
			ok = t->cmp == '+' ? v > t->size : t->cmp == '-' ? v < t->size : v == t->size;
			break;
		}
		case F_NEWER: ok = st->stx_mtime.tv_sec * 1000000000LL + st->stx_mtime.tv_nsec > t->time; break;
		case F_PRINT: outf("%s\n", path); break;
		case F_EXEC: {
			char **argv = xalloc((t->nexec + 1) * sizeof(char *));
			int k;
			for (k = 0; k < t->nexec; k++) {
				char *hit = b_strstr(t->exec[k], "{}");
				if (hit) {
					int pl = strlen(path);
					char *w = xalloc(strlen(t->exec[k]) + pl + 1);
					memcpy(w, t->exec[k], hit - t->exec[k]);
					strcpy(w + (hit - t->exec[k]), path);
					strcpy(w + (hit - t->exec[k]) + pl, hit + 2);
					argv[k] = w;
				} else
					argv[k] = t->exec[k];
			}
			argv[k] = 0;
			ok = run_argv(argv) == 0;
			break;
		}
		}
		if (t->neg) ok = !ok;
		if (!ok) return 0;
	}
	return 1;
}

static void walk(const char *path, int depth)
{
	struct statx st;
	int r = xstat(path, 1, &st);
	if (r) {
		errf("'%s': %s\n", path, strerr(r));
		find_rc = 1;
		return;
	}
	if (depth >= mindepth && run_tests(path, &st) && !has_action)
		outf("%s\n", path);
	if ((st.stx_mode & 0170000) == 0040000 && (maxdepth < 0 || depth < maxdepth)) {
		char buf[4096];
		int fd = b_open(path, 0x10000, 0);
		if (fd < 0) { errf("'%s': %s\n", path, strerr(fd)); find_rc = 1; return; }
		for (;;) {
			int n = b_getdents(fd, buf, sizeof(buf)), off;
			if (n <= 0) break;
			for (off = 0; off < n;) {
				unsigned short reclen = *(unsigned short *)(buf + off + 16);
				const char *name = buf + off + 19;
				int pl = strlen(path), nl = strlen(name);
				char *child;
				off += reclen;
				if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
				child = xalloc(pl + nl + 2);
				memcpy(child, path, pl);
				if (pl && path[pl - 1] != '/') child[pl++] = '/';
				memcpy(child + pl, name, nl + 1);
				walk(child, depth + 1);
			}
		}
		close(fd);
	}
}

int app_find(int argc, char **argv)
{
	int i = 1, first_path = 1, npaths, neg = 0;
	while (i < argc && (argv[i][0] != '-' || !argv[i][1]) && strcmp(argv[i], "!") && strcmp(argv[i], "("))
		i++;
	npaths = i - first_path;
	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : 0;
		struct test *t = &tests[ntests];
		if (!strcmp(a, "!") || !strcmp(a, "-not")) { neg = !neg; continue; }
		if (!strcmp(a, "-a") || !strcmp(a, "-and")) continue;
		if (ntests == 32) { errf("too many tests\n"); return 1; }
		memset(t, 0, sizeof(*t));
		t->neg = neg;
		neg = 0;
		if (!strcmp(a, "-print")) { t->kind = F_PRINT; has_action = 1; ntests++; continue; }
		if (!strcmp(a, "-exec")) {
			int j = i + 1;
			while (j < argc && strcmp(argv[j], ";") && strcmp(argv[j], "+")) j++;
			if (j >= argc || j == i + 1) { errf("missing argument to '-exec'\n"); return 1; }
			t->kind = F_EXEC;
			t->exec = argv + i + 1;
			t->nexec = j - i - 1;
			has_action = 1;
			ntests++;
			i = j;
			continue;
		}
		if (!v) { errf("missing argument to '%s'\n", a); return 1; }
		i++;
		if (!strcmp(a, "-maxdepth")) { maxdepth = atoi(v); continue; }
		if (!strcmp(a, "-mindepth")) { mindepth = atoi(v); continue; }
		if (!strcmp(a, "-name")) t->kind = F_NAME;
		else if (!strcmp(a, "-iname")) t->kind = F_INAME;
		else if (!strcmp(a, "-path") || !strcmp(a, "-wholename")) t->kind = F_PATH;
		else if (!strcmp(a, "-type")) {
			if (!strchr("fdlcbps", v[0]) || v[1]) { errf("Unknown argument to -type: %s\n", v); return 1; }
			t->kind = F_TYPE;
		} else if (!strcmp(a, "-size")) {
			const char *p = v;
			t->kind = F_SIZE;
			if (*p == '+' || *p == '-') t->cmp = *p++;
			t->size = 0;
			while (*p >= '0' && *p <= '9') t->size = t->size * 10 + *p++ - '0';
			t->time = *p == 'c' ? 1 : *p == 'k' ? 1024 : *p == 'M' ? 1048576 : *p == 'G' ? 1073741824 : *p == 'w' ? 2 : 512;
		} else if (!strcmp(a, "-newer")) {
			struct statx st;
			int r = xstat(v, 0, &st);
			if (r) { errf("'%s': %s\n", v, strerr(r)); return 1; }
			t->kind = F_NEWER;
			t->time = st.stx_mtime.tv_sec * 1000000000LL + st.stx_mtime.tv_nsec;
		} else { errf("unknown predicate '%s'\n", a); return 1; }
		t->arg = v;
		ntests++;
	}
	if (!npaths)
		walk(".", 0);
	for (i = first_path; i < first_path + npaths; i++)
		walk(argv[i], 0);
	return find_rc;
}

/* ---- du ---- */
static int du_all, du_human, du_sum, du_total, du_rc;
static int du_maxd = -1;
static u64 du_unit = 1024;

static void du_print(u64 bytes, const char *path)
{
	char b[24];
	if (du_human) human(b, bytes, 0);
	else snfmt(b, sizeof(b), "%llu", (bytes + du_unit - 1) / du_unit);
	outf("%s\t%s\n", b, path);
}

static u64 du_walk(const char *path, int depth)
{
	struct statx st;
	u64 total;
	int r = xstat(path, 1, &st);
	if (r) { errf("cannot access '%s': %s\n", path, strerr(r)); du_rc = 1; return 0; }
	total = st.stx_blocks * 512;
	if ((st.stx_mode & 0170000) == 0040000) {
		char buf[4096];
		int fd = b_open(path, 0x10000, 0);
		if (fd < 0) { errf("cannot read directory '%s': %s\n", path, strerr(fd)); du_rc = 1; return total; }
		for (;;) {
			int n = b_getdents(fd, buf, sizeof(buf)), off;
			if (n <= 0) break;
			for (off = 0; off < n;) {
				unsigned short reclen = *(unsigned short *)(buf + off + 16);
				const char *name = buf + off + 19;
				int pl = strlen(path), nl = strlen(name);
				char *child;
				off += reclen;
				if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
				child = xalloc(pl + nl + 2);
				memcpy(child, path, pl);
				if (pl && path[pl - 1] != '/') child[pl++] = '/';
				memcpy(child + pl, name, nl + 1);
				total += du_walk(child, depth + 1);
			}
		}
		close(fd);
		if (!du_sum && (du_maxd < 0 || depth <= du_maxd)) du_print(total, path);
	} else if (du_all && !du_sum && (du_maxd < 0 || depth <= du_maxd))
		du_print(total, path);
	else if (depth == 0 && !du_sum)
		du_print(total, path);
	return total;
}

int app_du(int argc, char **argv)
{
	int c;
	u64 grand = 0;
	while ((c = opt_next(argc, argv, "ahskmcd:xb")) != -1) {
		switch (c) {
		case 'a': du_all = 1; break;
		case 'h': du_human = 1; break;
		case 's': du_sum = 1; break;
		case 'k': du_unit = 1024; break;
		case 'm': du_unit = 1048576; break;
		case 'b': du_unit = 1; break;
		case 'c': du_total = 1; break;
		case 'd': du_maxd = atoi(opt_arg); break;
		case 'x': break;
		default: errf("usage: du [-ahskmc] [-d N] [FILE...]\n"); return 1;
		}
	}
	if (opt_ind == argc) argv[--opt_ind] = ".";
	for (; opt_ind < argc; opt_ind++) {
		u64 t = du_walk(argv[opt_ind], 0);
		if (du_sum) du_print(t, argv[opt_ind]);
		grand += t;
	}
	if (du_total) du_print(grand, "total");
	return du_rc;
}
