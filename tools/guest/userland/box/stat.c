/* stat [-L] [-c FORMAT] FILE...: coreutils' default layout; -c knows
 * %n %N %s %b %B %a %A %f %F %i %h %u %U %g %G %d %D %t %T %x %y %z %X %Y %Z %o %m? (no) %%. */
#include "box.h"

static const char *type_name(unsigned mode, u64 size)
{
	switch (mode & 0170000) {
	case 0100000: return size ? "regular file" : "regular empty file";
	case 0040000: return "directory";
	case 0120000: return "symbolic link";
	case 0020000: return "character special file";
	case 0060000: return "block special file";
	case 0010000: return "fifo";
	case 0140000: return "socket";
	}
	return "weird file";
}

static void perms(unsigned m, char *b)
{
	static const char types[] = "?pc?d?b?-?l?s???";
	b[0] = types[(m >> 12) & 15];
	b[1] = m & 0400 ? 'r' : '-';
	b[2] = m & 0200 ? 'w' : '-';
	b[3] = m & 04000 ? (m & 0100 ? 's' : 'S') : (m & 0100 ? 'x' : '-');
	b[4] = m & 040 ? 'r' : '-';
	b[5] = m & 020 ? 'w' : '-';
	b[6] = m & 02000 ? (m & 010 ? 's' : 'S') : (m & 010 ? 'x' : '-');
	b[7] = m & 04 ? 'r' : '-';
	b[8] = m & 02 ? 'w' : '-';
	b[9] = m & 01000 ? (m & 01 ? 't' : 'T') : (m & 01 ? 'x' : '-');
	b[10] = 0;
}

static void when(const struct statx_timestamp *t)
{
	struct tmv tm;
	gmtime_v(t->tv_sec, &tm);
	outf("%d-%02d-%02d %02d:%02d:%02d.%09u +0000", tm.year, tm.mon + 1, tm.mday, tm.hour, tm.min, tm.sec, t->tv_nsec);
}

static void link_target(const char *path)
{
	char t[1024];
	int k = b_readlink(path, t, sizeof(t) - 1);
	if (k >= 0) { t[k] = 0; outf(" -> '%s'", t); }
}

static void custom(const char *f, const char *path, const struct statx *st)
{
	char b[32];
	for (; *f; f++) {
		if (*f == '\\' && f[1] == 'n') { out_c('\n'); f++; continue; }
		if (*f == '\\' && f[1] == 't') { out_c('\t'); f++; continue; }
		if (*f != '%' || !f[1]) { out_c(*f); continue; }
		switch (*++f) {
		case 'n': out_s(path); break;
		case 'N': outf("'%s'", path); if ((st->stx_mode & 0170000) == 0120000) link_target(path); break;
		case 's': outf("%llu", st->stx_size); break;
		case 'b': outf("%llu", st->stx_blocks); break;
		case 'B': out_s("512"); break;
		case 'o': outf("%u", st->stx_blksize); break;
		case 'a': outf("%o", st->stx_mode & 07777); break;
		case 'A': perms(st->stx_mode, b); out_s(b); break;
		case 'f': outf("%x", st->stx_mode); break;
		case 'F': out_s(type_name(st->stx_mode, st->stx_size)); break;
		case 'i': outf("%llu", st->stx_ino); break;
		case 'h': outf("%u", st->stx_nlink); break;
		case 'u': outf("%u", st->stx_uid); break;
		case 'U': user_name(st->stx_uid, b); out_s(b); break;
		case 'g': outf("%u", st->stx_gid); break;
		case 'G': user_name(st->stx_gid, b); out_s(b); break;
		case 'd': outf("%u", (st->stx_dev_major << 8) | st->stx_dev_minor); break;
		case 'D': outf("%x", (st->stx_dev_major << 8) | st->stx_dev_minor); break;
		case 't': outf("%x", st->stx_rdev_major); break;
		case 'T': outf("%x", st->stx_rdev_minor); break;
		case 'x': when(&st->stx_atime); break;
		case 'y': when(&st->stx_mtime); break;
		case 'z': when(&st->stx_ctime); break;
		case 'X': outf("%lld", st->stx_atime.tv_sec); break;
		case 'Y': outf("%lld", st->stx_mtime.tv_sec); break;
		case 'Z': outf("%lld", st->stx_ctime.tv_sec); break;
		case '%': out_c('%'); break;
		default: out_c('%'); out_c(*f); break;
		}
	}
	out_c('\n');
}

int app_stat(int argc, char **argv)
{
	int c, deref = 0, rc = 0;
	const char *fmt = 0;
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--format=", 9)) { fmt = argv[i] + 9; argv[i] = "-\x01"; }
		else if (!strncmp(argv[i], "--printf=", 9)) { fmt = argv[i] + 9; argv[i] = "-\x01"; }
	while ((c = opt_next(argc, argv, "Lc:f\x01")) != -1) {
		if (c == 'L') deref = 1;
		else if (c == 'c') fmt = opt_arg;
		else if (c != 1 && c != 'f') { errf("usage: stat [-L] [-c FORMAT] FILE...\n"); return 1; }
	}
	if (opt_ind == argc) { errf("missing operand\n"); return 1; }
	for (; opt_ind < argc; opt_ind++) {
		const char *p = argv[opt_ind];
		struct statx st;
		char b[16], u[16], g[16];
		int r = xstat(p, !deref, &st);
		if (r) { errf("cannot statx '%s': %s\n", p, strerr(r)); rc = 1; continue; }
		if (fmt) { custom(fmt, p, &st); continue; }
		outf("  File: %s", p);
		if ((st.stx_mode & 0170000) == 0120000) link_target(p);
		outf("\n  Size: %-10llu\tBlocks: %-10llu IO Block: %-6u %s\n", st.stx_size, st.stx_blocks, st.stx_blksize,
		     type_name(st.stx_mode, st.stx_size));
		snfmt(b, sizeof(b), "%u,%u", st.stx_dev_major, st.stx_dev_minor);
		if ((st.stx_mode & 0170000) == 0020000 || (st.stx_mode & 0170000) == 0060000)
			outf("Device: %s\tInode: %-11llu Links: %-5u Device type: %u,%u\n", b, st.stx_ino, st.stx_nlink,
			     st.stx_rdev_major, st.stx_rdev_minor);
		else
			outf("Device: %s\tInode: %-11llu Links: %u\n", b, st.stx_ino, st.stx_nlink);
		perms(st.stx_mode, b);
		user_name(st.stx_uid, u);
		user_name(st.stx_gid, g);
		outf("Access: (%04o/%s)  Uid: (%5u/%8s)   Gid: (%5u/%8s)\n", st.stx_mode & 07777, b, st.stx_uid, u, st.stx_gid, g);
		outf("Access: "); when(&st.stx_atime);
		outf("\nModify: "); when(&st.stx_mtime);
		outf("\nChange: "); when(&st.stx_ctime);
		outf("\n Birth: ");
		if (st.stx_mask & 0x800 /* STATX_BTIME */) when(&st.stx_btime);
		else out_c('-');
		out_c('\n');
	}
	return rc;
}
