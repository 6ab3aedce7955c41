/* rv32 syscall wrappers (time64, statx, *at, waitid, ppoll), process
 * execution, the terminal, and the signal table. */
#include "box.h"
#include <asm/termbits.h>

#define AT_CWD (-100)

s64 clock_ns(int clk)
{
	struct ts64 t;
	if (my_syscall2(__NR_clock_gettime64, clk, &t) < 0)
		return 0;
	return t.sec * 1000000000LL + t.nsec;
}

int sleep_ns(s64 ns)
{
	struct ts64 t = { ns / 1000000000LL, ns % 1000000000LL };
	if (ns <= 0)
		return 0;
	return my_syscall4(__NR_clock_nanosleep_time64, CLK_MONOTONIC, 0, &t, 0);
}

int poll_in(int fd, int timeout_ms)
{
	struct { int fd; short events, revents; } pfd = { fd, 1 /* POLLIN */, 0 };
	struct ts64 t = { timeout_ms / 1000, (s64)(timeout_ms % 1000) * 1000000 };
	return my_syscall5(__NR_ppoll_time64, &pfd, 1, timeout_ms < 0 ? 0 : &t, 0, 8);
}

int xstat(const char *path, int nofollow, struct statx *st)
{
	return my_syscall5(__NR_statx, AT_CWD, path, nofollow ? 0x100 : 0, STATX_BASIC_STATS, st);
}

int is_dir(const char *path)
{
	struct statx st;
	return xstat(path, 0, &st) == 0 && (st.stx_mode & 0170000) == 0040000;
}

int b_getdents(int fd, void *buf, int size) { return my_syscall3(__NR_getdents64, fd, buf, size); }
int b_unlinkat(const char *path, int flags) { return my_syscall3(__NR_unlinkat, AT_CWD, path, flags); }
int b_mkdir(const char *path, int mode) { return my_syscall3(__NR_mkdirat, AT_CWD, path, mode); }
int b_rename(const char *from, const char *to)
{
	return my_syscall5(__NR_renameat2, AT_CWD, from, AT_CWD, to, 0);
}
int b_symlink(const char *target, const char *path) { return my_syscall3(__NR_symlinkat, target, AT_CWD, path); }
int b_link(const char *from, const char *to) { return my_syscall5(__NR_linkat, AT_CWD, from, AT_CWD, to, 0); }
int b_readlink(const char *path, char *buf, int size) { return my_syscall4(__NR_readlinkat, AT_CWD, path, buf, size); }
int b_chmod(const char *path, int mode) { return my_syscall3(__NR_fchmodat, AT_CWD, path, mode); }
int b_open(const char *path, int flags, int mode)
{
	return my_syscall4(__NR_openat, AT_CWD, path, flags | 0x8000 /* O_LARGEFILE */, mode);
}

s64 b_lseek(int fd, s64 off, int whence)
{
	s64 res;
	int r = my_syscall5(__NR_llseek, fd, (unsigned long)((u64)off >> 32), (unsigned long)off, &res, whence);
	return r < 0 ? r : res;
}

int b_wait(int pid, int *status, int nohang)
{
	int si[32];
	int ret, code, st;
	memset(si, 0, sizeof(si));
	ret = my_syscall5(__NR_waitid, pid == -1 ? 0 /* P_ALL */ : 1 /* P_PID */, pid == -1 ? 0 : pid,
			  si, 4 /* WEXITED */ | (nohang ? 1 : 0), 0);
	if (ret < 0)
		return ret;
	if (!si[3])
		return 0;
	code = si[2];
	st = si[5];
	if (status)
		*status = code == 1 ? (st & 0xff) << 8 : (st & 0x7f);   /* CLD_EXITED, else killed/dumped */
	return si[3];
}

int exit_status(int st) { return W_EXITED(st) ? W_CODE(st) : 128 + W_SIG(st); }

int b_sigaction(int sig, void (*handler)(int), unsigned long flags)
{
	struct { void (*h)(int); unsigned long flags; unsigned long mask[2]; } sa;
	memset(&sa, 0, sizeof(sa));
	sa.h = handler;
	sa.flags = flags;
	return my_syscall4(__NR_rt_sigaction, sig, &sa, 0, 8);
}

void exec_argv(char **argv)
{
	char path[512];
	const char *dirs = 0, *d;
	char **e;
	int err = 2;
	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, box_envp);
		err = errno;
	} else {
		for (e = box_envp; e && *e; e++)
			if (!strncmp(*e, "PATH=", 5))
				dirs = *e + 5;
		if (!dirs)
			dirs = "/bin:/sbin:/usr/bin:/usr/sbin";
		for (d = dirs; *d;) {
			const char *end = strchr(d, ':');
			int n = end ? end - d : (int)strlen(d);
			snfmt(path, sizeof(path), "%.*s%s%s", n, d, n ? "/" : "", argv[0]);
			execve(path, argv, box_envp);
			if (errno != ENOENT)
				err = errno;
			d += n;
			if (*d == ':')
				d++;
		}
	}
	errf("%s: %s\n", argv[0], err == ENOENT ? "command not found" : strerr(err));
	exit(err == ENOENT ? 127 : 126);
}

int run_argv(char **argv)
{
	int pid, st = 0;
	out_flush();
	pid = fork();
	if (pid < 0) {
		err_sys("fork", errno);
		return 126;
	}
	if (!pid)
		exec_argv(argv);
	while (b_wait(pid, &st, 0) == -EINTR)
		;
	return exit_status(st);
}

int isatty_fd(int fd)
{
	struct termios t;
	return ioctl(fd, TCGETS, &t) == 0;
}

int term_size(int *rows, int *cols)
{
	unsigned short ws[4] = { 0, 0, 0, 0 };
	ioctl(1, TIOCGWINSZ, ws);
	*rows = ws[0] ? ws[0] : 24;
	*cols = ws[1] ? ws[1] : 80;
	return ws[0] != 0;
}

static const char *const signames[32] = {
	0, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
	"USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
	"URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS",
};

const char *sig_name(int sig) { return sig > 0 && sig < 32 ? signames[sig] : 0; }

int sig_from_name(const char *s)
{
	s64 n;
	int i;
	if (!parse_int(s, &n))
		return n >= 0 && n < 65 ? (int)n : -1;
	if (!strncmp(s, "SIG", 3) || !strncmp(s, "sig", 3))
		s += 3;
	for (i = 1; i < 32; i++) {
		const char *a = signames[i], *b = s;
		while (*a && (*b == *a || *b == *a + 32))
			a++, b++;
		if (!*a && !*b)
			return i;
	}
	if (!strcmp(s, "IO") || !strcmp(s, "io")) return 29;
	if (!strcmp(s, "IOT") || !strcmp(s, "iot")) return 6;
	return -1;
}

u32 crc32_buf(u32 crc, const u8 *p, unsigned long n)
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
