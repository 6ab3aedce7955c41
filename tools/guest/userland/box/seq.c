/* seq [-s SEP] [-w] [FIRST [INCREMENT]] LAST: integers or decimals (printed
 * with the most decimals any argument has, as coreutils does), exact in
 * fixed point. */
#include "box.h"

static int parse_fixed(const char *s, s64 *v, int *decimals)
{
	int neg = 0, d = 0, any = 0;
	s64 x = 0;
	if (*s == '-' || *s == '+') neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++, any = 1) x = x * 10 + *s - '0';
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, any = 1, d++) x = x * 10 + *s - '0';
	if (*s || !any) return -1;
	*v = neg ? -x : x;
	*decimals = d;
	return 0;
}

static int fmt_fixed(char *buf, s64 x, int decimals)
{
	s64 a = x < 0 ? -x : x, div = 1;
	int d;
	for (d = 0; d < decimals; d++) div *= 10;
	if (decimals)
		return snfmt(buf, 48, "%s%lld.%0*lld", x < 0 ? "-" : "", a / div, decimals, a % div);
	return snfmt(buf, 48, "%lld", x);
}

int app_seq(int argc, char **argv)
{
	const char *sep = "\n";
	int i = 1, equal = 0, n = 0, dec[3], maxd = 0, k, width = 0;
	s64 v[3], scale[3], first, inc = 1, last, x;
	char buf[48];
	while (i < argc && argv[i][0] == '-' && !(argv[i][1] >= '0' && argv[i][1] <= '9') && argv[i][1] != '.') {
		if (!strcmp(argv[i], "-s") && i + 1 < argc) { sep = argv[i + 1]; i += 2; }
		else if (!strncmp(argv[i], "-s", 2)) { sep = argv[i] + 2; i++; }
		else if (!strcmp(argv[i], "-w") || !strcmp(argv[i], "--equal-width")) { equal = 1; i++; }
		else if (!strcmp(argv[i], "--")) { i++; break; }
		else { errf("invalid option -- '%s'\n", argv[i] + 1); return 1; }
	}
	for (; i < argc && n < 3; i++, n++)
		if (parse_fixed(argv[i], &v[n], &dec[n])) {
			errf("invalid floating point argument: '%s'\n", argv[i]);
			return 1;
		}
	if (n == 0 || i < argc) {
		errf(n ? "extra operand '%s'\n" : "missing operand\n", argv[i]);
		return 1;
	}
	for (k = 0; k < n; k++) if (dec[k] > maxd) maxd = dec[k];
	for (k = 0; k < n; k++) {
		int d;
		scale[k] = v[k];
		for (d = dec[k]; d < maxd; d++) scale[k] *= 10;
	}
	{
		s64 one = 1;
		for (k = 0; k < maxd; k++) one *= 10;
		if (n == 1) { first = one; last = scale[0]; }
		else if (n == 2) { first = scale[0]; last = scale[1]; inc = one; }
		else { first = scale[0]; inc = scale[1]; last = scale[2]; }
		if (n < 3) inc = one;
		if (n == 1) first = one;
	}
	if (inc == 0) {
		errf("invalid Zero increment value: '%s'\n", argv[i - 2]);
		return 1;
	}
	if (equal)   /* coreutils -w: as wide as the widest of first and last */
		for (k = 0; k < 2; k++) {
			int w = fmt_fixed(buf, k ? last : first, maxd);
			if (w > width) width = w;
		}
	for (x = first, k = 0; inc > 0 ? x <= last : x >= last; x += inc, k++) {
		int len = fmt_fixed(buf, x, maxd), padn = width - len;
		if (k) out_s(sep);
		if (padn > 0 && x < 0) {
			out_c('-');
			while (padn-- > 0) out_c('0');
			out_s(buf + 1);
		} else {
			while (padn-- > 0) out_c('0');
			out_s(buf);
		}
	}
	if (k) out_c('\n');
	return 0;
}
