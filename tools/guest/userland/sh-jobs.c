/* VirtLab guest shell: jobs. Each pipeline, subshell or external command
 * runs as a job in its own process group when the shell is interactive;
 * the foreground job owns the terminal (tcsetpgrp) until it exits or stops
 * (XCU 2.11, "Job Control"). Messages follow bash's layout. */

#define MAX_JOBS 32
#define JOB_SIGNALED 0x100   /* tells "killed by SIGINT" from "exit(130)" */
#define JOB_PROCS 32

enum { P_RUNNING, P_STOPPED, P_DONE };

struct job {
	int used, id, pgid, n, seq;
	int pids[JOB_PROCS], state[JOB_PROCS];
	int status[JOB_PROCS];  /* $?-style; | JOB_SIGNALED when a signal ended it */
	int bg;               /* started with & (its end is reported) */
	int saved_tty;        /* tty_modes holds the job's terminal modes */
	struct termios tty_modes;
	char text[128];
};

static struct job jobs[MAX_JOBS];
static int job_seq;
static int sh_ttyfd = -1;           /* the terminal, for tcsetpgrp */
static int sh_pgrp;
static struct termios sh_tty_modes; /* the shell's own (canonical) modes */

/* Job control is on in the interactive shell itself, not in its children. */
static int job_control(void) { return sh_interactive && !sh_subshell; }

static struct job *job_new(const char *text)
{
	int i, id = 1;
	struct job *j = 0;
	for (i = 0; i < MAX_JOBS && jobs[i].used; i++)
		;
	if (i == MAX_JOBS)   /* full: forget finished background jobs first (a script may start many) */
		jobs_notify();
	for (i = 0; i < MAX_JOBS; i++)
		if (jobs[i].used && jobs[i].id >= id)
			id = jobs[i].id + 1;
	for (i = 0; i < MAX_JOBS && !j; i++)
		if (!jobs[i].used)
			j = &jobs[i];
	if (!j)
		return 0;
	memset(j, 0, sizeof(*j));
	j->used = 1;
	j->id = id;
	j->seq = ++job_seq;
	strlcpy(j->text, text ? text : "", sizeof(j->text));
	return j;
}

static void job_free(struct job *j) { j->used = 0; }

static int job_state(struct job *j)   /* the least-finished process's state */
{
	int i, st = P_DONE;
	for (i = 0; i < j->n; i++) {
		if (j->state[i] == P_RUNNING) return P_RUNNING;
		if (j->state[i] == P_STOPPED) st = P_STOPPED;
	}
	return st;
}

/* The job's exit status: its last process's, as $? shows it. */
static int job_status(struct job *j)
{
	int st = j->status[j->n - 1];
	if (j->state[j->n - 1] == P_STOPPED) return 128 + st;
	return st & 0xff;
}

/* Forks one process of job j (pgid 0: it leads a new group). Returns the pid in
 * the parent, 0 in the child (which is set up: group, terminal, signals). */
static int job_fork(struct job *j, int fg)
{
	int pid;
	out_flush();
	pid = fork();
	if (pid < 0) {
		sh_error("fork: %s", errstr(errno));
		return -1;
	}
	if (pid == 0) {
		if (job_control()) {
			int pg = j->pgid ? j->pgid : getpid();
			/* Default actions before taking the terminal: a Ctrl-C that
			 * reaches the new group at once must kill it, not run the
			 * shell's handler. SIGTTOU stays ignored for tcsetpgrp. */
			set_signal(SIGINT, V_SIG_DFL, 0);
			set_signal(SIGQUIT, V_SIG_DFL, 0);
			set_signal(SIGTSTP, V_SIG_DFL, 0);
			setpgid(0, pg);
			if (fg) tcsetpgrp(sh_ttyfd, pg);
			set_signal(SIGTTIN, V_SIG_DFL, 0);
			set_signal(SIGTTOU, V_SIG_DFL, 0);
		} else if (!fg) {
			/* XCU 2.11: without job control, & commands ignore SIGINT and SIGQUIT */
			set_signal(SIGINT, V_SIG_IGN, 0);
			set_signal(SIGQUIT, V_SIG_IGN, 0);
		} else if (sh_interactive) {
			set_signal(SIGINT, V_SIG_DFL, 0);
		}
		if (sh_ttyfd >= 0 && sh_subshell == 0) {
			close(sh_ttyfd);
			sh_ttyfd = -1;
		}
		sh_subshell = 1;
		sh_interactive = 0;
		memset(jobs, 0, sizeof(jobs));
		return 0;
	}
	if (job_control()) {
		if (!j->pgid) j->pgid = pid;
		setpgid(pid, j->pgid);
	} else if (!j->pgid)
		j->pgid = pid;
	if (j->n < JOB_PROCS) {
		j->pids[j->n] = pid;
		j->state[j->n] = P_RUNNING;
		j->n++;
	}
	return pid;
}

/* waitid(P_ALL) with WSTOPPED|WCONTINUED; records the change in the job
 * table. Returns the pid, 0 (WNOHANG, nothing) or -errno. */
static int job_wait_any(int nohang)
{
	int si[32], ret, code, st, pid, i, k;
	memset(si, 0, sizeof(si));
	ret = my_syscall5(__NR_waitid, V_P_ALL, 0, si, V_WEXITED | V_WSTOPPED | 8 /* WCONTINUED */ | (nohang ? V_WNOHANG : 0), 0);
	if (ret < 0)
		return ret;
	pid = si[3];
	if (!pid)
		return 0;
	code = si[2];
	st = si[5];
	for (i = 0; i < MAX_JOBS; i++) {
		struct job *j = &jobs[i];
		if (!j->used) continue;
		for (k = 0; k < j->n; k++) {
			if (j->pids[k] != pid) continue;
			switch (code) {
			case 1: j->state[k] = P_DONE; j->status[k] = st & 0xff; break;          /* CLD_EXITED */
			case 2: case 3: /* CLD_KILLED, CLD_DUMPED */
				j->state[k] = P_DONE;
				j->status[k] = JOB_SIGNALED | (128 + (st & 0x7f));
				break;
			case 5: j->state[k] = P_STOPPED; j->status[k] = st & 0x7f; break;       /* CLD_STOPPED */
			case 6: j->state[k] = P_RUNNING; break;                               /* CLD_CONTINUED */
			}
		}
	}
	return pid;
}

static const char *signal_text(int sig)
{
	switch (sig) {
	case SIGHUP: return "Hangup";
	case SIGINT: return "Interrupt";
	case SIGQUIT: return "Quit";
	case SIGKILL: return "Killed";
	case SIGSEGV: return "Segmentation fault";
	case SIGPIPE: return "Broken pipe";
	case SIGTERM: return "Terminated";
	case SIGBUS: return "Bus error";
	case SIGABRT: return "Aborted";
	case SIGUSR1: return "User defined signal 1";
	case SIGUSR2: return "User defined signal 2";
	case SIGTSTP: return "Stopped";
	case SIGSTOP: return "Stopped (signal)";
	case SIGTTIN: return "Stopped (tty input)";
	case SIGTTOU: return "Stopped (tty output)";
	}
	return "Signal";
}

static struct job *job_current(int which)   /* 0: '+', 1: '-' */
{
	struct job *best = 0, *second = 0;
	int i;
	for (i = 0; i < MAX_JOBS; i++) {
		struct job *j = &jobs[i];
		if (!j->used) continue;
		if (!best || j->seq > best->seq) { second = best; best = j; }
		else if (!second || j->seq > second->seq) second = j;
	}
	return which ? second : best;
}

static void job_print(struct job *j, int with_pid)
{
	char state[40];
	int st = job_state(j), mark = j == job_current(0) ? '+' : j == job_current(1) ? '-' : ' ';
	int status = j->status[j->n - 1];
	if (st == P_RUNNING)
		strcpy(state, "Running");
	else if (st == P_STOPPED)
		strlcpy(state, signal_text(j->status[j->n - 1] & 0x7f), sizeof(state));
	else if (status & JOB_SIGNALED)
		strlcpy(state, signal_text((status & 0xff) - 128), sizeof(state));
	else if (status)
		strlcpy(state, "Exit ", sizeof(state)), strlcat(state, itoa_arena(status), sizeof(state));
	else
		strcpy(state, "Done");
	if (with_pid)
		outf("[%d]%c %d %-22s%s%s\n", j->id, mark, j->pgid, state, j->text, st == P_RUNNING ? " &" : "");
	else
		outf("[%d]%c  %-24s%s%s\n", j->id, mark, state, j->text, st == P_RUNNING ? " &" : "");
	out_flush();
}

/* Gives the terminal to pgid (the shell's own group when pgid is 0). */
static void tty_give(int pgid)
{
	if (sh_ttyfd >= 0)
		tcsetpgrp(sh_ttyfd, pgid ? pgid : sh_pgrp);
}

/* Waits for foreground job j to finish or stop; returns its status. */
static int job_wait_fg(struct job *j)
{
	int status;
	while (job_state(j) == P_RUNNING) {
		int r;
		if (got_sigint && job_control()) {
			/* Ctrl-C reached the shell before the job took the terminal:
			 * it was meant for the job */
			got_sigint = 0;
			kill(-j->pgid, SIGINT);
		}
		r = job_wait_any(0);
		if (r == -ECHILD) {
			int k;
			for (k = 0; k < j->n; k++) j->state[k] = P_DONE;
		}
	}
	status = job_status(j);
	if (job_control()) {
		tty_give(0);
		if (job_state(j) == P_STOPPED) {
			j->saved_tty = tty_get(sh_ttyfd, &j->tty_modes) == 0;
			j->seq = ++job_seq;
			j->bg = 1;
			out_char('\n');
			job_print(j, 0);
			sh_interrupted = 1;   /* like ^C: back to the prompt */
		}
		tty_set(sh_ttyfd, &sh_tty_modes);
	}
	if (job_state(j) == P_DONE) {
		int raw = j->status[j->n - 1], sig = raw & JOB_SIGNALED ? (raw & 0xff) - 128 : 0;
		/* killed by Ctrl-C, or a program that caught it and exited 130 (spin) */
		if ((sig == SIGINT || (!sig && raw == 130)) && sh_interactive && !sh_subshell) {
			out_char('\n');
			out_flush();
			sh_interrupted = 1;
		} else if (sig && sig != SIGPIPE && !sh_subshell && sh_interactive)
			epr("%s\n", signal_text(sig));
		job_free(j);
	}
	return status;
}

/* Reports finished background jobs (before a prompt, like bash) and
 * forgets them; silent when not interactive. */
static void jobs_notify(void)
{
	int i;
	while (job_wait_any(1) > 0)
		;
	for (i = 0; i < MAX_JOBS; i++) {
		struct job *j = &jobs[i];
		if (!j->used || job_state(j) != P_DONE)
			continue;
		if (sh_interactive && j->bg)
			job_print(j, 0);
		job_free(j);
	}
}

/* %N, %+, %%, %-, %string, or a pid. */
static struct job *job_find(const char *spec)
{
	int i;
	if (!spec || !strcmp(spec, "%") || !strcmp(spec, "%%") || !strcmp(spec, "%+"))
		return job_current(0);
	if (!strcmp(spec, "%-"))
		return job_current(1);
	for (i = 0; i < MAX_JOBS; i++) {
		struct job *j = &jobs[i];
		int k;
		if (!j->used) continue;
		if (spec[0] == '%' && spec[1] >= '0' && spec[1] <= '9') {
			if (j->id == atoi(spec + 1)) return j;
		} else if (spec[0] == '%') {
			if (!strncmp(j->text, spec + 1, strlen(spec + 1))) return j;
		} else
			for (k = 0; k < j->n; k++)
				if (j->pids[k] == atoi(spec)) return j;
	}
	return 0;
}

static int b_jobs(int argc, char **argv)
{
	int i, l = argc > 1 && !strcmp(argv[1], "-l"), p = argc > 1 && !strcmp(argv[1], "-p");
	while (job_wait_any(1) > 0)
		;
	for (i = 0; i < MAX_JOBS; i++) {
		if (!jobs[i].used) continue;
		if (p) pr("%d\n", jobs[i].pgid);
		else job_print(&jobs[i], l);
	}
	for (i = 0; i < MAX_JOBS; i++)   /* reported finished jobs are forgotten */
		if (jobs[i].used && job_state(&jobs[i]) == P_DONE)
			job_free(&jobs[i]);
	return 0;
}

static void job_continue(struct job *j)
{
	int k;
	for (k = 0; k < j->n; k++)
		if (j->state[k] == P_STOPPED) j->state[k] = P_RUNNING;
	kill(-j->pgid, SIGCONT);
}

static int b_fg(int argc, char **argv)
{
	struct job *j = job_find(argc > 1 ? argv[1] : 0);
	if (!job_control()) { sh_error("fg: no job control"); return 1; }
	if (!j) { sh_error("fg: %s: no such job", argc > 1 ? argv[1] : "current"); return 1; }
	pr("%s\n", j->text);
	j->bg = 0;
	if (j->saved_tty) tty_set(sh_ttyfd, &j->tty_modes);
	tty_give(j->pgid);
	job_continue(j);
	return job_wait_fg(j);
}

static int b_bg(int argc, char **argv)
{
	struct job *j = job_find(argc > 1 ? argv[1] : 0);
	if (!job_control()) { sh_error("bg: no job control"); return 1; }
	if (!j) { sh_error("bg: %s: no such job", argc > 1 ? argv[1] : "current"); return 1; }
	j->bg = 1;
	pr("[%d]%c %s &\n", j->id, j == job_current(0) ? '+' : ' ', j->text);
	job_continue(j);
	return 0;
}

/* wait [ID...]: Ctrl-C (SIGINT to the shell) interrupts it. */
static int b_wait(int argc, char **argv)
{
	int i, status = 0;
	got_sigint = 0;
	if (argc < 2) {
		for (;;) {
			int any = 0;
			for (i = 0; i < MAX_JOBS; i++)
				if (jobs[i].used && job_state(&jobs[i]) == P_RUNNING) any = 1;
			if (!any || got_sigint) break;
			if (job_wait_any(0) == -ECHILD) break;
		}
		for (i = 0; i < MAX_JOBS; i++)
			if (jobs[i].used && job_state(&jobs[i]) == P_DONE) {
				if (sh_interactive && jobs[i].bg) job_print(&jobs[i], 0);
				job_free(&jobs[i]);
			}
		return got_sigint ? 130 : 0;
	}
	for (i = 1; i < argc; i++) {
		struct job *j = job_find(argv[i]);
		if (!j) { status = 127; continue; }
		while (job_state(j) == P_RUNNING && !got_sigint)
			if (job_wait_any(0) == -ECHILD) break;
		if (got_sigint) return 130;
		status = job_status(j);
		if (job_state(j) == P_DONE) job_free(j);
	}
	return status;
}
