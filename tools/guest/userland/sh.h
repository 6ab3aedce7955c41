/* VirtLab guest shell: the types and globals shared by the sh-*.c files
 * (all compiled as one unit through sh.c). */
#ifndef VIRTLAB_SH_H
#define VIRTLAB_SH_H

#include "lib.h"

/* ---- syscalls called directly: 6.1's nolibc lacks pipe()/fcntl()/getuid()
 * (fcntl is fcntl64 on rv32). */
#define sh_pipe(fds) my_syscall2(__NR_pipe2, (fds), 0)
#ifdef __NR_fcntl64
#define sh_fcntl(fd, cmd, arg) my_syscall3(__NR_fcntl64, (fd), (cmd), (arg))
#else
#define sh_fcntl(fd, cmd, arg) my_syscall3(__NR_fcntl, (fd), (cmd), (arg))
#endif
#define sh_getuid() my_syscall0(__NR_getuid)
#define SH_F_DUPFD_CLOEXEC 1030
#define SH_F_SETFD 2
#define SH_FD_CLOEXEC 1

/* ---- arena: parse trees and expansions live here. Each top-level
 * command and each loop iteration releases what it allocated
 * (arena_mark/arena_release), so an endless loop does not grow. */
static void *arena_alloc(int n);
static char *arena_strndup(const char *s, int n);
static unsigned arena_mark(void);
static void arena_release(unsigned mark);

/* growable string in the arena */
struct sbuf { char *s; int len, cap; };
static void sb_putc(struct sbuf *b, char c);
static void sb_puts(struct sbuf *b, const char *s);
static void sb_putn(struct sbuf *b, const char *s, int n);
static char *sb_str(struct sbuf *b);   /* NUL-terminated, never NULL */

/* ---- syntax tree */
enum node_kind { N_CMD, N_PIPE, N_AND, N_OR, N_SEQ, N_BG, N_NOT, N_IF, N_WHILE,
		 N_UNTIL, N_FOR, N_CASE, N_GROUP, N_SUBSHELL };

enum redir_op { R_IN, R_OUT, R_APPEND, R_CLOBBER, R_RW, R_DUPIN, R_DUPOUT,
		R_HEREDOC, R_HERESTR };

struct redir {
	struct redir *next;
	int fd, op;
	char *word;      /* raw word (quotes kept), or the here-doc body */
	int expand;      /* here-doc: delimiter unquoted, so expand $ and ` */
	int strip_tabs;  /* <<- */
};

struct case_item {
	struct case_item *next;
	char **pats;     /* raw words */
	int npats;
	struct node *body;
};

struct node {
	int kind;
	struct redir *redirs;
	/* N_CMD */
	char **words; int nwords;
	char **assigns; int nassigns;
	/* N_PIPE: cmds[ncmds]; binary nodes and bodies: a, b, c */
	struct node **cmds; int ncmds;
	struct node *a, *b, *c;   /* cond/then/else, left/right, body */
	char *var;                /* N_FOR */
	char **items; int nitems; int has_in;
	struct case_item *cases;  /* N_CASE (word in words[0]) */
	char *text;               /* source text, for job names */
};

/* ---- parser results */
#define P_OK 0
#define P_MORE 1     /* input ended inside a construct: read another line */
#define P_ERROR 2
#define P_EMPTY 3    /* only blanks/comments/newline */

/* ---- shell state */
static int sh_interactive;     /* reading commands from a terminal, with job control */
static int sh_status;          /* $? */
static int sh_subst_status;    /* status of the last $(...) */
static int sh_last_bg;         /* $! */
static int sh_pid;             /* $$ */
static int sh_opt_e, sh_opt_x; /* set -e, set -x */
static volatile int got_sigint;
static int sh_interrupted;     /* Ctrl-C (or Ctrl-Z) hit: unwind to the prompt */
static int sh_break, sh_continue; /* pending break/continue levels */
static int sh_subshell;        /* we are a forked child of the interactive shell */
static int sh_exiting = -1;    /* exit requested (builtin exit in a nested context) */
static const char *sh_name = "sh";
static int sh_no_errexit;      /* >0 while running an if/while condition or a && || ! operand */

/* forward declarations across files */
static int exec_node(struct node *n, int in_child);
static int exec_string(const char *text, const char *name);
static int run_source(int fd, const char *name);
static char *var_get(const char *name);
static int var_set(const char *name, const char *value, int export);
static char **expand_words(char **raw, int n, int *count);
static char *expand_word_noglob(const char *raw);
static char *expand_heredoc(const char *body);
static int glob_match(const char *pat, const char *qflags, const char *s);
static int parse_program(const char *src, int *consumed, struct node **out);
static int find_builtin_index(const char *name);
static int lookup_path(const char *name, char *out, int size);
static void jobs_notify(void);
static void sh_error(const char *fmt, ...);
static int sh_is_name(const char *s, int n);
static const char *alias_get(const char *name);
static void alias_block(const char *name, int busy);
static int builtin_run(int i, int argc, char **argv);
static int builtin_is_exec(int i);
static int print_escaped(const char *s, int octal0);
static int run_script_file(const char *path, char **argv, int argc);
static int legacy_find(const char *name);
static int legacy_run(int i, int argc, char **argv);
static void legacy_help(void);
struct cands;
static void legacy_complete(struct cands *c, const char *w, int wl);

#endif
