*---------------------------------------------------------------------
* CONSOLE - the console-output guest of `vm390 study` (issue #15).
*
* S/370 basic-control mode, no DAT. Writes lines 0 .. N-1 of 80
* characters ('STUDY LINE nnnnnnnn ' and dots) to the virtual console
* at VDEV, one line an operation, along one of two paths:
*
*   MODE 0  the paravirtual path: DIAGNOSE X'58' with one CCW X'19'
*           (display, CTL 0) whose 80 bytes are one row of the output
*           area; on a line console CP shows it as a line [GC20-1807-7,
*           "DIAGNOSE Code X'58'"].
*   MODE 1  the fully virtual path: START I/O of a WRITE with carrier
*           return (CCW X'09') to the 3215, the CPU waiting enabled for
*           the I/O interruption, the CSW checked for channel end and
*           device end [GA22-7000; GA24-3326, 3215 commands].
*
* The driver (cp/src/study.rs) sets MODE, NUNITS and VDEV, captures the
* console's lines and compares the two paths. Results: the operations
* done, the errors, the TOD clock at the start and the end. Wait PSW
* X'600D': done; X'DEAD': a program check.
*---------------------------------------------------------------------
CONSOLE  START 0
         USING CONSOLE,12
         COPY  STUDYLOW             low storage, parameters, results
BEGIN    SR    12,12
         STCK  TODS
         SR    3,3                  R3 = line
LOOP     C     3,NUNITS
         BNL   DONE
         CVD   3,DWORD              the line's number, 8 digits
         UNPK  LINE+11(8),DWORD+3(5)
         OI    LINE+18,X'F0'
         CLI   MODE+3,0
         BNE   LOOPSIO
*                                   MODE 0: DIAGNOSE X'58'
         LA    5,DISPCCW
         L     6,VDEV
         DIAG  5,6,X'0058'
         BC    8,LOOPOK
         BAL   14,IOERR
         B     LOOPNEXT
*                                   MODE 1: START I/O, wait, CSW
LOOPSIO  LA    1,WRCCW
         ST    1,CAW                key 0
         L     5,VDEV
         SIO   0(5)
         BC    8,LOOPWAIT
         BAL   14,IOERR
         B     LOOPNEXT
LOOPWAIT LPSW  WAITPSW              enabled wait for the interruption
IODONE   CLC   X'3A'(2),VDEV+2      BC I/O old PSW: the device address
         BNE   LOOPWAIT
         CLC   X'44'(2),=X'0C00'    channel end, device end, no errors
         BE    LOOPOK
         BAL   14,IOERR
         B     LOOPNEXT
LOOPOK   L     1,OPS
         LA    1,1(,1)
         ST    1,OPS
LOOPNEXT LA    3,1(,3)
         B     LOOP
DONE     STCK  TODS+16
         LPSW  DONEPSW
*
         COPY  STUDYIO              IOERR, DONEPSW, WAITPSW
         DS    0D
DISPCCW  DC    X'19',AL3(LINE),X'20',X'00',H'80'       display, CTL 0
WRCCW    DC    X'09',AL3(LINE),X'20',X'00',H'80'       write, CR
DWORD    DC    D'0'
LINE     DC    CL20'STUDY LINE 00000000 ',60C'.'
         LTORG
         END   CONSOLE
