/* VirtLab guest shell: the line editor for a terminal (raw mode, our own
 * echo), history, Tab completion and the prompt (PS1/PS2).
 * The host drives this console by typing a line and reading up to the next
 * prompt (tools/lib/domain-session.ts), so a typed line is echoed as typed,
 * followed by "\r\n", and the prompt is printed only when input is wanted. */

#define LINE_MAX_ 512
#define HIST 100

static char hist[HIST][LINE_MAX_];
static int hist_count;   /* total lines ever added; hist[i % HIST] */
static struct termios tty_raw_modes;

static int strstr_simple(const char *s, const char *w)
{
	int l = strlen(w);
	for (; *s; s++)
		if (!strncmp(s, w, l)) return 1;
	return 0;
}

static void hist_add(const char *line)
{
	const char *p = line;
	while (*p == ' ' || *p == '\t') p++;
	if (!*p || (hist_count && !strcmp(hist[(hist_count - 1) % HIST], line)))
		return;
	strlcpy(hist[hist_count % HIST], line, LINE_MAX_);
	hist_count++;
}

/* A command typed over several lines becomes one history line: the lines
 * joined by "; ", or by " " after a word or operator that continues the
 * command (do, then, |, && ...). A here-document keeps its first line. */
static void hist_add_command(const char *text, int len)
{
	static const char *const cont[] = { "do", "then", "else", "{", "(", "|", "&&", "||", "in", 0 };
	char line[LINE_MAX_];
	int n = 0, i = 0, k;
	while (len > 0 && text[len - 1] == '\n') len--;
	while (i < len && n < LINE_MAX_ - 3) {
		if (text[i] != '\n') { line[n++] = text[i++]; continue; }
		line[n] = 0;
		if (strstr_simple(line, "<<")) break;
		for (k = 0; cont[k]; k++) {
			int l = strlen(cont[k]);
			if (n >= l && !strcmp(line + n - l, cont[k]) && (n == l || line[n - l - 1] == ' ' || line[n - l - 1] == '\t' || !sh_is_name(cont[k], l)))
				break;
		}
		if (!cont[k] && n && line[n - 1] != ';') line[n++] = ';';
		line[n++] = ' ';
		i++;
	}
	line[n] = 0;
	hist_add(line);
}

static int b_history(int argc, char **argv)
{
	int i = hist_count > HIST ? hist_count - HIST : 0;
	if (argc > 1 && !strcmp(argv[1], "-c")) {
		hist_count = 0;
		return 0;
	}
	for (; i < hist_count; i++)
		outf("%5d  %s\n", i + 1, hist[i % HIST]);
	out_flush();
	return 0;
}

/* PS1/PS2 with bash's \u \h \w \W \$ \n \\ escapes. \w is the full path
 * (no ~), so the default prompt shows where you are as it always did. */
static void prompt_expand(const char *ps, char *buf, int size)
{
	struct sbuf b = { 0 };
	char cwd[256];
	struct utsname_k u;
	for (; *ps; ps++) {
		if (*ps != '\\' || !ps[1]) { sb_putc(&b, *ps); continue; }
		switch (*++ps) {
		case 'u': {
			const char *user = var_get("USER");
			if (sh_getuid() == 0) sb_puts(&b, "root");
			else if (user) sb_puts(&b, user);
			else sb_puts(&b, itoa_arena(sh_getuid()));
			break;
		}
		case 'h': case 'H':
			if (vuname(&u) < 0) strcpy(u.nodename, "?");
			if (*ps == 'h' && strchr(u.nodename, '.')) *strchr(u.nodename, '.') = 0;
			sb_puts(&b, u.nodename);
			break;
		case 'w': case 'W':
			if (vgetcwd(cwd, sizeof(cwd)) < 0) strcpy(cwd, "?");
			sb_puts(&b, *ps == 'W' && strcmp(cwd, "/") ? base_name(cwd) : cwd);
			break;
		case '$': sb_putc(&b, sh_getuid() == 0 ? '#' : '$'); break;
		case 'n': sb_putc(&b, '\n'); break;
		case 's': sb_puts(&b, "sh"); break;
		case '[': case ']': break;
		case '\\': sb_putc(&b, '\\'); break;
		default: sb_putc(&b, '\\'); sb_putc(&b, *ps);
		}
	}
	strlcpy(buf, sb_str(&b), size);
}

static void redraw(const char *prompt, const char *line, int len, int pos)
{
	const char *last = strrchr(prompt, '\n');   /* only the prompt's last line is redrawn */
	out_char('\r');
	out_str(last ? last + 1 : prompt);
	out_mem(line, len);
	out_str("\x1b[K");
	if (len > pos)
		outf("\x1b[%dD", len - pos);
	out_flush();
}

/* ---- Tab completion */
struct cands { char **v; int n, cap; };

static void cand_add(struct cands *c, const char *s, int len, int dir)
{
	int i;
	char *str;
	for (i = 0; i < c->n; i++)
		if (!strncmp(c->v[i], s, len) && (int)strlen(c->v[i]) == len + dir)
			return;   /* already there (a name in two $PATH dirs) */
	if (c->n == c->cap) {
		char **nv = arena_alloc((c->cap ? c->cap * 2 : 32) * sizeof(char *));
		if (c->n) memcpy(nv, c->v, c->n * sizeof(char *));
		c->v = nv;
		c->cap = c->cap ? c->cap * 2 : 32;
	}
	str = arena_alloc(len + 2);
	memcpy(str, s, len);
	if (dir) str[len++] = '/';
	str[len] = 0;
	c->v[c->n++] = str;
}

/* Entries of dir starting with prefix; exec_only: executables only (commands). */
static void cand_dir(struct cands *c, const char *dir, const char *prefix, int plen, int exec_only)
{
	char dbuf[1024], path[512];
	int fd = open(*dir ? dir : ".", O_RDONLY | O_DIRECTORY, 0), n;
	if (fd < 0) return;
	while ((n = getdents64(fd, (void *)dbuf, sizeof(dbuf))) > 0) {
		int off = 0;
		while (off < n) {
			struct linux_dirent64 *d = (void *)(dbuf + off);
			struct statx st;
			int isdir;
			off += d->d_reclen;
			if (strncmp(d->d_name, prefix, plen)) continue;
			if (d->d_name[0] == '.' && prefix[0] != '.') continue;
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..")) continue;
			strlcpy(path, *dir ? dir : ".", sizeof(path));
			strlcat(path, "/", sizeof(path));
			strlcat(path, d->d_name, sizeof(path));
			isdir = vstatx(path, 0, &st) == 0 && (st.stx_mode & S_IFMT) == S_IFDIR;
			if (exec_only && (isdir || vaccess(path, 1) < 0)) continue;
			cand_add(c, d->d_name, strlen(d->d_name), isdir);
		}
	}
	close(fd);
}

static void cand_commands(struct cands *c, const char *w, int wl)
{
	const char *path = var_get("PATH"), *p;
	int i;
	for (i = 0; builtins[i].name; i++)
		if (!strncmp(builtins[i].name, w, wl)) cand_add(c, builtins[i].name, strlen(builtins[i].name), 0);
	for (i = 0; i < MAX_ALIASES; i++)
		if (aliases[i].name && !strncmp(aliases[i].name, w, wl)) cand_add(c, aliases[i].name, strlen(aliases[i].name), 0);
	legacy_complete(c, w, wl);
	for (p = path ? path : ""; *p; ) {
		const char *e = strchr(p, ':');
		int n = e ? e - p : (int)strlen(p);
		cand_dir(c, arena_strndup(p, n), w, wl, 1);
		if (!e) break;
		p = e + 1;
	}
}

/* Completes the word before pos; second: the previous key was Tab too.
 * Returns the new length; may print the candidates. */
static int complete(const char *prompt, char *line, int len, int *pos, int second)
{
	unsigned mark = arena_mark();
	struct cands c = { 0 };
	int start = *pos, cmdpos, i, common, wl, dirlen;
	const char *w, *slash;

	while (start > 0 && !strchr(" \t;|&<>()", line[start - 1])) start--;
	i = start;
	while (i > 0 && (line[i - 1] == ' ' || line[i - 1] == '\t')) i--;
	cmdpos = i == 0 || strchr(";|&(", line[i - 1]);
	w = arena_strndup(line + start, *pos - start);
	wl = *pos - start;
	slash = strrchr(w, '/');
	if (cmdpos && !slash)
		cand_commands(&c, w, wl);
	else {
		char *dir = slash ? arena_strndup(w, slash - w + 1) : "";
		const char *base = slash ? slash + 1 : w;
		cand_dir(&c, dir, base, strlen(base), 0);
	}
	dirlen = slash ? slash - w + 1 : 0;
	if (!c.n) { arena_release(mark); return len; }
	/* longest common prefix of the candidates */
	common = strlen(c.v[0]);
	for (i = 1; i < c.n; i++) {
		int k = 0;
		while (k < common && c.v[i][k] == c.v[0][k]) k++;
		common = k;
	}
	if (common > wl - dirlen || c.n == 1) {
		char ins[LINE_MAX_];
		int n = common - (wl - dirlen);
		memcpy(ins, c.v[0] + (wl - dirlen), n);
		if (c.n == 1 && (n == 0 || ins[n - 1] != '/'))
			ins[n++] = ' ';
		if (len + n < LINE_MAX_ - 1) {
			memmove(line + *pos + n, line + *pos, len - *pos);
			memcpy(line + *pos, ins, n);
			len += n;
			*pos += n;
		}
	} else if (second) {
		int col = 0;
		for (i = 1; i < c.n; i++) {   /* sorted, like ls */
			char *k = c.v[i];
			int j = i - 1;
			while (j >= 0 && strcmp(c.v[j], k) > 0) { c.v[j + 1] = c.v[j]; j--; }
			c.v[j + 1] = k;
		}
		out_str("\r\n");
		for (i = 0; i < c.n; i++) {
			int l = strlen(c.v[i]);
			if (col && col + l + 2 > 78) { out_str("\r\n"); col = 0; }
			out_str(c.v[i]);
			out_str("  ");
			col += l + 2;
		}
		out_str("\r\n");
		out_str(prompt);
		out_mem(line, len);
		if (len > *pos) outf("\x1b[%dD", len - *pos);
		out_flush();
		arena_release(mark);
		return len;
	}
	arena_release(mark);
	redraw(prompt, line, len, *pos);
	return len;
}

/* Reads one edited line (without the newline). Returns its length, -1 at
 * EOF (terminal gone), -2 when Ctrl-C abandoned it. */
static int read_line_tty(const char *prompt, char *line)
{
	char c, seq[4];
	int len = 0, pos = 0, hidx = hist_count, n, tabs = 0;
	struct termios raw = sh_tty_modes;

	raw.c_lflag &= ~(ICANON | ECHO | ISIG | IEXTEN);
	raw.c_iflag &= ~(IXON | ICRNL | INLCR | IGNCR);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tty_raw_modes = raw;
	tty_set(sh_ttyfd, &raw);

	out_str(prompt);
	out_flush();
	for (;;) {
		n = read(0, &c, 1);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			tty_set(sh_ttyfd, &sh_tty_modes);
			return -1;
		}
		tabs = c == '\t' ? tabs + 1 : 0;
		switch (c) {
		case '\r': case '\n':
			out_str("\r\n");
			out_flush();
			line[len] = 0;
			tty_set(sh_ttyfd, &sh_tty_modes);
			return len;
		case 3:   /* Ctrl-C: abandon the line */
			out_str("^C\r\n");
			out_flush();
			tty_set(sh_ttyfd, &sh_tty_modes);
			return -2;
		case '\t':
			len = complete(prompt, line, len, &pos, tabs > 1);
			break;
		case 4:   /* Ctrl-D: delete under cursor; ignored on an empty line (init would respawn us) */
			if (pos < len) {
				memmove(line + pos, line + pos + 1, len - pos - 1);
				len--;
				redraw(prompt, line, len, pos);
			}
			break;
		case 127: case 8:   /* Backspace / DEL */
			if (pos > 0) {
				memmove(line + pos - 1, line + pos, len - pos);
				len--;
				pos--;
				if (pos == len) {
					out_str("\b \b");
					out_flush();
				} else
					redraw(prompt, line, len, pos);
			}
			break;
		case 21:  /* Ctrl-U: kill line */
			len = pos = 0;
			redraw(prompt, line, len, pos);
			break;
		case 11:  /* Ctrl-K: kill to end */
			len = pos;
			redraw(prompt, line, len, pos);
			break;
		case 23:  /* Ctrl-W: kill the word before the cursor */
			n = pos;
			while (n > 0 && line[n - 1] == ' ') n--;
			while (n > 0 && line[n - 1] != ' ') n--;
			memmove(line + n, line + pos, len - pos);
			len -= pos - n;
			pos = n;
			redraw(prompt, line, len, pos);
			break;
		case 1:   /* Ctrl-A */
			pos = 0;
			redraw(prompt, line, len, pos);
			break;
		case 5:   /* Ctrl-E */
			pos = len;
			redraw(prompt, line, len, pos);
			break;
		case 12:  /* Ctrl-L: clear screen */
			out_str("\x1b[H\x1b[2J");
			redraw(prompt, line, len, pos);
			break;
		case 27:  /* escape sequences: arrows, Home/End, Delete */
			if (read(0, &seq[0], 1) != 1)
				break;
			if (seq[0] != '[' && seq[0] != 'O')
				break;
			if (read(0, &seq[1], 1) != 1)
				break;
			if (seq[1] >= '0' && seq[1] <= '9') {
				if (read(0, &seq[2], 1) != 1 || seq[2] != '~')
					break;
				if (seq[1] == '3' && pos < len) {
					memmove(line + pos, line + pos + 1, len - pos - 1);
					len--;
				} else if (seq[1] == '1' || seq[1] == '7')
					pos = 0;
				else if (seq[1] == '4' || seq[1] == '8')
					pos = len;
			} else if (seq[1] == 'C') {
				if (pos < len) pos++;
			} else if (seq[1] == 'D') {
				if (pos > 0) pos--;
			} else if (seq[1] == 'H') {
				pos = 0;
			} else if (seq[1] == 'F') {
				pos = len;
			} else if (seq[1] == 'A' || seq[1] == 'B') {
				int oldest = hist_count > HIST ? hist_count - HIST : 0;
				if (seq[1] == 'A' && hidx > oldest)
					hidx--;
				else if (seq[1] == 'B' && hidx < hist_count)
					hidx++;
				else
					break;
				if (hidx == hist_count)
					len = 0;
				else {
					strcpy(line, hist[hidx % HIST]);
					len = strlen(line);
				}
				pos = len;
			}
			redraw(prompt, line, len, pos);
			break;
		default:
			if ((unsigned char)c < 32 || len >= LINE_MAX_ - 1)
				break;
			memmove(line + pos + 1, line + pos, len - pos);
			line[pos++] = c;
			len++;
			if (pos == len) {
				out_char(c);
				out_flush();
			} else
				redraw(prompt, line, len, pos);
		}
	}
}

/* Non-tty input: one line, read a byte at a time so that commands that
 * read stdin themselves (read, cat) get what follows. -1 at EOF. */
static int read_line_plain(int fd, struct sbuf *b)
{
	char c;
	int n, got = 0;
	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return got ? 0 : -1;
		got = 1;
		sb_putc(b, c);
		if (c == '\n')
			return 0;
	}
}
