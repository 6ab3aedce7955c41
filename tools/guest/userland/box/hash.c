/* md5sum and sha256sum [-c] [FILE...]: RFC 1321 and FIPS 180-4, coreutils'
 * "HASH  NAME" lines and check mode. */
#include "box.h"

struct hasher {
	u32 h[8];
	u8 block[64];
	u64 len;
	int fill, md5;
};

static u32 rol(u32 x, int n) { return (x << n) | (x >> (32 - n)); }
static u32 ror(u32 x, int n) { return (x >> n) | (x << (32 - n)); }

static void md5_block(u32 *h, const u8 *p)
{
	static const u32 K[64] = {
		0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
		0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
		0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
		0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
		0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
		0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
		0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
		0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
	};
	static const u8 S[16] = { 7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21 };
	u32 w[16], a = h[0], b = h[1], c = h[2], d = h[3];
	int i;
	for (i = 0; i < 16; i++)
		w[i] = p[i * 4] | p[i * 4 + 1] << 8 | p[i * 4 + 2] << 16 | (u32)p[i * 4 + 3] << 24;
	for (i = 0; i < 64; i++) {
		u32 f, t;
		int g;
		if (i < 16) { f = (b & c) | (~b & d); g = i; }
		else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
		else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
		else { f = c ^ (b | ~d); g = (7 * i) & 15; }
		t = d;
		d = c;
		c = b;
		b = b + rol(a + f + K[i] + w[g], S[(i / 16) * 4 + (i & 3)]);
		a = t;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
}

static void sha256_block(u32 *h, const u8 *p)
{
	static const u32 K[64] = {
		0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
		0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
		0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
		0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
		0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
		0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
		0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
		0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
	};
	u32 w[64], s[8];
	int i;
	for (i = 0; i < 16; i++)
		w[i] = (u32)p[i * 4] << 24 | p[i * 4 + 1] << 16 | p[i * 4 + 2] << 8 | p[i * 4 + 3];
	for (i = 16; i < 64; i++) {
		u32 s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		u32 s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(s, h, sizeof(s));
	for (i = 0; i < 64; i++) {
		u32 S1 = ror(s[4], 6) ^ ror(s[4], 11) ^ ror(s[4], 25);
		u32 ch = (s[4] & s[5]) ^ (~s[4] & s[6]);
		u32 t1 = s[7] + S1 + ch + K[i] + w[i];
		u32 S0 = ror(s[0], 2) ^ ror(s[0], 13) ^ ror(s[0], 22);
		u32 mj = (s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]);
		memmove(s + 1, s, 7 * sizeof(u32));
		s[4] += t1;
		s[0] = t1 + S0 + mj;
	}
	for (i = 0; i < 8; i++) h[i] += s[i];
}

static void h_init(struct hasher *x, int md5)
{
	static const u32 iv_md5[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	static const u32 iv_sha[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memset(x, 0, sizeof(*x));
	x->md5 = md5;
	memcpy(x->h, md5 ? iv_md5 : iv_sha, md5 ? 16 : 32);
}

static void h_update(struct hasher *x, const u8 *p, long n)
{
	x->len += n;
	while (n > 0) {
		int k = 64 - x->fill < n ? 64 - x->fill : (int)n;
		memcpy(x->block + x->fill, p, k);
		x->fill += k;
		p += k;
		n -= k;
		if (x->fill == 64) {
			if (x->md5) md5_block(x->h, x->block);
			else sha256_block(x->h, x->block);
			x->fill = 0;
		}
	}
}

static void h_final(struct hasher *x, char *hex)
{
	u64 bits = x->len * 8;
	u8 pad[72];
	int padlen = (x->fill < 56 ? 56 : 120) - x->fill, i;
	memset(pad, 0, sizeof(pad));
	pad[0] = 0x80;
	/* MD5: little-endian length, SHA-256: big-endian (u32 halves: rv32 has
	 * no 64-bit variable shift without libgcc) */
	{
		u32 lo = (u32)bits, hi = (u32)(bits >> 32);
		for (i = 0; i < 4; i++) {
			u8 l = lo >> (8 * i), h = hi >> (8 * i);
			if (x->md5) { pad[padlen + i] = l; pad[padlen + 4 + i] = h; }
			else { pad[padlen + 7 - i] = l; pad[padlen + 3 - i] = h; }
		}
	}
	h_update(x, pad, padlen + 8);
	for (i = 0; i < (x->md5 ? 16 : 32); i++) {
		u32 w = x->h[i / 4];
		u8 b = x->md5 ? w >> (8 * (i & 3)) : w >> (24 - 8 * (i & 3));
		snfmt(hex + i * 2, 3, "%02x", b);
	}
}

static int hash_file(const char *name, int md5, char *hex)
{
	static u8 buf[16384];
	struct hasher x;
	long n;
	int fd = open_in(name);
	if (fd < 0) return fd;
	h_init(&x, md5);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		h_update(&x, buf, n);
	if (fd > 0) close(fd);
	h_final(&x, hex);
	return 0;
}

static int run(int argc, char **argv, int md5)
{
	int c, check = 0, rc = 0, quiet = 0, status = 0, bad = 0, i;
	char hex[65];
	while ((c = opt_next(argc, argv, "cbtwqs")) != -1) {
		if (c == 'c') check = 1;
		else if (c == 'q') quiet = 1;
		else if (c == 's') status = 1;
		else if (c != 'b' && c != 't' && c != 'w') { errf("usage: %s [-c] [FILE...]\n", applet); return 1; }
	}
	if (opt_ind == argc) argv[--opt_ind] = "-";
	for (i = opt_ind; i < argc; i++) {
		if (!check) {
			int r = hash_file(argv[i], md5, hex);
			if (r) { err_sys(argv[i], r); rc = 1; continue; }
			outf("%s  %s\n", hex, argv[i]);
			continue;
		}
		{
			struct rd r;
			long len;
			int nl, fd = open_in(argv[i]), hl = md5 ? 32 : 64;
			if (fd < 0) { err_sys(argv[i], fd); rc = 1; continue; }
			rd_init(&r, fd);
			while ((len = rd_line(&r, &nl)) > 0) {
				const char *name;
				int res;
				if (len - nl < hl + 2 || (r.line[hl] != ' ')) continue;
				name = r.line + hl + 2;
				res = hash_file(name, md5, hex);
				if (res) {
					errf("%s: %s\n", name, strerr(res));
					if (!status) outf("%s: FAILED open or read\n", name);
					rc = 1;
					continue;
				}
				if (strncmp(hex, r.line, hl)) {
					bad++;
					if (!status) outf("%s: FAILED\n", name);
				} else if (!quiet && !status)
					outf("%s: OK\n", name);
			}
		}
	}
	if (bad) {
		if (!status) errf("WARNING: %d computed checksum%s did NOT match\n", bad, bad > 1 ? "s" : "");
		rc = 1;
	}
	return rc;
}

int app_md5sum(int argc, char **argv) { return run(argc, argv, 1); }
int app_sha256sum(int argc, char **argv) { return run(argc, argv, 0); }
