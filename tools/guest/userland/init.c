/* VirtLab guest /init: mounts the pseudo filesystems, sets up the console as
 * the controlling terminal, starts the guest agent (agent.c) and /bin/sh
 * (respawning it) and reaps orphans. */
#include "lib.h"
#include "agent.c"

static void mount_fs(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, 0) < 0 && errno != EBUSY)
		epr("init: mount %s on %s: %s\n", type, dir, errstr(errno));
}

static void setup_console(void)
{
	int fd = open("/dev/console", O_RDWR, 0);
	if (fd < 0)
		return;   /* keep whatever the kernel gave us */
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static int start_shell(void)
{
	static char *const argv[] = { "sh", 0 };
	static char *const envp[] = { "PATH=/bin:/sbin:/usr/bin", "HOME=/root", "TERM=vt100", 0 };
	int pid = fork();

	if (pid == 0) {
		set_signal(SIGINT, V_SIG_DFL, 0);
		set_signal(SIGTERM, V_SIG_DFL, 0);
		set_signal(SIGHUP, V_SIG_DFL, 0);
		chdir("/");
		execve("/bin/sh", argv, envp);
		epr("init: cannot run /bin/sh: %s\n", errstr(errno));
		exit(127);
	}
	return pid;
}

/* Free page reporting (virtio-balloon) reports free blocks of
 * page_reporting_order, only while the zone keeps low watermark +
 * 32 << order pages free (mm/page_reporting.c). The default order here is
 * pageblock_order (10: 4 MiB blocks, a 128 MiB margin), more than a small
 * guest has; order 5 (128 KiB blocks, a 4 MiB margin) suits our guests.
 * Without CONFIG_PAGE_REPORTING the file does not exist: nothing happens. */
static void tune_page_reporting(void)
{
	int fd = open("/sys/module/page_reporting/parameters/page_reporting_order", O_WRONLY, 0);

	if (fd >= 0) {
		write(fd, "5\n", 2);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	int shell, agent, pid, status;
	s64 last_start = 0;

	mount_fs("proc", "/proc", "proc");
	mount_fs("sysfs", "/sys", "sysfs");
	mount_fs("devtmpfs", "/dev", "devtmpfs");
	setup_console();
	vsethostname("virtlab", 7);
	tune_page_reporting();

	/* Session leader with the console as controlling terminal. */
	setsid();
	ioctl(0, TIOCSCTTY, (void *)1);

	/* init must not die from terminal signals. */
	set_signal(SIGINT, V_SIG_IGN, 0);
	set_signal(SIGTERM, V_SIG_IGN, 0);
	set_signal(SIGHUP, V_SIG_IGN, 0);
	set_signal(SIGTTOU, V_SIG_IGN, 0);
	set_signal(SIGTTIN, V_SIG_IGN, 0);
	set_signal(SIGTSTP, V_SIG_IGN, 0);

	/* Guest agent: reads host commands from /dev/hvc0 (exits by itself
	 * if there is none). Not respawned. */
	agent = agent_start();

	pr("VirtLab guest ready\n");

	shell = -1;
	for (;;) {
		if (shell <= 0 && !*agent_stop_respawn) {
			/* rate-limit respawning if the shell dies at once */
			s64 now = clock_ns(CLK_MONOTONIC);
			if (last_start && now - last_start < 1000000000LL)
				sleep_ns(1000000000LL);
			last_start = clock_ns(CLK_MONOTONIC);
			shell = start_shell();
			if (shell < 0) {
				sleep_ns(1000000000LL);
				continue;
			}
		}
		pid = vwait(-1, &status, 0);  /* reaps orphans too */
		if (pid == shell) {
			shell = -1;
		} else if (pid == agent && agent > 0) {
			agent = -1;               /* not respawned */
			*agent_stop_respawn = 0;  /* a shutdown it began is over */
		} else if (pid < 0 && pid != -EINTR)
			sleep_ns(100000000LL);
	}
	return 0;
}
