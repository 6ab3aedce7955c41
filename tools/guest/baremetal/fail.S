/* Reports failure of test 3 through HTIF: the runner must exit non-zero. */
  .section .text.init
  .globl _start
_start:
  li t0, (3 << 1) | 1
  la t1, tohost
  sw t0, 0(t1)
1: j 1b
  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .globl fromhost
fromhost: .dword 0
