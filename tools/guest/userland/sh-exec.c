/* VirtLab guest shell: running the syntax tree. Redirections, simple
 * commands (builtin, $PATH, legacy built-in), pipelines, compound commands
 * and the loops. Anything that outlives one command is not in the arena. */

struct saved_fds { int n; int fd[16], copy[16]; };

/* Makes fd refer to what `newfd` refers to, remembering the old one in s. */
static void fd_move(int newfd, int fd, struct saved_fds *s)
{
	if (s && s->n < 16) {
		s->fd[s->n] = fd;
		s->copy[s->n] = sh_fcntl(fd, SH_F_DUPFD_CLOEXEC, 10);
		s->n++;
	}
	if (newfd < 0)
		close(fd);
	else if (newfd != fd) {
		dup2(newfd, fd);
		close(newfd);
	}
}

static void fds_restore(struct saved_fds *s)
{
	out_flush();
	while (s->n > 0) {
		s->n--;
		if (s->copy[s->n] >= 0) {
			dup2(s->copy[s->n], s->fd[s->n]);
			close(s->copy[s->n]);
		} else
			close(s->fd[s->n]);
	}
}

static int all_digits(const char *s)
{
	if (!*s) return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9') return 0;
	return 1;
}

/* A pipe whose read end yields text (here-documents and here-strings). */
static int text_pipe(const char *text)
{
	int fds[2], len = strlen(text);
	if (sh_pipe(fds) < 0)
		return -1;
	if (len <= 4096) {   /* fits in the pipe: no writer process needed */
		write(fds[1], text, len);
	} else if (fork() == 0) {
		close(fds[0]);
		while (len > 0) {
			int n = write(fds[1], text, len);
			if (n <= 0) break;
			text += n;
			len -= n;
		}
		exit(0);
	}
	close(fds[1]);
	return fds[0];
}

/* Applies the redirections; with s, the old fds are kept for fds_restore.
 * Returns 0 or 1 (after an error message). */
static int redirs_apply(struct redir *r, struct saved_fds *s)
{
	out_flush();
	for (; r; r = r->next) {
		int fd = -1;
		char *target = 0;
		if (r->op == R_HEREDOC)
			fd = text_pipe(r->expand ? expand_heredoc(r->word) : r->word);
		else {
			target = expand_word_noglob(r->word);
			if (sh_interrupted) return 1;
		}
		switch (r->op) {
		case R_HERESTR: {
			struct sbuf b = { 0 };
			sb_puts(&b, target);
			sb_putc(&b, '\n');
			fd = text_pipe(sb_str(&b));
			break;
		}
		case R_IN: fd = open(target, O_RDONLY, 0); break;
		case R_OUT: case R_CLOBBER: fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0666); break;
		case R_APPEND: fd = open(target, O_WRONLY | O_CREAT | O_APPEND, 0666); break;
		case R_RW: fd = open(target, O_RDWR | O_CREAT, 0666); break;
		case R_DUPIN: case R_DUPOUT:
			if (!strcmp(target, "-")) {
				fd_move(-1, r->fd, s);
				continue;
			}
			if (!all_digits(target)) {
				sh_error("%s: ambiguous redirect", target);
				return 1;
			}
			fd = atoi(target);
			if (fd == r->fd)
				continue;
			if (sh_fcntl(fd, 1 /* F_GETFD */, 0) < 0) {
				sh_error("%s: %s", target, errstr(EBADF));
				return 1;
			}
			fd = sh_fcntl(fd, SH_F_DUPFD_CLOEXEC, 10);
			break;
		}
		if (fd < 0) {
			sh_error("%s: %s", target ? target : "here-document", errstr(errno));
			return 1;
		}
		fd_move(fd, r->fd, s);
	}
	return 0;
}

/* Finds an executable for name in $PATH; 1 if found. */
static int lookup_path(const char *name, char *out, int size)
{
	const char *path = var_get("PATH"), *p;
	if (strchr(name, '/')) {
		strlcpy(out, name, size);
		return vaccess(out, 1) == 0;
	}
	if (!path) path = "/bin:/sbin:/usr/bin";
	for (p = path;; ) {
		const char *e = strchr(p, ':');
		int n = e ? e - p : (int)strlen(p);
		struct statx st;
		if (n + strlen(name) + 2 < (unsigned)size) {
			memcpy(out, p, n);
			if (!n) out[n++] = '.';
			out[n] = '/';
			strcpy(out + n + 1, name);
			if (vaccess(out, 1) == 0 && vstatx(out, 0, &st) == 0 && (st.stx_mode & S_IFMT) != S_IFDIR)
				return 1;
		}
		if (!e) return 0;
		p = e + 1;
	}
}

static void trace_command(char **argv, int argc, char **assigns, int na)
{
	int i;
	const char *ps4 = var_get("PS4");
	out_flush();
	out_fd = 2;
	out_str(ps4 ? ps4 : "+ ");
	for (i = 0; i < na; i++) outf("%s ", assigns[i]);
	for (i = 0; i < argc; i++) outf(i ? " %s" : "%s", argv[i]);
	out_char('\n');
	out_flush();
	out_fd = 1;
}

/* In a forked child: becomes the command. Never returns. */
static void exec_external(char **argv, int argc, const char *path, char **env)
{
	int legacy;
	const struct applet *app;
	if (path) {
		execve(path, argv, env);
		if (errno == ENOEXEC)   /* a script without #!: run it with this shell */
			exit(run_script_file(path, argv, argc));
		sh_error("%s: %s", argv[0], errstr(errno));
		exit(errno == ENOENT ? 127 : 126);
	}
	legacy = legacy_find(argv[0]);
	if (legacy >= 0)
		exit(legacy_run(legacy, argc, argv));
	app = find_applet(base_name(argv[0]));
	if (app) {
		set_name(app->name);
		exit(app->fn(argc, argv));
	}
	exit(127);
}

/* Runs an expanded command: builtin, then $PATH, then the legacy
 * built-ins. in_child: we are a forked child already, so exec directly. */
static int run_command(char **argv, int argc, char **assigns, int nassigns, struct redir *redirs,
		       const char *text, int in_child)
{
	char path[512];
	int i, bi, st, found, legacy = -1;
	struct saved_fds s = { 0 };

	bi = find_builtin_index(argv[0]);
	if (bi >= 0) {
		/* prefix assignments last for the builtin only */
		char *old[64];
		int na = nassigns < 64 ? nassigns : 64;
		for (i = 0; i < na; i++) {
			char name[128], *eq = strchr(assigns[i], '='), *v;
			strlcpy(name, assigns[i], eq - assigns[i] + 1 < 128 ? eq - assigns[i] + 1 : 128);
			v = var_get(name);
			old[i] = v ? arena_strndup(v, strlen(v)) : 0;
			var_assign(assigns[i], 0);
		}
		if (redirs_apply(redirs, builtin_is_exec(bi) && argc == 1 ? 0 : &s))
			st = 1;
		else
			st = builtin_run(bi, argc, argv);
		out_flush();
		fds_restore(&s);
		for (i = 0; i < na; i++) {
			char name[128], *eq = strchr(assigns[i], '=');
			strlcpy(name, assigns[i], eq - assigns[i] + 1 < 128 ? eq - assigns[i] + 1 : 128);
			if (old[i]) var_set(name, old[i], 0);
			else var_unset(name);
		}
		return st;
	}
	found = lookup_path(argv[0], path, sizeof(path));
	if (!found && !strchr(argv[0], '/'))
		legacy = legacy_find(argv[0]);
	if (!found && legacy < 0 && !find_applet(argv[0])) {
		if (strchr(argv[0], '/'))
			sh_error("%s: %s", argv[0], errstr(vaccess(argv[0], 0) < 0 ? ENOENT : EACCES));
		else
			sh_error("%s: command not found", argv[0]);
		if (redirs) {   /* the redirections still happen (files are created) */
			redirs_apply(redirs, &s);
			fds_restore(&s);
		}
		return strchr(argv[0], '/') && vaccess(argv[0], 0) == 0 ? 126 : 127;
	}
	if (in_child) {
		if (redirs_apply(redirs, 0)) exit(1);
		exec_external(argv, argc, found ? path : 0, env_build(assigns, nassigns));
	}
	{
		struct job *j = job_new(text ? text : argv[0]);
		int pid;
		if (!j) { sh_error("too many jobs"); return 1; }
		if (!text) {   /* name the job after the expanded words */
			struct sbuf b = { 0 };
			for (i = 0; i < argc; i++) { if (i) sb_putc(&b, ' '); sb_puts(&b, argv[i]); }
			strlcpy(j->text, sb_str(&b), sizeof(j->text));
		}
		pid = job_fork(j, 1);
		if (pid == 0) {
			if (redirs_apply(redirs, 0)) exit(1);
			exec_external(argv, argc, found ? path : 0, env_build(assigns, nassigns));
		}
		if (pid < 0) { job_free(j); return 1; }
		if (job_control()) tty_give(j->pgid);
		return job_wait_fg(j);
	}
}

static int exec_alias(struct node *n, const char *value)
{
	struct sbuf b = { 0 };
	struct saved_fds s = { 0 };
	int i, st;
	sb_puts(&b, value);
	for (i = 1; i < n->nwords; i++) {
		sb_putc(&b, ' ');
		sb_puts(&b, n->words[i]);
	}
	if (redirs_apply(n->redirs, &s)) {
		fds_restore(&s);
		return 1;
	}
	st = exec_string(sb_str(&b), sh_name);
	fds_restore(&s);
	return st;
}

static int exec_simple(struct node *n, int in_child)
{
	char **argv, **assigns;
	int argc, i, st;
	struct saved_fds s = { 0 };
	const char *alias;

	if (n->nwords && (alias = alias_get(n->words[0])) != 0) {
		/* expand each alias once: an alias may name the command it wraps */
		const char *a = alias;
		alias_block(n->words[0], 1);
		st = exec_alias(n, a);
		alias_block(n->words[0], 0);
		return st;
	}
	sh_subst_status = 0;   /* "x=$(false)" has the substitution's status */
	argv = expand_words(n->words, n->nwords, &argc);
	assigns = arena_alloc((n->nassigns + 1) * sizeof(char *));
	for (i = 0; i < n->nassigns; i++) {
		char *eq = strchr(n->assigns[i], '=');
		struct sbuf b = { 0 };
		sb_putn(&b, n->assigns[i], eq - n->assigns[i] + 1);
		sb_puts(&b, expand_word_noglob(eq + 1));
		assigns[i] = sb_str(&b);
	}
	if (sh_interrupted)
		return 1;
	if (sh_opt_x && (argc || n->nassigns))
		trace_command(argv, argc, assigns, n->nassigns);
	if (!argc) {   /* assignments and/or redirections only */
		st = sh_subst_status;
		for (i = 0; i < n->nassigns; i++)
			var_assign(assigns[i], 0);
		if (n->redirs) {
			if (redirs_apply(n->redirs, &s)) st = 1;
			fds_restore(&s);
		}
		return st;
	}
	return run_command(argv, argc, assigns, n->nassigns, n->redirs, n->text, in_child);
}

/* Runs cmds[0..n) connected by pipes, or one compound command in a child,
 * as one job. */
static int exec_pipeline(struct node **cmds, int ncmds, const char *text, int bg)
{
	struct job *j = job_new(text);
	int i, in = -1, fds[2], pid = 0;
	if (!j) { sh_error("too many jobs"); return 1; }
	for (i = 0; i < ncmds; i++) {
		fds[0] = fds[1] = -1;
		if (i + 1 < ncmds && sh_pipe(fds) < 0) {
			sh_error("pipe: %s", errstr(errno));
			break;
		}
		pid = job_fork(j, !bg);
		if (pid == 0) {
			if (in >= 0) { dup2(in, 0); close(in); }
			else if (bg && !job_control()) {
				int null = open("/dev/null", O_RDONLY, 0);   /* XCU 2.9.3 */
				if (null >= 0) fd_move(null, 0, 0);
			}
			if (fds[1] >= 0) { dup2(fds[1], 1); close(fds[1]); close(fds[0]); }
			exit(exec_node(cmds[i], 1));
		}
		if (in >= 0) close(in);
		if (fds[1] >= 0) close(fds[1]);
		in = fds[0];
		if (pid < 0) break;
	}
	if (in >= 0) close(in);
	if (!j->n) { job_free(j); return 1; }
	if (bg) {
		j->bg = 1;
		sh_last_bg = pid > 0 ? pid : j->pids[j->n - 1];
		if (sh_interactive && !sh_subshell)
			pr("[%d] %d\n", j->id, sh_last_bg);
		return 0;
	}
	if (job_control()) tty_give(j->pgid);
	return job_wait_fg(j);
}

static int exec_loop(struct node *n)
{
	int st = 0;
	for (;;) {
		unsigned mark = arena_mark();
		int c;
		sh_no_errexit++;
		c = exec_node(n->a, 0);
		sh_no_errexit--;
		if (sh_interrupted || sh_break || sh_exiting >= 0) { arena_release(mark); break; }
		if (n->kind == N_WHILE ? c != 0 : c == 0) { arena_release(mark); break; }
		st = exec_node(n->b, 0);
		arena_release(mark);
		if (sh_continue) { if (--sh_continue) break; continue; }
		if (sh_break) { sh_break--; break; }
		if (sh_interrupted || sh_exiting >= 0) break;
	}
	return st;
}

static int exec_for(struct node *n)
{
	char **items;
	int count, i, st = 0;
	if (n->has_in)
		items = expand_words(n->items, n->nitems, &count);
	else {
		items = pos_argv;
		count = pos_argc;
	}
	for (i = 0; i < count; i++) {
		unsigned mark = arena_mark();
		var_set(n->var, items[i], 0);
		st = exec_node(n->b, 0);
		arena_release(mark);
		if (sh_continue) { if (--sh_continue) break; continue; }
		if (sh_break) { sh_break--; break; }
		if (sh_interrupted || sh_exiting >= 0) break;
	}
	return st;
}

static int exec_case(struct node *n)
{
	char *word = expand_word_noglob(n->words[0]);
	struct case_item *ci;
	for (ci = n->cases; ci; ci = ci->next) {
		int i;
		for (i = 0; i < ci->npats; i++) {
			char *qf, *pat = expand_pattern(ci->pats[i], &qf);
			if (glob_match(pat, qf, word))
				return ci->body ? exec_node(ci->body, 0) : 0;
		}
	}
	return 0;
}

static int exec_compound(struct node *n, int in_child)
{
	int c;
	switch (n->kind) {
	case N_IF:
		sh_no_errexit++;
		c = exec_node(n->a, 0);
		sh_no_errexit--;
		if (sh_interrupted) return c;
		if (!c) return exec_node(n->b, 0);
		return n->c ? exec_node(n->c, 0) : 0;
	case N_WHILE: case N_UNTIL: return exec_loop(n);
	case N_FOR: return exec_for(n);
	case N_CASE: return exec_case(n);
	case N_GROUP: return exec_node(n->a, 0);
	case N_SUBSHELL:
		if (in_child) return exec_node(n->a, 1);
		{
			struct node *cmds[1] = { n->a };
			return exec_pipeline(cmds, 1, n->text ? n->text : "( ... )", 0);
		}
	}
	return 0;
}

static int exec_node(struct node *n, int in_child)
{
	int st = 0;
	struct saved_fds s = { 0 };
	if (got_sigint && job_control() && !sh_interrupted) {
		/* Ctrl-C while the shell itself ran (a loop of builtins): stop here */
		pr("\n");
		sh_interrupted = 1;
		sh_status = 130;
	}
	if (!n || sh_interrupted || sh_exiting >= 0)
		return sh_status;
	switch (n->kind) {
	case N_CMD:
		st = exec_simple(n, in_child);
		break;
	case N_PIPE:
		st = exec_pipeline(n->cmds, n->ncmds, n->text, 0);
		break;
	case N_AND: case N_OR:
		sh_no_errexit++;
		st = exec_node(n->a, 0);
		sh_no_errexit--;
		if (!sh_interrupted && (n->kind == N_AND ? st == 0 : st != 0))
			st = exec_node(n->b, 0);
		sh_status = st;
		return st;   /* set -e does not look at a && b || c as a whole */
	case N_SEQ:
		exec_node(n->a, 0);
		if (sh_break || sh_continue) return sh_status;
		return exec_node(n->b, in_child);
	case N_BG: {
		struct node *cmds[1] = { n->a };
		st = exec_pipeline(cmds, 1, n->text, 1);
		break;
	}
	case N_NOT:
		sh_no_errexit++;
		st = !exec_node(n->a, 0);
		sh_no_errexit--;
		sh_status = st;
		return st;
	default:
		if (n->redirs && redirs_apply(n->redirs, &s)) {
			fds_restore(&s);
			st = 1;
			break;
		}
		st = exec_compound(n, in_child);
		fds_restore(&s);
		break;
	}
	sh_status = st;
	if (st && sh_opt_e && !sh_no_errexit && !sh_interrupted && n->kind != N_SEQ)
		sh_exiting = st;
	return st;
}

/* Runs every command of text (sh -c, eval, ., $(...), aliases). */
static int exec_string(const char *text, const char *name)
{
	int off = 0, len = strlen(text);
	while (off < len && !sh_interrupted && sh_exiting < 0) {
		unsigned mark = arena_mark();
		struct node *tree;
		int used, r = parse_program_ex(text + off, 1, &used, &tree);
		off += used;
		if (r == P_EMPTY) { arena_release(mark); break; }
		if (r == P_ERROR) {
			sh_status = 2;
			arena_release(mark);
			if (!sh_interactive) { sh_exiting = 2; break; }
			continue;
		}
		exec_node(tree, 0);
		arena_release(mark);
		if (used == 0) break;
	}
	if (sh_exiting >= 0 && sh_subshell)
		return sh_exiting;
	return sh_status;
}
