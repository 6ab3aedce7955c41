/* VirtLab guest shell: word expansion (XCU 2.6): parameters, command
 * substitution, arithmetic, field splitting, pathname expansion and quote
 * removal, done on the raw word text the lexer kept. */

#define X_SPLIT 1     /* split unquoted expansion results into fields, glob */
#define X_HEREDOC 2   /* here-doc body: quotes are literal */

struct expander {
	int flags;
	struct sbuf cur, qf;   /* the field being built and its quoted flags */
	int has_field;         /* cur is a field even if empty ("" or a character) */
	int drop_empty;        /* "$@" with no parameters */
	struct glob_out out;
};

static int arith_eval(const char *expr, long *result);

static void x_add(struct expander *x, const char *s, int n, int quoted)
{
	int i;
	sb_putn(&x->cur, s, n);
	for (i = 0; i < n; i++)
		sb_putc(&x->qf, quoted ? '1' : '0');
	if (n) x->has_field = 1;
}

static void x_end_field(struct expander *x)
{
	char *s, *q;
	if (!x->has_field) return;
	s = sb_str(&x->cur);
	q = sb_str(&x->qf);
	if ((x->flags & X_SPLIT) && has_glob_chars(s, q, x->cur.len) && glob_expand(s, q, &x->out))
		;
	else if (!(x->drop_empty && !x->cur.len))
		glob_add(&x->out, s);
	memset(&x->cur, 0, sizeof(x->cur));
	memset(&x->qf, 0, sizeof(x->qf));
	x->has_field = 0;
}

static int is_ifs(char c)
{
	const char *ifs = var_get("IFS");
	return strchr(ifs ? ifs : " \t\n", c) != 0 && c;
}

/* An expansion's result: in quotes as it is, otherwise split into fields. */
static void x_value(struct expander *x, const char *v, int quoted)
{
	if (quoted || !(x->flags & X_SPLIT)) {
		x_add(x, v, strlen(v), quoted);
		return;
	}
	for (; *v; v++) {
		if (is_ifs(*v))
			x_end_field(x);
		else
			x_add(x, v, 1, 0);
	}
}

/* Runs `cmd` in a child and returns its output without trailing newlines. */
static char *command_subst(const char *cmd)
{
	int fds[2], pid, n, st = 0;
	struct sbuf b = { 0 };
	char buf[512];

	if (sh_pipe(fds) < 0) {
		sh_error("pipe: %s", errstr(errno));
		return "";
	}
	out_flush();
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		close(fds[1]);
		sh_interactive = 0;
		sh_subshell = 1;
		exit(exec_string(cmd, "sh"));
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR) continue;
			break;
		}
		sb_putn(&b, buf, n);
	}
	close(fds[0]);
	if (pid > 0) {
		while (vwait(pid, &st, 0) == -EINTR)
			;
		sh_subst_status = W_SIGNALED(st) ? 128 + W_TERMSIG(st) : W_EXITCODE(st);
	}
	while (b.len && b.s[b.len - 1] == '\n')
		b.len--;
	return sb_str(&b);
}

static char *itoa_arena(long v)
{
	char tmp[24];
	int n = 0, neg = v < 0;
	unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;
	do { tmp[n++] = '0' + u % 10; u /= 10; } while (u);
	{
		char *s = arena_alloc(n + 2), *o = s;
		if (neg) *o++ = '-';
		while (n) *o++ = tmp[--n];
		*o = 0;
		return s;
	}
}

/* $name, $1, $?...; NULL when unset. */
static char *special_param(const char *name)
{
	char c = name[0];
	if (!name[1] || (c >= '0' && c <= '9')) {
		switch (c) {
		case '?': return itoa_arena(sh_status);
		case '$': return itoa_arena(sh_pid);
		case '!': return sh_last_bg ? itoa_arena(sh_last_bg) : "";
		case '#': return itoa_arena(pos_argc);
		case '-': return sh_opt_e ? (sh_opt_x ? "ex" : "e") : (sh_opt_x ? "x" : (sh_interactive ? "i" : ""));
		case '0': if (!name[1]) return (char *)pos_zero; break;
		}
		if (c >= '1' && c <= '9') {
			int i = atoi(name);
			return i <= pos_argc ? pos_argv[i - 1] : 0;
		}
		if (c == '*' || c == '@') {
			struct sbuf b = { 0 };
			int i;
			for (i = 0; i < pos_argc; i++) {
				if (i) sb_putc(&b, ' ');
				sb_puts(&b, pos_argv[i]);
			}
			return sb_str(&b);
		}
	}
	return var_get(name);
}

/* Strips the shortest/longest prefix or suffix matching pat. */
static char *strip_pattern(const char *v, const char *pat, int suffix, int longest)
{
	int n = strlen(v), i;
	char *tmp = arena_strndup(v, n);
	if (!suffix) {
		for (i = longest ? n : 0; longest ? i >= 0 : i <= n; i += longest ? -1 : 1) {
			char save = tmp[i];
			tmp[i] = 0;
			if (glob_match(pat, 0, tmp)) {
				tmp[i] = save;
				return tmp + i;
			}
			tmp[i] = save;
		}
	} else {
		for (i = longest ? 0 : n; longest ? i <= n : i >= 0; i += longest ? 1 : -1)
			if (glob_match(pat, 0, v + i))
				return arena_strndup(v, i);
	}
	return tmp;
}

/* ${...}: body is the text between the braces. */
static void x_braced(struct expander *x, const char *body, int quoted)
{
	int n = 0, colon = 0;
	char name[64], op = 0, *val;
	const char *word = "";

	if (body[0] == '#' && body[1]) {   /* ${#name} */
		val = special_param(body + 1);
		x_value(x, itoa_arena(val ? strlen(val) : 0), quoted);
		return;
	}
	if (sh_is_name(body, 1))
		while (sh_is_name(body, n + 1) && n < 63) n++;
	else if (body[0] >= '0' && body[0] <= '9')
		while (body[n] >= '0' && body[n] <= '9' && n < 63) n++;
	else if (body[0] && strchr("?$!#@*-0", body[0]))
		n = 1;
	if (!n) {
		sh_error("${%s}: bad substitution", body);
		return;
	}
	memcpy(name, body, n);
	name[n] = 0;
	val = special_param(name);
	if (body[n] == ':') { colon = 1; n++; }
	if (body[n]) {
		op = body[n];
		word = body + n + 1;
		if ((op == '#' || op == '%') && *word == op) { op = op == '#' ? 'P' : 'S'; word++; }
		if (!strchr("-=+?#%PS", op)) {
			sh_error("${%s}: bad substitution", body);
			return;
		}
	}
	switch (op) {
	case '-': case '=':
		if (!val || (colon && !*val)) {
			val = expand_word_noglob(word);
			if (op == '=' && sh_is_name(name, strlen(name)))
				var_set(name, val, 0);
		}
		break;
	case '+':
		val = (!val || (colon && !*val)) ? "" : expand_word_noglob(word);
		break;
	case '?':
		if (!val || (colon && !*val)) {
			sh_error("%s: %s", name, *word ? expand_word_noglob(word) : "parameter not set");
			sh_exiting = sh_interactive ? -1 : 1;
			sh_interrupted = 1;
			val = "";
		}
		break;
	case '#': case 'P': case '%': case 'S':
		if (val)
			val = strip_pattern(val, expand_word_noglob(word), op == '%' || op == 'S', op == 'P' || op == 'S');
		break;
	}
	if (val)
		x_value(x, val, quoted);
}

/* Expands the $ construct at w[0]; returns how many characters it used. */
static int x_dollar(struct expander *x, const char *w, int quoted)
{
	int end;
	if (w[1] == '(' && w[2] == '(') {   /* $((expr)) */
		long v = 0;
		lx.src = w; lx.len = strlen(w);
		end = skip_parens(2);
		if (end < 0 || w[end - 2] != ')') { x_add(x, "$", 1, quoted); return 1; }
		if (arith_eval(expand_word_noglob(arena_strndup(w + 3, end - 5)), &v) < 0) {
			sh_status = 2;
			sh_interrupted = 1;   /* an expansion error ends the command line (XCU 2.8.1) */
		}
		x_value(x, itoa_arena(v), quoted);
		return end;
	}
	if (w[1] == '(') {
		lx.src = w; lx.len = strlen(w);
		end = skip_parens(2);
		if (end < 0) end = lx.len;
		x_value(x, command_subst(arena_strndup(w + 2, end - 3)), quoted);
		return end;
	}
	if (w[1] == '{') {
		lx.src = w; lx.len = strlen(w);
		end = skip_braces(2);
		if (end < 0) end = lx.len;
		x_braced(x, arena_strndup(w + 2, end - 3), quoted);
		return end;
	}
	if (w[1] == '@' && quoted && (x->flags & X_SPLIT)) {   /* "$@": one field per parameter */
		int i;
		for (i = 0; i < pos_argc; i++) {
			if (i) x_end_field(x);
			x_add(x, pos_argv[i], strlen(pos_argv[i]), 1);
			x->has_field = 1;
		}
		if (!pos_argc) x->drop_empty = 1;
		return 2;
	}
	if (w[1] && strchr("?$!#@*-0123456789", w[1])) {
		char name[2] = { w[1], 0 };
		char *v = special_param(name);
		if (v) x_value(x, v, quoted);
		return 2;
	}
	if (sh_is_name(w + 1, 1)) {
		char name[128];
		int n = 1;
		char *v;
		while (sh_is_name(w + 1, n + 1) && n < 127) n++;
		memcpy(name, w + 1, n);
		name[n] = 0;
		v = var_get(name);
		if (v) x_value(x, v, quoted);
		return n + 1;
	}
	x_add(x, "$", 1, quoted);
	return 1;
}

/* `...`: returns the characters used. */
static int x_backquote(struct expander *x, const char *w, int quoted)
{
	struct sbuf cmd = { 0 };
	int i = 1;
	for (; w[i] && w[i] != '`'; i++) {
		if (w[i] == '\\' && w[i + 1] && strchr("$`\\", w[i + 1]))
			i++;
		sb_putc(&cmd, w[i]);
	}
	x_value(x, command_subst(sb_str(&cmd)), quoted);
	return w[i] ? i + 1 : i;
}

static void x_word(struct expander *x, const char *w)
{
	int dq = 0;
	/* tilde prefix (XCU 2.6.1), only the plain ~ and ~/... forms */
	if (w[0] == '~' && (!w[1] || w[1] == '/') && !(x->flags & X_HEREDOC)) {
		const char *home = var_get("HOME");
		x_add(x, home ? home : "~", strlen(home ? home : "~"), 1);
		w++;
	}
	while (*w) {
		char c = *w;
		if (c == '\\') {
			if (w[1] == '\n') { w += 2; continue; }
			if (!w[1]) { x_add(x, w, 1, 1); w++; continue; }
			if ((dq || (x->flags & X_HEREDOC)) && !strchr("$`\"\\", w[1])) {
				x_add(x, w, 1, 1);   /* in "..." a backslash before other characters stays */
				w++;
				continue;
			}
			if ((x->flags & X_HEREDOC) && w[1] == '"') { x_add(x, w, 2, 1); w += 2; continue; }
			x_add(x, w + 1, 1, 1);
			w += 2;
		} else if (c == '\'' && !dq && !(x->flags & X_HEREDOC)) {
			const char *e = strchr(w + 1, '\'');
			if (!e) e = w + strlen(w);
			x_add(x, w + 1, e - w - 1, 1);
			x->has_field = 1;
			w = *e ? e + 1 : e;
		} else if (c == '"' && !(x->flags & X_HEREDOC)) {
			dq = !dq;
			x->has_field = 1;
			w++;
		} else if (c == '$') {
			w += x_dollar(x, w, dq || (x->flags & X_HEREDOC));
		} else if (c == '`') {
			w += x_backquote(x, w, dq || (x->flags & X_HEREDOC));
		} else {
			x_add(x, w, 1, dq || (x->flags & X_HEREDOC));
			w++;
		}
	}
}

/* Command words: expanded, split and globbed into a NULL-terminated argv. */
static char **expand_words(char **raw, int n, int *count)
{
	struct expander x;
	int i;
	memset(&x, 0, sizeof(x));
	x.flags = X_SPLIT;
	for (i = 0; i < n && !sh_interrupted; i++) {
		x.drop_empty = 0;
		x_word(&x, raw[i]);
		x_end_field(&x);
	}
	glob_add(&x.out, 0);
	*count = x.out.n - 1;
	return x.out.v;
}

/* One string: no field splitting, no pathname expansion (assignments,
 * redirection targets, case words). */
static char *expand_word_noglob(const char *raw)
{
	struct expander x;
	memset(&x, 0, sizeof(x));
	x_word(&x, raw);
	return sb_str(&x.cur);
}

/* A case pattern: *qf gets the quoted flags. */
static char *expand_pattern(const char *raw, char **qf)
{
	struct expander x;
	memset(&x, 0, sizeof(x));
	x_word(&x, raw);
	*qf = sb_str(&x.qf);
	return sb_str(&x.cur);
}

static char *expand_heredoc(const char *body)
{
	struct expander x;
	memset(&x, 0, sizeof(x));
	x.flags = X_HEREDOC;
	x_word(&x, body);
	return sb_str(&x.cur);
}
