# switch.S - a program switch: every iteration flips the mask of a BC between X'0' (no
# branch) and X'F' (branch) with XI, as assembler programs turn NOP/B switches on and off
# by storing into their own code (vs_hercules bench guest). Built like near.S.
#   0x300  TOD before / after the loop (0x300 / 0x308)
#   0x320  DIAG X'F08' instruction counter before / after (0x320 / 0x324)
#   0x340  results: passes through the fall-through path (R4), through the branch path
#          (R5), the iterations
# Each iteration runs 4 instructions: XI, BC, AHI and BCT on either path.
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
loop:   xi      switch+1,0xF0            # the BC's mask: X'0' <-> X'F'
switch: bc      0,other
        ahi     %r4,1                    # the fall-through path
        bct     %r3,loop
        bc      15,done
other:  ahi     %r5,1                    # the branch path
        bct     %r3,loop
done:   stck    0x308
        diag    %r8,%r0,0xF08
        st      %r8,0x324
        st      %r4,0x340
        st      %r5,0x344
        lpsw    waitpsw
        .balign 8
waitpsw: .long  0x000A0000, 0x0000600D
count:  .long   5000000                  # iterations (20M instructions)
        .org    0x1000
