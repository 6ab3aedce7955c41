/* grep [-EFGiIvcnolLqswxhHr] [-e PATTERN]... [-m N] [PATTERN] [FILE...]
 * (also egrep-style -E): GNU grep's output and exit status (0 a line
 * selected, 1 none, 2 an error). */
#include "box.h"
#include "regex.h"

static struct regex pats[32];
static int npats;
static int o_invert, o_count, o_number, o_only, o_list, o_nolist, o_quiet, o_silent, o_word, o_whole,
	o_names, o_fixed, o_recursive;
static s64 o_max = -1;
static int status = 1;

static char *escape_fixed(const char *s)
{
	char *d = xalloc(strlen(s) * 2 + 1), *p = d;
	for (; *s; s++) {
		if (strchr("\\.[]*^$", *s))
			*p++ = '\\';
		*p++ = *s;
	}
	*p = 0;
	return d;
}

static int match_any(const char *line, long len, long from, long *ms, long *me)
{
	int i, found = 0;
	long bs = 0, be = 0;
	for (i = 0; i < npats; i++) {
		long s, e;
		if (re_search(&pats[i], line, len, from, o_only, o_word, o_whole, &s, &e) &&
		    (!found || s < bs || (s == bs && e > be))) {
			found = 1;
			bs = s;
			be = e;
			if (!o_only)
				break;
		}
	}
	*ms = bs;
	*me = be;
	return found;
}

static void grep_fd(int fd, const char *name)
{
	struct rd r;
	long len, lineno = 0, count = 0;
	int nl;
	rd_init(&r, fd);
	while ((o_max < 0 || count < o_max) && (len = rd_line(&r, &nl)) > 0) {
		long ms, me, l = len - nl;
		int hit;
		lineno++;
		hit = match_any(r.line, l, 0, &ms, &me) != o_invert;
		if (!hit)
			continue;
		count++;
		status = 0;
		if (o_quiet)
			bexit(0);
		if (o_list || o_nolist)
			break;
		if (o_count)
			continue;
		if (o_only && !o_invert) {
			long from = 0;
			while (from <= l && match_any(r.line, l, from, &ms, &me)) {
				if (me > ms) {
					if (o_names) outf("%s:", name);
					if (o_number) outf("%ld:", lineno);
					out_m(r.line + ms, me - ms);
					out_c('\n');
					from = me;
				} else
					from = ms + 1;
			}
			continue;
		}
		if (o_only)
			continue;
		if (o_names) outf("%s:", name);
		if (o_number) outf("%ld:", lineno);
		out_m(r.line, l);
		out_c('\n');
	}
	if (o_count) {
		if (o_names) outf("%s:", name);
		outf("%ld\n", count);
	}
	if ((o_list && count) || (o_nolist && !count))
		outf("%s\n", name);
}

static void grep_path(const char *path, int top)
{
	struct statx st;
	int fd;
	if (strcmp(path, "-") && xstat(path, !top, &st) == 0 && (st.stx_mode & 0170000) == 0040000) {
		char buf[4096];
		if (!o_recursive) {
			if (!o_silent) errf("%s: Is a directory\n", path);
			return;
		}
		fd = b_open(path, 0x10000, 0);
		if (fd < 0) { err_sys(path, fd); status = 2; return; }
		for (;;) {
			int n = b_getdents(fd, buf, sizeof(buf)), off;
			if (n <= 0) break;
			for (off = 0; off < n;) {
				unsigned short reclen = *(unsigned short *)(buf + off + 16);
				const char *name = buf + off + 19;
				off += reclen;
				if (!strcmp(name, ".") || !strcmp(name, ".."))
					continue;
				{
					int pl = strlen(path);
					char *child = xalloc(pl + strlen(name) + 2);
					snfmt(child, pl + strlen(name) + 2, "%s%s%s", path,
					      pl && path[pl - 1] == '/' ? "" : "/", name);
					grep_path(child, 0);
				}
			}
		}
		close(fd);
		return;
	}
	if (!top && xstat(path, 1, &st) == 0 && (st.stx_mode & 0170000) != 0100000)
		return;   /* -r skips devices, fifos and symlinks it meets below the top */
	fd = open_in(path);
	if (fd < 0) {
		if (!o_silent) err_sys(path, fd);
		status = 2;
		return;
	}
	grep_fd(fd, !strcmp(path, "-") ? "(standard input)" : path);
	if (fd > 0) close(fd);
}

int app_grep(int argc, char **argv)
{
	const char *exprs[32], *err;
	int nexpr = 0, c, extended = 0, icase = 0, force_names = -1, i;
	for (i = 1; i < argc; i++) {   /* the long options people use */
		if (!strcmp(argv[i], "--color=never") || !strcmp(argv[i], "--color=auto") || !strcmp(argv[i], "--colour=auto"))
			argv[i] = "-I";
		else if (!strcmp(argv[i], "--count")) argv[i] = "-c";
		else if (!strcmp(argv[i], "--invert-match")) argv[i] = "-v";
		else if (!strcmp(argv[i], "--ignore-case")) argv[i] = "-i";
	}
	if (!strcmp(applet, "egrep")) extended = 1;
	while ((c = opt_next(argc, argv, "EFGiIyvcnolLqswxhHrRe:m:")) != -1) {
		switch (c) {
		case 'E': extended = 1; o_fixed = 0; break;
		case 'F': o_fixed = 1; break;
		case 'G': extended = 0; o_fixed = 0; break;
		case 'i': case 'y': icase = 1; break;
		case 'I': break;
		case 'v': o_invert = 1; break;
		case 'c': o_count = 1; break;
		case 'n': o_number = 1; break;
		case 'o': o_only = 1; break;
		case 'l': o_list = 1; break;
		case 'L': o_nolist = 1; break;
		case 'q': o_quiet = 1; break;
		case 's': o_silent = 1; break;
		case 'w': o_word = 1; break;
		case 'x': o_whole = 1; break;
		case 'h': force_names = 0; break;
		case 'H': force_names = 1; break;
		case 'r': case 'R': o_recursive = 1; break;
		case 'm': o_max = atoi(opt_arg); break;
		case 'e': if (nexpr < 32) exprs[nexpr++] = opt_arg; break;
		default:
			errf("usage: grep [-EFivcnolLqswxhHr] [-e PATTERN] [-m NUM] PATTERN [FILE...]\n");
			return 2;
		}
	}
	if (!nexpr) {
		if (opt_ind >= argc) {
			errf("usage: grep [OPTION]... PATTERNS [FILE]...\n");
			return 2;
		}
		exprs[nexpr++] = argv[opt_ind++];
	}
	/* a pattern with newlines is several patterns */
	for (i = 0; i < nexpr; i++) {
		const char *p = exprs[i];
		for (;;) {
			const char *nl = strchr(p, '\n');
			char *one = nl ? xstrndup(p, nl - p) : (char *)p;
			if (npats < 32) {
				if (re_compile(&pats[npats], o_fixed ? escape_fixed(one) : one, o_fixed ? 0 : extended, icase, &err)) {
					errf("%s\n", err);
					return 2;
				}
				npats++;
			}
			if (!nl) break;
			p = nl + 1;
		}
	}
	if (opt_ind == argc)
		argv[--opt_ind] = o_recursive ? "." : "-";
	o_names = force_names >= 0 ? force_names : (argc - opt_ind > 1 || o_recursive);
	for (; opt_ind < argc; opt_ind++)
		grep_path(argv[opt_ind], 1);
	if (o_quiet && status == 2)
		return 2;
	return status;
}
