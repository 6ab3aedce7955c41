/* rv32 only has the time64 / statx / waitid forms of several syscalls.
 * Linux 6.1's nolibc expects the old numbers; define the missing ones as -1
 * (the kernel answers ENOSYS) so that nolibc compiles. Our own code uses the
 * rv32 syscalls through the helpers in lib.h instead. Included before nolibc.h. */
#ifndef VIRTLAB_RV32COMPAT_H
#define VIRTLAB_RV32COMPAT_H
#include <asm/unistd.h>
#ifndef __NR_gettimeofday
#define __NR_gettimeofday (-1)
#endif
#ifndef __NR_lseek
#define __NR_lseek (-1)
#endif
#ifndef __NR_poll
#define __NR_poll (-1)
#endif
#ifndef __NR_select
#define __NR_select (-1)
#endif
#ifndef __NR_stat
#define __NR_stat (-1)
#endif
#ifndef __NR_wait4
#define __NR_wait4 (-1)
#endif
#endif
