/* VirtLab guest agent (part of /init, included by init.c).
 *
 * A child of init, named "virtlab-agent", that reads command lines from the
 * SBI console (/dev/hvc0, the hvc_riscv_sbi driver over SBI legacy
 * console_getchar) and acts on them:
 *   shutdown  -> kill all processes, sync, power off
 *   reboot    -> kill all processes, sync, restart
 *   vcpus N   -> online CPUs 0..N-1 and offline the rest (CPU hotplug through
 *                /sys/devices/system/cpu/cpuK/online; libvirt's setvcpus --guest)
 * Anything else is ignored. The agent never writes to /dev/hvc0; its
 * messages go to /dev/console (ttyS0). If /dev/hvc0 does not appear within a
 * few seconds, or it is the console the shell runs on, the agent exits
 * quietly. */

#define AGENT_NAME "virtlab-agent"
#ifndef AGENT_DEV
#define AGENT_DEV "/dev/hvc0"
#endif
#define AGENT_WAIT_NS 5000000000LL      /* wait for /dev/hvc0 up to 5 s */
#define AGENT_LINE_MAX 64
#define TIOCGDEV_IOCTL 0x80045432       /* _IOR('T', 0x32, unsigned int) */

/* Shared with init (MAP_SHARED page, or a plain variable if that failed):
 * while set, init does not respawn the shell. */
static volatile int *agent_stop_respawn;
static volatile int agent_stop_fallback;

static void agent_init_flag(void)
{
	void *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	agent_stop_respawn = (p == MAP_FAILED || !p) ? &agent_stop_fallback : (volatile int *)p;
	*agent_stop_respawn = 0;
}

/* 1 when /dev/console is /dev/hvc0 (console=hvc0): then the shell reads the
 * SBI console and the agent must not compete with it. */
static int agent_hvc_is_console(void)
{
	struct statx st;
	unsigned int dev = 0;

	if (vstatx(AGENT_DEV, 0, &st) < 0)
		return 0;
	if (ioctl(1, TIOCGDEV_IOCTL, &dev) < 0)
		return 0;
	/* new_encode_dev: minor low 8 bits, major next 12, minor high bits above */
	return (dev >> 8 & 0xfff) == st.stx_rdev_major &&
	       ((dev & 0xff) | (dev >> 12 & 0xfff00)) == st.stx_rdev_minor;
}

static int agent_open(void)
{
	s64 start = clock_ns(CLK_MONOTONIC);
	int fd;

	for (;;) {
		fd = open(AGENT_DEV, O_RDONLY | O_NOCTTY, 0);
		if (fd >= 0)
			return fd;
		if (clock_ns(CLK_MONOTONIC) - start >= AGENT_WAIT_NS)
			return -1;
		sleep_ns(250000000LL);
	}
}

static void agent_raw(int fd)
{
	struct termios t;

	if (tty_get(fd, &t) < 0)
		return;          /* not a tty: read it as it is */
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF);
	t.c_oflag &= ~OPOST;
	t.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(CSIZE | PARENB);
	t.c_cflag |= CS8 | CREAD;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tty_set(fd, &t);
}

/* 1 while a user process other than init and us is alive (kernel threads,
 * which kill(-1, 0) would also count, have an empty cmdline; so do zombies). */
static int agent_others_alive(void)
{
	char dbuf[512], path[32], cmd[4];
	int fd, n, self = getpid(), alive = 0;

	fd = open("/proc", O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return 1;
	while (!alive && (n = getdents64(fd, (void *)dbuf, sizeof(dbuf))) > 0) {
		int off = 0;
		while (off < n) {
			struct linux_dirent64 *d = (void *)(dbuf + off);
			u64 pid;
			off += d->d_reclen;
			if (d->d_name[0] < '1' || d->d_name[0] > '9')
				continue;
			parse_u64(d->d_name, &pid);
			if (pid == 1 || pid == (u64)self)
				continue;
			strcpy(path, "/proc/");
			strlcat(path, d->d_name, sizeof(path));
			strlcat(path, "/cmdline", sizeof(path));
			if (read_file(path, cmd, sizeof(cmd)) > 0) {
				alive = 1;
				break;
			}
		}
	}
	close(fd);
	return alive;
}

/* Stop everything and power off / restart. Returns only if reboot() failed. */
static void agent_halt(int cmd, const char *what)
{
	int i;

	*agent_stop_respawn = 1;    /* init: do not respawn the shell */
	pr(AGENT_NAME ": %s\n", what);

	kill(-1, SIGTERM);           /* everyone except init and us */
	for (i = 0; i < 20; i++) {   /* up to 2 s */
		sleep_ns(100000000LL);
		if (!agent_others_alive())
			break;
	}
	kill(-1, SIGKILL);
	sleep_ns(100000000LL);       /* let init reap them */
	vsync();
	reboot(cmd);
	epr(AGENT_NAME ": reboot(): %s\n", errstr(errno));
	*agent_stop_respawn = 0;
}

/* CPUs 1..N-1 online, N.. offline (CPU 0 cannot go offline on RISC-V). */
static void agent_vcpus(const char *arg)
{
	char path[64], num[12];
	u64 n;
	int cpu, fd;

	if (parse_u64(arg, &n) == arg || n < 1)
		return;
	for (cpu = 1; cpu < 32; cpu++) {      /* CONFIG_NR_CPUS is 8 */
		strcpy(path, "/sys/devices/system/cpu/cpu");
		utoa_r(cpu, num);
		strlcat(path, num, sizeof(path));
		strlcat(path, "/online", sizeof(path));
		fd = open(path, O_WRONLY, 0);
		if (fd < 0)
			continue;
		write(fd, (u64)cpu < n ? "1\n" : "0\n", 2);
		close(fd);
	}
	pr(AGENT_NAME ": %llu vCPUs online\n", n);
}

static void agent_line(char *s, int len)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	s[len] = 0;
	if (!strcmp(s, "shutdown"))
		agent_halt(LINUX_REBOOT_CMD_POWER_OFF, "shutting down");
	else if (!strcmp(s, "reboot"))
		agent_halt(LINUX_REBOOT_CMD_RESTART, "rebooting");
	else if (!strncmp(s, "vcpus ", 6))
		agent_vcpus(s + 6);
	/* anything else: ignored */
}

static void agent_main(void)
{
	char buf[64], line[AGENT_LINE_MAX + 1];
	int fd, n, i, len = 0, overflow = 0, errors = 0;

	set_name(AGENT_NAME);
	setsid();                    /* no controlling tty, no terminal signals */
	set_signal(SIGINT, V_SIG_DFL, 0);
	set_signal(SIGTERM, V_SIG_DFL, 0);
	set_signal(SIGHUP, V_SIG_DFL, 0);
	fd = open("/dev/null", O_RDONLY, 0);
	if (fd >= 0 && fd != 0) {    /* do not hold the console as stdin */
		dup2(fd, 0);
		close(fd);
	}
	chdir("/");

	fd = agent_open();
	if (fd < 0)
		exit(0);             /* no SBI console: nothing to do */
	if (agent_hvc_is_console()) {
		close(fd);
		exit(0);             /* hvc0 is the shell's console: stay out */
	}
	agent_raw(fd);

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (++errors >= 10)
				exit(0);     /* the device went away: give up quietly */
			sleep_ns(1000000000LL);
			continue;
		}
		errors = 0;
		for (i = 0; i < n; i++) {
			char c = buf[i];
			if (c == '\n' || c == '\r' || c == 0) {
				if (!overflow && len > 0)
					agent_line(line, len);
				len = 0;
				overflow = 0;
			} else if (len < AGENT_LINE_MAX) {
				line[len++] = c;
			} else {
				overflow = 1;        /* overlong line: drop it */
			}
		}
	}
}

/* Called by init after /dev is mounted. Returns the agent's pid (or < 0). */
static int agent_start(void)
{
	int pid;

	agent_init_flag();
	pid = fork();
	if (pid == 0) {
		agent_main();
		exit(0);
	}
	return pid;
}
