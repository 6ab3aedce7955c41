/* xargs [-n N] [-I STR] [-0] [-d DELIM] [-r] [-t] [COMMAND [ARGS...]]:
 * blank-separated input with ' " \ quoting (or NUL/DELIM separated),
 * COMMAND defaults to echo; exit 123 if any run failed (GNU). */
#include "box.h"

int app_xargs(int argc, char **argv)
{
	int i = 1, maxn = 0, nul = 0, no_empty = 0, trace = 0, rc = 0, ncmd, nargs = 0, cap = 256;
	char delim = 0;
	const char *repl = 0;
	char *input, **args, **cmd;
	long len, p = 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-n") && i + 1 < argc) maxn = atoi(argv[++i]);
		else if (!strncmp(a, "-n", 2) && a[2]) maxn = atoi(a + 2);
		else if (!strcmp(a, "-I") && i + 1 < argc) { repl = argv[++i]; maxn = 1; }
		else if (!strncmp(a, "-I", 2) && a[2]) { repl = a + 2; maxn = 1; }
		else if (!strcmp(a, "-0") || !strcmp(a, "--null")) nul = 1;
		else if (!strcmp(a, "-d") && i + 1 < argc) { delim = argv[++i][0]; if (argv[i][0] == '\\' && argv[i][1] == 'n') delim = '\n'; }
		else if (!strcmp(a, "-r") || !strcmp(a, "--no-run-if-empty")) no_empty = 1;
		else if (!strcmp(a, "-t") || !strcmp(a, "--verbose")) trace = 1;
		else if (!strcmp(a, "--")) { i++; break; }
		else { errf("usage: xargs [-n N] [-I STR] [-0] [-d DELIM] [-r] [-t] [COMMAND [ARGS...]]\n"); return 1; }
	}
	len = read_all(0, &input);
	args = xalloc(cap * sizeof(char *));
	while (p < len) {
		char *w = input + p, *o = w;
		if (repl && !nul && !delim) {   /* -I: one line is one argument, leading blanks dropped */
			while (p < len && (input[p] == ' ' || input[p] == '\t')) p++;
			w = o = input + p;
			while (p < len && input[p] != '\n') *o++ = input[p++];
			if (p < len) p++;
			if (o == w) continue;
		} else if (nul || delim) {
			char d = nul ? 0 : delim;
			while (p < len && input[p] != d) *o++ = input[p++];
			if (p < len) p++;
			else if (o == w) break;
		} else {
			char q = 0;
			while (p < len && (input[p] == ' ' || input[p] == '\t' || input[p] == '\n')) p++;
			if (p >= len) break;
			w = o = input + p;
			while (p < len) {
				char c = input[p];
				if (q) { p++; if (c == q) q = 0; else *o++ = c; continue; }
				if (c == '\'' || c == '"') { q = c; p++; continue; }
				if (c == '\\' && p + 1 < len) { *o++ = input[p + 1]; p += 2; continue; }
				if (c == ' ' || c == '\t' || c == '\n') break;
				*o++ = c;
				p++;
			}
			if (p < len) p++;
		}
		*o = 0;
		if (nargs == cap) {
			char **b = xalloc(cap * 2 * sizeof(char *));
			memcpy(b, args, nargs * sizeof(char *));
			args = b;
			cap *= 2;
		}
		args[nargs++] = w;
	}
	ncmd = argc - i;
	cmd = xalloc((ncmd + nargs + 2) * sizeof(char *));
	if (nargs == 0 && no_empty)
		return 0;
	{
		int at = 0;
		do {
			int take = maxn > 0 && nargs - at > maxn ? maxn : nargs - at, k, m = 0, st;
			if (ncmd) for (k = 0; k < ncmd; k++) cmd[m++] = argv[i + k];
			else cmd[m++] = "echo";
			if (repl) {   /* -I: replace STR in the command's words with one input line */
				for (k = 0; k < m; k++) {
					char *hit = b_strstr(cmd[k], repl);
					if (hit && take) {
						int rl = strlen(repl), al = strlen(args[at]);
						char *nw = xalloc(strlen(cmd[k]) + al + 1);
						memcpy(nw, cmd[k], hit - cmd[k]);
						strcpy(nw + (hit - cmd[k]), args[at]);
						strcpy(nw + (hit - cmd[k]) + al, hit + rl);
						cmd[k] = nw;
					}
				}
			} else
				for (k = 0; k < take; k++) cmd[m++] = args[at + k];
			cmd[m] = 0;
			if (trace) {
				{
					char line[1024];
					int o = 0;
					for (k = 0; k < m && o < 1000; k++) o += snfmt(line + o, sizeof(line) - o, k ? " %s" : "%s", cmd[k]);
					out_flush();
					write_all(2, line, o);
					write_all(2, "\n", 1);
				}
			}
			st = run_argv(cmd);
			if (st == 255) { errf("%s: exited with status 255; aborting\n", cmd[0]); return 124; }
			if (st >= 126 && st <= 127) return st;
			if (st) rc = 123;
			at += take;
		} while (at < nargs);
	}
	return rc;
}
