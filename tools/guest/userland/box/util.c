/* Memory, input, number parsing, option parsing and globbing for the applets. */
#include "box.h"

char **box_envp;

/* ---- arena ---- */
static char *arena;
static unsigned long arena_left;

static void *map_anon(unsigned long n)
{
	long p = my_syscall6(__NR_mmap2, 0, n, 3 /* RW */, 0x22 /* PRIVATE|ANON */, -1, 0);
	if (p < 0 && p > -4096)
		die("out of memory (%lu bytes)\n", n);
	return (void *)p;
}

void *xalloc(unsigned long n)
{
	void *p;
	n = (n + 7) & ~7UL;
	if (n > 65536)
		return map_anon(n);   /* big blocks get their own mapping */
	if (n > arena_left) {
		arena = map_anon(262144);
		arena_left = 262144;
	}
	p = arena;
	arena += n;
	arena_left -= n;
	return p;
}

char *xstrndup(const char *s, long n)
{
	char *d = xalloc(n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

/* ---- input ---- */
int open_in(const char *path)
{
	int fd;
	if (!path || !strcmp(path, "-"))
		return 0;
	fd = b_open(path, 0 /* O_RDONLY */, 0);
	return fd;
}

void rd_init(struct rd *r, int fd)
{
	r->fd = fd;
	r->eof = 0;
	r->pos = r->len = 0;
	r->line = 0;
	r->cap = 0;
}

static int rd_fill(struct rd *r)
{
	long n;
	if (r->eof)
		return 0;
	do
		n = read(r->fd, r->buf, sizeof(r->buf));
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		r->eof = 1;
		return 0;
	}
	r->pos = 0;
	r->len = n;
	return 1;
}

long rd_line(struct rd *r, int *nl)
{
	long used = 0;
	*nl = 0;
	for (;;) {
		char *start, *end;
		long chunk;
		if (r->pos == r->len && !rd_fill(r))
			break;
		start = r->buf + r->pos;
		end = b_memchr(start, '\n', r->len - r->pos);
		chunk = end ? end - start : r->len - r->pos;
		if (used + chunk + 1 > r->cap) {
			long cap = (used + chunk + 1) * 2 + 128;
			char *n = xalloc(cap);
			if (used) memcpy(n, r->line, used);
			r->line = n;
			r->cap = cap;
		}
		memcpy(r->line + used, start, chunk);
		used += chunk;
		r->pos += chunk;
		if (end) {
			r->pos++;
			*nl = 1;
			break;
		}
	}
	if (!r->line) {
		r->line = xalloc(128);
		r->cap = 128;
	}
	r->line[used] = 0;
	return used + *nl;
}

long read_all(int fd, char **out)
{
	long cap = 65536, len = 0, n;
	char *buf = xalloc(cap);
	for (;;) {
		if (len + 1 >= cap) {   /* room for the NUL added at the end */
			char *b = xalloc(cap * 2);
			memcpy(b, buf, len);
			buf = b;   /* the old block stays mapped: the arena never frees */
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = 0;
	*out = buf;
	return len;
}

int read_file(const char *path, char *buf, int size)
{
	int fd = b_open(path, 0, 0), n, len = 0;
	if (fd < 0)
		return fd;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	return len;
}

int write_all(int fd, const void *p, long n)
{
	const char *s = p;
	while (n > 0) {
		long w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= w;
	}
	return 0;
}

/* ---- parsing ---- */
const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int parse_int(const char *s, s64 *v)
{
	int neg = 0;
	u64 x = 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		x = x * 10 + (*s - '0');
	}
	*v = neg ? -(s64)x : (s64)x;
	return 0;
}

int parse_size(const char *s, u64 *v)
{
	u64 x = 0, mul = 1;
	const char *p = s;
	while (*p >= '0' && *p <= '9')
		x = x * 10 + (*p++ - '0');
	if (p == s)
		return -1;
	switch (*p) {
	case 0: break;
	case 'b': case 'B': mul = 1; p++; break;
	case 'k': case 'K': mul = 1ULL << 10; p++; break;
	case 'm': case 'M': mul = 1ULL << 20; p++; break;
	case 'g': case 'G': mul = 1ULL << 30; p++; break;
	default: return -1;
	}
	if (*p == 'i' && mul > 1) p++;
	if (*p == 'B' || *p == 'b') p++;
	if (*p)
		return -1;
	*v = x * mul;
	return 0;
}

s64 parse_duration(const char *s)
{
	u64 whole = 0, frac = 0, scale = 1000000000ULL, mul = 1;
	const char *p = s;
	while (*p >= '0' && *p <= '9')
		whole = whole * 10 + (*p++ - '0');
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			scale /= 10;
			frac += (u64)(*p++ - '0') * scale;
		}
	} else if (p == s)
		return -1;
	switch (*p) {
	case 0: break;
	case 's': p++; break;
	case 'm': mul = 60; p++; break;
	case 'h': mul = 3600; p++; break;
	case 'd': mul = 86400; p++; break;
	default: return -1;
	}
	if (*p)
		return -1;
	return (s64)((whole * 1000000000ULL + frac) * mul);
}

const char *field_after(const char *s, const char *key)
{
	int kl = strlen(key);
	while (s && *s) {
		if (!strncmp(s, key, kl))
			return s + kl;
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	return 0;
}

u64 meminfo_kb(const char *buf, const char *key)
{
	const char *p = field_after(buf, key);
	u64 v = 0;
	if (!p)
		return 0;
	p = skip_ws(p);
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	return v;
}

/* ---- options ---- */
int opt_ind = 1;
char *opt_arg;
static int opt_pos;

/* GNU-style: move the options after operands ("grep foo -n file") to the
 * front, keeping their order; "--" ends options. */
static void permute(int argc, char **argv, const char *spec)
{
	int i, out = opt_ind, j;
	char **ops = xalloc(argc * sizeof(char *));
	int nops = 0;
	for (i = opt_ind; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			break;
		}
		if (a[0] == '-' && a[1]) {
			const char *p = a + 1, *s;
			argv[out++] = argv[i];
			for (; *p; p++) {   /* does this cluster end with an option taking the next word? */
				s = strchr(spec, *p);
				if (s && s[1] == ':') {
					if (!p[1] && i + 1 < argc)
						argv[out++] = argv[++i];
					break;
				}
			}
		} else
			ops[nops++] = argv[i];
	}
	if (i < argc && !strcmp(argv[i], "--") && nops) {
		/* keep "--" right before the operands */
		argv[out++] = argv[i++];
	} else if (i < argc && !strcmp(argv[i], "--")) {
		argv[out++] = argv[i++];
	}
	for (j = 0; j < nops; j++)
		argv[out++] = ops[j];
	for (; i < argc; i++)
		argv[out++] = argv[i];
}

int opt_next(int argc, char **argv, const char *spec)
{
	char c;
	const char *s;
	static char **permuted;
	if (*spec == '+')
		spec++;
	else if (permuted != argv) {
		permuted = argv;
		permute(argc, argv, spec);
	}
	if (!opt_pos) {
		if (opt_ind >= argc || argv[opt_ind][0] != '-' || !argv[opt_ind][1])
			return -1;
		if (!strcmp(argv[opt_ind], "--")) {
			opt_ind++;
			return -1;
		}
		opt_pos = 1;
	}
	c = argv[opt_ind][opt_pos++];
	s = strchr(spec, c);
	if (!s || c == ':') {
		errf("invalid option -- '%c'\n", c);
		if (!argv[opt_ind][opt_pos]) { opt_ind++; opt_pos = 0; }
		return '?';
	}
	if (s[1] == ':') {
		if (argv[opt_ind][opt_pos]) {
			opt_arg = argv[opt_ind] + opt_pos;
		} else if (opt_ind + 1 < argc) {
			opt_arg = argv[++opt_ind];
		} else {
			errf("option requires an argument -- '%c'\n", c);
			opt_ind++;
			opt_pos = 0;
			return '?';
		}
		opt_ind++;
		opt_pos = 0;
		return c;
	}
	if (!argv[opt_ind][opt_pos]) {
		opt_ind++;
		opt_pos = 0;
	}
	return c;
}

/* ---- glob: * ? [...] [!...] with backslash escapes (fnmatch without flags) ---- */
static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

int glob_match(const char *p, const char *s, int icase)
{
	for (; *p; p++, s++) {
		if (*p == '*') {
			while (p[1] == '*')
				p++;
			if (!p[1])
				return 1;
			for (; *s; s++)
				if (glob_match(p + 1, s, icase))
					return 1;
			return glob_match(p + 1, s, icase);
		}
		if (!*s)
			return 0;
		if (*p == '?')
			continue;
		if (*p == '[') {
			const char *q = p + 1;
			int neg = 0, hit = 0;
			if (*q == '!' || *q == '^') { neg = 1; q++; }
			do {
				int lo = (unsigned char)*q, hi = lo;
				if (q[1] == '-' && q[2] && q[2] != ']') { hi = (unsigned char)q[2]; q += 2; }
				if (((unsigned char)*s >= lo && (unsigned char)*s <= hi) ||
				    (icase && lower(*s) >= lower(lo) && lower(*s) <= lower(hi)))
					hit = 1;
				q++;
			} while (*q && *q != ']');
			if (!*q) {   /* no closing bracket: a literal '[' */
				if (*s != '[') return 0;
				continue;
			}
			if (hit == neg)
				return 0;
			p = q;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		if (icase ? lower(*p) != lower(*s) : *p != *s)
			return 0;
	}
	return !*s;
}

/* nolibc has neither memchr nor strstr */
void *b_memchr(const void *s, int c, unsigned long n)
{
	const u8 *p = s;
	for (; n; n--, p++)
		if (*p == (u8)c)
			return (void *)p;
	return 0;
}

char *b_strstr(const char *h, const char *n)
{
	int nl = strlen(n);
	for (; *h; h++)
		if (!strncmp(h, n, nl))
			return (char *)h;
	return nl ? 0 : (char *)h;
}
