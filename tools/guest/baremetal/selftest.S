/*
 * A bare-metal self-test in the riscv-tests convention: it runs in M-mode,
 * checks results itself and reports through HTIF: tohost = 1 on success,
 * (n << 1) | 1 when check n fails. It also exercises a trap round trip
 * (ecall, illegal instruction), a drop to U-mode and back, and prints a
 * line through the ns16550a UART at 0x10000000.
 */
#define CHECK(n, reg, value) li t6, value; li gp, n; bne reg, t6, fail

  .section .text.init
  .globl _start
_start:
  la t0, trap
  csrw mtvec, t0
  /* 1-3: ALU and M extension */
  li a0, 7
  li a1, -3
  mul a2, a0, a1
  CHECK(1, a2, -21)
  div a3, a0, zero
  CHECK(2, a3, -1)
  li a4, 0x80000000
  li a5, -1
  div a6, a4, a5
  CHECK(3, a6, 0x80000000)
  /* 4-5: A extension */
  la t0, word
  li t1, 5
  amoadd.w t2, t1, (t0)
  CHECK(4, t2, 10)
  lw t3, 0(t0)
  CHECK(5, t3, 15)
  /* 6: compressed instructions */
  .option push
  .option rvc
  c.li a0, 9
  c.addi a0, 3
  c.slli a0, 2
  .option pop
  CHECK(6, a0, 48)
  /* 7: ecall from M traps with mcause 11 and returns */
  li s1, 0
  ecall
  CHECK(7, s1, 11)
  /* 8: illegal instruction traps with mcause 2 */
  li s1, 0
  .word 0xffffffff
  CHECK(8, s1, 2)
  /* 9: drop to U-mode, ecall back (mcause 8) */
  li s1, 0
  la t0, user
  csrw mepc, t0
  li t0, 0x1800
  csrc mstatus, t0     /* MPP = U */
  mret
user:
  ecall
  CHECK(9, s1, 8)
  /* print through the UART */
  la t0, message
  li t1, 0x10000000
1:
  lbu t2, 0(t0)
  beqz t2, 2f
  sb t2, 0(t1)
  addi t0, t0, 1
  j 1b
2:
  li t0, 1
  la t1, tohost
  sw t0, 0(t1)
3: j 3b

fail:
  slli gp, gp, 1
  ori gp, gp, 1
  la t1, tohost
  sw gp, 0(t1)
4: j 4b

/* Trap handler: record mcause in s1, skip the trapping instruction, and return
 * to M-mode for ecalls from U (so the test continues in M). */
  .align 2
trap:
  csrr s1, mcause
  csrr t5, mepc
  addi t5, t5, 4
  csrw mepc, t5
  li t4, 8
  bne s1, t4, 5f
  li t4, 0x1800
  csrs mstatus, t4     /* back to M-mode */
5:
  mret

  .data
word: .word 10
message: .asciz "bare-metal selftest: ok\n"

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0
