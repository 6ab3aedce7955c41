/* VirtLab box: shared declarations for the multi-call binary's applets.
 * Helpers live in util.c, fmt.c and sys.c (one copy in the binary, not a static
 * copy per file as a header-only library would give). Everything talks to the
 * kernel through rv32's syscalls directly (time64, statx, *at, ppoll), so it
 * builds on both Linux 6.1's and 6.12's nolibc.
 * Never pass a function call as an argument of nolibc's my_syscallN(): the
 * macro loads the registers first, and the call clobbers them. */
#ifndef VIRTLAB_BOX_H
#define VIRTLAB_BOX_H

#include <stdarg.h>
#include <asm/unistd.h>

typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int u32;
typedef unsigned char u8;

/* ---- applets ---- */
typedef int (*applet_fn)(int argc, char **argv);
extern const char *applet;   /* name used in messages */
extern char **box_envp;      /* the environment main() received */

/* ---- output: stdout is buffered, stderr is not ---- */
void out_c(char c);
void out_m(const char *s, long n);
void out_s(const char *s);
void out_flush(void);
int out_failed(void);
/* printf subset: %[-+ 0#][width|*][.prec|.*][hh|h|l|ll|z]{d,i,u,x,X,o,s,c,%}
 * plus %P: a fixed-point integer (long) with prec decimals, e.g. ("%5.1P", 1234) -> "123.4"
 * and %S: a u64 in human units (1.5K, 12M, as ls -h / du -h / df -h print). */
void outf(const char *f, ...);
void voutf(const char *f, va_list ap);
int snfmt(char *buf, int size, const char *f, ...);
void errf(const char *f, ...);            /* "applet: ..." to stderr */
void err_sys(const char *what, int err);  /* "applet: what: strerror" */
__attribute__((noreturn)) void die(const char *f, ...);
__attribute__((noreturn)) void bexit(int code);   /* flush stdout, exit */
const char *strerr(int err);
void human(char *buf, u64 v, int si);   /* 1023, 1.0K, 15K, 2.3M ... (coreutils -h) */

/* ---- memory: a bump arena (nothing is freed; applets are short-lived) ---- */
void *xalloc(unsigned long n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, long n);

/* ---- input ---- */
struct rd {
	int fd, eof;
	long pos, len;
	char buf[4096];
	char *line;     /* current line (arena or grown buffer), NUL-terminated, no '\n' */
	long cap;
};
int open_in(const char *path);                 /* "-" is stdin; -errno on failure */
void rd_init(struct rd *r, int fd);
/* Next line into r->line; returns its length with the '\n' (so 0 = end of input);
 * *nl tells whether it ended with '\n'. */
long rd_line(struct rd *r, int *nl);
long read_all(int fd, char **buf);              /* whole input into the arena, NUL-terminated */
int read_file(const char *path, char *buf, int size);   /* small file, NUL-terminated */
int write_all(int fd, const void *p, long n);

void *b_memchr(const void *s, int c, unsigned long n);
char *b_strstr(const char *h, const char *n);

/* ---- parsing ---- */
int parse_int(const char *s, s64 *v);           /* whole string, optional sign; 0 = ok */
int parse_size(const char *s, u64 *v);          /* 16, 16K, 16M, 1G (powers of 1024), 4k; also kB/MB/KiB */
s64 parse_duration(const char *s);             /* "1.5", "2m", "1h" -> ns; -1 if bad */
const char *skip_ws(const char *s);
const char *field_after(const char *s, const char *key);  /* value after "key" at a line start */
u64 meminfo_kb(const char *buf, const char *key);

/* ---- option parsing (getopt-like) ---- */
extern int opt_ind;
extern char *opt_arg;
/* spec like "n:c:v"; returns the option char, '?' on an error (message printed),
 * -1 at the first non-option, "--" or "-". */
int opt_next(int argc, char **argv, const char *spec);

/* ---- glob ---- */
int glob_match(const char *pat, const char *s, int icase);

/* ---- syscalls (rv32 forms) ---- */
#define CLK_REALTIME 0
#define CLK_MONOTONIC 1
struct ts64 { s64 sec; s64 nsec; };
s64 clock_ns(int clk);
int sleep_ns(s64 ns);                  /* 0, or -EINTR */
int poll_in(int fd, int timeout_ms);   /* 1 readable, 0 timeout, <0 -errno */

#ifndef STATX_BASIC_STATS
struct statx_timestamp { s64 tv_sec; u32 tv_nsec; int __reserved; };
struct statx {
	u32 stx_mask, stx_blksize;
	u64 stx_attributes;
	u32 stx_nlink, stx_uid, stx_gid;
	unsigned short stx_mode, __spare0;
	u64 stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	u32 stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	u64 __spare2[14];
};
#define STATX_BASIC_STATS 0x7ffU
#endif
int xstat(const char *path, int nofollow, struct statx *st);   /* 0 or -errno */
int is_dir(const char *path);
int b_getdents(int fd, void *buf, int size);
int b_unlinkat(const char *path, int flags);
int b_mkdir(const char *path, int mode);
int b_rename(const char *from, const char *to);
int b_symlink(const char *target, const char *path);
int b_link(const char *from, const char *to);
int b_readlink(const char *path, char *buf, int size);
int b_chmod(const char *path, int mode);
int b_open(const char *path, int flags, int mode);
s64 b_lseek(int fd, s64 off, int whence);
int b_wait(int pid, int *status, int nohang);   /* waitid-based waitpid */
int b_sigaction(int sig, void (*handler)(int), unsigned long flags);
#define B_SIG_DFL ((void (*)(int))0)
#define B_SIG_IGN ((void (*)(int))1)
#define W_EXITED(s) (((s) & 0x7f) == 0)
#define W_CODE(s) (((s) >> 8) & 0xff)
#define W_SIG(s) ((s) & 0x7f)
int exit_status(int st);   /* 0-255, 128+sig for a signal */
/* fork + exec argv (PATH search); returns the exit status, or 127/126 */
int run_argv(char **argv);
void exec_argv(char **argv);   /* execvp; returns only on failure (after a message) */
int isatty_fd(int fd);
int term_size(int *rows, int *cols);

/* ---- /proc helpers ---- */
struct cpu_times { u64 user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice; };
int read_cpu_times(struct cpu_times *all, struct cpu_times *per, int max);   /* returns #cpus */
u64 cpu_total(const struct cpu_times *c);
struct proc {
	int pid, ppid, pgrp, session, tty, tpgid, nice, prio, nlwp, processor, rtprio, policy, uid;
	char state;
	u64 utime, stime, start, vsize_kb, rss_kb, shared_kb;
	char comm[32];
	char *cmdline;   /* NULL until proc_cmdline() */
};
/* Every process in /proc, sorted by pid (arena). */
int proc_list(struct proc **out);
int proc_scan(struct proc *buf, int cap);   /* into buf; -1 if more than cap */
void cmdline_of(const struct proc *p, char *buf, int size);
int proc_read(int pid, struct proc *p);
const char *proc_cmdline(struct proc *p);   /* args joined by spaces, or "[comm]" */
s64 uptime_cs(void);                        /* /proc/uptime in 1/100 s */
void tty_name(int tty_nr, char *buf);       /* "?", "ttyS0", "pts/1", "hvc0" */
void fmt_uptime(char *buf, s64 up_s);       /* " 1:02" / "5 min" / "2 days,  3:04" */
void fmt_clock(char *buf, s64 epoch_s, int with_seconds);   /* HH:MM[:SS] UTC */
void user_name(int uid, char *buf);         /* root or the number (no /etc/passwd) */
void uptime_line(char *buf, int size);      /* uptime's line, also top's first (mem.c) */

/* ---- dates ---- */
struct tmv { int year, mon, mday, hour, min, sec, wday, yday; };
void gmtime_v(s64 t, struct tmv *tm);
extern const char *const month_abbr[12];
extern const char *const day_abbr[7];

/* ---- signals ---- */
int sig_from_name(const char *s);   /* "9", "KILL", "SIGKILL" -> 9; -1 unknown */
const char *sig_name(int sig);      /* "KILL" or NULL */

/* ---- hashing ---- */
u32 crc32_buf(u32 crc, const u8 *p, unsigned long n);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
