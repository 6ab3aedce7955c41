/* dd if= of= bs= ibs= obs= count= skip= seek= conv=notrunc,sync,noerror,fsync status=none|noxfer|progress
 * Copies ibs-sized reads into obs-sized writes and prints coreutils' summary
 * on stderr. */
#include "box.h"

static int dd_size(const char *s, u64 *v)
{
	u64 x = 0, mul = 1;
	const char *p = s;
	while (*p >= '0' && *p <= '9') x = x * 10 + (*p++ - '0');
	if (p == s) return -1;
	if (*p == 'c') { p++; }
	else if (*p == 'w') { mul = 2; p++; }
	else if (*p == 'b') { mul = 512; p++; }
	else if (*p && strchr("kKMGT", *p)) {
		char u = *p++;
		int si = *p == 'B';
		u64 base = si ? 1000 : 1024;
		int e = u == 'k' || u == 'K' ? 1 : u == 'M' ? 2 : u == 'G' ? 3 : 4;
		if (si) p++;
		else if (*p == 'i' && p[1] == 'B') p += 2;
		while (e--) mul *= base;
	}
	if (*p) return -1;
	*v = x * mul;
	return 0;
}

/* "1.0 MB" style: one decimal below 10, rounded to nearest (coreutils' dd) */
static void dd_human(char *b, u64 v, int si)
{
	static const char *const su[] = { "kB", "MB", "GB", "TB" }, *const iu[] = { "KiB", "MiB", "GiB", "TiB" };
	u64 base = si ? 1000 : 1024, div = base;
	int u = 0;
	while (u < 3 && v >= div * base) { div *= base; u++; }
	if (v * 10 / div < 100) {
		u64 t = (v * 10 + div / 2) / div;
		snfmt(b, 24, "%llu.%llu %s", t / 10, t % 10, si ? su[u] : iu[u]);
	} else
		snfmt(b, 24, "%llu %s", (v + div / 2) / div, si ? su[u] : iu[u]);
}

int app_dd(int argc, char **argv)
{
	const char *inf = 0, *outf_ = 0;
	u64 ibs = 512, obs = 512, count = (u64)-1, skip = 0, seek = 0, v;
	u64 full_in = 0, part_in = 0, full_out = 0, part_out = 0, total = 0;
	int notrunc = 0, sync_pad = 0, noerror = 0, fsync_ = 0, status = 1, in = 0, out = 1, i;
	u8 *ibuf, *obuf;
	u64 ofill = 0;
	s64 start;
	for (i = 1; i < argc; i++) {
		char *a = argv[i], *eq = strchr(a, '=');
		const char *val;
		if (!eq) { errf("unrecognized operand '%s'\n", a); return 1; }
		*eq = 0;
		val = eq + 1;
		if (!strcmp(a, "if")) inf = val;
		else if (!strcmp(a, "of")) outf_ = val;
		else if (!strcmp(a, "conv") || !strcmp(a, "status") || !strcmp(a, "iflag") || !strcmp(a, "oflag")) {
			char *o = xstrdup(val), *e;
			for (; o && *o; o = e) {
				e = strchr(o, ',');
				if (e) *e++ = 0;
				if (!strcmp(o, "notrunc")) notrunc = 1;
				else if (!strcmp(o, "sync")) sync_pad = 1;
				else if (!strcmp(o, "noerror")) noerror = 1;
				else if (!strcmp(o, "fsync") || !strcmp(o, "fdatasync")) fsync_ = 1;
				else if (!strcmp(o, "none")) status = 0;
				else if (!strcmp(o, "noxfer")) status = 2;
				else if (!strcmp(o, "progress") || !strcmp(o, "direct") || !strcmp(o, "dsync") || !strcmp(o, "fullblock")) ;
				else { errf("invalid conversion: '%s'\n", o); return 1; }
			}
		} else {
			if (dd_size(val, &v)) { errf("invalid number: '%s'\n", val); return 1; }
			if (!strcmp(a, "bs")) ibs = obs = v;
			else if (!strcmp(a, "ibs")) ibs = v;
			else if (!strcmp(a, "obs")) obs = v;
			else if (!strcmp(a, "count")) count = v;
			else if (!strcmp(a, "skip")) skip = v;
			else if (!strcmp(a, "seek")) seek = v;
			else { errf("unrecognized operand '%s'\n", a); return 1; }
		}
	}
	if (!ibs || !obs) { errf("invalid number: '0'\n"); return 1; }
	if (inf && (in = b_open(inf, 0, 0)) < 0) { errf("failed to open '%s': %s\n", inf, strerr(in)); return 1; }
	if (outf_ && (out = b_open(outf_, 01 | 0100 | (notrunc || seek ? 0 : 01000), 0666)) < 0) {
		errf("failed to open '%s': %s\n", outf_, strerr(out));
		return 1;
	}
	ibuf = xalloc(ibs);
	obuf = xalloc(obs);
	if (skip && b_lseek(in, (s64)(skip * ibs), 0) < 0) {   /* a pipe: read and drop */
		u64 k;
		for (k = 0; k < skip; k++) if (read(in, ibuf, ibs) <= 0) break;
	}
	if (seek) {
		if (b_lseek(out, (s64)(seek * obs), 0) < 0) { errf("cannot seek in output\n"); return 1; }
		if (outf_ && !notrunc) my_syscall3(__NR_ftruncate64, out, (unsigned long)(seek * obs), (unsigned long)((seek * obs) >> 32));
	}
	start = clock_ns(CLK_MONOTONIC);
	while (full_in + part_in < count) {
		long n = read(in, ibuf, ibs);
		u64 k;
		if (n < 0) {
			errf("error reading '%s': %s\n", inf ? inf : "standard input", strerr(-errno));
			if (!noerror) break;
			n = 0;
		}
		if (n == 0) break;
		if ((u64)n == ibs) full_in++;
		else part_in++;
		if (sync_pad && (u64)n < ibs) { memset(ibuf + n, 0, ibs - n); n = ibs; }
		for (k = 0; k < (u64)n;) {   /* re-block into obs-sized writes */
			u64 t = obs - ofill < (u64)n - k ? obs - ofill : (u64)n - k;
			memcpy(obuf + ofill, ibuf + k, t);
			ofill += t;
			k += t;
			if (ofill == obs) {
				if (write_all(out, obuf, obs) < 0) { errf("error writing: %s\n", strerr(-errno)); return 1; }
				full_out++;
				total += obs;
				ofill = 0;
			}
		}
	}
	if (ofill) {
		if (write_all(out, obuf, ofill) < 0) { errf("error writing: %s\n", strerr(-errno)); return 1; }
		part_out++;
		total += ofill;
	}
	if (fsync_) my_syscall1(__NR_fsync, out);
	if (status) {
		char line[200], a[24], b[24];
		s64 ns = clock_ns(CLK_MONOTONIC) - start;
		int len;
		if (ns <= 0) ns = 1;
		len = snfmt(line, sizeof(line), "%llu+%llu records in\n%llu+%llu records out\n", full_in, part_in, full_out, part_out);
		if (status == 1) {
			u64 us = (u64)ns / 1000, rate = us ? total * 1000000ULL / us : total;
			if (total >= 1000) {
				dd_human(a, total, 1);
				dd_human(b, total, 0);
				len += snfmt(line + len, sizeof(line) - len, "%llu bytes (%s, %s) copied, ", total, a, b);
			} else
				len += snfmt(line + len, sizeof(line) - len, "%llu byte%s copied, ", total, total == 1 ? "" : "s");
			dd_human(a, rate, 1);
			/* seconds with 6 significant digits, like %g */
			if (ns >= 1000000000LL) len += snfmt(line + len, sizeof(line) - len, "%lld.%05lld s, ", ns / 1000000000LL, ns / 10000 % 100000);
			else len += snfmt(line + len, sizeof(line) - len, "0.%09lld s, ", ns);
			len += snfmt(line + len, sizeof(line) - len, "%s/s\n", rate < 1000 ? (snfmt(b, 24, "%llu B", rate), b) : a);
		}
		out_flush();
		write_all(2, line, len);
	}
	return 0;
}
