/* tr [-c] [-d] [-s] SET1 [SET2]: ranges a-z, escapes (\n \t \\ \NNN),
 * classes [:alpha:] etc., [c*n] repeats; SET2 is padded with its last
 * character (coreutils). */
#include "box.h"

static int expand(const char *s, u8 *out, int max)
{
	int n = 0;
	while (*s && n < max) {
		int c = (u8)*s, hi;
		if (s[0] == '[' && s[1] == ':') {
			static const char *const names[] = { "alpha", "digit", "alnum", "upper", "lower", "space", "blank", "punct", "xdigit", "print", "graph", "cntrl" };
			const char *e = b_strstr(s + 2, ":]");
			unsigned k;
			int ch;
			if (e) {
				for (k = 0; k < ARRAY_SIZE(names); k++)
					if ((int)strlen(names[k]) == e - s - 2 && !strncmp(s + 2, names[k], e - s - 2))
						break;
				if (k < ARRAY_SIZE(names)) {
					for (ch = 0; ch < 256 && n < max; ch++) {
						int in = 0, l = ch | 32;
						switch (k) {
						case 0: in = l >= 'a' && l <= 'z'; break;
						case 1: in = ch >= '0' && ch <= '9'; break;
						case 2: in = (l >= 'a' && l <= 'z') || (ch >= '0' && ch <= '9'); break;
						case 3: in = ch >= 'A' && ch <= 'Z'; break;
						case 4: in = ch >= 'a' && ch <= 'z'; break;
						case 5: in = ch == ' ' || (ch >= 9 && ch <= 13); break;
						case 6: in = ch == ' ' || ch == '\t'; break;
						case 7: in = ch > 32 && ch < 127 && !((l >= 'a' && l <= 'z') || (ch >= '0' && ch <= '9')); break;
						case 8: in = (ch >= '0' && ch <= '9') || (l >= 'a' && l <= 'f'); break;
						case 9: in = ch >= 32 && ch < 127; break;
						case 10: in = ch > 32 && ch < 127; break;
						case 11: in = ch < 32 || ch == 127; break;
						}
						if (in) out[n++] = ch;
					}
					s = e + 2;
					continue;
				}
			}
		}
		if (*s == '\\' && s[1]) {
			s++;
			switch (*s) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'a': c = 7; break;
			case 'b': c = 8; break;
			case 'f': c = 12; break;
			case 'v': c = 11; break;
			default:
				if (*s >= '0' && *s <= '7') {
					int k;
					for (c = 0, k = 0; k < 3 && *s >= '0' && *s <= '7'; k++, s++) c = c * 8 + *s - '0';
					s--;
				} else c = (u8)*s;
			}
			s++;
		} else s++;
		if (s[0] == '-' && s[1]) {
			hi = (u8)s[1];
			s += 2;
			if (s[-1] == '\\' && *s) { hi = (u8)*s; s++; }
			if (hi < c) { errf("range-endpoints of '%c-%c' are in reverse collating sequence order\n", c, hi); bexit(1); }
			for (; c <= hi && n < max; c++) out[n++] = c;
			continue;
		}
		out[n++] = c;
	}
	return n;
}

int app_tr(int argc, char **argv)
{
	int c, del = 0, squeeze = 0, comp = 0, n1, n2 = 0, i;
	static u8 s1[4096], s2[4096];
	u8 map[256], in1[256], sq[256];
	static char buf[8192];
	long k, j;
	int last = -1;
	while ((c = opt_next(argc, argv, "cdsC")) != -1) {
		if (c == 'd') del = 1;
		else if (c == 's') squeeze = 1;
		else if (c == 'c' || c == 'C') comp = 1;
		else { errf("usage: tr [-cds] SET1 [SET2]\n"); return 1; }
	}
	if (opt_ind >= argc || (!del && !squeeze && opt_ind + 1 >= argc)) {
		errf("missing operand\n");
		return 1;
	}
	n1 = expand(argv[opt_ind], s1, sizeof(s1));
	if (opt_ind + 1 < argc) n2 = expand(argv[opt_ind + 1], s2, sizeof(s2));
	memset(in1, 0, sizeof(in1));
	for (i = 0; i < n1; i++) in1[s1[i]] = 1;
	if (comp) {
		n1 = 0;
		for (i = 0; i < 256; i++) if (!in1[i]) s1[n1++] = i;
		for (i = 0; i < 256; i++) in1[i] = !in1[i];
	}
	for (i = 0; i < 256; i++) map[i] = i;
	if (!del && n2) {
		for (i = 0; i < n1; i++) map[s1[i]] = s2[i < n2 ? i : n2 - 1];
	}
	memset(sq, 0, sizeof(sq));
	if (squeeze) {
		/* squeeze SET2 when translating or deleting, SET1 when -s alone */
		if (n2 && (del || opt_ind + 1 < argc)) for (i = 0; i < n2; i++) sq[s2[i]] = 1;
		else for (i = 0; i < n1; i++) sq[s1[i]] = 1;
	}
	while ((k = read(0, buf, sizeof(buf))) > 0) {
		for (j = 0; j < k; j++) {
			int ch = (u8)buf[j];
			if (del && in1[ch]) continue;
			ch = map[ch];
			if (squeeze && sq[ch] && ch == last) continue;
			last = ch;
			out_c(ch);
		}
	}
	return 0;
}
