/* VirtLab guest shell: variables, the environment passed to programs, and
 * the positional parameters. A variable is one malloc'd "NAME=value"
 * string, so an exported one is its own envp entry. */

#define MAX_VARS 256

struct var { char *kv; int exported; };
static struct var vars[MAX_VARS];
static int nvars;

static char **pos_argv;   /* $1.. (not $0) */
static int pos_argc;
static const char *pos_zero = "sh";

static int sh_is_name(const char *s, int n)
{
	int i;
	if (n <= 0 || !(s[0] == '_' || ((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z')))
		return 0;
	for (i = 1; i < n; i++)
		if (!(s[i] == '_' || ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static struct var *var_find(const char *name, int n)
{
	int i;
	for (i = 0; i < nvars; i++)
		if (!strncmp(vars[i].kv, name, n) && vars[i].kv[n] == '=')
			return &vars[i];
	return 0;
}

static char *var_get(const char *name)
{
	struct var *v = var_find(name, strlen(name));
	return v ? strchr(v->kv, '=') + 1 : 0;
}

/* export: 1 marks exported, 0 keeps the current flag. Returns 0 or -1. */
static int var_set(const char *name, const char *value, int export)
{
	int n = strlen(name), vl = strlen(value);
	struct var *v = var_find(name, n);
	char *kv = malloc(n + vl + 2);
	if (!kv)
		return -1;
	memcpy(kv, name, n);
	kv[n] = '=';
	memcpy(kv + n + 1, value, vl + 1);
	if (!v) {
		if (nvars == MAX_VARS) {
			free(kv);
			sh_error("too many variables");
			return -1;
		}
		v = &vars[nvars++];
		v->exported = 0;
	} else
		free(v->kv);
	v->kv = kv;
	if (export)
		v->exported = 1;
	return 0;
}

static void var_unset(const char *name)
{
	struct var *v = var_find(name, strlen(name));
	if (!v)
		return;
	free(v->kv);
	*v = vars[--nvars];
}

static void var_export(const char *name)
{
	struct var *v = var_find(name, strlen(name));
	if (v)
		v->exported = 1;
	else
		var_set(name, "", 1);
}

/* "NAME=value": set (and maybe export). */
static int var_assign(const char *kv, int export)
{
	const char *eq = strchr(kv, '=');
	char name[128];
	int n = eq ? eq - kv : 0;
	if (!sh_is_name(kv, n) || n >= (int)sizeof(name))
		return -1;
	memcpy(name, kv, n);
	name[n] = 0;
	return var_set(name, eq + 1, export);
}

/* envp for execve: the exported variables, then `extra` (prefix
 * assignments, "NAME=value") overriding them. In the arena. */
static char **env_build(char **extra, int nextra)
{
	char **env = arena_alloc((nvars + nextra + 1) * sizeof(char *));
	int i, j, k = 0;
	for (i = 0; i < nvars; i++) {
		int n = strchr(vars[i].kv, '=') - vars[i].kv;
		if (!vars[i].exported)
			continue;
		for (j = 0; j < nextra; j++)
			if (!strncmp(extra[j], vars[i].kv, n + 1))
				break;
		if (j == nextra)
			env[k++] = vars[i].kv;
	}
	for (j = 0; j < nextra; j++)
		env[k++] = extra[j];
	env[k] = 0;
	return env;
}

static void env_import(char **envp)
{
	for (; envp && *envp; envp++)
		var_assign(*envp, 1);
}

/* Replaces the positional parameters with copies of argv[0..argc) (which
 * may point into the current ones). */
static void pos_set(char **argv, int argc)
{
	char **nv = malloc((argc + 1) * sizeof(char *));
	int i;
	for (i = 0; i < argc; i++) {
		nv[i] = malloc(strlen(argv[i]) + 1);
		strcpy(nv[i], argv[i]);
	}
	nv[argc] = 0;
	for (i = 0; i < pos_argc; i++)
		free(pos_argv[i]);
	free(pos_argv);
	pos_argv = nv;
	pos_argc = argc;
}
