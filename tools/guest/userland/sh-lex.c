/* VirtLab guest shell: the lexer. Words are kept as raw source text
 * (quotes, $(...), `...` included) and expanded only when a command runs;
 * the lexer only has to find where a word ends (POSIX XCU 2.3). Input
 * that ends inside a construct sets lx.more so the caller can read another
 * line and parse again. */

enum tok_type { T_WORD, T_NEWLINE, T_EOF, T_SEMI, T_AMP, T_PIPE, T_AND, T_OR, T_DSEMI,
		T_LPAREN, T_RPAREN, T_REDIR };

struct token {
	int type;
	char *word;    /* T_WORD: raw text; T_REDIR: unused */
	int quoted;    /* the word contains a quote or backslash */
	int op, fd;    /* T_REDIR: redir_op and the fd (-1: default) */
	int start;     /* offset in the source */
};

struct heredoc_pending { struct redir *r; char *delim; };

static struct {
	const char *src;
	int pos, len;
	int final;         /* no more input can follow: unterminated things are errors */
	int more;          /* input ended inside a construct */
	int error;         /* syntax error reported */
	struct token tok;  /* lookahead */
	int have_tok;
	struct heredoc_pending hd[16];
	int nhd;
} lx;

static void lex_more(void) { if (!lx.error) lx.more = 1; }

static void syntax_error(const char *what)
{
	if (lx.more || lx.error)
		return;
	lx.error = 1;
	epr("%s: syntax error: %s\n", sh_name, what);
}

static int is_meta(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' ||
	       c == '<' || c == '>' || c == '(' || c == ')';
}

static int skip_quoted(int p, char q);

/* p at the character after "$(" (or "$(("); returns the index after the
 * matching ')', or -1 (input ended). */
static int skip_parens(int p)
{
	int depth = 1;
	while (p < lx.len) {
		char c = lx.src[p];
		if (c == '\\') { p += 2; continue; }
		if (c == '\'' || c == '"' || c == '`') {
			p = skip_quoted(p + 1, c);
			if (p < 0) return -1;
			continue;
		}
		if (c == '(') depth++;
		else if (c == ')' && --depth == 0) return p + 1;
		p++;
	}
	return -1;
}

static int skip_braces(int p)
{
	while (p < lx.len) {
		char c = lx.src[p];
		if (c == '\\') { p += 2; continue; }
		if (c == '\'' || c == '"' || c == '`') {
			p = skip_quoted(p + 1, c);
			if (p < 0) return -1;
			continue;
		}
		if (c == '$' && p + 1 < lx.len && lx.src[p + 1] == '{') {
			p = skip_braces(p + 2);
			if (p < 0) return -1;
			continue;
		}
		if (c == '}') return p + 1;
		p++;
	}
	return -1;
}

/* A '$' construct at p ('$' itself); returns the index after it or -1. */
static int skip_dollar(int p)
{
	if (p + 1 < lx.len && lx.src[p + 1] == '(')
		return skip_parens(p + 2);
	if (p + 1 < lx.len && lx.src[p + 1] == '{')
		return skip_braces(p + 2);
	return p + 1;
}

/* p just after the opening quote q; returns the index after the closing one or -1. */
static int skip_quoted(int p, char q)
{
	while (p < lx.len) {
		char c = lx.src[p];
		if (c == q) return p + 1;
		if (q != '\'' && c == '\\') { p += 2; continue; }
		if (q == '"' && c == '$') {
			p = skip_dollar(p);
			if (p < 0) return -1;
			continue;
		}
		if (q == '"' && c == '`') {
			p = skip_quoted(p + 1, '`');
			if (p < 0) return -1;
			continue;
		}
		p++;
	}
	return -1;
}

/* Reads the here-doc bodies that follow the newline just consumed. */
static void lex_heredocs(void)
{
	int i;
	for (i = 0; i < lx.nhd; i++) {
		struct redir *r = lx.hd[i].r;
		const char *d = lx.hd[i].delim;
		int dl = strlen(d);
		struct sbuf body = { 0 };
		for (;;) {
			int e = lx.pos, s;
			while (e < lx.len && lx.src[e] != '\n') e++;
			if (e == lx.len && !lx.final) {
				lex_more();
				return;
			}
			s = lx.pos;
			if (r->strip_tabs)
				while (s < e && lx.src[s] == '\t') s++;
			if (e - s == dl && !strncmp(lx.src + s, d, dl)) {
				lx.pos = e < lx.len ? e + 1 : e;
				break;
			}
			if (lx.pos >= lx.len)   /* final input without the delimiter: take what is there */
				break;
			sb_putn(&body, lx.src + s, e - s);
			sb_putc(&body, '\n');
			lx.pos = e < lx.len ? e + 1 : e;
		}
		r->word = sb_str(&body);
	}
	lx.nhd = 0;
}

/* Removes quotes from a here-doc delimiter word; sets *quoted. */
static char *unquote_simple(const char *w, int *quoted)
{
	struct sbuf b = { 0 };
	*quoted = 0;
	for (; *w; w++) {
		if (*w == '\'' || *w == '"') { *quoted = 1; continue; }
		if (*w == '\\' && w[1]) { *quoted = 1; w++; }
		sb_putc(&b, *w);
	}
	return sb_str(&b);
}

static void lex_next(struct token *t)
{
	const char *s = lx.src;
	int p = lx.pos, start;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	for (;;) {
		while (p < lx.len && (s[p] == ' ' || s[p] == '\t'))
			p++;
		if (p + 1 < lx.len && s[p] == '\\' && s[p + 1] == '\n') { p += 2; continue; }
		if (p + 1 == lx.len && s[p] == '\\' && !lx.final) { lex_more(); t->type = T_EOF; return; }
		if (p < lx.len && s[p] == '#')
			while (p < lx.len && s[p] != '\n') p++;
		break;
	}
	t->start = p;
	if (p >= lx.len || lx.more || lx.error) {
		lx.pos = p;
		t->type = T_EOF;
		return;
	}
	start = p;
	/* IO number: digits right before < or > */
	while (p < lx.len && s[p] >= '0' && s[p] <= '9') p++;
	if (p > start && p < lx.len && (s[p] == '<' || s[p] == '>'))
		t->fd = atoi(s + start);
	else
		p = start;

	switch (s[p]) {
	case '\n': t->type = T_NEWLINE; lx.pos = p + 1; lex_heredocs(); return;
	case ';':
		if (p + 1 < lx.len && s[p + 1] == ';') { t->type = T_DSEMI; p++; }
		else t->type = T_SEMI;
		lx.pos = p + 1;
		return;
	case '&':
		if (p + 1 < lx.len && s[p + 1] == '&') { t->type = T_AND; p++; }
		else t->type = T_AMP;
		lx.pos = p + 1;
		return;
	case '|':
		if (p + 1 < lx.len && s[p + 1] == '|') { t->type = T_OR; p++; }
		else t->type = T_PIPE;
		lx.pos = p + 1;
		return;
	case '(': t->type = T_LPAREN; lx.pos = p + 1; return;
	case ')': t->type = T_RPAREN; lx.pos = p + 1; return;
	case '<': case '>': {
		char c = s[p], n = p + 1 < lx.len ? s[p + 1] : 0, n2 = p + 2 < lx.len ? s[p + 2] : 0;
		t->type = T_REDIR;
		if (c == '<') {
			if (n == '<' && n2 == '<') { t->op = R_HERESTR; p += 3; }
			else if (n == '<' && n2 == '-') { t->op = R_HEREDOC; t->quoted = 1; p += 3; }
			else if (n == '<') { t->op = R_HEREDOC; p += 2; }
			else if (n == '&') { t->op = R_DUPIN; p += 2; }
			else if (n == '>') { t->op = R_RW; p += 2; }
			else { t->op = R_IN; p++; }
		} else {
			if (n == '>') { t->op = R_APPEND; p += 2; }
			else if (n == '&') { t->op = R_DUPOUT; p += 2; }
			else if (n == '|') { t->op = R_CLOBBER; p += 2; }
			else { t->op = R_OUT; p++; }
		}
		lx.pos = p;
		return;
	}
	}
	/* a word */
	p = start;
	while (p < lx.len && !is_meta(s[p])) {
		char c = s[p];
		if (c == '\\') {
			t->quoted = 1;
			if (p + 1 >= lx.len) {
				if (!lx.final) { lex_more(); break; }
				p++;
				continue;
			}
			p += 2;
		} else if (c == '\'' || c == '"' || c == '`') {
			if (c != '`') t->quoted = 1;
			p = skip_quoted(p + 1, c);
			if (p < 0) {
				if (lx.final) syntax_error("unterminated quote");
				else lex_more();
				p = lx.len;
				break;
			}
		} else if (c == '$') {
			p = skip_dollar(p);
			if (p < 0) {
				if (lx.final) syntax_error("unterminated $( or ${");
				else lex_more();
				p = lx.len;
				break;
			}
		} else
			p++;
	}
	if (p > lx.len) p = lx.len;
	t->type = T_WORD;
	t->word = arena_strndup(s + start, p - start);
	lx.pos = p;
}

static struct token *peek(void)
{
	if (!lx.have_tok) {
		lex_next(&lx.tok);
		lx.have_tok = 1;
	}
	return &lx.tok;
}

static void consume(void) { lx.have_tok = 0; }

static int peek_kw(const char *kw)
{
	struct token *t = peek();
	return t->type == T_WORD && !t->quoted && !strcmp(t->word, kw);
}
