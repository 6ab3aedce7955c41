/* cut and uniq (coreutils). */
#include "box.h"

/* ---- cut -f LIST [-d DELIM] [-s] | -c LIST | -b LIST [--complement] [FILE...] ---- */
struct range { long lo, hi; };
static struct range ranges[64];
static int nranges, complement;

static int parse_ranges(const char *s)
{
	nranges = 0;
	while (*s) {
		long lo = 1, hi;
		if (nranges == 64) return -1;
		if (*s >= '0' && *s <= '9') { lo = atol(s); while (*s >= '0' && *s <= '9') s++; }
		else if (*s != '-') return -1;
		hi = lo;
		if (*s == '-') {
			s++;
			if (*s >= '0' && *s <= '9') { hi = atol(s); while (*s >= '0' && *s <= '9') s++; }
			else hi = 0x7fffffff;
		}
		if (lo < 1 || hi < lo) return -1;
		ranges[nranges].lo = lo;
		ranges[nranges++].hi = hi;
		if (*s == ',') s++;
		else if (*s) return -1;
	}
	return nranges ? 0 : -1;
}

static int selected(long i)
{
	int k;
	for (k = 0; k < nranges; k++)
		if (i >= ranges[k].lo && i <= ranges[k].hi) return !complement;
	return complement;
}

int app_cut(int argc, char **argv)
{
	int c, mode = 0, only_delim = 0, i, rc = 0;
	char delim = '\t';
	const char *list = 0, *outdelim = 0;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--complement")) { complement = 1; argv[i] = "-\x01"; }
		else if (!strncmp(argv[i], "--output-delimiter=", 19)) { outdelim = argv[i] + 19; argv[i] = "-\x01"; }
	}
	while ((c = opt_next(argc, argv, "f:c:b:d:sn\x01")) != -1) {
		switch (c) {
		case 'f': case 'c': case 'b': mode = c; list = opt_arg; break;
		case 'd':
			if (strlen(opt_arg) > 1) { errf("the delimiter must be a single character\n"); return 1; }
			delim = opt_arg[0] ? opt_arg[0] : '\n';
			break;
		case 's': only_delim = 1; break;
		case 'n': case 1: break;
		default: goto usage;
		}
	}
	if (!mode) { errf("you must specify a list of bytes, characters, or fields\n"); goto usage; }
	if (parse_ranges(list)) { errf("invalid field range\n"); return 1; }
	if (opt_ind == argc) argv[--opt_ind] = "-";
	for (; opt_ind < argc; opt_ind++) {
		struct rd r;
		long len;
		int nl, fd = open_in(argv[opt_ind]);
		if (fd < 0) { err_sys(argv[opt_ind], fd); rc = 1; continue; }
		rd_init(&r, fd);
		while ((len = rd_line(&r, &nl)) > 0) {
			const char *s = r.line;
			long l = len - nl, k;
			if (mode != 'f') {
				for (k = 0; k < l; k++)
					if (selected(k + 1)) out_c(s[k]);
			} else if (!b_memchr(s, delim, l)) {
				if (only_delim) continue;
				out_m(s, l);
			} else {
				long f = 1, start = 0;
				int first = 1;
				for (k = 0; k <= l; k++) {
					if (k == l || s[k] == delim) {
						if (selected(f)) {
							if (!first) { if (outdelim) out_s(outdelim); else out_c(delim); }
							out_m(s + start, k - start);
							first = 0;
						}
						f++;
						start = k + 1;
					}
				}
			}
			out_c('\n');
		}
		if (fd > 0) close(fd);
	}
	return rc;
usage:
	errf("usage: cut -f LIST [-d DELIM] [-s] | -c LIST | -b LIST [FILE...]\n");
	return 1;
}

/* ---- uniq [-c] [-d] [-u] [-i] [-f N] [-s N] [INPUT [OUTPUT]] ---- */
static int u_icase, u_fields, u_chars;

static const char *skip_key(const char *s, long len, long *klen)
{
	const char *e = s + len;
	int f;
	for (f = 0; f < u_fields; f++) {
		while (s < e && (*s == ' ' || *s == '\t')) s++;
		while (s < e && *s != ' ' && *s != '\t') s++;
	}
	s += u_chars < e - s ? u_chars : e - s;
	*klen = e - s;
	return s;
}

static int same(const char *a, long al, const char *b, long bl)
{
	long la, lb, i;
	a = skip_key(a, al, &la);
	b = skip_key(b, bl, &lb);
	if (la != lb) return 0;
	for (i = 0; i < la; i++) {
		int x = (u8)a[i], y = (u8)b[i];
		if (u_icase) { if (x >= 'A' && x <= 'Z') x += 32; if (y >= 'A' && y <= 'Z') y += 32; }
		if (x != y) return 0;
	}
	return 1;
}

int app_uniq(int argc, char **argv)
{
	int c, count = 0, dups = 0, uniques = 0, fd = 0, nl;
	struct rd r;
	char *prev = 0;
	long plen = 0, n = 0, len;
	while ((c = opt_next(argc, argv, "cduif:s:")) != -1) {
		switch (c) {
		case 'c': count = 1; break;
		case 'd': dups = 1; break;
		case 'u': uniques = 1; break;
		case 'i': u_icase = 1; break;
		case 'f': u_fields = atoi(opt_arg); break;
		case 's': u_chars = atoi(opt_arg); break;
		default: errf("usage: uniq [-cdui] [-f N] [-s N] [INPUT [OUTPUT]]\n"); return 1;
		}
	}
	if (opt_ind < argc && (fd = open_in(argv[opt_ind])) < 0) { err_sys(argv[opt_ind], fd); return 1; }
	if (opt_ind + 1 < argc) {
		int o = b_open(argv[opt_ind + 1], 01 | 0100 | 01000, 0666);
		if (o < 0) { err_sys(argv[opt_ind + 1], o); return 1; }
		dup2(o, 1);
		close(o);
	}
	rd_init(&r, fd);
	for (;;) {
		len = rd_line(&r, &nl);
		if (len > 0 && prev && same(prev, plen, r.line, len - nl)) {
			n++;
			continue;
		}
		if (prev && !(dups && n < 2) && !(uniques && n > 1)) {
			if (count) outf("%7ld ", n);
			out_m(prev, plen);
			out_c('\n');
		}
		if (len <= 0) break;
		prev = xstrndup(r.line, len - nl);   /* r.line is reused by the next read */
		plen = len - nl;
		n = 1;
	}
	return 0;
}
