/* VirtLab guest shell: pattern matching (XCU 2.13) for case, ${x#pat} and
 * pathname expansion. A pattern comes with per-character flags: '1' marks
 * a quoted character, which matches only itself (qflags may be NULL). */

static int is_quoted_at(const char *qf, int i) { return qf && qf[i] == '1'; }

/* [...] at p[0] == '['; returns the length of the bracket expression, or 0
 * if it is not one (then '[' is literal). *ok: whether c matches. */
static int match_bracket(const char *p, const char *qf, int base, char c, int *ok)
{
	int i = 1, neg = 0, hit = 0;
	if (p[i] == '!' || p[i] == '^') { neg = 1; i++; }
	if (p[i] == ']') {   /* a leading ']' is a member */
		hit |= c == ']';
		i++;
	}
	for (; p[i]; i++) {
		if (p[i] == ']' && !is_quoted_at(qf, base + i)) {
			*ok = hit != neg;
			return i + 1;
		}
		if (p[i + 1] == '-' && p[i + 2] && p[i + 2] != ']') {
			if ((unsigned char)c >= (unsigned char)p[i] && (unsigned char)c <= (unsigned char)p[i + 2])
				hit = 1;
			i += 2;
		} else if (p[i] == c)
			hit = 1;
	}
	return 0;
}

static int glob_match_at(const char *p, const char *qf, int pi, const char *s)
{
	for (;; pi++, s++) {
		char c = p[pi];
		int q = is_quoted_at(qf, pi);
		if (!c)
			return !*s;
		if (c == '*' && !q) {
			while (p[pi + 1] == '*' && !is_quoted_at(qf, pi + 1))
				pi++;
			if (!p[pi + 1])
				return 1;
			for (; *s; s++)
				if (glob_match_at(p, qf, pi + 1, s))
					return 1;
			return glob_match_at(p, qf, pi + 1, s);
		}
		if (!*s)
			return 0;
		if (c == '?' && !q)
			continue;
		if (c == '[' && !q) {
			int ok, len = match_bracket(p + pi, qf, pi, *s, &ok);
			if (len) {
				if (!ok)
					return 0;
				pi += len - 1;
				continue;
			}
		}
		if (c != *s)
			return 0;
	}
}

static int glob_match(const char *pat, const char *qflags, const char *s)
{
	return glob_match_at(pat, qflags, 0, s);
}

static int has_glob_chars(const char *s, const char *qf, int n)
{
	int i;
	for (i = 0; i < n; i++)
		if ((s[i] == '*' || s[i] == '?' || s[i] == '[') && !is_quoted_at(qf, i))
			return 1;
	return 0;
}

struct glob_out { char **v; int n, cap; };

static void glob_add(struct glob_out *g, char *s)
{
	if (g->n == g->cap) {
		char **nv = arena_alloc((g->cap ? g->cap * 2 : 16) * sizeof(char *));
		if (g->n)
			memcpy(nv, g->v, g->n * sizeof(char *));
		g->v = nv;
		g->cap = g->cap ? g->cap * 2 : 16;
	}
	g->v[g->n++] = s;
}

/* Expands the components of pat from offset `at` under directory `path`
 * (which ends in '/' or is empty). */
static void glob_walk(const char *pat, const char *qf, int at, const char *path, struct glob_out *g)
{
	int end = at, fd, n;
	char dbuf[1024];
	struct statx st;

	while (pat[end] && pat[end] != '/')
		end++;
	if (!has_glob_chars(pat + at, qf ? qf + at : 0, end - at)) {
		struct sbuf b = { 0 };
		sb_puts(&b, path);
		sb_putn(&b, pat + at, end - at);
		if (pat[end]) {
			sb_putc(&b, '/');
			glob_walk(pat, qf, end + 1, sb_str(&b), g);
		} else if (vstatx(sb_str(&b), 1, &st) == 0)
			glob_add(g, sb_str(&b));
		return;
	}
	fd = open(*path ? path : ".", O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return;
	{
		char *comp = arena_strndup(pat + at, end - at);
		char *cqf = qf ? arena_strndup(qf + at, end - at) : 0;
		while ((n = getdents64(fd, (void *)dbuf, sizeof(dbuf))) > 0) {
			int off = 0;
			while (off < n) {
				struct linux_dirent64 *d = (void *)(dbuf + off);
				struct sbuf b = { 0 };
				off += d->d_reclen;
				/* dot files only match a pattern that starts with a literal '.' */
				if (d->d_name[0] == '.' && comp[0] != '.')
					continue;
				if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
					if (strcmp(comp, d->d_name))
						continue;
				if (!glob_match(comp, cqf, d->d_name))
					continue;
				sb_puts(&b, path);
				sb_puts(&b, d->d_name);
				if (pat[end]) {
					sb_putc(&b, '/');
					glob_walk(pat, qf, end + 1, sb_str(&b), g);
				} else
					glob_add(g, sb_str(&b));
			}
		}
	}
	close(fd);
}

/* Appends the paths matching pat (sorted) to g; returns how many. */
static int glob_expand(const char *pat, const char *qf, struct glob_out *g)
{
	int first = g->n, i, j;
	if (pat[0] == '/')
		glob_walk(pat, qf, 1, "/", g);
	else
		glob_walk(pat, qf, 0, "", g);
	for (i = first + 1; i < g->n; i++) {   /* insertion sort */
		char *k = g->v[i];
		for (j = i - 1; j >= first && strcmp(g->v[j], k) > 0; j--)
			g->v[j + 1] = g->v[j];
		g->v[j + 1] = k;
	}
	return g->n - first;
}
