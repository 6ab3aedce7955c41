/* Formatted output for every applet: one buffered stdout, an unbuffered
 * stderr, and the number formats the tools share (fixed-point, human sizes).
 * No floating point: rv32imac has no FPU and the cross libgcc is rv64-only. */
#include "box.h"

const char *applet = "box";

static char obuf[4096];
static int olen, ofail;

void out_flush(void)
{
	if (olen && write_all(1, obuf, olen) < 0)
		ofail = 1;
	olen = 0;
}

int out_failed(void) { out_flush(); return ofail; }

void out_c(char c)
{
	if (olen == sizeof(obuf))
		out_flush();
	obuf[olen++] = c;
}

void out_m(const char *s, long n)
{
	if (n >= (long)sizeof(obuf)) {
		out_flush();
		if (write_all(1, s, n) < 0)
			ofail = 1;
		return;
	}
	while (n-- > 0)
		out_c(*s++);
}

void out_s(const char *s) { out_m(s, strlen(s)); }

/* A sink: stdout, or a bounded string for snfmt(). */
struct sink { char *buf; int size, len; };

static void put(struct sink *k, char c)
{
	if (!k) { out_c(c); return; }
	if (k->len + 1 < k->size)
		k->buf[k->len] = c;
	k->len++;
}

static void pad(struct sink *k, int n, char c) { while (n-- > 0) put(k, c); }

/* u64 to digits, most significant first; returns the count. */
static int digits(char *tmp, u64 v, int base, int upper)
{
	char rev[24];
	int n = 0, i;
	do {
		int d = (int)(v % base);
		rev[n++] = d < 10 ? '0' + d : (upper ? 'A' : 'a') + d - 10;
		v /= base;
	} while (v);
	for (i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

static void emit(struct sink *k, const char *body, int blen, const char *prefix,
		 int width, int left, int zero)
{
	int plen = strlen(prefix), total = plen + blen;
	if (!left && !zero)
		pad(k, width - total, ' ');
	while (*prefix)
		put(k, *prefix++);
	if (!left && zero)
		pad(k, width - total, '0');
	while (blen--)
		put(k, *body++);
	if (left)
		pad(k, width - total, ' ');
}

static void vfmt(struct sink *k, const char *f, va_list ap)
{
	for (; *f; f++) {
		int left = 0, zero = 0, plus = 0, space = 0, alt = 0, width = 0, prec = -1, lng = 0;
		char tmp[48], pre[4];
		const char *body;
		int blen, neg = 0;
		u64 v;

		if (*f != '%') { put(k, *f); continue; }
		for (f++;; f++) {
			if (*f == '-') left = 1;
			else if (*f == '0') zero = 1;
			else if (*f == '+') plus = 1;
			else if (*f == ' ') space = 1;
			else if (*f == '#') alt = 1;
			else break;
		}
		if (*f == '*') { width = va_arg(ap, int); if (width < 0) { left = 1; width = -width; } f++; }
		else while (*f >= '0' && *f <= '9') width = width * 10 + *f++ - '0';
		if (*f == '.') {
			f++;
			prec = 0;
			if (*f == '*') { prec = va_arg(ap, int); f++; }
			else while (*f >= '0' && *f <= '9') prec = prec * 10 + *f++ - '0';
		}
		while (*f == 'l' || *f == 'z' || *f == 'h') { if (*f == 'l') lng++; f++; }
		pre[0] = 0;
		switch (*f) {
		case 'd': case 'i': case 'P': {
			s64 sv = lng > 1 ? va_arg(ap, s64) : va_arg(ap, long);
			neg = sv < 0;
			v = neg ? -(u64)sv : (u64)sv;
			strcpy(pre, neg ? "-" : plus ? "+" : space ? " " : "");
			if (*f == 'P') {   /* fixed point with prec decimals */
				int p = prec < 0 ? 1 : prec, n, i;
				u64 scale = 1;
				for (i = 0; i < p; i++) scale *= 10;
				n = digits(tmp, v / scale, 10, 0);
				if (p) {
					tmp[n++] = '.';
					digits(tmp + n, v % scale + scale, 10, 0);   /* leading 1 keeps zeros */
					memmove(tmp + n, tmp + n + 1, p);
					n += p;
				}
				emit(k, tmp, n, pre, width, left, zero);
				continue;
			}
			goto integer;
		}
		case 'u': case 'x': case 'X': case 'o':
			v = lng > 1 ? va_arg(ap, u64) : va_arg(ap, unsigned long);
			if (alt && v && *f == 'x') strcpy(pre, "0x");
			if (alt && v && *f == 'X') strcpy(pre, "0X");
			if (alt && *f == 'o') strcpy(pre, "0");
		integer:
			blen = digits(tmp + 24, v, *f == 'o' ? 8 : (*f == 'x' || *f == 'X') ? 16 : 10, *f == 'X');
			body = tmp + 24;
			if (prec >= 0) {
				zero = 0;
				if (prec == 0 && v == 0) blen = 0;
				while (blen < prec) { *(char *)--body = '0'; blen++; }
			}
			emit(k, body, blen, pre, width, left, zero);
			continue;
		case 'S': {
			u64 hv = va_arg(ap, u64);
			human(tmp, hv, 0);
			emit(k, tmp, strlen(tmp), "", width, left, 0);
			continue;
		}
		case 's':
			body = va_arg(ap, const char *);
			if (!body) body = "(null)";
			blen = strlen(body);
			if (prec >= 0 && blen > prec) blen = prec;
			emit(k, body, blen, "", width, left, 0);
			continue;
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			emit(k, tmp, 1, "", width, left, 0);
			continue;
		case '%': put(k, '%'); continue;
		case 0: return;
		default: put(k, '%'); put(k, *f); continue;
		}
	}
}

void voutf(const char *f, va_list ap) { vfmt(0, f, ap); }

void outf(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vfmt(0, f, ap);
	va_end(ap);
}

int snfmt(char *buf, int size, const char *f, ...)
{
	struct sink k = { buf, size, 0 };
	va_list ap;
	va_start(ap, f);
	vfmt(&k, f, ap);
	va_end(ap);
	if (size > 0)
		buf[k.len < size ? k.len : size - 1] = 0;
	return k.len;
}

void errf(const char *f, ...)
{
	char buf[512];
	struct sink k = { buf, sizeof(buf), 0 };
	va_list ap;
	int n;
	out_flush();
	n = snfmt(buf, sizeof(buf), "%s: ", applet);
	k.len = n;
	va_start(ap, f);
	vfmt(&k, f, ap);
	va_end(ap);
	write_all(2, buf, k.len < (int)sizeof(buf) ? k.len : (int)sizeof(buf) - 1);
}

void err_sys(const char *what, int err) { errf("%s: %s\n", what, strerr(err)); }

void die(const char *f, ...)
{
	char buf[512];
	struct sink k = { buf, sizeof(buf), 0 };
	va_list ap;
	out_flush();
	k.len = snfmt(buf, sizeof(buf), "%s: ", applet);
	va_start(ap, f);
	vfmt(&k, f, ap);
	va_end(ap);
	write_all(2, buf, k.len < (int)sizeof(buf) ? k.len : (int)sizeof(buf) - 1);
	exit(1);
}

void bexit(int code)
{
	out_flush();
	exit(code);
}

/* coreutils' -h: powers of 1024 (1000 with si), one decimal below 10, rounded up. */
void human(char *buf, u64 v, int si)
{
	static const char units[] = "KMGTPE";
	u64 base = si ? 1000 : 1024, scaled = v, rem = 0;
	int u = -1;
	if (v < base) {
		snfmt(buf, 24, "%llu", v);
		return;
	}
	while (scaled >= base) {
		rem = scaled % base;
		scaled /= base;
		u++;
		if (scaled < base)
			break;
	}
	if (scaled < 10) {
		/* tenths, rounded up like coreutils (ceiling) */
		u64 t = scaled * 10 + (rem * 10 + base - 1) / base;
		if (t >= 100) {
			snfmt(buf, 24, "%llu%c", (t + 9) / 10, units[u]);
		} else
			snfmt(buf, 24, "%llu.%llu%c", t / 10, t % 10, units[u]);
	} else {
		if (rem) scaled++;
		if (scaled >= base && units[u + 1]) { snfmt(buf, 24, "1.0%c", units[u + 1]); return; }
		snfmt(buf, 24, "%llu%c", scaled, units[u]);
	}
}

const char *strerr(int e)
{
	static const struct { int n; const char *s; } t[] = {
		{ 1, "Operation not permitted" }, { 2, "No such file or directory" },
		{ 3, "No such process" }, { 4, "Interrupted system call" }, { 5, "Input/output error" },
		{ 7, "Argument list too long" }, { 8, "Exec format error" }, { 9, "Bad file descriptor" },
		{ 10, "No child processes" }, { 11, "Resource temporarily unavailable" },
		{ 12, "Cannot allocate memory" }, { 13, "Permission denied" }, { 14, "Bad address" },
		{ 16, "Device or resource busy" }, { 17, "File exists" }, { 18, "Invalid cross-device link" },
		{ 19, "No such device" }, { 20, "Not a directory" }, { 21, "Is a directory" },
		{ 22, "Invalid argument" }, { 24, "Too many open files" }, { 25, "Inappropriate ioctl for device" },
		{ 26, "Text file busy" }, { 27, "File too large" }, { 28, "No space left on device" },
		{ 29, "Illegal seek" }, { 30, "Read-only file system" }, { 31, "Too many links" },
		{ 32, "Broken pipe" }, { 34, "Numerical result out of range" }, { 36, "File name too long" },
		{ 38, "Function not implemented" }, { 39, "Directory not empty" },
		{ 40, "Too many levels of symbolic links" }, { 95, "Operation not supported" },
	};
	unsigned i;
	if (e < 0) e = -e;
	for (i = 0; i < ARRAY_SIZE(t); i++)
		if (t[i].n == e)
			return t[i].s;
	return "Unknown error";
}
