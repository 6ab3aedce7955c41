#!/usr/bin/env bash
# Builds the bare-metal test programs into test/fixtures/ (needs Debian's gcc-riscv64-linux-gnu).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../../test/fixtures"
mkdir -p "$out"
for src in selftest fail mmiobench; do
  riscv64-linux-gnu-gcc -march=rv32imac_zicsr -mabi=ilp32 -nostdlib -nostartfiles -static \
    -T "$here/link.ld" -Wl,--build-id=none -Wl,--no-warn-rwx-segments -o "$out/baremetal-$src.elf" "$here/$src.S"
done
# A CPU-bound C program for `npm run bench` (compiled rv32imac code in M-mode).
riscv64-linux-gnu-gcc -march=rv32imac_zicsr -mabi=ilp32 -O2 -nostdlib -nostartfiles -static -ffreestanding \
  -T "$here/link.ld" -Wl,--build-id=none -Wl,--no-warn-rwx-segments -o "$out/baremetal-cpubench.elf" \
  "$here/crt0.S" "$here/cpubench.c"
ls -l "$out"/baremetal-*.elf
