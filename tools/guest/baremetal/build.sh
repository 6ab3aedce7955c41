#!/usr/bin/env bash
# Builds the bare-metal test programs into test/fixtures/ (needs Debian's gcc-riscv64-linux-gnu).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../../test/fixtures"
mkdir -p "$out"
for src in selftest fail; do
  riscv64-linux-gnu-gcc -march=rv32imac_zicsr -mabi=ilp32 -nostdlib -nostartfiles -static \
    -T "$here/link.ld" -Wl,--build-id=none -o "$out/baremetal-$src.elf" "$here/$src.S"
done
ls -l "$out"/baremetal-*.elf
