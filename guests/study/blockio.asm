*---------------------------------------------------------------------
* BLOCKIO - the block-I/O guest of `vm390 study` (issue #15).
*
* S/370 basic-control mode, no DAT, as VM/370 R6 CMS runs. Writes
* blocks 0 .. N-1 of 800 bytes to a CMS-formatted 3350 minidisk (19
* blocks a track, 30 tracks a cylinder, from cylinder 1 on: cylinder 0
* with the label is left alone), then reads them back and checks each.
* Every block is one operation, along one of two paths:
*
*   MODE 0  the paravirtual path: DIAGNOSE X'18' with the chain CMS's
*           DMSDIO builds (SEEK, SEARCH ID EQUAL, TIC *-8, READ or
*           WRITE DATA), CP doing the I/O synchronously
*           [GC20-1807-7, "DIAGNOSE Code X'18'"].
*   MODE 1  the fully virtual path: the same channel program started
*           with START I/O, the CPU waiting enabled for the I/O
*           interruption, the CSW checked for channel end and device
*           end [GA22-7000, "START I/O", "Channel Status Word"].
*
* Block b holds b in its first word and the pattern X'C1C2C3C4' +
* 4 x word index in the rest; the driver (cp/src/study.rs) sets MODE,
* NUNITS and VDEV, runs the guest to its disabled wait and reads the
* results: the ops done and the errors (blocks that read back wrong,
* I/O that did not end cleanly) and the TOD clock at the start, after
* the write pass and at the end. Wait PSW X'600D': done; X'DEAD': a
* program check.
*---------------------------------------------------------------------
BLOCKIO  START 0
         USING BLOCKIO,12
         COPY  STUDYLOW             low storage, parameters, results
BEGIN    SR    12,12
         LA    13,WBUF              the pattern in words 1..199
         L     2,=X'C1C2C3C4'
         LA    3,199
FILL     LA    13,4(,13)
         ST    2,0(,13)
         A     2,=F'4'
         BCT   3,FILL
         STCK  TODS
         MVI   OPCODE,X'05'         the write pass
         LA    4,WBUF
         BAL   14,PASS
         STCK  TODS+8
         MVI   OPCODE,X'06'         the read pass
         LA    4,RBUF
         BAL   14,PASS
         STCK  TODS+16
         LPSW  DONEPSW
*
* PASS: blocks 0 .. N-1 with the command in OPCODE, data at R4.
PASS     ST    14,PASSR14
         SR    3,3                  R3 = block
PASSLP   C     3,NUNITS
         BNL   PASSEND
         LR    1,3                  track and record of the block
         SR    0,0
         D     0,=F'19'             R1 = track, R0 = record - 1
         LR    6,0
         LA    6,1(,6)
         SR    0,0
         D     0,=F'30'             R1 = cylinder - 1, R0 = head
         LA    1,1(,1)
         STH   1,SEEKARG+2
         STH   0,SEEKARG+4
         STH   1,SRCHARG
         STH   0,SRCHARG+2
         STC   6,SRCHARG+4
         ST    4,RWCCW              data address, then the command
         MVC   RWCCW(1),OPCODE
         CLI   OPCODE,X'05'
         BNE   PASSIO
         ST    3,0(,4)              a write: the block number first
PASSIO   CLI   MODE+3,0
         BNE   PASSSIO
*                                   MODE 0: DIAGNOSE X'18'
         L     5,VDEV
         LA    6,SEEKCCW
         LA    15,1                 one READ or WRITE CCW
         DIAG  5,6,X'0018'
         BC    8,PASSOK
         BAL   14,IOERR
         B     PASSNEXT
*                                   MODE 1: START I/O, wait, CSW
PASSSIO  LA    1,SEEKCCW
         ST    1,CAW                key 0
         L     5,VDEV
         SIO   0(5)
         BC    8,PASSWAIT
         BAL   14,IOERR
         B     PASSNEXT
PASSWAIT LPSW  WAITPSW              enabled wait for the interruption
IODONE   CLC   X'3A'(2),VDEV+2      BC I/O old PSW: the device address
         BNE   PASSWAIT
         CLC   X'44'(2),=X'0C00'    channel end, device end, no errors
         BE    PASSOK
         BAL   14,IOERR
         B     PASSNEXT
PASSOK   L     1,OPS
         LA    1,1(,1)
         ST    1,OPS
         CLI   OPCODE,X'06'
         BNE   PASSNEXT
         BAL   14,CHECK
PASSNEXT LA    3,1(,3)
         B     PASSLP
PASSEND  L     14,PASSR14
         BR    14
*
* CHECK: the block read at RBUF must be block R3 with the pattern.
CHECK    C     3,RBUF
         BNE   CHECKBAD
         CLC   RBUF+4(256),WBUF+4
         BNE   CHECKBAD
         CLC   RBUF+260(256),WBUF+260
         BNE   CHECKBAD
         CLC   RBUF+516(256),WBUF+516
         BNE   CHECKBAD
         CLC   RBUF+772(28),WBUF+772
         BER   14
CHECKBAD L     1,ERRORS
         LA    1,1(,1)
         ST    1,ERRORS
         BR    14
*
         COPY  STUDYIO              IOERR, DONEPSW, WAITPSW
         DS    0D
SEEKCCW  DC    X'07',AL3(SEEKARG),X'40',X'00',H'6'     SEEK
SRCHCCW  DC    X'31',AL3(SRCHARG),X'40',X'00',H'5'     SEARCH ID EQ
         DC    X'08',AL3(SRCHCCW),X'00',X'00',H'0'     TIC *-8
RWCCW    DC    X'06',AL3(0),X'00',X'00',H'800'         READ/WRITE
SEEKARG  DC    XL6'00'
SRCHARG  DC    XL5'00'
OPCODE   DC    X'00'
PASSR14  DC    F'0'
         LTORG
         DS    0D
WBUF     DS    XL800
RBUF     DS    XL800
         END   BLOCKIO
