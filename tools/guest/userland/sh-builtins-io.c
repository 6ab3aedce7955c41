/* VirtLab guest shell: printf, read, test/[ and kill. */

/* Prints s with backslash escapes (echo -e, printf %b and formats).
 * Returns 1 if \c asked to stop all output. */
static int print_escaped(const char *s, int octal0)
{
	for (; *s; s++) {
		int v, k;
		if (*s != '\\' || !s[1]) { out_char(*s); continue; }
		switch (*++s) {
		case 'n': out_char('\n'); break;
		case 't': out_char('\t'); break;
		case 'r': out_char('\r'); break;
		case 'a': out_char(7); break;
		case 'b': out_char(8); break;
		case 'e': out_char(27); break;
		case 'f': out_char(12); break;
		case 'v': out_char(11); break;
		case '\\': out_char('\\'); break;
		case 'c': return 1;
		case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
			/* \0NNN (echo -e, %b) or \NNN (printf formats) */
			if (octal0 && *s != '0') { out_char('\\'); out_char(*s); break; }
			if (octal0) s++;
			for (v = 0, k = 0; k < 3 && *s >= '0' && *s <= '7'; k++, s++)
				v = v * 8 + *s - '0';
			s--;
			out_char((char)v);
			break;
		default: out_char('\\'); out_char(*s);
		}
	}
	return 0;
}

static long num_arg(const char *s, int *bad)
{
	const char *p = s;
	long v = 0;
	int neg = 0;
	while (*p == ' ') p++;
	if (*p == '\'' || *p == '"') return (unsigned char)p[1];   /* 'c: the character's code */
	if (*p == '-' || *p == '+') neg = *p++ == '-';
	if (!(*p >= '0' && *p <= '9')) { if (*s) *bad = 1; return 0; }
	while (*p >= '0' && *p <= '9') v = v * 10 + *p++ - '0';
	if (*p) *bad = 1;
	return neg ? -v : v;
}

static void pad(int n, char c) { while (n-- > 0) out_char(c); }

static int b_printf(int argc, char **argv)
{
	const char *f;
	int ai = 2, bad = 0;
	if (argc < 2) {
		sh_error("printf: usage: printf FORMAT [ARGS...]");
		return 2;
	}
	do {
		for (f = argv[1]; *f; f++) {
			int left = 0, zero = 0, width = 0, prec = -1, len;
			const char *arg;
			char num[40];
			if (*f == '\\') {
				char esc[5] = { 0 };
				int k = 0;
				esc[k++] = *f++;
				if (*f >= '0' && *f <= '7') {
					while (k < 4 && *f >= '0' && *f <= '7') esc[k++] = *f++;
				} else if (*f)
					esc[k++] = *f++;
				f--;
				if (print_escaped(esc, 0)) { out_flush(); return 0; }
				continue;
			}
			if (*f != '%') { out_char(*f); continue; }
			f++;
			if (*f == '%') { out_char('%'); continue; }
			for (;; f++) {
				if (*f == '-') left = 1;
				else if (*f == '0') zero = 1;
				else if (*f != ' ' && *f != '+' && *f != '#') break;
			}
			while (*f >= '0' && *f <= '9') width = width * 10 + *f++ - '0';
			if (*f == '.') { prec = 0; f++; while (*f >= '0' && *f <= '9') prec = prec * 10 + *f++ - '0'; }
			while (*f == 'l' || *f == 'h') f++;
			arg = ai < argc ? argv[ai++] : 0;
			switch (*f) {
			case 's': case 'b': case 'c':
				if (!arg) arg = "";
				if (*f == 'b') { if (print_escaped(arg, 1)) { out_flush(); return 0; } break; }
				len = strlen(arg);
				if (*f == 'c' && len > 1) len = 1;
				if (prec >= 0 && len > prec) len = prec;
				if (!left) pad(width - len, ' ');
				out_mem(arg, len);
				if (left) pad(width - len, ' ');
				break;
			case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': {
				long v = arg ? num_arg(arg, &bad) : 0;
				unsigned long u = (*f == 'd' || *f == 'i') && v < 0 ? -(unsigned long)v : (unsigned long)v;
				int base = *f == 'o' ? 8 : (*f == 'x' || *f == 'X') ? 16 : 10, n = 0, neg = (*f == 'd' || *f == 'i') && v < 0;
				if (bad && arg) { sh_error("printf: %s: invalid number", arg); bad = 2; }
				do { int d = u % base; num[n++] = d < 10 ? '0' + d : (*f == 'X' ? 'A' : 'a') + d - 10; u /= base; } while (u);
				len = n + neg;
				if (neg && zero) out_char('-');
				if (!left) pad(width - len, zero ? '0' : ' ');
				if (neg && !zero) out_char('-');
				while (n) out_char(num[--n]);
				if (left) pad(width - len, ' ');
				break;
			}
			case 0: f--; break;
			default: out_char('%'); out_char(*f); break;
			}
		}
	} while (ai < argc && ai > 2);
	out_flush();
	return bad ? 1 : 0;
}

/* read [-r] [-p PROMPT] NAME...: one line from stdin, a byte at a time so
 * nothing after the newline is consumed; split like fields (last NAME
 * gets the rest). Ctrl-C interrupts it. */
static int b_read(int argc, char **argv)
{
	struct sbuf line = { 0 }, quoted = { 0 };
	int i = 1, raw = 0, n, eof = 0, k;
	char c;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "-r")) raw = 1;
		else if (!strcmp(argv[i], "-p") && i + 1 < argc) { epr("%s", argv[++i]); }
		else if (!strcmp(argv[i], "--")) { i++; break; }
		else { sh_error("read: %s: invalid option", argv[i]); return 2; }
	}
	got_sigint = 0;
	for (;;) {
		n = read(0, &c, 1);
		if (n < 0 && errno == EINTR) {
			if (got_sigint) return 130;
			continue;
		}
		if (n <= 0) { eof = 1; break; }
		if (c == '\n') break;
		if (c == '\\' && !raw) {
			n = read(0, &c, 1);
			if (n <= 0) { eof = 1; break; }
			if (c == '\n') continue;
			sb_putc(&line, c);
			sb_putc(&quoted, '1');
			continue;
		}
		sb_putc(&line, c);
		sb_putc(&quoted, '0');
	}
	sb_str(&line);
	sb_str(&quoted);
	if (i >= argc) {
		var_set("REPLY", line.s, 0);
		return eof && !line.len;
	}
	k = 0;
	for (; i < argc; i++) {
		int start, end;
		while (k < line.len && quoted.s[k] == '0' && is_ifs(line.s[k])) k++;
		start = k;
		if (i == argc - 1) {
			end = line.len;
			while (end > start && quoted.s[end - 1] == '0' && is_ifs(line.s[end - 1])) end--;
		} else {
			while (k < line.len && !(quoted.s[k] == '0' && is_ifs(line.s[k]))) k++;
			end = k;
		}
		if (!sh_is_name(argv[i], strlen(argv[i]))) {
			sh_error("read: %s: bad variable name", argv[i]);
			return 2;
		}
		var_set(argv[i], arena_strndup(line.s + start, end - start), 0);
	}
	return eof && !line.len;
}

/* ---- test / [ (XCU test): unary file and string tests, binary string
 * and integer comparisons, !, -a, -o and parentheses. */
static char **t_argv;
static int t_argc, t_pos, t_err;

static int t_or(void);

static int t_file(char op, const char *path)
{
	struct statx st;
	int mode;
	if (op == 'L' || op == 'h')
		return vstatx(path, 1, &st) == 0 && (st.stx_mode & S_IFMT) == S_IFLNK;
	if (op == 'r' || op == 'w' || op == 'x')
		return vaccess(path, op == 'r' ? 4 : op == 'w' ? 2 : 1) == 0;
	if (vstatx(path, 0, &st) < 0)
		return 0;
	mode = st.stx_mode & S_IFMT;
	switch (op) {
	case 'e': return 1;
	case 'f': return mode == S_IFREG;
	case 'd': return mode == S_IFDIR;
	case 'c': return mode == S_IFCHR;
	case 'b': return mode == S_IFBLK;
	case 'p': return mode == S_IFIFO;
	case 'S': return mode == S_IFSOCK;
	case 's': return st.stx_size > 0;
	}
	return 0;
}

static int t_unary_op(const char *s)
{
	return s && s[0] == '-' && s[1] && !s[2] && strchr("efdcbpSsLhrwxnzt", s[1]);
}

static int t_binary_op(const char *s)
{
	static const char *const ops[] = { "=", "==", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "<", ">", 0 };
	int i;
	if (!s) return 0;
	for (i = 0; ops[i]; i++)
		if (!strcmp(s, ops[i])) return 1;
	return 0;
}

static int t_primary(void)
{
	const char *a = t_pos < t_argc ? t_argv[t_pos] : 0;
	if (!a) { t_err = 1; return 0; }
	if (!strcmp(a, "!") && t_pos + 1 < t_argc) { t_pos++; return !t_primary(); }
	if (!strcmp(a, "(") && t_pos + 2 < t_argc && !t_binary_op(t_argv[t_pos + 1])) {
		int v;
		t_pos++;
		v = t_or();
		if (t_pos < t_argc && !strcmp(t_argv[t_pos], ")")) t_pos++;
		else t_err = 1;
		return v;
	}
	if (t_pos + 2 < t_argc + 0 && t_binary_op(t_argv[t_pos + 1])) {
		const char *op = t_argv[t_pos + 1], *b = t_argv[t_pos + 2];
		t_pos += 3;
		if (!strcmp(op, "=") || !strcmp(op, "==")) return !strcmp(a, b);
		if (!strcmp(op, "!=")) return strcmp(a, b) != 0;
		if (!strcmp(op, "<")) return strcmp(a, b) < 0;
		if (!strcmp(op, ">")) return strcmp(a, b) > 0;
		{
			int bad = 0;
			long x = num_arg(a, &bad), y = num_arg(b, &bad);
			if (bad) { sh_error("test: integer expression expected"); t_err = 2; return 0; }
			if (!strcmp(op, "-eq")) return x == y;
			if (!strcmp(op, "-ne")) return x != y;
			if (!strcmp(op, "-lt")) return x < y;
			if (!strcmp(op, "-le")) return x <= y;
			if (!strcmp(op, "-gt")) return x > y;
			return x >= y;
		}
	}
	if (t_unary_op(a) && t_pos + 1 < t_argc) {
		const char *b = t_argv[t_pos + 1];
		t_pos += 2;
		if (a[1] == 'n') return *b != 0;
		if (a[1] == 'z') return *b == 0;
		if (a[1] == 't') return tty_get(atoi(b), &(struct termios){ 0 }) == 0;
		return t_file(a[1], b);
	}
	t_pos++;
	return *a != 0;   /* one string: true if not empty */
}

static int t_and(void)
{
	int v = t_primary();
	while (t_pos < t_argc && !strcmp(t_argv[t_pos], "-a")) {
		int r;
		t_pos++;
		r = t_primary();
		v = v && r;
	}
	return v;
}

static int t_or(void)
{
	int v = t_and();
	while (t_pos < t_argc && !strcmp(t_argv[t_pos], "-o")) {
		int r;
		t_pos++;
		r = t_and();
		v = v || r;
	}
	return v;
}

static int b_test(int argc, char **argv)
{
	int v;
	if (argv[0][0] == '[') {
		if (strcmp(argv[argc - 1], "]")) {
			sh_error("[: missing ]");
			return 2;
		}
		argc--;
	}
	t_argv = argv + 1;
	t_argc = argc - 1;
	t_pos = 0;
	t_err = 0;
	if (t_argc == 0)
		return 1;
	v = t_or();
	if (t_err || t_pos != t_argc) {
		if (t_err != 2) sh_error("%s: syntax error", argv[0]);
		return 2;
	}
	return !v;
}

/* ---- kill */
static const struct { const char *name; int num; } signames[] = {
	{ "HUP", 1 }, { "INT", 2 }, { "QUIT", 3 }, { "ILL", 4 }, { "TRAP", 5 }, { "ABRT", 6 },
	{ "BUS", 7 }, { "FPE", 8 }, { "KILL", 9 }, { "USR1", 10 }, { "SEGV", 11 },
	{ "USR2", 12 }, { "PIPE", 13 }, { "ALRM", 14 }, { "TERM", 15 }, { "CHLD", 17 },
	{ "CONT", 18 }, { "STOP", 19 }, { "TSTP", 20 }, { "TTIN", 21 }, { "TTOU", 22 }, { 0, 0 },
};

static int parse_signal(const char *s)
{
	int i;
	u64 v;
	if (*s >= '0' && *s <= '9')
		return parse_u64(s, &v)[0] || v > 64 ? -1 : (int)v;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (i = 0; signames[i].name; i++)
		if (!strcmp(s, signames[i].name))
			return signames[i].num;
	return -1;
}

static int b_kill(int argc, char **argv)
{
	int i = 1, sig = SIGTERM, rc = 0;
	if (argc > 1 && !strcmp(argv[1], "-l")) {
		for (i = 0; signames[i].name; i++)
			pr("%2d) SIG%s\n", signames[i].num, signames[i].name);
		return 0;
	}
	if (argc > 1 && argv[1][0] == '-' && !(argv[1][1] >= '0' && argv[1][1] <= '9' && argc == 2)) {
		const char *s = argv[1] + 1;
		if (*s == 's' && !s[1] && argc > 2) { s = argv[2]; i++; }
		sig = parse_signal(s);
		if (sig < 0) {
			sh_error("kill: %s: invalid signal", s);
			return 2;
		}
		i++;
	}
	if (i >= argc) {
		sh_error("usage: kill [-SIGNAL] PID|%%JOB...");
		return 2;
	}
	for (; i < argc; i++) {
		const char *a = argv[i];
		int neg = *a == '-', target;
		u64 v;
		if (*a == '%') {
			struct job *j = job_find(a);
			if (!j) { sh_error("kill: %s: no such job", a); rc = 1; continue; }
			target = -j->pgid;
			if (kill(target, sig) < 0) {
				sh_error("kill: (%s): %s", a, errstr(errno));
				rc = 1;
			} else if (job_state(j) == P_STOPPED && sig != SIGSTOP && sig != SIGTSTP)
				kill(target, SIGCONT);   /* a stopped job must run to act on it */
			continue;
		} else if (parse_u64(a + neg, &v)[0] || v == 0) {
			sh_error("kill: %s: invalid pid", a);
			rc = 1;
			continue;
		} else
			target = neg ? -(int)v : (int)v;
		if (kill(target, sig) < 0) {
			sh_error("kill: (%s): %s", a, errstr(errno));
			rc = 1;
		}
	}
	return rc;
}
