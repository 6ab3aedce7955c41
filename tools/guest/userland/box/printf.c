/* echo and printf (coreutils behaviour; no floating-point conversions). */
#include "box.h"

/* One backslash escape at *p (after the backslash); appends to out. Returns
 * 1 for \c (stop all output). in_b: %b's rules (\0NNN octal). */
static int escape(const char **pp, char *out, int *n, int in_b)
{
	const char *p = *pp;
	int v = 0, k;
	switch (*p) {
	case 'a': out[(*n)++] = 7; break;
	case 'b': out[(*n)++] = 8; break;
	case 'e': out[(*n)++] = 27; break;
	case 'f': out[(*n)++] = 12; break;
	case 'n': out[(*n)++] = '\n'; break;
	case 'r': out[(*n)++] = '\r'; break;
	case 't': out[(*n)++] = '\t'; break;
	case 'v': out[(*n)++] = 11; break;
	case '\\': out[(*n)++] = '\\'; break;
	case 'c': *pp = p + 1; return 1;
	case 'x':
		for (k = 0, p++; k < 2 && ((*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'f')); k++, p++)
			v = v * 16 + (*p <= '9' ? *p - '0' : (*p | 32) - 'a' + 10);
		if (!k) { out[(*n)++] = '\\'; out[(*n)++] = 'x'; *pp = p; return 0; }
		out[(*n)++] = (char)v;
		*pp = p;
		return 0;
	case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		if (in_b && *p == '0') p++;
		for (k = 0; k < 3 && *p >= '0' && *p <= '7'; k++, p++)
			v = v * 8 + *p - '0';
		out[(*n)++] = (char)v;
		*pp = p;
		return 0;
	default:
		out[(*n)++] = '\\';
		if (!*p) { *pp = p; return 0; }
		out[(*n)++] = *p;
		break;
	}
	*pp = p + 1;
	return 0;
}

/* Expand escapes of s into a fresh buffer; *stop set on \c. */
static char *unescape(const char *s, int *len, int *stop, int in_b)
{
	char *out = xalloc(strlen(s) * 2 + 2);
	int n = 0;
	*stop = 0;
	while (*s) {
		if (*s == '\\') {
			s++;
			if (escape(&s, out, &n, in_b)) { *stop = 1; break; }
		} else
			out[n++] = *s++;
	}
	out[n] = 0;
	*len = n;
	return out;
}

/* echo [-neE] [STRING...] */
int app_echo(int argc, char **argv)
{
	int i = 1, nl = 1, esc = 0, j;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (j = 1; argv[i][j] && strchr("neE", argv[i][j]); j++)
			;
		if (argv[i][j])
			break;   /* not an option word: print it */
		for (j = 1; argv[i][j]; j++) {
			if (argv[i][j] == 'n') nl = 0;
			else if (argv[i][j] == 'e') esc = 1;
			else esc = 0;
		}
	}
	for (; i < argc; i++) {
		if (esc) {
			int len, stop;
			char *s = unescape(argv[i], &len, &stop, 1);
			out_m(s, len);
			if (stop) return 0;
		} else
			out_s(argv[i]);
		if (i + 1 < argc) out_c(' ');
	}
	if (nl) out_c('\n');
	return 0;
}

static int rc;

static s64 num_arg(const char *s)
{
	s64 v = 0;
	const char *p = s;
	int neg = 0;
	if (*s == '\'' || *s == '"')   /* 'c -> the character's code */
		return (u8)s[1];
	p = skip_ws(p);
	if (*p == '-' || *p == '+') neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (p += 2; (*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'f'); p++)
			v = v * 16 + (*p <= '9' ? *p - '0' : (*p | 32) - 'a' + 10);
	} else if (p[0] == '0') {
		for (; *p >= '0' && *p <= '7'; p++) v = v * 8 + *p - '0';
	} else
		for (; *p >= '0' && *p <= '9'; p++) v = v * 10 + *p - '0';
	if (*p || p == s) {
		errf("%s: %s\n", s, p == s ? "expected a numeric value" : "value not completely converted");
		rc = 1;
	}
	return neg ? -v : v;
}

/* printf FORMAT [ARG...]: %s %b %c %d %i %u %o %x %X %% with flags, width and precision */
int app_printf(int argc, char **argv)
{
	const char *fmt;
	int ai = 2;
	if (argc < 2) {
		errf("missing operand\n");
		return 1;
	}
	fmt = argv[1];
	if (!strcmp(fmt, "--") && argc > 2) { fmt = argv[2]; ai = 3; }
	do {
		const char *p = fmt;
		int used = ai;
		while (*p) {
			char spec[48];
			int sn = 0;
			if (*p == '\\') {
				char b[8];
				int n = 0;
				p++;
				if (escape(&p, b, &n, 0)) return rc;
				out_m(b, n);
				continue;
			}
			if (*p != '%') { out_c(*p++); continue; }
			if (p[1] == '%') { out_c('%'); p += 2; continue; }
			spec[sn++] = *p++;
			while (*p && strchr("-+ #0", *p) && sn < 40) spec[sn++] = *p++;
			if (*p == '*') { sn += snfmt(spec + sn, 12, "%d", ai < argc ? (int)num_arg(argv[ai++]) : 0); p++; }
			else while (*p >= '0' && *p <= '9' && sn < 40) spec[sn++] = *p++;
			if (*p == '.') {
				spec[sn++] = *p++;
				if (*p == '*') { sn += snfmt(spec + sn, 12, "%d", ai < argc ? (int)num_arg(argv[ai++]) : 0); p++; }
				else while (*p >= '0' && *p <= '9' && sn < 40) spec[sn++] = *p++;
			}
			while (*p == 'l' || *p == 'h' || *p == 'z' || *p == 'j' || *p == 't') p++;
			{
				const char *arg = ai < argc ? argv[ai++] : 0;
				char conv = *p++;
				switch (conv) {
				case 's': case 'c':
					spec[sn++] = 's';
					spec[sn] = 0;
					if (conv == 'c') {   /* the first character of the argument */
						char one[2] = { arg ? arg[0] : 0, 0 };
						outf(spec, one);
					} else
						outf(spec, arg ? arg : "");
					break;
				case 'b': {
					int len, stop;
					char *s = unescape(arg ? arg : "", &len, &stop, 1);
					spec[sn++] = 's';
					spec[sn] = 0;
					outf(spec, s);
					if (stop) return rc;
					break;
				}
				case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
					spec[sn++] = 'l';
					spec[sn++] = 'l';
					spec[sn++] = conv == 'i' ? 'd' : conv;
					spec[sn] = 0;
					outf(spec, arg ? num_arg(arg) : 0LL);
					break;
				default:
					errf("%%%c: invalid conversion specification\n", conv ? conv : ' ');
					return 1;
				}
			}
		}
		if (ai == used)
			break;   /* the format consumed no argument: do not loop forever */
	} while (ai < argc);
	return rc;
}
