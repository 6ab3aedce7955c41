/* VirtLab isa-selftest: a deterministic rv32imac Linux user program that
 * exercises the integer ISA and prints one line per test (values in hex).
 * Its output must be identical under qemu-riscv32 and inside the VirtLab
 * guest, so nothing host- or time-dependent is printed.
 * Build: see tools/guest/build.sh (static, nolibc, -march=rv32imac). */
#include "lib.h"

static const u32 edge[] = {
	0x00000000, 0x00000001, 0xffffffff, 0x7fffffff, 0x80000000,
	0x80000001, 0x12345678, 0xfedcba98, 0x00000003, 0xfffffff9,
	0x0000ffff, 0xffff0000,
};
#define NEDGE (sizeof(edge) / sizeof(edge[0]))

#define OP_RR(insn, a, b) ({ u32 _r; __asm__ volatile(insn " %0, %1, %2" : "=r"(_r) : "r"(a), "r"(b)); _r; })
#define OP_RI(insn, a, imm) ({ u32 _r; __asm__ volatile(insn " %0, %1, " #imm : "=r"(_r) : "r"(a)); _r; })

static u32 fold(u32 h, u32 v) { return (h ^ v) * 16777619u + 0x9e37u; }

/* Run one R-type op over all edge pairs; print a digest and a few samples. */
#define TEST_RR(insn) do {                                                  \
	u32 _h = 2166136261u, _i, _j;                                         \
	for (_i = 0; _i < NEDGE; _i++)                                        \
		for (_j = 0; _j < NEDGE; _j++)                                \
			_h = fold(_h, OP_RR(insn, edge[_i], edge[_j]));       \
	pr("%-8s digest=%08x  7,3=%08x  -7,3=%08x  min,-1=%08x  x,0=%08x  big=%08x\n", \
	   insn, _h, OP_RR(insn, 7u, 3u), OP_RR(insn, 0xfffffff9u, 3u),       \
	   OP_RR(insn, 0x80000000u, 0xffffffffu), OP_RR(insn, 0x12345678u, 0u), \
	   OP_RR(insn, 0x89abcdefu, 0x76543210u));                            \
} while (0)

static void test_alu(void)
{
	TEST_RR("add"); TEST_RR("sub"); TEST_RR("and"); TEST_RR("or"); TEST_RR("xor");
	TEST_RR("sll"); TEST_RR("srl"); TEST_RR("sra");
	TEST_RR("slt"); TEST_RR("sltu");
	TEST_RR("mul"); TEST_RR("mulh"); TEST_RR("mulhsu"); TEST_RR("mulhu");
	TEST_RR("div"); TEST_RR("divu"); TEST_RR("rem"); TEST_RR("remu");
}

static void test_edges(void)
{
	u32 m = 0x80000000u, n1 = 0xffffffffu, z = 0, x = 0x12345678u;
	pr("div-by-zero div=%08x divu=%08x rem=%08x remu=%08x\n",
	   OP_RR("div", x, z), OP_RR("divu", x, z), OP_RR("rem", x, z), OP_RR("remu", x, z));
	pr("div-by-zero neg: div=%08x rem=%08x\n", OP_RR("div", n1, z), OP_RR("rem", 0x80000000u, z));
	pr("overflow INT_MIN/-1 div=%08x rem=%08x divu=%08x remu=%08x\n",
	   OP_RR("div", m, n1), OP_RR("rem", m, n1), OP_RR("divu", m, n1), OP_RR("remu", m, n1));
	pr("mulh min*min=%08x mulhu max*max=%08x mulhsu -1*max=%08x mulhsu min*2=%08x\n",
	   OP_RR("mulh", m, m), OP_RR("mulhu", n1, n1), OP_RR("mulhsu", n1, n1), OP_RR("mulhsu", m, 2u));
	pr("shift-amount masking sll 1<<32=%08x 1<<33=%08x srl min>>31=%08x sra min>>31=%08x sra min>>63=%08x\n",
	   OP_RR("sll", 1u, 32u), OP_RR("sll", 1u, 33u), OP_RR("srl", m, 31u), OP_RR("sra", m, 31u),
	   OP_RR("sra", m, 63u));
	pr("imm-shift slli=%08x srli=%08x srai=%08x srai0=%08x\n",
	   OP_RI("slli", x, 31), OP_RI("srli", 0xf0000000u, 28), OP_RI("srai", 0xf0000000u, 28),
	   OP_RI("srai", x, 0));
	pr("slti -1<0=%u 0<-1=%u min<max=%u  sltiu 0<-1(u)=%u -1<1=%u  seqz-like sltiu x,1: %u %u\n",
	   OP_RI("slti", n1, 0), OP_RI("slti", z, -1), OP_RR("slt", m, 0x7fffffffu),
	   OP_RI("sltiu", z, -1), OP_RI("sltiu", n1, 1), OP_RI("sltiu", z, 1), OP_RI("sltiu", x, 1));
	pr("addi/andi/ori/xori %08x %08x %08x %08x\n",
	   OP_RI("addi", 0x7fffffffu, 1), OP_RI("andi", x, -16), OP_RI("ori", x, 0x7ff), OP_RI("xori", x, -1));
	{
		u32 lui, r;
		__asm__ volatile("lui %0, 0xfffff" : "=r"(lui));
		__asm__ volatile("lui %0, 0x12345\n\taddi %0, %0, -0x778" : "=r"(r));
		pr("lui %08x lui+addi %08x\n", lui, r);
	}
}

static void test_branches(void)
{
	u32 i, j, h = 0;
	for (i = 0; i < NEDGE; i++)
		for (j = 0; j < NEDGE; j++) {
			u32 a = edge[i], b = edge[j], r = 0;
			__asm__ volatile(
				"li %0, 0\n\t"
				"bne %1, %2, 1f\n\tori %0, %0, 1\n1:\n\t"
				"blt %1, %2, 2f\n\tori %0, %0, 2\n2:\n\t"
				"bge %1, %2, 3f\n\tori %0, %0, 4\n3:\n\t"
				"bltu %1, %2, 4f\n\tori %0, %0, 8\n4:\n\t"
				"bgeu %1, %2, 5f\n\tori %0, %0, 16\n5:\n\t"
				"beq %1, %2, 6f\n\tori %0, %0, 32\n6:\n\t"
				: "=&r"(r) : "r"(a), "r"(b));
			h = fold(h, r);
			if (i == 3 && j == 4)
				pr("branch max vs min flags=%02x\n", r);
		}
	pr("branch digest=%08x\n", h);
}

static void test_loads_stores(void)
{
	static unsigned char buf[32] __attribute__((aligned(8)));
	u32 i, v[8];
	s32 sv[6];
	for (i = 0; i < 32; i++)
		buf[i] = (unsigned char)(0x80 + i * 0x11);
	__asm__ volatile("lb %0, 0(%1)" : "=r"(sv[0]) : "r"(buf));
	__asm__ volatile("lbu %0, 0(%1)" : "=r"(v[0]) : "r"(buf));
	__asm__ volatile("lh %0, 0(%1)" : "=r"(sv[1]) : "r"(buf));
	__asm__ volatile("lhu %0, 0(%1)" : "=r"(v[1]) : "r"(buf));
	__asm__ volatile("lb %0, 8(%1)" : "=r"(sv[2]) : "r"(buf));   /* 0x08 -> positive */
	__asm__ volatile("lh %0, 6(%1)" : "=r"(sv[3]) : "r"(buf));
	__asm__ volatile("lw %0, 4(%1)" : "=r"(v[2]) : "r"(buf));
	pr("sign-ext lb=%08x lbu=%08x lh=%08x lhu=%08x lb+=%08x lh6=%08x lw=%08x\n",
	   sv[0], v[0], sv[1], v[1], sv[2], sv[3], v[2]);

	/* misaligned accesses (hardware or trap emulation) */
	__asm__ volatile("lw %0, 1(%1)" : "=r"(v[0]) : "r"(buf) : "memory");
	__asm__ volatile("lw %0, 2(%1)" : "=r"(v[1]) : "r"(buf) : "memory");
	__asm__ volatile("lw %0, 3(%1)" : "=r"(v[2]) : "r"(buf) : "memory");
	__asm__ volatile("lh %0, 1(%1)" : "=r"(sv[0]) : "r"(buf) : "memory");
	__asm__ volatile("lhu %0, 7(%1)" : "=r"(v[3]) : "r"(buf) : "memory");
	pr("misaligned load lw+1=%08x lw+2=%08x lw+3=%08x lh+1=%08x lhu+7=%08x\n",
	   v[0], v[1], v[2], sv[0], v[3]);
	__asm__ volatile("sw %0, 9(%1)" : : "r"(0xdeadbeefu), "r"(buf) : "memory");
	__asm__ volatile("sh %0, 15(%1)" : : "r"(0xcafeu), "r"(buf) : "memory");
	__asm__ volatile("sw %0, 18(%1)" : : "r"(0x01020304u), "r"(buf) : "memory");
	outf("misaligned store bytes");
	for (i = 8; i < 24; i++)
		outf(" %02x", buf[i]);
	pr("\n");
	/* sb / sh byte order */
	__asm__ volatile("sb %0, 0(%1)\n\tsh %0, 2(%1)" : : "r"(0x1234abcdu), "r"(buf) : "memory");
	pr("sb/sh bytes %02x %02x %02x %02x\n", buf[0], buf[1], buf[2], buf[3]);
}

static void test_atomics(void)
{
	static u32 word __attribute__((aligned(4)));
	static const u32 init[] = { 0x00000000, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678 };
	static const u32 opnd[] = { 0x00000001, 0x80000000, 0xffffffff, 0x7fffffff, 0x0f0f0f0f };
	u32 i, old, rc, h;

#define AMO(insn) do {                                                      \
	h = 2166136261u;                                                      \
	outf("%-9s", insn);                                                   \
	for (i = 0; i < 5; i++) {                                             \
		word = init[i];                                               \
		__asm__ volatile(insn " %0, %2, (%1)" : "=r"(old) : "r"(&word), "r"(opnd[i]) : "memory"); \
		outf(" %08x>%08x", old, word);                                \
		h = fold(h, word ^ old);                                      \
	}                                                                     \
	pr("\n");                                                             \
} while (0)
	AMO("amoswap.w"); AMO("amoadd.w"); AMO("amoand.w"); AMO("amoor.w"); AMO("amoxor.w");
	AMO("amomin.w"); AMO("amomax.w"); AMO("amominu.w"); AMO("amomaxu.w");
	AMO("amoadd.w.aqrl"); AMO("amoswap.w.aq");
	(void)h;

	/* lr/sc: success, then a second sc without a reservation must fail */
	word = 0x11111111;
	__asm__ volatile("lr.w %0, (%2)\n\tsc.w %1, %3, (%2)" : "=&r"(old), "=&r"(rc)
			 : "r"(&word), "r"(0x22222222u) : "memory");
	pr("lr.w=%08x sc.w rc=%u mem=%08x\n", old, rc, word);
	__asm__ volatile("sc.w %0, %2, (%1)" : "=&r"(rc) : "r"(&word), "r"(0x33333333u) : "memory");
	pr("sc.w without reservation rc=%s mem=%08x\n", rc ? "fail" : "ok", word);
	/* atomic increment loop with lr/sc */
	word = 0;
	for (i = 0; i < 1000; i++) {
		__asm__ volatile("1: lr.w.aq %0, (%1)\n\taddi %0, %0, 3\n\tsc.w.rl %0, %0, (%1)\n\tbnez %0, 1b"
				 : "=&r"(old) : "r"(&word) : "memory");
	}
	pr("lr/sc increment loop mem=%08x\n", word);
}

static void test_compressed(void)
{
	register u32 a0 __asm__("a0");
	register u32 a1 __asm__("a1");
	register u32 a2 __asm__("a2");
	static u32 mem[4] = { 0x11223344, 0x55667788, 0, 0 };
	register u32 *s1 __asm__("s1") = mem;

	__asm__ volatile(
		"c.li a0, -5\n\t"
		"c.addi a0, 12\n\t"        /* 7 */
		"c.li a1, 31\n\t"
		"c.slli a1, 3\n\t"         /* 248 */
		"c.add a0, a1\n\t"         /* 255 */
		"c.mv a2, a0\n\t"
		"c.srli a2, 2\n\t"         /* 63 */
		"c.sub a0, a2\n\t"         /* 192 */
		: "=r"(a0), "=r"(a1), "=r"(a2));
	pr("c.li/addi/slli/add/mv/srli/sub a0=%08x a1=%08x a2=%08x\n", a0, a1, a2);
	__asm__ volatile(
		"c.lui a0, 0xfffe1\n\t"    /* sign-extended 0xfffe1000 */
		"c.srai a0, 4\n\t"
		"c.li a1, -1\n\t"
		"c.andi a1, 0x15\n\t"
		"c.xor a1, a0\n\t"
		"c.li a2, 12\n\t"
		"c.or a2, a1\n\t"
		"c.and a0, a2\n\t"
		: "=r"(a0), "=r"(a1), "=r"(a2));
	pr("c.lui/srai/andi/xor/or/and a0=%08x a1=%08x a2=%08x\n", a0, a1, a2);
	__asm__ volatile(
		"c.lw a0, 0(%3)\n\t"
		"c.lw a1, 4(%3)\n\t"
		"c.sw a0, 12(%3)\n\t"
		"c.sw a1, 8(%3)\n\t"
		"c.li a2, 0\n\t"
		"c.beqz a2, 1f\n\t"
		"c.li a2, 5\n"
		"1:\n\t"
		"c.addi a2, 1\n\t"
		"c.bnez a2, 2f\n\t"
		"c.li a2, 9\n"
		"2:\n\t"
		"c.j 3f\n\t"
		"c.li a2, 7\n"
		"3:\n\t"
		: "=&r"(a0), "=&r"(a1), "=&r"(a2) : "r"(s1) : "memory");
	pr("c.lw/sw/beqz/bnez/j a0=%08x a1=%08x a2=%08x mem=%08x %08x\n", a0, a1, a2, mem[2], mem[3]);
	{
		u32 r;
		/* c.addi16sp / c.addi4spn / c.lwsp / c.swsp on the stack */
		__asm__ volatile(
			"c.addi16sp sp, -32\n\t"
			"c.li a0, 21\n\t"
			"c.swsp a0, 12(sp)\n\t"
			"c.addi4spn a1, sp, 12\n\t"
			"c.lw a2, 0(a1)\n\t"
			"c.lwsp a0, 12(sp)\n\t"
			"c.add a0, a2\n\t"
			"c.addi16sp sp, 32\n\t"
			"c.mv %0, a0\n\t"
			: "=r"(r) : : "a0", "a1", "a2", "memory");
		pr("c.addi16sp/addi4spn/swsp/lwsp r=%08x\n", r);
	}
}

static u32 lcg_state = 12345;
static u32 lcg(void) { lcg_state = lcg_state * 1103515245u + 12345u; return lcg_state >> 8; }

static void test_algorithms(void)
{
	static unsigned char buf[1024];
	static u32 arr[64];
	u32 i, j, sorted = 1, h = 0;
	const char *s = "The quick brown fox jumps over the lazy dog";
	char tmp[64];

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + (i >> 3));
	pr("crc32 check(\"123456789\")=%08x buf=%08x\n",
	   crc32_update(0, (const unsigned char *)"123456789", 9), crc32_update(0, buf, sizeof(buf)));

	for (i = 0; i < 64; i++)
		arr[i] = lcg() % 1000;
	for (i = 1; i < 64; i++) {               /* insertion sort */
		u32 k = arr[i];
		for (j = i; j > 0 && arr[j - 1] > k; j--)
			arr[j] = arr[j - 1];
		arr[j] = k;
	}
	for (i = 0; i < 64; i++) {
		if (i && arr[i - 1] > arr[i])
			sorted = 0;
		h = fold(h, arr[i]);
	}
	pr("sort sorted=%u min=%u max=%u median=%u digest=%08x\n", sorted, arr[0], arr[63], arr[32], h);

	strlcpy(tmp, s, sizeof(tmp));
	memmove(tmp + 4, tmp, 10);               /* overlapping move */
	tmp[20] = 0;
	pr("strlen=%u strcmp=%d memcmp=%d strchr=%s strrchr=%s memmove=\"%s\"\n",
	   (u32)strlen(s), strcmp("abc", "abd") < 0 ? -1 : 1, memcmp("abc", "abc", 3),
	   strchr(s, 'j'), strrchr(s, 'o'), tmp);
	{
		u64 a = 0x123456789abcdef0ULL, b = 0xfedcba987ULL;
		pr("u64 mul=%016llx div=%llu mod=%llu shr=%016llx\n",
		   a * b, a / b, a % b, a >> 37);
	}
}

static void test_syscalls(void)
{
	struct utsname_k u;
	s64 t1, t2;
	char *p;
	int ok;

	vuname(&u);
	pr("uname sysname=%s\n", u.sysname);
	t1 = clock_ns(CLK_MONOTONIC);
	t2 = clock_ns(CLK_MONOTONIC);
	pr("clock_gettime monotonic %s\n", t1 > 0 && t2 >= t1 ? "ok" : "FAIL");
	pr("getpid %s\n", getpid() > 0 ? "ok" : "FAIL");
	p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok = p != MAP_FAILED;
	if (ok) {
		p[0] = 1;
		p[8191] = 2;
		ok = p[0] + p[8191] == 3 && p[4096] == 0;
		ok = ok && munmap(p, 8192) == 0;
	}
	pr("mmap/munmap %s\n", ok ? "ok" : "FAIL");
	pr("write %s\n", write(1, "", 0) == 0 ? "ok" : "FAIL");
}

int main(void)
{
	pr("isa-selftest: start\n");
	test_alu();
	test_edges();
	test_branches();
	test_loads_stores();
	test_atomics();
	test_compressed();
	test_algorithms();
	test_syscalls();
	pr("isa-selftest: done\n");
	return 0;
}
