/* VirtLab guest shell: $((...)) arithmetic (XCU 2.6.4), signed long, with
 * the C operators a one-liner needs: + - * / % ( ) comparisons, ! && ||,
 * unary minus, and bare variable names. */

static const char *ar_p;
static int ar_err;

static long ar_or(void);

static void ar_skip(void) { while (*ar_p == ' ' || *ar_p == '\t' || *ar_p == '\n') ar_p++; }

static long ar_primary(void)
{
	long v = 0;
	ar_skip();
	if (*ar_p == '(') {
		ar_p++;
		v = ar_or();
		ar_skip();
		if (*ar_p == ')') ar_p++;
		else ar_err = 1;
		return v;
	}
	if (*ar_p == '-') { ar_p++; return -ar_primary(); }
	if (*ar_p == '+') { ar_p++; return ar_primary(); }
	if (*ar_p == '!') { ar_p++; return !ar_primary(); }
	if (*ar_p == '~') { ar_p++; return ~ar_primary(); }
	if (*ar_p >= '0' && *ar_p <= '9') {
		int base = 10;
		if (*ar_p == '0' && (ar_p[1] | 32) == 'x') { base = 16; ar_p += 2; }
		else if (*ar_p == '0') base = 8;
		for (;; ar_p++) {
			int d = *ar_p >= '0' && *ar_p <= '9' ? *ar_p - '0'
				: (*ar_p | 32) >= 'a' && (*ar_p | 32) <= 'f' ? (*ar_p | 32) - 'a' + 10 : 99;
			if (d >= base) break;
			v = v * base + d;
		}
		return v;
	}
	if (sh_is_name(ar_p, 1)) {
		char name[64];
		int n = 1;
		const char *val;
		while (sh_is_name(ar_p, n + 1) && n < 63) n++;
		memcpy(name, ar_p, n);
		name[n] = 0;
		ar_p += n;
		val = var_get(name);
		return val ? atol(val) : 0;
	}
	ar_err = 1;
	return 0;
}

static long ar_mul(void)
{
	long v = ar_primary(), r;
	for (;;) {
		ar_skip();
		if ((*ar_p == '*' || *ar_p == '/' || *ar_p == '%') && ar_p[1] != '=') {
			char op = *ar_p++;
			r = ar_primary();
			if (op != '*' && r == 0) { ar_err = 2; return 0; }
			v = op == '*' ? v * r : op == '/' ? v / r : v % r;
		} else
			return v;
	}
}

static long ar_add(void)
{
	long v = ar_mul();
	for (;;) {
		ar_skip();
		if (*ar_p == '+') { ar_p++; v += ar_mul(); }
		else if (*ar_p == '-') { ar_p++; v -= ar_mul(); }
		else return v;
	}
}

static long ar_cmp(void)
{
	long v = ar_add();
	for (;;) {
		ar_skip();
		if (ar_p[0] == '<' && ar_p[1] == '=') { ar_p += 2; v = v <= ar_add(); }
		else if (ar_p[0] == '>' && ar_p[1] == '=') { ar_p += 2; v = v >= ar_add(); }
		else if (ar_p[0] == '<' && ar_p[1] != '<') { ar_p++; v = v < ar_add(); }
		else if (ar_p[0] == '>' && ar_p[1] != '>') { ar_p++; v = v > ar_add(); }
		else if (ar_p[0] == '=' && ar_p[1] == '=') { ar_p += 2; v = v == ar_add(); }
		else if (ar_p[0] == '!' && ar_p[1] == '=') { ar_p += 2; v = v != ar_add(); }
		else return v;
	}
}

static long ar_and(void)
{
	long v = ar_cmp();
	for (;;) {
		ar_skip();
		if (ar_p[0] == '&' && ar_p[1] == '&') { long r; ar_p += 2; r = ar_cmp(); v = v && r; }
		else return v;
	}
}

static long ar_or(void)
{
	long v = ar_and();
	for (;;) {
		ar_skip();
		if (ar_p[0] == '|' && ar_p[1] == '|') { long r; ar_p += 2; r = ar_and(); v = v || r; }
		else return v;
	}
}

/* Returns 0, or -1 after printing an error. */
static int arith_eval(const char *expr, long *result)
{
	ar_p = expr;
	ar_err = 0;
	*result = ar_or();
	ar_skip();
	if (ar_err || *ar_p) {
		sh_error("arithmetic: %s: %s", expr, ar_err == 2 ? "division by zero" : "syntax error");
		*result = 0;
		return -1;
	}
	return 0;
}
