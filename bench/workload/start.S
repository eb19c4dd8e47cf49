# start.S - startup for the compiled benchmark workload (ESA/390, DAT off, 31-bit).
#
# Low storage (absolute):
#   0x000  restart/IPL PSW -> 0x200, EC format, 31-bit, disabled
#   0x068  program new PSW -> disabled wait, IA=0xDEAD (any program check)
#   0x200  this code: clear .bss, set the stack, time main()
#   0x300  TOD (STCK) before main          0x308  TOD after main
#   0x310  main's return value (checksum)  0x314  self-check failures (0 = none)
#   0x318  rounds run by main
#   0x320  DIAG X'F08' count before main   0x324  DIAG X'F08' count after main
#   0x400  compiled code (workload.c), then data, .bss, stack below STACK_TOP
# Ends with a disabled wait, IA=0x600D.
        .section .lowcore,"ax"
        .globl  _start
_start:
        .long   0x00080000, 0x80000200   # PSW at 0: bit 12 (EC), 31-bit, IA=0x200
        .org    0x68
        .long   0x000A0000, 0x0000DEAD   # program new PSW: disabled wait, IA=DEAD
        .org    0x200
entry:
        basr    %r13,0
.Lb:    lm      %r2,%r3,.Lbss-.Lb(%r13)  # r2 = __bss_start, r3 = __bss_end
        sr      %r3,%r2                  # r3 = length to clear
        lr      %r4,%r2
        sr      %r5,%r5                  # source length 0, pad byte 0
        mvcl    %r2,%r4                  # clear .bss
        l       %r15,.Lstack-.Lb(%r13)   # stack pointer with the 96-byte frame
        xc      0x300(64),0x300          # result area
        stck    0x300
        diag    %r8,%r0,0xF08            # Hercules instruction counter -> r8
        st      %r8,0x320
        l       %r1,.Lmain-.Lb(%r13)
        basr    %r14,%r1                 # r2 = main()
        diag    %r8,%r0,0xF08
        st      %r8,0x324
        stck    0x308
        st      %r2,0x310
        lpsw    .Lwait-.Lb(%r13)         # disabled wait, IA=0x600D ("GOOD")
        .balign 8
.Lwait: .long   0x000A0000, 0x0000600D
.Lbss:  .long   __bss_start, __bss_end
.Lstack: .long  STACK_TOP - 96
.Lmain: .long   main
        .org    0x300                    # code above must stay below the result area
        .fill   0x100, 1, 0
        .section .note.GNU-stack,"",@progbits
