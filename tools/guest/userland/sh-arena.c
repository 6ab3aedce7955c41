/* VirtLab guest shell: a bump allocator with mark/release, and growable
 * strings on it. One mapping reserved up front; pages are only touched
 * (and only then cost guest memory) as the arena grows. */

#define ARENA_SIZE (8u << 20)

static char *arena_base;
static unsigned arena_top;

static void arena_oom(void)
{
	static const char msg[] = "sh: out of memory\n";
	write(2, msg, sizeof(msg) - 1);
	exit(2);
}

static void *arena_alloc(int n)
{
	void *p;
	if (!arena_base) {
		/* MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE */
		arena_base = mmap(0, ARENA_SIZE, PROT_READ | PROT_WRITE, 0x22 | 0x4000, -1, 0);
		if (arena_base == MAP_FAILED)
			arena_oom();
	}
	n = (n + 7) & ~7;
	if (n < 0 || arena_top + (unsigned)n > ARENA_SIZE)
		arena_oom();
	p = arena_base + arena_top;
	arena_top += n;
	return p;
}

static char *arena_strndup(const char *s, int n)
{
	char *p = arena_alloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

static unsigned arena_mark(void) { return arena_top; }
static void arena_release(unsigned mark) { if (mark < arena_top) arena_top = mark; }

static void sb_grow(struct sbuf *b, int need)
{
	char *n;
	int cap;
	if (b->len + need + 1 <= b->cap)
		return;
	/* Growing in place is free when this string is the newest allocation. */
	if (b->s && b->s + b->cap == arena_base + arena_top) {
		int more = (b->len + need + 1 - b->cap + 63) & ~63;
		arena_alloc(more);
		b->cap += more;
		return;
	}
	cap = b->cap ? b->cap * 2 : 64;
	while (cap < b->len + need + 1)
		cap *= 2;
	n = arena_alloc(cap);
	if (b->len)
		memcpy(n, b->s, b->len);
	b->s = n;
	b->cap = cap;
}

static void sb_putc(struct sbuf *b, char c)
{
	sb_grow(b, 1);
	b->s[b->len++] = c;
}

static void sb_putn(struct sbuf *b, const char *s, int n)
{
	sb_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
}

static void sb_puts(struct sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

static char *sb_str(struct sbuf *b)
{
	sb_grow(b, 0);
	b->s[b->len] = 0;
	return b->s;
}
