/* test EXPRESSION / [ EXPRESSION ]: POSIX test with -a -o ! ( ), file tests
 * -e -f -d -h -L -r -w -x -s -b -c -p -S -t, strings -z -n = != == < >,
 * integers -eq -ne -lt -le -gt -ge, -nt -ot. */
#include "box.h"

static char **av;
static int ac, pos, bad;

static int is_binop(const char *s)
{
	static const char *const ops[] = { "=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef" };
	unsigned i;
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if (!strcmp(s, ops[i])) return 1;
	return 0;
}

static int is_unop(const char *s)
{
	return s[0] == '-' && s[1] && !s[2] && strchr("efdhLrwxszbcpSntgukGO", s[1]);
}

static s64 integer(const char *s)
{
	s64 v;
	if (parse_int(skip_ws(s), &v)) {
		errf("%s: integer expression expected\n", s);
		bad = 1;
		return 0;
	}
	return v;
}

static int unary(char op, const char *arg)
{
	struct statx st;
	int t, r;
	if (op == 'z') return !*arg;
	if (op == 'n') return *arg != 0;
	if (op == 't') return isatty_fd(atoi(arg));
	r = xstat(arg, op == 'h' || op == 'L', &st);
	if (r) return 0;
	t = st.stx_mode & 0170000;
	switch (op) {
	case 'e': return 1;
	case 'f': return t == 0100000;
	case 'd': return t == 0040000;
	case 'h': case 'L': return t == 0120000;
	case 'b': return t == 0060000;
	case 'c': return t == 0020000;
	case 'p': return t == 0010000;
	case 'S': return t == 0140000;
	case 's': return st.stx_size > 0;
	case 'g': return (st.stx_mode & 02000) != 0;
	case 'u': return (st.stx_mode & 04000) != 0;
	case 'k': return (st.stx_mode & 01000) != 0;
	case 'r': return my_syscall3(__NR_faccessat, -100, arg, 4) == 0;
	case 'w': return my_syscall3(__NR_faccessat, -100, arg, 2) == 0;
	case 'x': return my_syscall3(__NR_faccessat, -100, arg, 1) == 0;
	case 'G': case 'O': return 1;
	}
	return 0;
}

static s64 mtime(const char *p, int *ok)
{
	struct statx st;
	*ok = xstat(p, 0, &st) == 0;
	return *ok ? st.stx_mtime.tv_sec * 1000000000LL + st.stx_mtime.tv_nsec : 0;
}

static int binary(const char *a, const char *op, const char *b)
{
	if (!strcmp(op, "=") || !strcmp(op, "==")) return !strcmp(a, b);
	if (!strcmp(op, "!=")) return strcmp(a, b) != 0;
	if (!strcmp(op, "<")) return strcmp(a, b) < 0;
	if (!strcmp(op, ">")) return strcmp(a, b) > 0;
	if (!strcmp(op, "-nt") || !strcmp(op, "-ot")) {
		int oa, ob;
		s64 ta = mtime(a, &oa), tb = mtime(b, &ob);
		if (op[1] == 'n') return oa && (!ob || ta > tb);
		return ob && (!oa || ta < tb);
	}
	if (!strcmp(op, "-ef")) {
		struct statx x, y;
		return !xstat(a, 0, &x) && !xstat(b, 0, &y) && x.stx_ino == y.stx_ino && x.stx_dev_minor == y.stx_dev_minor &&
		       x.stx_dev_major == y.stx_dev_major;
	}
	{
		s64 x = integer(a), y = integer(b);
		if (!strcmp(op, "-eq")) return x == y;
		if (!strcmp(op, "-ne")) return x != y;
		if (!strcmp(op, "-lt")) return x < y;
		if (!strcmp(op, "-le")) return x <= y;
		if (!strcmp(op, "-gt")) return x > y;
		return x >= y;
	}
}

static int expr_or(void);

static int primary(void)
{
	if (pos >= ac) { bad = 1; errf("argument expected\n"); return 0; }
	if (!strcmp(av[pos], "!")) { pos++; return !primary(); }
	if (!strcmp(av[pos], "(") && !(pos + 2 < ac && is_binop(av[pos + 1]) && strcmp(av[pos + 2], ")"))) {
		int v;
		pos++;
		v = expr_or();
		if (pos >= ac || strcmp(av[pos], ")")) { bad = 1; errf("')' expected\n"); return 0; }
		pos++;
		return v;
	}
	if (pos + 2 < ac && is_binop(av[pos + 1])) {
		int v = binary(av[pos], av[pos + 1], av[pos + 2]);
		pos += 3;
		return v;
	}
	if (is_unop(av[pos]) && pos + 1 < ac) {
		int v = unary(av[pos][1], av[pos + 1]);
		pos += 2;
		return v;
	}
	return av[pos++][0] != 0;
}

static int expr_and(void)
{
	int v = primary();
	while (pos < ac && !strcmp(av[pos], "-a")) {
		int w;
		pos++;
		w = primary();
		v = v && w;
	}
	return v;
}

static int expr_or(void)
{
	int v = expr_and();
	while (pos < ac && !strcmp(av[pos], "-o")) {
		int w;
		pos++;
		w = expr_and();
		v = v || w;
	}
	return v;
}

int app_test(int argc, char **argv)
{
	int v;
	if (!strcmp(applet, "[")) {
		if (strcmp(argv[argc - 1], "]")) {
			errf("missing ']'\n");
			return 2;
		}
		argc--;
	}
	av = argv + 1;
	ac = argc - 1;
	pos = 0;
	/* POSIX: the meaning of 1 to 4 arguments is fixed by their count */
	if (ac == 0) return 1;
	if (ac == 1) return av[0][0] == 0;
	if (ac == 2 && !strcmp(av[0], "!")) return av[1][0] != 0;
	if (ac == 2 && is_unop(av[0])) return !unary(av[0][1], av[1]);
	if (ac == 3 && is_binop(av[1])) { v = binary(av[0], av[1], av[2]); return bad ? 2 : !v; }
	v = expr_or();
	if (!bad && pos < ac) { errf("too many arguments\n"); return 2; }
	return bad ? 2 : !v;
}
