/* Entry for C bare-metal programs: a stack at the top of the first 1 MiB, then main. */
  .section .text.init
  .globl _start
_start:
  li sp, 0x80100000
  call main
1: j 1b
