/* cat, head, tail, wc, tee: coreutils' output for the usual flags. */
#include "box.h"

static int open_or_warn(const char *name)
{
	int fd = open_in(name);
	if (fd < 0)
		err_sys(name, fd);
	return fd;
}

/* ---- cat [-n] [-b] [-s] [-E] [FILE...] ---- */
int app_cat(int argc, char **argv)
{
	int c, number = 0, nonblank = 0, squeeze = 0, ends = 0, rc = 0;
	long lineno = 0;
	while ((c = opt_next(argc, argv, "nbsEu")) != -1) {
		switch (c) {
		case 'n': number = 1; break;
		case 'b': nonblank = number = 1; break;
		case 's': squeeze = 1; break;
		case 'E': ends = 1; break;
		case 'u': break;
		default: errf("usage: cat [-nbsE] [FILE...]\n"); return 1;
		}
	}
	if (opt_ind == argc)
		argv[--opt_ind] = "-";
	for (; opt_ind < argc; opt_ind++) {
		int fd = open_or_warn(argv[opt_ind]);
		if (fd < 0) { rc = 1; continue; }
		if (!number && !squeeze && !ends) {
			static char buf[16384];
			long n;
			out_flush();
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				if (write_all(1, buf, n) < 0) { rc = 1; break; }
			if (n < 0) { err_sys(argv[opt_ind], -errno); rc = 1; }
		} else {
			struct rd r;
			long len;
			int nl, prev_blank = 0;
			rd_init(&r, fd);
			while ((len = rd_line(&r, &nl)) > 0) {
				int blank = len - nl == 0;
				if (squeeze && blank && prev_blank)
					continue;
				prev_blank = blank;
				if (number && !(nonblank && blank))
					outf("%6ld\t", ++lineno);
				out_m(r.line, len - nl);
				if (ends && nl) out_c('$');
				if (nl) out_c('\n');
			}
		}
		if (fd > 0)
			close(fd);
	}
	return rc;
}

/* "-5" as "-n 5" (head/tail's historical form) */
static void numeric_shorthand(int argc, char **argv, char *buf)
{
	if (argc > 1 && argv[1][0] == '-' && argv[1][1] >= '0' && argv[1][1] <= '9') {
		snfmt(buf, 32, "-n%s", argv[1] + 1);
		argv[1] = buf;
	}
}

static void file_header(const char *name, int *first)
{
	outf("%s==> %s <==\n", *first ? "" : "\n", !strcmp(name, "-") ? "standard input" : name);
	*first = 0;
}

/* ---- tail [-n [+]N] [-c [+]N] [-f] [-q|-v] [FILE...] ---- */
static long tail_start(const char *buf, long len, s64 n, int from_start, int bytes)
{
	long i;
	if (bytes) {
		if (from_start) return n > 0 ? (n - 1 < len ? n - 1 : len) : 0;
		return n < len ? len - n : 0;
	}
	if (from_start) {
		s64 line = 1;
		for (i = 0; i < len && line < n; i++)
			if (buf[i] == '\n') line++;
		return line < n ? len : i;
	}
	if (n == 0) return len;
	i = len;
	if (i > 0 && buf[i - 1] == '\n') i--;   /* the last line's newline ends it, it does not start one */
	while (i > 0) {
		if (buf[i - 1] == '\n' && --n == 0) return i;
		i--;
	}
	return 0;
}

/* ---- head [-n [-]N] [-c [-]N] [-q|-v] [FILE...] ---- */
int app_head(int argc, char **argv)
{
	char nbuf[32];
	const char *arg = "10";
	int c, bytes = 0, quiet = 0, verbose = 0, rc = 0, first = 1, nfiles;
	s64 n;
	numeric_shorthand(argc, argv, nbuf);
	while ((c = opt_next(argc, argv, "n:c:qv")) != -1) {
		switch (c) {
		case 'n': arg = opt_arg; bytes = 0; break;
		case 'c': arg = opt_arg; bytes = 1; break;
		case 'q': quiet = 1; break;
		case 'v': verbose = 1; break;
		default: errf("usage: head [-n [-]N] [-c [-]N] [FILE...]\n"); return 1;
		}
	}
	{
		u64 v;
		int neg = *arg == '-';
		if (parse_size(neg ? arg + 1 : arg, &v)) {
			errf("invalid number of %s: '%s'\n", bytes ? "bytes" : "lines", arg);
			return 1;
		}
		n = neg ? -(s64)v : (s64)v;
	}
	if (opt_ind == argc)
		argv[--opt_ind] = "-";
	nfiles = argc - opt_ind;
	for (; opt_ind < argc; opt_ind++) {
		int fd = open_or_warn(argv[opt_ind]);
		if (fd < 0) { rc = 1; continue; }
		if ((nfiles > 1 && !quiet) || verbose)
			file_header(argv[opt_ind], &first);
		if (n >= 0) {
			struct rd r;
			s64 left = n;
			rd_init(&r, fd);
			if (bytes) {
				while (left > 0) {
					if (r.pos == r.len) {
						long k = read(fd, r.buf, sizeof(r.buf));
						if (k <= 0) break;
						r.pos = 0; r.len = k;
					}
					long k = r.len - r.pos < left ? r.len - r.pos : left;
					out_m(r.buf + r.pos, k);
					r.pos += k;
					left -= k;
				}
			} else {
				long len;
				int nl;
				while (left > 0 && (len = rd_line(&r, &nl)) > 0) {
					out_m(r.line, len - nl);
					if (nl) out_c('\n');
					left--;
				}
			}
		} else {
			/* all but the last -n lines/bytes */
			char *buf;
			long len = read_all(fd, &buf), end = len;
			end = tail_start(buf, len, -n, 0, bytes);
			out_m(buf, end);
		}
		if (fd > 0) close(fd);
	}
	return rc;
}

static volatile int tail_stop;
static void tail_sig(int s) { (void)s; tail_stop = 1; }

int app_tail(int argc, char **argv)
{
	char nbuf[32];
	const char *arg = "10";
	int c, bytes = 0, follow = 0, quiet = 0, verbose = 0, rc = 0, first = 1, nfiles, i;
	int fds[16];
	s64 n;
	u64 v;
	if (argc > 1 && argv[1][0] == '+' && argv[1][1] >= '0' && argv[1][1] <= '9') {
		snfmt(nbuf, sizeof(nbuf), "-n%s", argv[1]);
		argv[1] = nbuf;
	} else
		numeric_shorthand(argc, argv, nbuf);
	while ((c = opt_next(argc, argv, "n:c:fFqvs:")) != -1) {
		switch (c) {
		case 'n': arg = opt_arg; bytes = 0; break;
		case 'c': arg = opt_arg; bytes = 1; break;
		case 'f': case 'F': follow = 1; break;
		case 'q': quiet = 1; break;
		case 'v': verbose = 1; break;
		case 's': break;
		default: errf("usage: tail [-n [+]N] [-c [+]N] [-f] [FILE...]\n"); return 1;
		}
	}
	if (parse_size(*arg == '+' || *arg == '-' ? arg + 1 : arg, &v)) {
		errf("invalid number of %s: '%s'\n", bytes ? "bytes" : "lines", arg);
		return 1;
	}
	n = (s64)v;
	if (opt_ind == argc)
		argv[--opt_ind] = "-";
	nfiles = argc - opt_ind;
	if (nfiles > 16) nfiles = 16;
	for (i = 0; i < nfiles; i++) {
		const char *name = argv[opt_ind + i];
		char *buf;
		long len, start;
		fds[i] = open_or_warn(name);
		if (fds[i] < 0) { rc = 1; continue; }
		if ((nfiles > 1 && !quiet) || verbose)
			file_header(name, &first);
		len = read_all(fds[i], &buf);
		start = tail_start(buf, len, n, *arg == '+', bytes);
		out_m(buf + start, len - start);
	}
	if (follow) {
		static char buf[8192];
		int last = nfiles - 1;
		b_sigaction(2, tail_sig, 0);
		b_sigaction(15, tail_sig, 0);
		out_flush();
		while (!tail_stop) {
			int any = 0;
			for (i = 0; i < nfiles; i++) {
				long k;
				if (fds[i] < 0) continue;
				while ((k = read(fds[i], buf, sizeof(buf))) > 0) {
					if (nfiles > 1 && !quiet && last != i) {
						file_header(argv[opt_ind + i], &first);
						last = i;
					}
					out_m(buf, k);
					any = 1;
				}
			}
			out_flush();
			if (!any && sleep_ns(any ? 0 : 1000000000LL) < 0)
				break;
		}
	}
	return rc;
}

/* ---- wc [-l] [-w] [-c] [-m] [-L] [FILE...] ---- */
int app_wc(int argc, char **argv)
{
	int c, fl = 0, fw = 0, fc = 0, fm = 0, fL = 0, rc = 0, width = 1, nfiles, i, nopts, min_width = 1, named;
	u64 tl = 0, tw = 0, tc = 0, tm = 0, tL = 0, regular = 0;
	static char buf[16384];
	while ((c = opt_next(argc, argv, "lwcmL")) != -1) {
		switch (c) {
		case 'l': fl = 1; break;
		case 'w': fw = 1; break;
		case 'c': fc = 1; break;
		case 'm': fm = 1; break;
		case 'L': fL = 1; break;
		default: errf("usage: wc [-lwcmL] [FILE...]\n"); return 1;
		}
	}
	if (!fl && !fw && !fc && !fm && !fL)
		fl = fw = fc = 1;
	nopts = fl + fw + fc + fm + fL;
	nfiles = argc - opt_ind;
	/* coreutils: the column width is the digits of the total size of the
	 * regular files, at least 7 when reading a pipe or terminal, and 1 for
	 * one count of one input */
	if (!(nfiles <= 1 && nopts == 1)) {
		if (nfiles == 0)
			argv[--opt_ind] = "-";   /* stdin: its fstat decides, like a named file */
		for (i = opt_ind; i < argc; i++) {
			struct statx st;
			if (!strcmp(argv[i], "-")) {
				if (my_syscall5(__NR_statx, 0, "", 0x1000 /* AT_EMPTY_PATH */, STATX_BASIC_STATS, &st)) continue;
			} else if (xstat(argv[i], 0, &st))
				continue;
			if ((st.stx_mode & 0170000) != 0100000) min_width = 7;
			else regular += st.stx_size;
		}
		for (; regular >= 10; regular /= 10) width++;
		if (width < min_width) width = min_width;
	}
	named = nfiles > 0;
	if (nfiles == 0) {
		if (nopts == 1) argv[--opt_ind] = "-";   /* the width block above did it otherwise */
		nfiles = 1;
	}
	for (i = opt_ind; i < argc; i++) {
		u64 l = 0, w = 0, cc = 0, m = 0, L = 0, cur = 0;
		int fd = open_or_warn(argv[i]), inword = 0;
		long k;
		if (fd < 0) { rc = 1; continue; }
		while ((k = read(fd, buf, sizeof(buf))) > 0) {
			long j;
			cc += k;
			for (j = 0; j < k; j++) {
				unsigned char ch = buf[j];
				if ((ch & 0xc0) != 0x80) m++;
				if (ch == '\n') { l++; if (cur > L) L = cur; cur = 0; }
				else if (ch == '\t') cur = (cur + 8) & ~7ULL;
				else if ((ch & 0xc0) != 0x80) cur++;
				if (ch == ' ' || (ch >= '\t' && ch <= '\r')) inword = 0;
				else if (!inword) { inword = 1; w++; }
			}
		}
		if (cur > L) L = cur;
		if (fd > 0) close(fd);
		{
			const char *sep = "";
#define COL(flag, v) if (flag) { outf("%s%*llu", sep, width, v); sep = " "; }
			COL(fl, l); COL(fw, w); COL(fm, m); COL(fc, cc); COL(fL, L);
		}
		if (named)
			outf(" %s", argv[i]);
		outf("\n");
		tl += l; tw += w; tc += cc; tm += m; if (L > tL) tL = L;
	}
	if (nfiles > 1) {
		const char *sep = "";
		COL(fl, tl); COL(fw, tw); COL(fm, tm); COL(fc, tc); COL(fL, tL);
		outf(" total\n");
	}
	return rc;
}

/* ---- tee [-a] [-i] [FILE...] ---- */
int app_tee(int argc, char **argv)
{
	int c, append = 0, rc = 0, n = 0, i;
	int fds[32];
	static char buf[8192];
	long k;
	while ((c = opt_next(argc, argv, "ai")) != -1) {
		if (c == 'a') append = 1;
		else if (c == 'i') b_sigaction(2, B_SIG_IGN, 0);
		else { errf("usage: tee [-a] [-i] [FILE...]\n"); return 1; }
	}
	for (; opt_ind < argc && n < 32; opt_ind++) {
		int fd = b_open(argv[opt_ind], 01 | 0100 | (append ? 02000 : 01000), 0666);
		if (fd < 0) { err_sys(argv[opt_ind], fd); rc = 1; continue; }
		fds[n++] = fd;
	}
	while ((k = read(0, buf, sizeof(buf))) > 0) {
		write_all(1, buf, k);
		for (i = 0; i < n; i++)
			write_all(fds[i], buf, k);
	}
	return rc;
}
