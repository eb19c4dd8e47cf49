#!/bin/sh
# build.sh - build the benchmark workload into a flat ESA/390 image loadable at 0.
# usage: [OUT=dir] bench/workload/build.sh   ->  dir/workload.bin (default: beside this script)
#        plus dir/workload.elf (objdump -d -M esa) and dir/workload.map
# needs: apt-get install gcc-s390x-linux-gnu binutils-s390x-linux-gnu
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$here}
mkdir -p "$out"
CC=${CC:-s390x-linux-gnu-gcc}
CFLAGS="-m31 -mesa -march=z900 -O2 -msoft-float -ffreestanding -nostdlib -fno-builtin
        -fno-pic -fno-pie -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables
        -fno-stack-protector -Wall -Wextra"
$CC $CFLAGS -c -o "$out/start.o" "$here/start.S"
$CC $CFLAGS -c -o "$out/workload.o" "$here/workload.c"
s390x-linux-gnu-ld -m elf_s390 -static -nostdlib --no-warn-rwx-segments -T "$here/workload.ld" -Map "$out/workload.map" \
  -o "$out/workload.elf" "$out/start.o" "$out/workload.o"
s390x-linux-gnu-objcopy -O binary "$out/workload.elf" "$out/workload.bin"
rm -f "$out/start.o" "$out/workload.o"
