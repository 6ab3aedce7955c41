/*
 * MMIO exit round trip: 100000 reads of the UART's LSR (each one exits from
 * the vCPU to the VMM worker and back), timed with the `time` CSR (10 MHz);
 * prints "mmiobench: <ticks hex>\n" and passes through HTIF.
 */
#define N 100000
  .section .text.init
  .globl _start
_start:
  li t1, 0x10000000
  li t3, N
  rdtime s0
1:
  lbu t2, 5(t1)
  addi t3, t3, -1
  bnez t3, 1b
  rdtime s1
  sub s1, s1, s0
  la t0, label
2:
  lbu t2, 0(t0)
  beqz t2, 3f
  sb t2, 0(t1)
  addi t0, t0, 1
  j 2b
3:
  li t4, 28
4:
  srl t2, s1, t4
  andi t2, t2, 15
  la t0, hexdigits
  add t0, t0, t2
  lbu t2, 0(t0)
  sb t2, 0(t1)
  addi t4, t4, -4
  bgez t4, 4b
  li t2, 10
  sb t2, 0(t1)
  li t0, 1
  la t1, tohost
  sw t0, 0(t1)
5: j 5b

  .data
label: .asciz "mmiobench: "
hexdigits: .ascii "0123456789abcdef"

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0
