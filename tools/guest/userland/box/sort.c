/* sort [-nrufbhs] [-t SEP] [-k KEYDEF]... [-o FILE] [FILE...]: GNU sort in
 * the C locale (byte order), including its key rules and the last-resort
 * whole-line comparison. */
#include "box.h"

struct key { int f1, c1, f2, c2; int num, hum, rev, fold, blank_start, blank_end; };

static struct key keys[16];
static int nkeys, g_rev, g_unique, g_stable, g_num, g_hum, g_fold, g_blank;
static int tab = -1;

struct line { const char *s; long len; };

static int blank(int c) { return c == ' ' || c == '\t'; }

/* the start of field f (1-based) */
static const char *field_start(const char *s, const char *e, int f)
{
	while (--f > 0 && s < e) {
		if (tab >= 0) {
			while (s < e && *s != tab) s++;
			if (s < e) s++;
			else return e;
		} else {
			while (s < e && blank(*s)) s++;
			while (s < e && !blank(*s)) s++;
		}
	}
	return s;
}

static const char *field_end(const char *s, const char *e)
{
	if (tab >= 0) {
		while (s < e && *s != tab) s++;
	} else {
		while (s < e && blank(*s)) s++;
		while (s < e && !blank(*s)) s++;
	}
	return s;
}

static void key_span(const struct key *k, const char *s, long len, const char **ks, const char **ke)
{
	const char *e = s + len, *a, *b;
	a = field_start(s, e, k->f1);
	if (k->blank_start) while (a < e && blank(*a)) a++;
	a += k->c1 - 1;
	if (a > e) a = e;
	if (k->f2 == 0) b = e;
	else {
		b = field_start(s, e, k->f2);
		if (k->c2 == 0) b = field_end(b, e);
		else {
			if (k->blank_end) while (b < e && blank(*b)) b++;
			b += k->c2;
			if (b > e) b = e;
		}
	}
	if (b < a) b = a;
	*ks = a;
	*ke = b;
}

/* compare two decimal numbers as text (no floating point): sign, integer
 * digits, then fraction digits */
static int numcmp(const char *a, const char *ae, const char *b, const char *be, int human)
{
	int na = 0, nb = 0, sa = 1, sb = 1, r = 0, la, lb;
	const char *ia, *ib, *fa, *fb;
	while (a < ae && blank(*a)) a++;
	while (b < be && blank(*b)) b++;
	if (a < ae && *a == '-') { sa = -1; a++; }
	if (b < be && *b == '-') { sb = -1; b++; }
	while (a < ae && *a == '0') a++;
	while (b < be && *b == '0') b++;
	ia = a; while (a < ae && *a >= '0' && *a <= '9') a++; la = a - ia;
	ib = b; while (b < be && *b >= '0' && *b <= '9') b++; lb = b - ib;
	fa = a < ae && *a == '.' ? ++a : a; while (a < ae && *a >= '0' && *a <= '9') a++;
	fb = b < be && *b == '.' ? ++b : b; while (b < be && *b >= '0' && *b <= '9') b++;
	{
		/* is it zero? then the sign does not count */
		const char *p;
		int za = la == 0, zb = lb == 0;
		for (p = fa; za && p < a; p++) if (*p != '0') za = 0;
		for (p = fb; zb && p < b; p++) if (*p != '0') zb = 0;
		if (za) sa = 0;
		if (zb) sb = 0;
		if (sa == 0 && sa == sb) return 0;
	}
	if (sa != sb) return sa < sb ? -1 : 1;
	if (human) {
		static const char units[] = "KMGTPEZY";
		const char *ua = a < ae ? strchr(units, *a == 'k' ? 'K' : *a) : 0;
		const char *ub = b < be ? strchr(units, *b == 'k' ? 'K' : *b) : 0;
		na = ua && *a ? (int)(ua - units) + 1 : 0;
		nb = ub && *b ? (int)(ub - units) + 1 : 0;
		if (na != nb) return sa * (na < nb ? -1 : 1);
	}
	if (la != lb) r = la < lb ? -1 : 1;
	else {
		int i;
		for (i = 0; i < la && !r; i++) if (ia[i] != ib[i]) r = ia[i] < ib[i] ? -1 : 1;
		while (!r && (fa < a || fb < b)) {
			int ca = fa < a ? *fa++ : '0', cb = fb < b ? *fb++ : '0';
			if (ca != cb) r = ca < cb ? -1 : 1;
		}
	}
	return sa * r;
}

static int textcmp(const char *a, const char *ae, const char *b, const char *be, int fold)
{
	while (a < ae && b < be) {
		int x = (u8)*a++, y = (u8)*b++;
		if (fold) {
			if (x >= 'a' && x <= 'z') x -= 32;
			if (y >= 'a' && y <= 'z') y -= 32;
		}
		if (x != y) return x < y ? -1 : 1;
	}
	return a < ae ? 1 : b < be ? -1 : 0;
}

static int keycmp(const struct line *x, const struct line *y)
{
	int i;
	for (i = 0; i < nkeys; i++) {
		const struct key *k = &keys[i];
		const char *as, *ae, *bs, *be;
		int r;
		key_span(k, x->s, x->len, &as, &ae);
		key_span(k, y->s, y->len, &bs, &be);
		if (k->num || k->hum) r = numcmp(as, ae, bs, be, k->hum);
		else {
			if (k->blank_start) { while (as < ae && blank(*as)) as++; while (bs < be && blank(*bs)) bs++; }
			r = textcmp(as, ae, bs, be, k->fold);
		}
		if (r) return k->rev ? -r : r;
	}
	return 0;
}

static int linecmp(const struct line *x, const struct line *y)
{
	int r = keycmp(x, y);
	if (r || g_unique || g_stable)
		return r;
	r = textcmp(x->s, x->s + x->len, y->s, y->s + y->len, 0);
	return g_rev ? -r : r;
}

static void merge_sort(struct line *a, struct line *tmp, long n)
{
	long mid = n / 2, i = 0, j = mid, k = 0;
	if (n < 2) return;
	merge_sort(a, tmp, mid);
	merge_sort(a + mid, tmp, n - mid);
	while (i < mid && j < n)
		tmp[k++] = linecmp(&a[j], &a[i]) < 0 ? a[j++] : a[i++];
	while (i < mid) tmp[k++] = a[i++];
	while (j < n) tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof(*a));
}

static int parse_key(const char *s, struct key *k)
{
	memset(k, 0, sizeof(*k));
	k->f1 = atoi(s);
	if (k->f1 < 1) return -1;
	while (*s >= '0' && *s <= '9') s++;
	k->c1 = 1;
	if (*s == '.') { s++; k->c1 = atoi(s); while (*s >= '0' && *s <= '9') s++; if (k->c1 < 1) return -1; }
	for (; *s && *s != ','; s++)
		switch (*s) {
		case 'n': k->num = 1; break;
		case 'h': k->hum = 1; break;
		case 'r': k->rev = 1; break;
		case 'f': k->fold = 1; break;
		case 'b': k->blank_start = 1; break;
		default: return -1;
		}
	if (*s == ',') {
		s++;
		k->f2 = atoi(s);
		if (k->f2 < 1) return -1;
		while (*s >= '0' && *s <= '9') s++;
		if (*s == '.') { s++; k->c2 = atoi(s); while (*s >= '0' && *s <= '9') s++; }
		for (; *s; s++)
			switch (*s) {
			case 'n': k->num = 1; break;
			case 'h': k->hum = 1; break;
			case 'r': k->rev = 1; break;
			case 'f': k->fold = 1; break;
			case 'b': k->blank_end = 1; break;
			default: return -1;
			}
	}
	return 0;
}

int app_sort(int argc, char **argv)
{
	int c, i, nfiles;
	const char *outfile = 0;
	struct line *lines, *tmp;
	long n = 0, cap = 1024, j;
	while ((c = opt_next(argc, argv, "nrufbhsgMVt:k:o:T:S:")) != -1) {
		switch (c) {
		case 'n': case 'g': g_num = 1; break;
		case 'h': g_hum = 1; break;
		case 'r': g_rev = 1; break;
		case 'u': g_unique = 1; break;
		case 'f': g_fold = 1; break;
		case 'b': g_blank = 1; break;
		case 's': g_stable = 1; break;
		case 'M': case 'V': case 'T': case 'S': break;
		case 'o': outfile = opt_arg; break;
		case 't':
			if (strlen(opt_arg) != 1 && strcmp(opt_arg, "\\0")) { errf("multi-character tab '%s'\n", opt_arg); return 2; }
			tab = opt_arg[1] ? 0 : (u8)opt_arg[0];
			break;
		case 'k':
			if (nkeys == 16 || parse_key(opt_arg, &keys[nkeys])) { errf("invalid key specification '%s'\n", opt_arg); return 2; }
			nkeys++;
			break;
		default:
			errf("usage: sort [-nrufbhs] [-t SEP] [-k KEYDEF]... [-o FILE] [FILE...]\n");
			return 2;
		}
	}
	/* keys with no ordering options of their own take the global ones */
	for (i = 0; i < nkeys; i++) {
		struct key *k = &keys[i];
		if (!k->num && !k->hum && !k->rev && !k->fold && !k->blank_start && !k->blank_end) {
			k->num = g_num; k->hum = g_hum; k->rev = g_rev; k->fold = g_fold;
			k->blank_start = k->blank_end = g_blank;
		}
	}
	if (!nkeys) {
		struct key *k = &keys[nkeys++];
		memset(k, 0, sizeof(*k));
		k->f1 = 1; k->c1 = 1; k->f2 = 0;
		k->num = g_num; k->hum = g_hum; k->rev = g_rev; k->fold = g_fold; k->blank_start = g_blank;
	}
	lines = xalloc(cap * sizeof(*lines));
	nfiles = argc - opt_ind;
	if (!nfiles) argv[--opt_ind] = "-";
	for (i = opt_ind; i < argc; i++) {
		char *buf;
		long len, p = 0;
		int fd = open_in(argv[i]);
		if (fd < 0) { errf("cannot read: %s: %s\n", argv[i], strerr(fd)); return 2; }
		len = read_all(fd, &buf);
		if (fd > 0) close(fd);
		while (p < len) {
			char *nl = b_memchr(buf + p, '\n', len - p);
			long e = nl ? nl - buf : len;
			if (n == cap) {
				struct line *b = xalloc(cap * 2 * sizeof(*b));
				memcpy(b, lines, n * sizeof(*b));
				lines = b;
				cap *= 2;
			}
			lines[n].s = buf + p;
			lines[n].len = e - p;
			n++;
			p = e + 1;
		}
	}
	tmp = xalloc((n + 1) * sizeof(*tmp));
	merge_sort(lines, tmp, n);
	if (outfile) {
		int fd = b_open(outfile, 01 | 0100 | 01000, 0666);
		if (fd < 0) { errf("open failed: %s: %s\n", outfile, strerr(fd)); return 2; }
		out_flush();
		dup2(fd, 1);
		close(fd);
	}
	for (j = 0; j < n; j++) {
		if (g_unique && j > 0 && keycmp(&lines[j - 1], &lines[j]) == 0)
			continue;
		out_m(lines[j].s, lines[j].len);
		out_c('\n');
	}
	return 0;
}
