/* VirtLab guest userland: shared helpers on top of nolibc for rv32.
 * Formatted output, the rv32 (time64/statx/waitid) syscalls, signals,
 * terminal control and small file helpers. Header-only (static functions). */
#ifndef VIRTLAB_LIB_H
#define VIRTLAB_LIB_H

#include <stdarg.h>
#include <asm/termbits.h>

typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int u32;
typedef int s32;

/* ---- syscalls not wrapped by nolibc (rv32 numbers from asm-generic) ---- */
struct ts64 { s64 sec; s64 nsec; };

#define CLK_REALTIME 0
#define CLK_MONOTONIC 1

static s64 clock_ns(int clk)
{
	struct ts64 t;
	if (my_syscall2(__NR_clock_gettime64, clk, &t) < 0)
		return 0;
	return t.sec * 1000000000LL + t.nsec;
}

/* Sleep for ns nanoseconds; returns 0, or -EINTR when a signal arrived. */
static int sleep_ns(s64 ns)
{
	struct ts64 t = { ns / 1000000000LL, ns % 1000000000LL };
	return my_syscall4(__NR_clock_nanosleep_time64, CLK_MONOTONIC, 0, &t, 0);
}

#define V_P_ALL 0
#define V_P_PID 1
#define V_WNOHANG 1
#define V_WSTOPPED 2
#define V_WEXITED 4

/* waitpid() on top of waitid(). pid == -1: any child. Returns the pid,
 * 0 (WNOHANG, nothing ready) or -errno; *status is in the wait(2) format. */
static int vwait(int pid, int *status, int options)
{
	int si[32];
	int ret, code, st;

	memset(si, 0, sizeof(si));
	ret = my_syscall5(__NR_waitid, pid == -1 ? V_P_ALL : V_P_PID, pid == -1 ? 0 : pid,
			  si, options | V_WEXITED, 0);
	if (ret < 0)
		return ret;
	if (si[3] == 0)
		return 0;
	code = si[2];
	st = si[5];
	if (status) {
		switch (code) {
		case 1: *status = (st & 0xff) << 8; break;         /* CLD_EXITED */
		case 2: *status = st & 0x7f; break;                /* CLD_KILLED */
		case 3: *status = (st & 0x7f) | 0x80; break;       /* CLD_DUMPED */
		default: *status = ((st & 0xff) << 8) | 0x7f; break; /* stopped */
		}
	}
	return si[3];
}
#define W_EXITED(s) (((s) & 0x7f) == 0)
#define W_EXITCODE(s) (((s) >> 8) & 0xff)
#define W_SIGNALED(s) (((s) & 0x7f) != 0 && ((s) & 0x7f) != 0x7f)
#define W_TERMSIG(s) ((s) & 0x7f)

struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	unsigned long mask[2];
};
#define V_SIG_DFL ((void (*)(int))0)
#define V_SIG_IGN ((void (*)(int))1)
#define V_SA_RESTART 0x10000000

static int set_signal(int sig, void (*handler)(int), unsigned long flags)
{
	struct ksigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.handler = handler;
	sa.flags = flags;
	return my_syscall4(__NR_rt_sigaction, sig, &sa, 0, 8);
}

static int set_name(const char *name)   /* prctl(PR_SET_NAME) */
{
	return my_syscall2(__NR_prctl, 15, name);
}

static int set_pdeathsig(int sig)       /* prctl(PR_SET_PDEATHSIG) */
{
	return my_syscall2(__NR_prctl, 1, sig);
}

/* struct statx: Linux 6.12's nolibc includes linux/stat.h, which has it;
 * 6.1's does not (and linux/stat.h clashes with its S_* macros). */
#ifndef STATX_BASIC_STATS
struct statx_ts { s64 tv_sec; u32 tv_nsec; int reserved; };
struct statx {
	u32 stx_mask, stx_blksize;
	u64 stx_attributes;
	u32 stx_nlink, stx_uid, stx_gid;
	unsigned short stx_mode, spare0;
	u64 stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	u32 stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	u64 spare[14];
};
#define STATX_BASIC_STATS 0x7ffU
#endif

static int vstatx(const char *path, int nofollow, struct statx *st)
{
	return my_syscall5(__NR_statx, AT_FDCWD, path, nofollow ? 0x100 : 0, STATX_BASIC_STATS, st);
}

static int vgetcwd(char *buf, int size)
{
	return my_syscall2(__NR_getcwd, buf, size);
}

static int vreadlink(const char *path, char *buf, int size)
{
	return my_syscall4(__NR_readlinkat, AT_FDCWD, path, buf, size);
}

static int vaccess(const char *path, int mode)
{
	return my_syscall3(__NR_faccessat, AT_FDCWD, path, mode);
}

struct utsname_k { char sysname[65], nodename[65], release[65], version[65], machine[65], domain[65]; };

static int vuname(struct utsname_k *u) { return my_syscall1(__NR_uname, u); }
static int vsethostname(const char *n, int len) { return my_syscall2(__NR_sethostname, n, len); }
static void vsync(void) { my_syscall0(__NR_sync); }

/* ---- terminal ---- */
static int tty_get(int fd, struct termios *t) { return ioctl(fd, TCGETS, t); }
static int tty_set(int fd, const struct termios *t) { return ioctl(fd, TCSETSW, (void *)t); }

/* ---- output: a small buffered printf with width/zero-pad/64-bit ---- */
static char out_buf[1024];
static int out_len;
static int out_fd = 1;

static void out_flush(void)
{
	int off = 0, n;
	while (off < out_len) {
		n = write(out_fd, out_buf + off, out_len - off);
		if (n <= 0)
			break;
		off += n;
	}
	out_len = 0;
}

static void out_char(char c)
{
	if (out_len == sizeof(out_buf))
		out_flush();
	out_buf[out_len++] = c;
}

static void out_mem(const char *s, int n) { while (n-- > 0) out_char(*s++); }
static void out_str(const char *s) { while (*s) out_char(*s++); }

static void out_fmt_num(u64 v, int base, int neg, int width, int zero, int left)
{
	char tmp[24];
	int n = 0, len;
	do {
		int d = (int)(v % base);
		tmp[n++] = d < 10 ? '0' + d : 'a' + d - 10;
		v /= base;
	} while (v);
	len = n + neg;
	if (neg && zero)
		out_char('-');
	if (!left)
		while (len < width) { out_char(zero ? '0' : ' '); width--; }
	if (neg && !zero)
		out_char('-');
	while (n)
		out_char(tmp[--n]);
	if (left)
		while (len < width) { out_char(' '); width--; }
}

/* %[-][0][width][l|ll|z]{d,u,x,X,s,c,%} */
static void vout(const char *f, va_list ap)
{
	for (; *f; f++) {
		int left = 0, zero = 0, width = 0, lng = 0;
		if (*f != '%') { out_char(*f); continue; }
		f++;
		if (*f == '-') { left = 1; f++; }
		if (*f == '0') { zero = 1; f++; }
		while (*f >= '0' && *f <= '9') width = width * 10 + *f++ - '0';
		while (*f == 'l' || *f == 'z') { if (*f == 'l') lng++; f++; }
		switch (*f) {
		case 'd': {
			s64 v = lng > 1 ? va_arg(ap, s64) : va_arg(ap, long);
			out_fmt_num(v < 0 ? -(u64)v : (u64)v, 10, v < 0, width, zero, left);
			break;
		}
		case 'u': case 'x': case 'X': {
			u64 v = lng > 1 ? va_arg(ap, u64) : va_arg(ap, unsigned long);
			out_fmt_num(v, *f == 'u' ? 10 : 16, 0, width, zero, left);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len;
			if (!s) s = "(null)";
			len = strlen(s);
			if (!left) while (len < width--) out_char(' ');
			out_str(s);
			if (left) while (len < width--) out_char(' ');
			break;
		}
		case 'c': out_char((char)va_arg(ap, int)); break;
		case '%': out_char('%'); break;
		case 0: return;
		default: out_char('%'); out_char(*f); break;
		}
	}
}

static void outf(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vout(f, ap);
	va_end(ap);
}

/* printf to stdout, flushed at once */
static void pr(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vout(f, ap);
	va_end(ap);
	out_flush();
}

/* printf to stderr, flushed at once */
static void epr(const char *f, ...)
{
	va_list ap;
	out_flush();
	out_fd = 2;
	va_start(ap, f);
	vout(f, ap);
	va_end(ap);
	out_flush();
	out_fd = 1;
}

static const char *errstr(int e)
{
	if (e < 0) e = -e;
	switch (e) {
	case 1: return "Operation not permitted";
	case 2: return "No such file or directory";
	case 3: return "No such process";
	case 4: return "Interrupted system call";
	case 5: return "Input/output error";
	case 8: return "Exec format error";
	case 9: return "Bad file descriptor";
	case 12: return "Cannot allocate memory";
	case 13: return "Permission denied";
	case 17: return "File exists";
	case 20: return "Not a directory";
	case 21: return "Is a directory";
	case 22: return "Invalid argument";
	case 38: return "Function not implemented";
	default: return "Error";
	}
}

/* ---- files ---- */
/* Read a whole (small) file into buf, NUL-terminated. Returns length or -errno. */
static int read_file(const char *path, char *buf, int size)
{
	int fd = open(path, O_RDONLY, 0), n, len = 0;
	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	return len;
}

/* Parse an unsigned decimal; returns pointer past it. */
static const char *parse_u64(const char *s, u64 *v)
{
	*v = 0;
	while (*s >= '0' && *s <= '9')
		*v = *v * 10 + (u64)(*s++ - '0');
	return s;
}

/* Parse "1.5" (seconds) into nanoseconds. Returns -1 on a syntax error. */
static s64 parse_seconds(const char *s)
{
	u64 whole, frac = 0, scale = 1000000000ULL;
	const char *p = parse_u64(s, &whole);
	if (p == s && *p != '.')
		return -1;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			scale /= 10;
			frac += (u64)(*p++ - '0') * scale;
		}
	}
	if (*p)
		return -1;
	return (s64)(whole * 1000000000ULL + frac);
}

/* ---- hashing ---- */
static u32 crc32_update(u32 crc, const unsigned char *p, u32 n)
{
	crc = ~crc;
	while (n--) {
		int k;
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
	}
	return ~crc;
}

static u64 mix64(u64 x)   /* splitmix64 finalizer */
{
	x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27; x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

#endif
