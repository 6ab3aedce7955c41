/* VirtLab guest shell: no legacy built-ins (every command is in /bin).
 * Included by sh.c instead of sh-legacy.c once that file is deleted. */

static int legacy_find(const char *name) { return -1; }
static int legacy_run(int i, int argc, char **argv) { return 127; }
static void legacy_help(void) {}
static void legacy_complete(struct cands *c, const char *w, int wl) {}
