/* The applet table: X(name, function) for every tool in the box. Each
 * function lives in the file named in the comment. */
#ifndef VIRTLAB_APPLETS_H
#define VIRTLAB_APPLETS_H

#define APPLETS(X) \
	X("[", app_test)            /* test.c */ \
	X("cat", app_cat)           /* text.c */ \
	X("chrt", app_chrt)         /* sched.c */ \
	X("clear", app_clear)       /* misc.c */ \
	X("cp", app_cp)             /* fileops.c */ \
	X("cut", app_cut)           /* cut.c */ \
	X("date", app_date)         /* date.c */ \
	X("dd", app_dd)             /* dd.c */ \
	X("df", app_df)             /* mount.c */ \
	X("dmesg", app_dmesg)       /* sysinfo.c */ \
	X("du", app_du)             /* find.c */ \
	X("echo", app_echo)         /* printf.c */ \
	X("env", app_env)           /* misc.c */ \
	X("false", app_false)       /* misc.c */ \
	X("find", app_find)         /* find.c */ \
	X("free", app_free)         /* mem.c */ \
	X("grep", app_grep)         /* grep.c */ \
	X("head", app_head)         /* text.c */ \
	X("hexdump", app_hexdump)   /* dump.c */ \
	X("hostname", app_hostname) /* sysinfo.c */ \
	X("kill", app_kill)         /* kill.c */ \
	X("ln", app_ln)             /* fileops.c */ \
	X("ls", app_ls)             /* ls.c */ \
	X("md5sum", app_md5sum)     /* hash.c */ \
	X("mkdir", app_mkdir)       /* fileops.c */ \
	X("mount", app_mount)       /* mount.c */ \
	X("mv", app_mv)             /* fileops.c */ \
	X("nice", app_nice)         /* sched.c */ \
	X("nproc", app_nproc)       /* sched.c */ \
	X("od", app_od)             /* dump.c */ \
	X("poweroff", app_poweroff) /* misc.c */ \
	X("printf", app_printf)     /* printf.c */ \
	X("ps", app_ps)             /* ps.c */ \
	X("reboot", app_reboot)     /* misc.c */ \
	X("renice", app_renice)     /* sched.c */ \
	X("rm", app_rm)             /* fileops.c */ \
	X("rmdir", app_rmdir)       /* fileops.c */ \
	X("seq", app_seq)           /* seq.c */ \
	X("sha256sum", app_sha256sum) /* hash.c */ \
	X("sleep", app_sleep)       /* misc.c */ \
	X("sort", app_sort)         /* sort.c */ \
	X("stat", app_stat)         /* stat.c */ \
	X("stress", app_stress)     /* stress.c */ \
	X("sync", app_sync)         /* mount.c */ \
	X("tail", app_tail)         /* text.c */ \
	X("taskset", app_taskset)   /* sched.c */ \
	X("tee", app_tee)           /* text.c */ \
	X("test", app_test)         /* test.c */ \
	X("top", app_top)           /* top.c */ \
	X("touch", app_touch)       /* fileops.c */ \
	X("tr", app_tr)             /* tr.c */ \
	X("true", app_true)         /* misc.c */ \
	X("umount", app_umount)     /* mount.c */ \
	X("uname", app_uname)       /* sysinfo.c */ \
	X("uniq", app_uniq)         /* cut.c */ \
	X("uptime", app_uptime)     /* mem.c */ \
	X("vmstat", app_vmstat)     /* vmstat.c */ \
	X("watch", app_watch)       /* watch.c */ \
	X("wc", app_wc)             /* text.c */ \
	X("xargs", app_xargs)       /* xargs.c */

#define DECLARE(name, fn) int fn(int argc, char **argv);
APPLETS(DECLARE)
#undef DECLARE

#endif
