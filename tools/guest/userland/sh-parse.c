/* VirtLab guest shell: the parser (POSIX XCU 2.10 grammar, without
 * function definitions). Builds the tree in the arena. */

static struct node *parse_list(int top);
static struct node *parse_command(void);

static struct node *new_node(int kind)
{
	struct node *n = arena_alloc(sizeof(*n));
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	return n;
}

static int failed(void) { return lx.more || lx.error; }

/* Tokens that end a list inside a compound command. */
static int at_list_end(void)
{
	static const char *const ends[] = { "then", "else", "elif", "fi", "do", "done", "esac", "}", 0 };
	struct token *t = peek();
	int i;
	if (t->type == T_EOF || t->type == T_RPAREN || t->type == T_DSEMI)
		return 1;
	for (i = 0; ends[i]; i++)
		if (peek_kw(ends[i]))
			return 1;
	return 0;
}

static void skip_newlines(void)
{
	while (peek()->type == T_NEWLINE)
		consume();
}

static void unexpected(void)
{
	struct token *t = peek();
	static const char *const names[] = { "word", "newline", "end of file", ";", "&", "|", "&&",
					     "||", ";;", "(", ")", "redirection" };
	char msg[96];
	if (t->type == T_EOF && !lx.final) {
		lex_more();
		return;
	}
	strlcpy(msg, "unexpected ", sizeof(msg));
	strlcat(msg, t->type == T_WORD ? t->word : names[t->type], sizeof(msg));
	syntax_error(msg);
}

static int expect_kw(const char *kw)
{
	if (failed())
		return 0;
	if (!peek_kw(kw)) {
		unexpected();
		return 0;
	}
	consume();
	return 1;
}

/* Parses one redirection whose operator token is the lookahead. */
static struct redir *parse_redir(void)
{
	struct token *t = peek();
	struct redir *r = arena_alloc(sizeof(*r));
	int strip = t->quoted;   /* on a T_REDIR, set for "<<-" */

	memset(r, 0, sizeof(*r));
	r->op = t->op;
	r->fd = t->fd >= 0 ? t->fd
		: (t->op == R_IN || t->op == R_DUPIN || t->op == R_HEREDOC || t->op == R_HERESTR || t->op == R_RW) ? 0 : 1;
	consume();
	t = peek();
	if (t->type != T_WORD) {
		unexpected();
		return 0;
	}
	r->word = t->word;
	consume();
	if (r->op == R_HEREDOC) {
		int quoted;
		if (lx.nhd == 16) {
			syntax_error("too many here-documents");
			return 0;
		}
		r->strip_tabs = strip;
		lx.hd[lx.nhd].r = r;
		lx.hd[lx.nhd].delim = unquote_simple(r->word, &quoted);
		r->expand = !quoted;
		r->word = "";
		lx.nhd++;
	}
	return r;
}

/* Appends redirections following a compound command. */
static void parse_trailing_redirs(struct node *n)
{
	struct redir **tail = &n->redirs;
	while (*tail) tail = &(*tail)->next;
	while (!failed() && peek()->type == T_REDIR) {
		*tail = parse_redir();
		if (*tail) tail = &(*tail)->next;
	}
}

static int is_assignment(const char *w)
{
	const char *eq = strchr(w, '=');
	return eq && sh_is_name(w, eq - w);
}

static struct node *parse_simple(void)
{
	struct node *n = new_node(N_CMD);
	char *words[256], *assigns[64];
	struct redir **tail = &n->redirs;
	int nw = 0, na = 0;

	while (!failed()) {
		struct token *t = peek();
		if (t->type == T_REDIR) {
			*tail = parse_redir();
			if (*tail) tail = &(*tail)->next;
		} else if (t->type == T_WORD) {
			if (nw == 0 && na < 64 && is_assignment(t->word))
				assigns[na++] = t->word;
			else if (nw < 255)
				words[nw++] = t->word;
			consume();
		} else
			break;
	}
	if (!nw && !na && !n->redirs) {
		unexpected();
		return 0;
	}
	n->words = arena_alloc((nw + 1) * sizeof(char *));
	memcpy(n->words, words, nw * sizeof(char *));
	n->words[nw] = 0;
	n->nwords = nw;
	n->assigns = arena_alloc((na + 1) * sizeof(char *));
	memcpy(n->assigns, assigns, na * sizeof(char *));
	n->nassigns = na;
	return n;
}

static struct node *parse_if(void)
{
	struct node *n = new_node(N_IF);
	consume();   /* if / elif */
	n->a = parse_list(0);
	if (!expect_kw("then")) return 0;
	n->b = parse_list(0);
	if (failed()) return 0;
	if (peek_kw("elif")) {
		n->c = parse_if();
		return n;   /* the innermost if consumed "fi" */
	}
	if (peek_kw("else")) {
		consume();
		n->c = parse_list(0);
	}
	if (!expect_kw("fi")) return 0;
	return n;
}

static struct node *parse_loop(int kind)
{
	struct node *n = new_node(kind);
	consume();
	n->a = parse_list(0);
	if (!expect_kw("do")) return 0;
	n->b = parse_list(0);
	if (!expect_kw("done")) return 0;
	return n;
}

static struct node *parse_for(void)
{
	struct node *n = new_node(N_FOR);
	char *items[256];
	int ni = 0;
	consume();
	if (peek()->type != T_WORD || !sh_is_name(peek()->word, strlen(peek()->word))) {
		unexpected();
		return 0;
	}
	n->var = peek()->word;
	consume();
	skip_newlines();
	if (peek_kw("in")) {
		consume();
		n->has_in = 1;
		while (!failed() && peek()->type == T_WORD && ni < 256) {
			items[ni++] = peek()->word;
			consume();
		}
	}
	if (peek()->type == T_SEMI || peek()->type == T_NEWLINE)
		consume();
	skip_newlines();
	n->items = arena_alloc((ni + 1) * sizeof(char *));
	memcpy(n->items, items, ni * sizeof(char *));
	n->nitems = ni;
	if (!expect_kw("do")) return 0;
	n->b = parse_list(0);
	if (!expect_kw("done")) return 0;
	return n;
}

static struct node *parse_case(void)
{
	struct node *n = new_node(N_CASE);
	struct case_item **tail = &n->cases;
	consume();
	if (peek()->type != T_WORD) { unexpected(); return 0; }
	n->words = arena_alloc(2 * sizeof(char *));
	n->words[0] = peek()->word;
	n->words[1] = 0;
	consume();
	skip_newlines();
	if (!expect_kw("in")) return 0;
	skip_newlines();
	while (!failed() && !peek_kw("esac")) {
		struct case_item *ci = arena_alloc(sizeof(*ci));
		char *pats[32];
		int np = 0;
		memset(ci, 0, sizeof(*ci));
		if (peek()->type == T_LPAREN)
			consume();
		for (;;) {
			if (peek()->type != T_WORD) { unexpected(); return 0; }
			if (np < 32) pats[np++] = peek()->word;
			consume();
			if (peek()->type != T_PIPE) break;
			consume();
		}
		if (peek()->type != T_RPAREN) { unexpected(); return 0; }
		consume();
		ci->pats = arena_alloc(np * sizeof(char *));
		memcpy(ci->pats, pats, np * sizeof(char *));
		ci->npats = np;
		ci->body = parse_list(2);
		*tail = ci;
		tail = &ci->next;
		if (peek()->type == T_DSEMI) {
			consume();
			skip_newlines();
		} else if (!peek_kw("esac")) {
			unexpected();
			return 0;
		}
	}
	if (!expect_kw("esac")) return 0;
	return n;
}

static struct node *parse_command(void)
{
	struct node *n = 0;
	struct token *t = peek();

	if (failed())
		return 0;
	if (t->type == T_LPAREN) {
		consume();
		n = new_node(N_SUBSHELL);
		n->a = parse_list(0);
		if (failed()) return 0;
		if (peek()->type != T_RPAREN) { unexpected(); return 0; }
		consume();
	} else if (peek_kw("{")) {
		consume();
		n = new_node(N_GROUP);
		n->a = parse_list(0);
		if (!expect_kw("}")) return 0;
	} else if (peek_kw("if"))
		n = parse_if();
	else if (peek_kw("while"))
		n = parse_loop(N_WHILE);
	else if (peek_kw("until"))
		n = parse_loop(N_UNTIL);
	else if (peek_kw("for"))
		n = parse_for();
	else if (peek_kw("case"))
		n = parse_case();
	else
		return parse_simple();
	if (n)
		parse_trailing_redirs(n);
	return failed() ? 0 : n;
}

static struct node *parse_pipeline(void)
{
	struct node *cmds[32], *n;
	int nc = 0, bang = 0;

	if (peek_kw("!")) {
		consume();
		bang = 1;
	}
	for (;;) {
		struct node *c = parse_command();
		if (!c) return 0;
		if (nc < 32) cmds[nc++] = c;
		if (peek()->type != T_PIPE) break;
		consume();
		skip_newlines();
	}
	if (nc == 1)
		n = cmds[0];
	else {
		n = new_node(N_PIPE);
		n->cmds = arena_alloc(nc * sizeof(*cmds));
		memcpy(n->cmds, cmds, nc * sizeof(*cmds));
		n->ncmds = nc;
	}
	if (bang) {
		struct node *b = new_node(N_NOT);
		b->a = n;
		n = b;
	}
	return n;
}

static char *source_text(int start, int end)
{
	while (end > start && (lx.src[end - 1] == ' ' || lx.src[end - 1] == '\t' || lx.src[end - 1] == '\n'))
		end--;
	return arena_strndup(lx.src + start, end - start);
}

static struct node *parse_and_or(void)
{
	int start = peek()->start;
	struct node *n = parse_pipeline();
	while (n && !failed() && (peek()->type == T_AND || peek()->type == T_OR)) {
		struct node *o = new_node(peek()->type == T_AND ? N_AND : N_OR);
		consume();
		skip_newlines();
		o->a = n;
		o->b = parse_pipeline();
		if (!o->b) return 0;
		n = o;
	}
	if (n)
		n->text = source_text(start, lx.have_tok ? lx.tok.start : lx.pos);
	return n;
}

/* top 1: a complete command, ended by a newline. Otherwise a compound
 * list, where newlines separate commands like ';'; top 2: one that may be
 * empty (a case item's). */
static struct node *parse_list(int top)
{
	struct node *list = 0;
	int sep;
	for (;;) {
		struct node *n;
		if (top != 1)
			skip_newlines();
		if (failed() || at_list_end())
			break;
		n = parse_and_or();
		if (!n) return 0;
		sep = peek()->type == T_SEMI || peek()->type == T_AMP;
		if (peek()->type == T_AMP) {
			struct node *b = new_node(N_BG);
			b->a = n;
			b->text = n->text;
			n = b;
		}
		if (sep)
			consume();
		if (list) {
			struct node *s = new_node(N_SEQ);
			s->a = list;
			s->b = n;
			list = s;
		} else
			list = n;
		if (peek()->type == T_NEWLINE) {
			if (top == 1) break;
			continue;
		}
		if (!sep && !at_list_end() && !failed()) {
			unexpected();   /* two commands with nothing between them */
			return 0;
		}
	}
	if (!list && !top && !failed())
		unexpected();   /* an empty compound list */
	return list;
}

/* Parses the first complete command of src. *consumed: how far it went
 * (including here-doc bodies). final: no more input can follow. */
static int parse_program_ex(const char *src, int final, int *consumed, struct node **out)
{
	memset(&lx, 0, sizeof(lx));
	lx.src = src;
	lx.len = strlen(src);
	lx.final = final;
	*out = 0;
	skip_newlines();
	if (peek()->type == T_EOF && !failed()) {
		*consumed = lx.pos;
		return P_EMPTY;
	}
	*out = parse_list(1);
	if (!failed()) {
		struct token *t = peek();
		if (t->type == T_NEWLINE)
			consume();
		else if (t->type != T_EOF)
			unexpected();
		else if (lx.nhd && !final)
			lex_more();
	}
	*consumed = lx.pos;
	if (lx.more)
		return P_MORE;
	if (lx.error) {
		/* skip the rest of the bad line */
		int p = lx.pos;
		while (p < lx.len && src[p] != '\n') p++;
		*consumed = p < lx.len ? p + 1 : p;
		return P_ERROR;
	}
	return P_OK;
}
