/* box: VirtLab's multi-call binary (busybox-style). argv[0]'s basename
 * selects the applet, so /bin/NAME can be a symlink to /bin/box; `box NAME
 * ARGS` works too, and `box --list` prints every applet, one per line. */
#include "box.h"
#include "applets.h"

#define A(name, fn) { name, fn },
static const struct { const char *name; applet_fn fn; } applets[] = { APPLETS(A) };

static applet_fn find(const char *name)
{
	unsigned i;
	for (i = 0; i < ARRAY_SIZE(applets); i++)
		if (!strcmp(applets[i].name, name))
			return applets[i].fn;
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	const char *name = argc > 0 ? argv[0] : "box", *slash;
	applet_fn fn;
	unsigned i;

	box_envp = envp;
	while ((slash = strchr(name, '/')))
		name = slash + 1;
	if (!strcmp(name, "box")) {
		if (argc < 2 || !strcmp(argv[1], "--help")) {
			outf("usage: box APPLET [ARGS...] | box --list\n"
			     "VirtLab's multi-call binary; /bin/APPLET links here.\n");
			bexit(argc < 2);
		}
		if (!strcmp(argv[1], "--list")) {
			for (i = 0; i < ARRAY_SIZE(applets); i++)
				outf("%s\n", applets[i].name);
			bexit(0);
		}
		argv++;
		argc--;
		name = argv[0];
		while ((slash = strchr(name, '/')))
			name = slash + 1;
	}
	fn = find(name);
	applet = name;
	if (!fn) {
		errf("applet not found\n");
		return 127;
	}
	/* A closed pipe (head after grep) ends the writer quietly, as with coreutils. */
	i = fn(argc, argv);
	out_flush();
	return i;
}
