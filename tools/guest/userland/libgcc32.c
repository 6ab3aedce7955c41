/* 64-bit division helpers for rv32. The Debian cross toolchain ships an rv64
 * libgcc only, so rv32 code that divides 64-bit values needs these. */
typedef unsigned long long u64;
typedef long long s64;

u64 __udivmoddi4(u64 n, u64 d, u64 *rem)
{
	u64 q = 0;
	int shift;

	if (d == 0) {            /* undefined in C; return all-ones like RISC-V divu */
		if (rem)
			*rem = n;
		return ~0ULL;
	}
	if ((d >> 32) == 0 && (n >> 32) == 0) {
		unsigned int nn = (unsigned int)n, dd = (unsigned int)d;
		if (rem)
			*rem = nn % dd;
		return nn / dd;
	}
	shift = 0;
	while (d <= n && !(d >> 63)) {
		d <<= 1;
		shift++;
	}
	/* restoring division, one quotient bit per step */
	for (; shift >= 0; shift--) {
		q <<= 1;
		if (n >= d) {
			n -= d;
			q |= 1;
		}
		d >>= 1;
	}
	if (rem)
		*rem = n;
	return q;
}

u64 __udivdi3(u64 n, u64 d) { return __udivmoddi4(n, d, 0); }
u64 __umoddi3(u64 n, u64 d) { u64 r; __udivmoddi4(n, d, &r); return r; }

s64 __divdi3(s64 a, s64 b)
{
	int neg = (a < 0) ^ (b < 0);
	u64 q = __udivmoddi4(a < 0 ? -(u64)a : (u64)a, b < 0 ? -(u64)b : (u64)b, 0);
	return neg ? -(s64)q : (s64)q;
}

s64 __moddi3(s64 a, s64 b)
{
	u64 r;
	__udivmoddi4(a < 0 ? -(u64)a : (u64)a, b < 0 ? -(u64)b : (u64)b, &r);
	return a < 0 ? -(s64)r : (s64)r;
}
