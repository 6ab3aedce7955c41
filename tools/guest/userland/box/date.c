/* date [-u] [-d @SECONDS|'YYYY-MM-DD [HH:MM[:SS]]'] [-s SAME] [-R] [-I] [+FORMAT]
 * The guest has no zone data: local time is UTC. */
#include "box.h"

static const char *const day_full[7] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" };
static const char *const month_full[12] = { "January", "February", "March", "April", "May", "June", "July",
					    "August", "September", "October", "November", "December" };

static s64 days_from_civil(int y, int m, int d)   /* m 1-12 */
{
	s64 era;
	unsigned yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (s64)doe - 719468;
}

static int parse_when(const char *s, s64 *t)
{
	int y, mo, d, h = 0, mi = 0, se = 0;
	s64 v;
	if (*s == '@') return parse_int(s + 1, t);
	if (!strcmp(s, "now")) { *t = clock_ns(CLK_REALTIME) / 1000000000LL; return 0; }
	y = atoi(s);
	s = strchr(s, '-'); if (!s) return -1; mo = atoi(++s);
	s = strchr(s, '-'); if (!s) return -1; d = atoi(++s);
	while (*s >= '0' && *s <= '9') s++;
	if (*s == ' ' || *s == 'T') {
		s++;
		h = atoi(s);
		s = strchr(s, ':'); if (!s) return -1; mi = atoi(++s);
		while (*s >= '0' && *s <= '9') s++;
		if (*s == ':') se = atoi(++s);
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31) return -1;
	v = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	*t = v;
	return 0;
}

static void format(const char *f, s64 t, long nsec)
{
	struct tmv tm;
	gmtime_v(t, &tm);
	for (; *f; f++) {
		int pad = '0';
		if (*f != '%' || !f[1]) { out_c(*f); continue; }
		f++;
		if (*f == '-' || *f == '_') { pad = *f == '-' ? 0 : ' '; f++; }
#define N2(v) do { if (pad) outf(pad == '0' ? "%02d" : "%2d", (v)); else outf("%d", (v)); } while (0)
		switch (*f) {
		case 'a': out_s(day_abbr[tm.wday]); break;
		case 'A': out_s(day_full[tm.wday]); break;
		case 'b': case 'h': out_s(month_abbr[tm.mon]); break;
		case 'B': out_s(month_full[tm.mon]); break;
		case 'c': outf("%s %s %2d %02d:%02d:%02d %d", day_abbr[tm.wday], month_abbr[tm.mon], tm.mday, tm.hour, tm.min, tm.sec, tm.year); break;
		case 'C': N2(tm.year / 100); break;
		case 'd': N2(tm.mday); break;
		case 'D': outf("%02d/%02d/%02d", tm.mon + 1, tm.mday, tm.year % 100); break;
		case 'e': if (pad == '0') pad = ' '; N2(tm.mday); break;
		case 'F': outf("%d-%02d-%02d", tm.year, tm.mon + 1, tm.mday); break;
		case 'H': N2(tm.hour); break;
		case 'I': N2(tm.hour % 12 ? tm.hour % 12 : 12); break;
		case 'j': if (pad) outf("%03d", tm.yday + 1); else outf("%d", tm.yday + 1); break;
		case 'k': if (pad == '0') pad = ' '; N2(tm.hour); break;
		case 'l': if (pad == '0') pad = ' '; N2(tm.hour % 12 ? tm.hour % 12 : 12); break;
		case 'm': N2(tm.mon + 1); break;
		case 'M': N2(tm.min); break;
		case 'n': out_c('\n'); break;
		case 'N': outf("%09ld", nsec); break;
		case 'p': out_s(tm.hour < 12 ? "AM" : "PM"); break;
		case 'P': out_s(tm.hour < 12 ? "am" : "pm"); break;
		case 'r': outf("%02d:%02d:%02d %s", tm.hour % 12 ? tm.hour % 12 : 12, tm.min, tm.sec, tm.hour < 12 ? "AM" : "PM"); break;
		case 'R': outf("%02d:%02d", tm.hour, tm.min); break;
		case 's': outf("%lld", t); break;
		case 'S': N2(tm.sec); break;
		case 't': out_c('\t'); break;
		case 'T': outf("%02d:%02d:%02d", tm.hour, tm.min, tm.sec); break;
		case 'u': outf("%d", tm.wday ? tm.wday : 7); break;
		case 'w': outf("%d", tm.wday); break;
		case 'y': N2(tm.year % 100); break;
		case 'Y': outf("%d", tm.year); break;
		case 'z': out_s("+0000"); break;
		case 'Z': out_s("UTC"); break;
		case '%': out_c('%'); break;
		default: out_c('%'); out_c(*f); break;
		}
	}
}

int app_date(int argc, char **argv)
{
	s64 now = clock_ns(CLK_REALTIME), t = now / 1000000000LL;
	long nsec = (long)(now % 1000000000LL);
	const char *fmt = "%a %b %e %H:%M:%S %Z %Y", *set = 0;
	int i;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] == '+') fmt = a + 1;
		else if (!strcmp(a, "-u") || !strcmp(a, "--utc") || !strcmp(a, "--universal")) ;
		else if (!strcmp(a, "-R") || !strcmp(a, "--rfc-email")) fmt = "%a, %d %b %Y %H:%M:%S %z";
		else if (!strcmp(a, "-I") || !strcmp(a, "--iso-8601")) fmt = "%Y-%m-%d";
		else if (!strcmp(a, "-Iseconds")) fmt = "%Y-%m-%dT%H:%M:%S+00:00";
		else if ((!strcmp(a, "-d") || !strcmp(a, "--date")) && i + 1 < argc) {
			if (parse_when(argv[++i], &t)) { errf("invalid date '%s'\n", argv[i]); return 1; }
			nsec = 0;
		} else if (!strncmp(a, "--date=", 7)) {
			if (parse_when(a + 7, &t)) { errf("invalid date '%s'\n", a + 7); return 1; }
			nsec = 0;
		} else if ((!strcmp(a, "-s") || !strcmp(a, "--set")) && i + 1 < argc) set = argv[++i];
		else { errf("invalid argument '%s'\n", a); return 1; }
	}
	if (set) {
		struct ts64 ts;
		long r;
		if (parse_when(set, &t)) { errf("invalid date '%s'\n", set); return 1; }
		ts.sec = t;
		ts.nsec = 0;
		r = my_syscall2(__NR_clock_settime64, CLK_REALTIME, &ts);
		if (r < 0) { errf("cannot set date: %s\n", strerr(r)); return 1; }
		nsec = 0;
	}
	format(fmt, t, nsec);
	out_c('\n');
	return 0;
}
