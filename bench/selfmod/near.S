# near.S - a loop whose data shares its 64 bytes of storage with its instructions, as
# assembler programs keep their work areas in their CSECT (vs_hercules bench guest).
# Assemble with ../../../shared/tools/hercules/build.sh (GNU as, -m31 -mesa, linked at 0).
#   0x000  restart PSW -> 0x200, 31-bit, disabled; 0x068 program new PSW -> wait X'DEAD'
#   0x300  TOD before / after the loop (0x300 / 0x308)
#   0x320  DIAG X'F08' instruction counter before / after (0x320 / 0x324)
#   0x340  results: the last sum (R4), the last word loaded back (R5), the iterations
# Each iteration runs 7 instructions (AR, ST, MVC, CLC, BC, L, BCT); the ST, MVC and L
# reach the two words right after the loop's last instruction, inside its own 64 bytes.
        .text
        .globl _start
_start:
        .long   0x00080000, 0x80000200
        .org    0x68
        .long   0x000A0000, 0x0000DEAD
        .org    0x200
start:
        l       %r3,count
        st      %r3,0x348
        sr      %r4,%r4
        sr      %r5,%r5
        stck    0x300
        diag    %r8,%r0,0xF08
        st      %r8,0x320
        bc      15,loop
        .balign 64
loop:   ar      %r4,%r3                  # the sum of count, count-1, ..., 1 (mod 2**32)
        st      %r4,word                 # data 26 bytes after this instruction
        mvc     copy(4),word
        clc     copy(4),word
        bc      7,bad                    # MVC must have copied the word
        l       %r5,copy
        bct     %r3,loop
        bc      15,done
word:   .long   0                        # the loop's data, in its last doubleword
copy:   .long   0
done:   stck    0x308
        diag    %r8,%r0,0xF08
        st      %r8,0x324
        st      %r4,0x340
        st      %r5,0x344
        lpsw    waitpsw
bad:    lpsw    badpsw
        .balign 8
waitpsw: .long  0x000A0000, 0x0000600D
badpsw: .long   0x000A0000, 0x0000BAD0
count:  .long   10000000                 # iterations (70M instructions)
        .org    0x1000
