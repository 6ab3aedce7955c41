/* hexdump [-C] [-v] [-n LEN] [-s OFF] and od [-A x|d|o|n] [-t TYPE]...
 * [-x -c -b -d -o] [-v] [-N LEN] [-j OFF]: util-linux's and coreutils'
 * layouts, with "*" for repeated lines unless -v. */
#include "box.h"

struct src { int fd, idx, argc; char **argv; };

/* Fill up to n bytes from the files in turn (od and hexdump treat them as one stream). */
static long pull(struct src *s, u8 *buf, long n)
{
	long got = 0;
	while (got < n) {
		long k;
		if (s->fd < 0) {
			if (s->idx >= s->argc) break;
			s->fd = open_in(s->argv[s->idx]);
			if (s->fd < 0) { err_sys(s->argv[s->idx], s->fd); s->idx++; s->fd = -1; continue; }
		}
		k = read(s->fd, buf + got, n - got);
		if (k <= 0) {
			if (s->fd > 0) close(s->fd);
			s->fd = -1;
			s->idx++;
			continue;
		}
		got += k;
	}
	return got;
}

static void skip_bytes(struct src *s, u64 n)
{
	static u8 junk[4096];
	while (n > 0) {
		long k = pull(s, junk, n < sizeof(junk) ? (long)n : (long)sizeof(junk));
		if (k <= 0) break;
		n -= k;
	}
}

int app_hexdump(int argc, char **argv)
{
	int c, canon = 0, verbose = 0, squeezing = 0, have_prev = 0;
	u64 off = 0, skip = 0, limit = (u64)-1;
	u8 line[16], prev[16];
	struct src s;
	while ((c = opt_next(argc, argv, "Cvn:s:")) != -1) {
		switch (c) {
		case 'C': canon = 1; break;
		case 'v': verbose = 1; break;
		case 'n': if (parse_size(opt_arg, &limit)) { errf("bad length '%s'\n", opt_arg); return 1; } break;
		case 's': if (parse_size(opt_arg, &skip)) { errf("bad offset '%s'\n", opt_arg); return 1; } break;
		default: errf("usage: hexdump [-C] [-v] [-n LENGTH] [-s OFFSET] [FILE...]\n"); return 1;
		}
	}
	if (opt_ind == argc) argv[--opt_ind] = "-";
	s.fd = -1; s.idx = opt_ind; s.argc = argc; s.argv = argv;
	skip_bytes(&s, skip);
	off = skip;
	for (;;) {
		long want = limit - (off - skip) < 16 ? (long)(limit - (off - skip)) : 16, n, i;
		n = want > 0 ? pull(&s, line, want) : 0;
		if (n <= 0) break;
		if (!verbose && have_prev && n == 16 && !memcmp(line, prev, 16)) {
			if (!squeezing) outf("*\n");
			squeezing = 1;
			off += n;
			continue;
		}
		squeezing = 0;
		memcpy(prev, line, 16);
		have_prev = n == 16;
		if (canon) {
			outf("%08llx  ", off);
			for (i = 0; i < 16; i++) {
				if (i < n) outf("%02x ", line[i]);
				else outf("   ");
				if (i == 7) out_c(' ');
			}
			outf(" |");
			for (i = 0; i < n; i++) out_c(line[i] >= 32 && line[i] < 127 ? line[i] : '.');
			outf("|\n");
		} else {
			outf("%07llx", off);
			for (i = 0; i < n; i += 2)
				outf(" %04x", line[i] | (i + 1 < n ? line[i + 1] << 8 : 0));
			for (; i < 16; i += 2)   /* util-linux pads a short last line */
				outf("     ");
			out_c('\n');
		}
		off += n;
	}
	if (off > skip)
		outf(canon ? "%08llx\n" : "%07llx\n", off);
	return 0;
}

/* ---- od ---- */
struct ofmt { char kind; int size; int width; };   /* kind: x o u d c */

static int fmt_width(char kind, int size)
{
	static const int xw[9] = { 0, 2, 4, 0, 8, 0, 0, 0, 16 }, ow[9] = { 0, 3, 6, 0, 11, 0, 0, 0, 22 },
			 uw[9] = { 0, 3, 5, 0, 10, 0, 0, 0, 20 }, dw[9] = { 0, 4, 6, 0, 11, 0, 0, 0, 20 };
	switch (kind) {
	case 'x': return xw[size] + 1;
	case 'o': return ow[size] + 1;
	case 'u': return uw[size] + 1;
	case 'd': return dw[size] + 1;
	}
	return 4;   /* c */
}

static void od_field(const struct ofmt *f, const u8 *p, int width)
{
	char b[32];
	u32 v = 0;
	int i;
	if (f->kind == 'c') {
		static const char *const esc[] = { "\\0", 0, 0, 0, 0, 0, 0, "\\a", "\\b", "\\t", "\\n", "\\v", "\\f", "\\r" };
		u8 ch = p[0];
		if (ch < 14 && esc[ch]) strcpy(b, esc[ch]);
		else if (ch >= 32 && ch < 127) { b[0] = ch; b[1] = 0; }
		else snfmt(b, sizeof(b), "%03o", ch);
		outf("%*s", width, b);
		return;
	}
	for (i = f->size - 1; i >= 0; i--) v = v << 8 | p[i];
	switch (f->kind) {
	case 'x': snfmt(b, sizeof(b), "%0*x", f->size * 2, v); break;
	case 'o': snfmt(b, sizeof(b), "%0*o", fmt_width('o', f->size) - 1, v); break;
	case 'u': snfmt(b, sizeof(b), "%u", v); break;
	case 'd': {
		s64 sv = f->size == 1 ? (signed char)v : f->size == 2 ? (short)v : (int)v;
		snfmt(b, sizeof(b), "%lld", sv);
		break;
	}
	}
	outf("%*s", width, b);
}

int app_od(int argc, char **argv)
{
	struct ofmt fmts[8];
	int nf = 0, c, verbose = 0, i, squeezing = 0, have_prev = 0, perbyte = 0;
	char radix = 'o';
	u64 off, skip = 0, limit = (u64)-1;
	u8 line[16], prev[16];
	struct src s;
	while ((c = opt_next(argc, argv, "A:t:xcbdoivN:j:w")) != -1) {
		struct ofmt f = { 0, 0, 0 };
		switch (c) {
		case 'A':
			if (!strchr("xdon", opt_arg[0]) || opt_arg[1]) { errf("invalid output address radix '%s'\n", opt_arg); return 1; }
			radix = opt_arg[0];
			continue;
		case 'x': f.kind = 'x'; f.size = 2; break;
		case 'o': f.kind = 'o'; f.size = 2; break;
		case 'd': f.kind = 'u'; f.size = 2; break;
		case 'i': f.kind = 'd'; f.size = 4; break;
		case 'b': f.kind = 'o'; f.size = 1; break;
		case 'c': f.kind = 'c'; f.size = 1; break;
		case 't': {
			const char *t = opt_arg;
			f.kind = t[0] == 'a' ? 'c' : t[0];
			f.size = f.kind == 'c' ? 1 : t[1] ? atoi(t + 1) : 4;
			if (t[1] == 'C') f.size = 1;
			else if (t[1] == 'S') f.size = 2;
			else if (t[1] == 'I' || t[1] == 'L') f.size = 4;
			if (!strchr("xoudc", f.kind) || (f.size != 1 && f.size != 2 && f.size != 4)) {
				errf("invalid type string '%s'\n", t);
				return 1;
			}
			break;
		}
		case 'v': verbose = 1; continue;
		case 'w': continue;
		case 'N': if (parse_size(opt_arg, &limit)) { errf("invalid -N argument '%s'\n", opt_arg); return 1; } continue;
		case 'j': if (parse_size(opt_arg, &skip)) { errf("invalid -j argument '%s'\n", opt_arg); return 1; } continue;
		default: errf("usage: od [-A RADIX] [-t TYPE] [-xcbdo] [-v] [-N LEN] [-j OFF] [FILE...]\n"); return 1;
		}
		if (nf < 8) fmts[nf++] = f;
	}
	if (!nf) { fmts[0].kind = 'o'; fmts[0].size = 2; nf = 1; }
	/* coreutils aligns the formats: every byte gets the widest per-byte width */
	for (i = 0; i < nf; i++) {
		int w = fmt_width(fmts[i].kind, fmts[i].size);
		int pb = (w + fmts[i].size - 1) / fmts[i].size;
		if (pb > perbyte) perbyte = pb;
	}
	for (i = 0; i < nf; i++) fmts[i].width = nf > 1 ? perbyte * fmts[i].size : fmt_width(fmts[i].kind, fmts[i].size);
	if (opt_ind == argc) argv[--opt_ind] = "-";
	s.fd = -1; s.idx = opt_ind; s.argc = argc; s.argv = argv;
	skip_bytes(&s, skip);
	off = skip;
	for (;;) {
		long want = limit - (off - skip) < 16 ? (long)(limit - (off - skip)) : 16, n, k;
		n = want > 0 ? pull(&s, line, want) : 0;
		if (n <= 0) break;
		if (!verbose && have_prev && n == 16 && !memcmp(line, prev, 16)) {
			if (!squeezing) outf("*\n");
			squeezing = 1;
			off += n;
			continue;
		}
		squeezing = 0;
		memcpy(prev, line, 16);
		have_prev = n == 16;
		if (n < 16) memset(line + n, 0, 16 - n);
		for (i = 0; i < nf; i++) {
			if (i == 0) {
				if (radix == 'o') outf("%07llo", off);
				else if (radix == 'x') outf("%06llx", off);
				else if (radix == 'd') outf("%07llu", off);
			} else if (radix != 'n')
				outf("%*s", radix == 'x' ? 6 : 7, "");
			for (k = 0; k < n; k += fmts[i].size)
				od_field(&fmts[i], line + k, fmts[i].width);
			out_c('\n');
		}
		off += n;
	}
	if (radix == 'o') outf("%07llo\n", off);
	else if (radix == 'x') outf("%06llx\n", off);
	else if (radix == 'd') outf("%07llu\n", off);
	return 0;
}
