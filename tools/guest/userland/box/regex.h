/* A small backtracking regex engine for grep: POSIX BRE and ERE with GNU's
 * usual extensions (\+ \? \| in BRE; \w \W \s \S \b \B \< \>; [[:class:]]).
 * Matches are leftmost-longest, as POSIX and GNU grep report them. */
#ifndef VIRTLAB_REGEX_H
#define VIRTLAB_REGEX_H

struct rnode;
struct regex {
	struct rnode *root;
	int icase;
};

/* 0 on success; else *err says why. */
int re_compile(struct regex *re, const char *pat, int extended, int icase, const char **err);
/* Search line[0..len) from `from`; on a match sets *ms and *me and returns 1.
 * longest: extend to the longest match at the leftmost start (for -o, -w, -x);
 * word: the match must be a whole word; whole: must cover the whole line. */
int re_search(const struct regex *re, const char *line, long len, long from, int longest, int word, int whole,
	      long *ms, long *me);

#endif
