/* Parser and backtracking matcher for regex.h. The matcher threads a
 * continuation (what to match after this node) through the recursion, so
 * groups, alternation and repetition backtrack correctly without building an
 * automaton. Case folding happens at compile time (characters become sets). */
#include "box.h"
#include "regex.h"

enum { R_SET, R_BOL, R_EOL, R_WORDB, R_NWORDB, R_WBEG, R_WEND, R_GROUP };

struct rnode {
	int type;
	int min, max;             /* repetition; max < 0 = unbounded */
	struct rnode *next;       /* the rest of the sequence */
	struct rnode **br;        /* R_GROUP: branch heads (NULL = empty branch) */
	int nbr;
	u8 set[32];               /* R_SET: the bytes it matches */
};

/* ---- parser ---- */
struct parser { const char *p; int ere, icase; const char *err; };

static struct rnode *node(int type)
{
	struct rnode *n = xalloc(sizeof(*n));
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->min = n->max = 1;
	return n;
}

static void set_add(u8 *set, int c) { set[(u8)c >> 3] |= 1 << (c & 7); }
static int set_has(const u8 *set, int c) { return set[(u8)c >> 3] >> (c & 7) & 1; }
static int is_word(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

static int in_class(const char *name, int len, int c)
{
#define IS(s) (len == (int)sizeof(s) - 1 && !strncmp(name, s, len))
	if (IS("alpha")) return (c | 32) >= 'a' && (c | 32) <= 'z';
	if (IS("digit")) return c >= '0' && c <= '9';
	if (IS("alnum")) return ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9');
	if (IS("upper")) return c >= 'A' && c <= 'Z';
	if (IS("lower")) return c >= 'a' && c <= 'z';
	if (IS("space")) return c == ' ' || (c >= '\t' && c <= '\r');
	if (IS("blank")) return c == ' ' || c == '\t';
	if (IS("punct")) return c > 32 && c < 127 && !(((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9'));
	if (IS("print")) return c >= 32 && c < 127;
	if (IS("graph")) return c > 32 && c < 127;
	if (IS("cntrl")) return c < 32 || c == 127;
	if (IS("xdigit")) return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'f');
	return -1;
#undef IS
}

static void fold(struct parser *ps, u8 *set)
{
	int c;
	if (!ps->icase)
		return;
	for (c = 'a'; c <= 'z'; c++)
		if (set_has(set, c) || set_has(set, c - 32)) {
			set_add(set, c);
			set_add(set, c - 32);
		}
}

static struct rnode *parse_bracket(struct parser *ps)
{
	struct rnode *n = node(R_SET);
	int neg = 0, first = 1, c, i;
	u8 set[32];
	memset(set, 0, sizeof(set));
	if (*ps->p == '^') { neg = 1; ps->p++; }
	for (;;) {
		int lo;
		if (!*ps->p) { ps->err = "Unmatched [, [^, [:, [., or [="; return 0; }
		if (*ps->p == ']' && !first) { ps->p++; break; }
		first = 0;
		if (ps->p[0] == '[' && ps->p[1] == ':') {
			const char *end = b_strstr(ps->p + 2, ":]");
			if (!end) { ps->err = "Unmatched [, [^, [:, [., or [="; return 0; }
			if (in_class(ps->p + 2, end - ps->p - 2, 'a') < 0) { ps->err = "Invalid character class name"; return 0; }
			for (c = 0; c < 256; c++)
				if (in_class(ps->p + 2, end - ps->p - 2, c) > 0)
					set_add(set, c);
			ps->p = end + 2;
			continue;
		}
		lo = (u8)*ps->p++;
		if (ps->p[0] == '-' && ps->p[1] && ps->p[1] != ']') {
			int hi = (u8)ps->p[1];
			ps->p += 2;
			if (hi < lo) { ps->err = "Invalid range end"; return 0; }
			for (c = lo; c <= hi; c++)
				set_add(set, c);
		} else
			set_add(set, lo);
	}
	fold(ps, set);
	for (i = 0; i < 32; i++)
		n->set[i] = neg ? ~set[i] : set[i];
	if (neg)
		n->set['\n' >> 3] &= ~(1 << ('\n' & 7));
	return n;
}

static struct rnode *char_node(struct parser *ps, int c)
{
	struct rnode *n = node(R_SET);
	set_add(n->set, c);
	fold(ps, n->set);
	return n;
}

static struct rnode *parse_alt(struct parser *ps, int depth);

/* is the parser at the end of a branch? ("|" / "\|", ")" / "\)", end) */
static int at_branch_end(struct parser *ps, int depth)
{
	const char *p = ps->p;
	if (!*p) return 1;
	if (ps->ere) return *p == '|' || (*p == ')' && depth > 0);
	return p[0] == '\\' && (p[1] == '|' || (p[1] == ')' && depth > 0));
}

static int parse_interval(struct parser *ps, int *min, int *max)
{
	const char *p = ps->p;
	int a = 0, b, digits = 0;
	while (*p >= '0' && *p <= '9') { a = a * 10 + *p++ - '0'; digits++; }
	b = a;
	if (*p == ',') {
		p++;
		if (*p >= '0' && *p <= '9') { b = 0; while (*p >= '0' && *p <= '9') b = b * 10 + *p++ - '0'; }
		else b = -1;
		if (!digits) a = 0;
	} else if (!digits)
		return -1;
	if (ps->ere ? *p != '}' : (p[0] != '\\' || p[1] != '}'))
		return -1;
	ps->p = p + (ps->ere ? 1 : 2);
	if (b >= 0 && b < a) { ps->err = "Invalid content of \\{\\}"; return -1; }
	*min = a;
	*max = b;
	return 0;
}

static struct rnode *parse_seq(struct parser *ps, int depth)
{
	struct rnode *head = 0, **tail = &head, *last = 0;
	int at_start = 1;
	while (!at_branch_end(ps, depth)) {
		const char *p = ps->p;
		struct rnode *n = 0;
		int min, max;
		/* quantifiers */
		if (last && (*p == '*' || (ps->ere && (*p == '+' || *p == '?' || *p == '{')) ||
			     (!ps->ere && p[0] == '\\' && (p[1] == '+' || p[1] == '?' || p[1] == '{')))) {
			char q = *p == '\\' ? p[1] : *p;
			ps->p += *p == '\\' ? 2 : 1;
			if (q == '*') { min = 0; max = -1; }
			else if (q == '+') { min = 1; max = -1; }
			else if (q == '?') { min = 0; max = 1; }
			else if (parse_interval(ps, &min, &max)) {
				if (ps->err) return 0;
				if (!ps->ere) { ps->err = "Unmatched \\{"; return 0; }
				ps->p = p;   /* ERE: a "{" that is no interval is literal */
				goto literal;
			}
			if (last->min != 1 || last->max != 1) {
				/* a** or a*{2}: repeat the repetition */
				struct rnode *g = node(R_GROUP);
				*g = *last;
				g->next = 0;
				last->type = R_GROUP;
				last->br = xalloc(sizeof(struct rnode *));
				last->br[0] = g;
				last->nbr = 1;
			}
			last->min = min;
			last->max = max;
			continue;
		}
	literal:
		p = ps->p;
		if (*p == '*' && at_start && !ps->ere) {
			n = char_node(ps, '*');
			ps->p++;
		} else if (*p == '^' && (ps->ere || at_start)) {
			n = node(R_BOL);
			ps->p++;
		} else if (*p == '$' && (ps->ere || (ps->p++, at_branch_end(ps, depth)) || (ps->p--, 0))) {
			if (ps->ere) ps->p++;
			n = node(R_EOL);
		} else if (*p == '.') {
			n = node(R_SET);
			memset(n->set, 0xff, 32);
			n->set['\n' >> 3] &= ~(1 << ('\n' & 7));
			ps->p++;
		} else if (*p == '[') {
			ps->p++;
			n = parse_bracket(ps);
			if (!n) return 0;
		} else if ((ps->ere && *p == '(') || (!ps->ere && p[0] == '\\' && p[1] == '(')) {
			ps->p += ps->ere ? 1 : 2;
			n = parse_alt(ps, depth + 1);
			if (!n) return 0;
			if (ps->ere ? *ps->p != ')' : (ps->p[0] != '\\' || ps->p[1] != ')')) {
				ps->err = "Unmatched ( or \\(";
				return 0;
			}
			ps->p += ps->ere ? 1 : 2;
		} else if (*p == '\\') {
			char e = p[1];
			ps->p += 2;
			if (!e) { ps->err = "Trailing backslash"; return 0; }
			if (e == 'w' || e == 'W' || e == 's' || e == 'S') {
				int c;
				n = node(R_SET);
				for (c = 0; c < 256; c++) {
					int in = e == 'w' || e == 'W' ? is_word(c) : (c == ' ' || (c >= '\t' && c <= '\r'));
					if (in == (e == 'w' || e == 's'))
						set_add(n->set, c);
				}
			} else if (e == 'b') n = node(R_WORDB);
			else if (e == 'B') n = node(R_NWORDB);
			else if (e == '<') n = node(R_WBEG);
			else if (e == '>') n = node(R_WEND);
			else if (e == '`') n = node(R_BOL);
			else if (e == '\'') n = node(R_EOL);
			else n = char_node(ps, e);
		} else {
			n = char_node(ps, *p);
			ps->p++;
		}
		at_start = n->type == R_BOL;
		*tail = n;
		tail = &n->next;
		last = n->type == R_BOL || n->type == R_EOL ? 0 : n;
		if (!ps->ere && n->type == R_BOL) last = 0;
	}
	return head;
}

static struct rnode *parse_alt(struct parser *ps, int depth)
{
	struct rnode *g = node(R_GROUP);
	struct rnode *branches[64];
	int n = 0;
	for (;;) {
		struct rnode *b = parse_seq(ps, depth);
		if (ps->err) return 0;
		if (n < 64) branches[n++] = b;
		if (ps->ere ? *ps->p == '|' : (ps->p[0] == '\\' && ps->p[1] == '|')) {
			ps->p += ps->ere ? 1 : 2;
			continue;
		}
		break;
	}
	g->br = xalloc(n * sizeof(struct rnode *));
	memcpy(g->br, branches, n * sizeof(struct rnode *));
	g->nbr = n;
	return g;
}

int re_compile(struct regex *re, const char *pat, int extended, int icase, const char **err)
{
	struct parser ps = { pat, extended, icase, 0 };
	re->icase = icase;
	re->root = parse_alt(&ps, 0);
	if (!ps.err && *ps.p)
		ps.err = extended ? "Unmatched ) or \\)" : "Unmatched ) or \\)";
	*err = ps.err;
	return ps.err ? -1 : 0;
}

/* ---- matcher ---- */
enum { K_SEQ, K_REP };
struct cont { int kind; const struct rnode *n; int count; const char *start; const struct cont *up; };

struct mstate { const char *bol, *eol; const char *best; int longest, word, whole; };
static struct mstate ms_;

static int m(const struct rnode *n, const char *s, const struct cont *k);

static int accept(const char *s)
{
	if (ms_.word && s < ms_.eol && is_word((u8)*s))
		return 0;
	if (ms_.whole && s != ms_.eol)
		return 0;
	if (!ms_.best || s > ms_.best)
		ms_.best = s;
	return !ms_.longest;   /* longest: keep exploring */
}

static int run_cont(const struct cont *k, const char *s)
{
	if (!k)
		return accept(s);
	if (k->kind == K_SEQ)
		return m(k->n, s, k->up);
	return 0;
}

static int single(const struct rnode *n, const char *s)
{
	return s < ms_.eol && set_has(n->set, (u8)*s);
}

static int rep(const struct rnode *n, int count, const char *s, const struct cont *k);

/* after one iteration of a repeated group */
static int rep_cont(const struct cont *k, const char *s)
{
	if (s == k->start)   /* an empty iteration: stop repeating */
		return k->count >= k->n->min && m(k->n->next, s, k->up);
	return rep(k->n, k->count, s, k->up);
}

static int rep(const struct rnode *n, int count, const char *s, const struct cont *k)
{
	if (n->max < 0 || count < n->max) {
		if (n->type == R_GROUP) {
			struct cont c = { K_REP, n, count + 1, s, k };
			int i;
			for (i = 0; i < n->nbr; i++) {
				const struct rnode *b = n->br[i];
				if (b ? m(b, s, &c) : rep_cont(&c, s))
					return 1;
			}
		} else if (single(n, s) && rep(n, count + 1, s + 1, k))
			return 1;
	}
	return count >= n->min && m(n->next, s, k);
}

static int m(const struct rnode *n, const char *s, const struct cont *k)
{
	int wb, wa;
	for (;;) {
		if (!n) {
			if (k && k->kind == K_REP)
				return rep_cont(k, s);
			return run_cont(k, s);
		}
		if (n->min != 1 || n->max != 1)
			return rep(n, 0, s, k);
		switch (n->type) {
		case R_SET:
			if (!single(n, s)) return 0;
			s++;
			break;
		case R_BOL: if (s != ms_.bol) return 0; break;
		case R_EOL: if (s != ms_.eol) return 0; break;
		default:
			if (n->type == R_GROUP) {
				struct cont c = { K_SEQ, n->next, 0, 0, k };
				int i;
				for (i = 0; i < n->nbr; i++)
					if (m(n->br[i], s, &c))
						return 1;
				return 0;
			}
			wb = s > ms_.bol && is_word((u8)s[-1]);
			wa = s < ms_.eol && is_word((u8)*s);
			if (n->type == R_WORDB && wb == wa) return 0;
			if (n->type == R_NWORDB && wb != wa) return 0;
			if (n->type == R_WBEG && (wb || !wa)) return 0;
			if (n->type == R_WEND && (!wb || wa)) return 0;
			break;
		}
		n = n->next;
	}
}

int re_search(const struct regex *re, const char *line, long len, long from, int longest, int word, int whole,
	      long *ms, long *me)
{
	long i;
	ms_.bol = line;
	ms_.eol = line + len;
	ms_.longest = longest || word;
	ms_.word = word;
	ms_.whole = whole;
	for (i = from; i <= len; i++) {
		if (word && i > 0 && is_word((u8)line[i - 1]))
			continue;
		if (whole && i > 0)
			break;
		ms_.best = 0;
		m(re->root, line + i, 0);
		if (ms_.best) {
			*ms = i;
			*me = ms_.best - line;
			return 1;
		}
	}
	return 0;
}
