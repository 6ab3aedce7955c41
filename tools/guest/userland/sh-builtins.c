/* VirtLab guest shell: the built-in commands that change or report the
 * shell's own state (cd, variables, options, aliases, history, jobs).
 * printf, read, test and kill are in sh-builtins-io.c. */

static int b_printf(int argc, char **argv);
static int b_read(int argc, char **argv);
static int b_test(int argc, char **argv);
static int b_kill(int argc, char **argv);
static int b_history(int argc, char **argv);
static int b_help(int argc, char **argv);

static void sh_error(const char *fmt, ...)
{
	va_list ap;
	out_flush();
	out_fd = 2;
	outf("%s: ", sh_name);
	va_start(ap, fmt);
	vout(fmt, ap);
	va_end(ap);
	out_char('\n');
	out_flush();
	out_fd = 1;
}

static int b_true(int argc, char **argv) { return 0; }
static int b_false(int argc, char **argv) { return 1; }

static int b_echo(int argc, char **argv)
{
	int i = 1, nl = 1, esc = 0;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *o = argv[i] + 1;
		while (*o == 'n' || *o == 'e' || *o == 'E') o++;
		if (*o) break;   /* not an option: print it */
		for (o = argv[i] + 1; *o; o++) {
			if (*o == 'n') nl = 0;
			else esc = *o == 'e';
		}
	}
	for (; i < argc; i++) {
		if (esc) {
			if (print_escaped(argv[i], 1)) { out_flush(); return 0; }
		} else
			out_str(argv[i]);
		if (i + 1 < argc) out_char(' ');
	}
	if (nl) out_char('\n');
	out_flush();
	return 0;
}

static int b_cd(int argc, char **argv)
{
	char cwd[512], old[512];
	const char *dir = argc > 1 ? argv[1] : var_get("HOME");
	int print = 0;
	if (!dir || !*dir) dir = "/root";
	if (!strcmp(dir, "-")) {
		dir = var_get("OLDPWD");
		if (!dir) { sh_error("cd: OLDPWD not set"); return 1; }
		print = 1;
	}
	if (vgetcwd(old, sizeof(old)) < 0) old[0] = 0;
	if (chdir(dir) < 0) {
		sh_error("cd: %s: %s", dir, errstr(errno));
		return 1;
	}
	if (vgetcwd(cwd, sizeof(cwd)) < 0) strlcpy(cwd, dir, sizeof(cwd));
	var_set("OLDPWD", old, 0);
	var_set("PWD", cwd, 0);
	if (print) pr("%s\n", cwd);
	return 0;
}

static int b_pwd(int argc, char **argv)
{
	char cwd[512];
	if (vgetcwd(cwd, sizeof(cwd)) < 0) {
		sh_error("pwd: %s", errstr(errno));
		return 1;
	}
	pr("%s\n", cwd);
	return 0;
}

/* 'value' with ' quoted, for export -p and set. */
static void print_quoted(const char *v)
{
	out_char('\'');
	for (; *v; v++) {
		if (*v == '\'') out_str("'\\''");
		else out_char(*v);
	}
	out_char('\'');
}

static int b_export(int argc, char **argv)
{
	int i, rc = 0;
	if (argc == 1 || (argc == 2 && !strcmp(argv[1], "-p"))) {
		for (i = 0; i < nvars; i++) {
			char *eq = strchr(vars[i].kv, '=');
			if (!vars[i].exported) continue;
			out_str("export ");
			out_mem(vars[i].kv, eq - vars[i].kv);
			out_char('=');
			print_quoted(eq + 1);
			out_char('\n');
		}
		out_flush();
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (strchr(argv[i], '=')) {
			if (var_assign(argv[i], 1) < 0) { sh_error("export: %s: bad variable name", argv[i]); rc = 1; }
		} else if (sh_is_name(argv[i], strlen(argv[i])))
			var_export(argv[i]);
		else if (strcmp(argv[i], "-p")) {
			sh_error("export: %s: bad variable name", argv[i]);
			rc = 1;
		}
	}
	return rc;
}

static int b_unset(int argc, char **argv)
{
	int i;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-v"))
			var_unset(argv[i]);
	return 0;
}

static int b_exit(int argc, char **argv)
{
	sh_exiting = argc > 1 ? atoi(argv[1]) & 0xff : sh_status;
	return sh_exiting;
}

static int b_set(int argc, char **argv)
{
	int i;
	if (argc == 1) {
		for (i = 0; i < nvars; i++) {
			char *eq = strchr(vars[i].kv, '=');
			out_mem(vars[i].kv, eq - vars[i].kv + 1);
			print_quoted(eq + 1);
			out_char('\n');
		}
		out_flush();
		return 0;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int on = a[0] == '-';
		if (!strcmp(a, "--")) { i++; break; }
		if ((a[0] != '-' && a[0] != '+') || !a[1]) break;
		if (!strcmp(a + 1, "o") && i + 1 < argc) {
			a = argv[++i];
			if (!strcmp(a, "errexit")) sh_opt_e = on;
			else if (!strcmp(a, "xtrace")) sh_opt_x = on;
			else { sh_error("set: %s: unknown option", a); return 1; }
			continue;
		}
		for (a++; *a; a++) {
			if (*a == 'e') sh_opt_e = on;
			else if (*a == 'x') sh_opt_x = on;
			else if (*a != 'm' && *a != 'i') { sh_error("set: -%c: unknown option", *a); return 1; }
		}
	}
	if (i < argc || (argc > 1 && !strcmp(argv[argc - 1], "--") && i == argc))
		pos_set(argv + i, argc - i);
	return 0;
}

static int b_shift(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	if (n < 0 || n > pos_argc) {
		sh_error("shift: can't shift that many");
		return 1;
	}
	pos_set(pos_argv + n, pos_argc - n);
	return 0;
}

static int b_eval(int argc, char **argv)
{
	struct sbuf b = { 0 };
	int i;
	for (i = 1; i < argc; i++) {
		if (i > 1) sb_putc(&b, ' ');
		sb_puts(&b, argv[i]);
	}
	sh_status = 0;
	return exec_string(sb_str(&b), sh_name);
}

/* Reads a whole file into the arena; NULL on error (errno set). */
static char *slurp(const char *path)
{
	struct sbuf b = { 0 };
	char buf[1024];
	int fd = open(path, O_RDONLY, 0), n;
	if (fd < 0) return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_putn(&b, buf, n);
	close(fd);
	return sb_str(&b);
}

static int b_source(int argc, char **argv)
{
	char path[512], *text;
	if (argc < 2) {
		sh_error("%s: filename argument required", argv[0]);
		return 2;
	}
	if (strchr(argv[1], '/') || !lookup_path(argv[1], path, sizeof(path)))
		strlcpy(path, argv[1], sizeof(path));
	text = slurp(path);
	if (!text) {
		sh_error("%s: %s", argv[1], errstr(errno));
		return 1;
	}
	if (argc > 2)
		pos_set(argv + 2, argc - 2);
	sh_status = 0;
	return exec_string(text, sh_name);
}

static int b_exec(int argc, char **argv)
{
	char path[512];
	if (argc < 2)
		return 0;   /* the redirections stay (run_command did not save them) */
	if (sh_ttyfd >= 0)
		tty_set(sh_ttyfd, &sh_tty_modes);
	if (!lookup_path(argv[1], path, sizeof(path)) && legacy_find(argv[1]) < 0 && !find_applet(argv[1])) {
		sh_error("exec: %s: not found", argv[1]);
		return 127;
	}
	exec_external(argv + 1, argc - 1, lookup_path(argv[1], path, sizeof(path)) ? path : 0, env_build(0, 0));
	return 126;
}

/* type / command -v / command -V: how a name would be run. verbose: type's wording. */
static int describe(const char *name, int verbose)
{
	char path[512];
	const char *a = alias_get(name);
	if (a) {
		if (verbose) pr("%s is aliased to `%s'\n", name, a);
		else pr("alias %s='%s'\n", name, a);
	} else if (find_builtin_index(name) >= 0) {
		if (verbose) pr("%s is a shell builtin\n", name);
		else pr("%s\n", name);
	} else if (lookup_path(name, path, sizeof(path))) {
		if (verbose) pr("%s is %s\n", name, path);
		else pr("%s\n", path);
	} else if (legacy_find(name) >= 0 || find_applet(name)) {
		if (verbose) pr("%s is a shell builtin (legacy, used when no %s is in $PATH)\n", name, name);
		else pr("%s\n", name);
	} else {
		if (verbose) sh_error("%s: not found", name);
		return 1;
	}
	return 0;
}

static int b_type(int argc, char **argv)
{
	int i, rc = 0;
	for (i = 1; i < argc; i++)
		rc |= describe(argv[i], 1);
	return rc;
}

static int b_command(int argc, char **argv)
{
	int i, rc = 0;
	if (argc > 1 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "-V"))) {
		for (i = 2; i < argc; i++)
			rc |= describe(argv[i], argv[1][1] == 'V');
		return rc;
	}
	if (argc < 2) return 0;
	return run_command(argv + 1, argc - 1, 0, 0, 0, 0, 0);
}

/* ---- aliases: name -> text, expanded when a command's first word names one */
#define MAX_ALIASES 32
static struct { char *name, *value; int busy; } aliases[MAX_ALIASES];

static const char *alias_get(const char *name)
{
	int i;
	for (i = 0; i < MAX_ALIASES; i++)
		if (aliases[i].name && !aliases[i].busy && !strcmp(aliases[i].name, name))
			return aliases[i].value;
	return 0;
}

/* Marks the alias as being expanded, so "alias ls='ls -l'" does not recurse. */
static void alias_block(const char *name, int busy)
{
	int i;
	for (i = 0; i < MAX_ALIASES; i++)
		if (aliases[i].name && !strcmp(aliases[i].name, name))
			aliases[i].busy = busy;
}

static char *heap_strdup(const char *s)
{
	char *p = malloc(strlen(s) + 1);
	if (p) strcpy(p, s);
	return p;
}

static int b_alias(int argc, char **argv)
{
	int i, k, rc = 0;
	if (argc == 1) {
		for (k = 0; k < MAX_ALIASES; k++)
			if (aliases[k].name) {
				outf("alias %s=", aliases[k].name);
				print_quoted(aliases[k].value);
				out_char('\n');
			}
		out_flush();
		return 0;
	}
	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		int free_slot = -1;
		if (!eq) {
			for (k = 0; k < MAX_ALIASES; k++)
				if (aliases[k].name && !strcmp(aliases[k].name, argv[i])) {
					outf("alias %s=", aliases[k].name);
					print_quoted(aliases[k].value);
					out_char('\n');
					break;
				}
			if (k == MAX_ALIASES) { sh_error("alias: %s: not found", argv[i]); rc = 1; }
			continue;
		}
		*eq = 0;
		for (k = 0; k < MAX_ALIASES; k++) {
			if (aliases[k].name && !strcmp(aliases[k].name, argv[i])) break;
			if (!aliases[k].name && free_slot < 0) free_slot = k;
		}
		if (k == MAX_ALIASES) k = free_slot;
		if (k < 0) { sh_error("alias: too many aliases"); return 1; }
		free(aliases[k].name);
		free(aliases[k].value);
		aliases[k].name = heap_strdup(argv[i]);
		aliases[k].value = heap_strdup(eq + 1);
		*eq = '=';
	}
	out_flush();
	return rc;
}

static int b_unalias(int argc, char **argv)
{
	int i, k;
	for (i = 1; i < argc; i++)
		for (k = 0; k < MAX_ALIASES; k++)
			if (aliases[k].name && (!strcmp(argv[i], "-a") || !strcmp(aliases[k].name, argv[i]))) {
				free(aliases[k].name);
				free(aliases[k].value);
				aliases[k].name = aliases[k].value = 0;
			}
	return 0;
}

static int b_break(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	if (n < 1) n = 1;
	if (argv[0][0] == 'b') sh_break = n;
	else sh_continue = n;
	return 0;
}

static int b_times(int argc, char **argv)
{
	long t[4] = { 0, 0, 0, 0 };   /* struct tms in clock ticks (USER_HZ = 100) */
	int i;
	my_syscall1(__NR_times, t);
	for (i = 0; i < 4; i++)
		outf("%ldm%ld.%02lds%c", t[i] / 6000, t[i] / 100 % 60, t[i] % 100, i % 2 ? '\n' : ' ');
	out_flush();
	return 0;
}

static int b_umask(int argc, char **argv)
{
	int old = umask(0), v = 0;
	const char *p;
	if (argc < 2) {
		umask(old);
		pr("0%c%c%c\n", '0' + (old >> 6 & 7), '0' + (old >> 3 & 7), '0' + (old & 7));
		return 0;
	}
	for (p = argv[1]; *p; p++) {
		if (*p < '0' || *p > '7') {
			umask(old);
			sh_error("umask: %s: invalid mode", argv[1]);
			return 1;
		}
		v = v * 8 + *p - '0';
	}
	umask(v & 0777);
	return 0;
}

struct builtin {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
};

static const struct builtin builtins[] = {
	{ "help", b_help, "help: list the commands" },
	{ "cd", b_cd, "cd [DIR|-]: change directory (default $HOME)" },
	{ "pwd", b_pwd, "pwd: print the current directory" },
	{ "echo", b_echo, "echo [-neE] ARGS...: print the arguments" },
	{ "printf", b_printf, "printf FORMAT [ARGS...]: formatted output" },
	{ "test", b_test, "test EXPR, [ EXPR ]: file and string tests" },
	{ "[", b_test, 0 },
	{ "true", b_true, "true, false, :: succeed / fail / do nothing" },
	{ "false", b_false, 0 },
	{ ":", b_true, 0 },
	{ "export", b_export, "export [NAME[=VALUE]...]: pass variables to programs" },
	{ "unset", b_unset, "unset NAME...: remove variables" },
	{ "read", b_read, "read [-r] [-p PROMPT] NAME...: read a line into variables" },
	{ "set", b_set, "set [-ex] [+ex] [-- ARGS]: options (errexit, xtrace), positional parameters" },
	{ "shift", b_shift, "shift [N]: drop positional parameters" },
	{ "exit", b_exit, "exit [STATUS]: leave the shell" },
	{ "jobs", b_jobs, "jobs [-l|-p]: list jobs" },
	{ "fg", b_fg, "fg [%N]: continue a job in the foreground" },
	{ "bg", b_bg, "bg [%N]: continue a stopped job in the background" },
	{ "wait", b_wait, "wait [%N|PID...]: wait for background jobs" },
	{ "kill", b_kill, "kill [-SIGNAL] PID|%N...: send a signal (default TERM; kill -l lists)" },
	{ ".", b_source, ". FILE [ARGS], source FILE: run commands from a file in this shell" },
	{ "source", b_source, 0 },
	{ "eval", b_eval, "eval ARGS...: run the arguments as a command" },
	{ "exec", b_exec, "exec [CMD [ARGS]]: replace the shell, or keep redirections" },
	{ "type", b_type, "type NAME...: how a name would be run" },
	{ "command", b_command, "command [-v|-V] NAME [ARGS]: run or describe without aliases" },
	{ "alias", b_alias, "alias [NAME[=TEXT]...], unalias NAME|-a: command aliases" },
	{ "unalias", b_unalias, 0 },
	{ "history", b_history, "history [-c]: list (or clear) the command history" },
	{ "break", b_break, "break [N], continue [N]: leave / restart loops" },
	{ "continue", b_break, 0 },
	{ "times", b_times, "times: CPU times of the shell and its children" },
	{ "umask", b_umask, "umask [MODE]: file creation mask (octal)" },
	{ 0, 0, 0 },
};

static int find_builtin_index(const char *name)
{
	int i;
	for (i = 0; builtins[i].name; i++)
		if (!strcmp(builtins[i].name, name))
			return i;
	return -1;
}

static int builtin_is_exec(int i) { return builtins[i].fn == b_exec; }

static int builtin_run(int i, int argc, char **argv)
{
	int st = builtins[i].fn(argc, argv);
	out_flush();
	if (got_sigint && job_control() && !sh_interrupted) {   /* Ctrl-C in read or wait: a fresh line, abandon the rest */
		pr("\n");
		sh_interrupted = 1;
	}
	return st;
}

static int b_help(int argc, char **argv)
{
	const struct builtin *b;
	const struct applet *a;
	outf("Shell built-ins:\n");
	for (b = builtins; b->name; b++)
		if (b->help)
			outf("  %s\n", b->help);
	legacy_help();
	outf("Workloads (separate processes; stop with Ctrl-C or kill):\n");
	for (a = applets; a->name; a++)
		outf("  %s\n", a->help);
	outf("  isa-selftest: run the RISC-V integer ISA self-test\n");
	outf("Syntax: pipes |, redirections < > >> 2>&1 <<EOF <<<, quotes, $VAR ${VAR:-x} $(cmd),\n"
	     "  ; && || & !, if/for/while/until/case, { ...; } and ( ... ), globs * ? [...].\n"
	     "Jobs: CMD & runs in the background; Ctrl-C interrupts, Ctrl-Z stops; jobs, fg, bg.\n"
	     "Programs are looked up in $PATH (%s).\n", var_get("PATH") ? var_get("PATH") : "");
	out_flush();
	return 0;
}
