*---------------------------------------------------------------------
* More EDIT subcommands, after spool.asm at X'5000' with its base R7
* (loaded from SPLBASE on entry): CASE, TRUNC, REPLACE, VERIFY, ZONE,
* SERIAL. INSERT line is INPUT line (EDCMDS). They go back to EDLOOP,
* as edit.asm's do.
*---------------------------------------------------------------------
*
* CASE [M|U]: M keeps lower case in what is typed (INPUT, CHANGE,
* LOCATE), U makes it upper case; CASE alone types the setting
* (R6's CASE HELPEDT/HELPEDT2).
EDCASEC  L     7,SPLBASE
         CLC   NTOK,=F'2'
         BL    EDCASEQ
         BH    EDUNK
         CLC   TOKENS+8(8),=CL8'M'
         BE    EDCASE1
         CLC   TOKENS+8(8),=CL8'U'
         BNE   EDUNK
EDCASE1  MVC   EDCASE,TOKENS+8
         B     EDLOOP
EDCASEQ  MVC   MCASE+6(1),EDCASE
         LA    1,MCASE
         BAL   14,MSG
         B     EDLOOP
*
* TRUNC [n|*]: the truncation column, 1 to the record length (the
* file's LRECL; 80 for a new file, 255 at least for V); * or no
* operand: the record length.
EDTRUNCC L     7,SPLBASE
         L     1,EDLRECL
         CLC   NTOK,=F'2'
         BL    EDTR1
         BH    EDUNK
         CLI   TOKENS+8,C'*'
         BE    EDTR1
         LA    1,TOKENS+8
         BAL   14,TOKNUM
         LTR   15,15
         BNZ   EDUNK
         LTR   1,1
         BNP   EDUNK
         C     1,EDLRECL
         BH    EDUNK
EDTR1    ST    1,EDTRUNC
         B     EDLOOP
*
* REPLACE [line]: the current line replaced by line; REPLACE alone
* deletes it and enters INPUT mode in its place. At the top of the
* file (no current line) it is INPUT.
EDREPL   L     7,SPLBASE
         L     2,EDCUR
         LTR   2,2
         BZ    EDINPUT
         LA    1,1
         BAL   14,EDDEL             the current line goes
         L     1,EDCUR
         BCTR  1,0
         ST    1,EDCUR              the new one comes after the one
         B     EDINPUT              before it
*
* VERIFY [ON|OFF]: OFF: moving the pointer does not type the line
* (TYPE and LIST still do; TOF: and EOF: are still said).
EDVERIFY L     7,SPLBASE
         MVI   EDVER,1
         CLC   NTOK,=F'2'
         BL    EDLOOP
         BH    EDUNK
         CLC   TOKENS+8(8),=CL8'ON'
         BE    EDLOOP
         MVI   EDVER,0
         CLC   TOKENS+8(8),=CL8'OFF'
         BE    EDLOOP
         MVI   EDVER,1
         B     EDUNK
*
* ZONE [first [last|*]]: the columns LOCATE and CHANGE look at (FIND
* looks at column 1 whatever the zone); alone: the whole line; *:
* to the end. 1 <= first <= last <= LRECL, else ?EDIT:.
EDZONEC  L     7,SPLBASE
         CLC   NTOK,=F'3'
         BH    EDUNK
         CLC   NTOK,=F'2'
         BNL   EDZ0
         XC    EDZS0(8),EDZS0
         B     EDLOOP
EDZ0     LA    1,TOKENS+8
         BAL   14,TOKNUM
         LTR   15,15
         BNZ   EDUNK
         BCTR  1,0
         LTR   6,1                  first - 1
         BM    EDUNK
         C     6,EDLRECL
         BNL   EDUNK
         SR    2,2                  last: the end
         CLC   NTOK,=F'3'
         BL    EDZ1
         CLI   TOKENS+16,C'*'
         BE    EDZ1
         LA    1,TOKENS+16
         BAL   14,TOKNUM
         LTR   15,15
         BNZ   EDUNK
         CR    1,6
         BNH   EDUNK
         C     1,EDLRECL
         BH    EDUNK
         LR    2,1
EDZ1     ST    6,EDZS0
         ST    2,EDZE
         B     EDLOOP
*
* EDZCLIP: the zone of the line of R4 bytes at R6, for LOCATE (FIND:
* the whole line): R1 = its address, R0 = its length (< 0: none).
EDZCLIP  STM   14,12,0(13)
         LA    13,60(,13)
         L     7,SPLBASE
         LR    1,6
         LR    0,4
         CLI   EDFCOL,0
         BNE   RETURN
         ICM   3,15,EDZE
         BZ    EDZC1
         CR    0,3
         BNH   EDZC1
         LR    0,3
EDZC1    A     1,EDZS0
         S     0,EDZS0
         B     RETURN
*
* EDZPRE: for CHANGE, the line at R2 to R4 being copied to R5: the
* columns before the zone copied as they are; R0 = R2 and R1 = R5
* after them, R15 = the end of the zone in the line (EDZREAL keeps
* the end of the line for EDZSUF).
EDZPRE   STM   14,12,0(13)
         LA    13,60(,13)
         L     7,SPLBASE
         ST    4,EDZREAL
         LR    15,4
         ICM   3,15,EDZE
         BZ    EDZP1
         LA    3,0(3,2)
         CR    3,15
         BNL   EDZP1
         LR    15,3
EDZP1    L     3,EDZS0
EDZP2    LTR   3,3
         BZ    EDZP3
         CR    2,15
         BNL   EDZP3
         MVC   0(1,5),0(2)
         LA    2,1(,2)
         LA    5,1(,5)
         BCTR  3,0
         B     EDZP2
EDZP3    LR    0,2
         LR    1,5
         B     RETURN
*
* EDZSUF: the rest of the line, from R2 to EDZREAL, copied to R5;
* R1 = R5 after it.
EDZSUF   STM   14,12,0(13)
         LA    13,60(,13)
         L     7,SPLBASE
         L     4,EDZREAL
EDZS1    CR    2,4
         BNL   EDZS2
         MVC   0(1,5),0(2)
         LA    2,1(,2)
         LA    5,1(,5)
         B     EDZS1
EDZS2    LR    1,5
         B     RETURN
*
* SERIAL OFF | ON | seq [incr]: FILE and SAVE write a serial number
* in columns 73-80 of an F 80 file: seq (ON: the first 3 characters
* of the file name) and the line's number times incr (10), 5 digits.
EDSERC   L     7,SPLBASE
         CLC   NTOK,=F'2'
         BL    EDUNK
         CLC   NTOK,=F'3'
         BH    EDUNK
         CLC   TOKENS+8(8),=CL8'OFF'
         BNE   EDSE0
         MVI   EDSERON,0
         B     EDLOOP
EDSE0    MVC   EDSERNX,EDNAME       ON: the file name's first 3
         CLC   TOKENS+8(8),=CL8'ON'
         BE    EDSE1
         CLI   TOKENS+11,C' '       seq: 1 to 3 characters
         BNE   EDUNK
         MVC   EDSERNX,TOKENS+8
EDSE1    LA    1,10
         CLC   NTOK,=F'3'
         BL    EDSE2
         LA    1,TOKENS+16
         BAL   14,TOKNUM
         LTR   15,15
         BNZ   EDUNK
         LTR   1,1
         BNP   EDUNK
EDSE2    ST    1,EDSERINC
         MVC   EDSERID,EDSERNX
         MVI   EDSERON,1
         B     EDLOOP
*
* EDSERNO: called by FILE for each record (R1: it, R0 bytes, R7: its
* slot in EDPTRS): with SERIAL on, an F 80 record gets its serial.
EDSERNO  STM   14,12,0(13)
         LA    13,60(,13)
         LR    5,7
         L     7,SPLBASE
         CLI   EDSERON,0
         BE    RETURN
         CLI   EDRECFM,C'F'
         BNE   RETURN
         C     0,=F'80'
         BNE   RETURN
         S     5,=A(EDPTRS)
         SRL   5,2
         LA    5,1(,5)              the line's number
         M     4,EDSERINC
         CVD   5,EDSDW
         MVC   72(3,1),EDSERID
         UNPK  75(5,1),EDSDW
         OI    79(1),X'F0'
         B     RETURN
MCASE    DC    AL1(6),C'CASE U'
EDZREAL  DC    F'0'
EDSERINC DC    F'10'
EDSERON  DC    X'00'
EDSERID  DC    CL3' '
EDSERNX  DC    CL3' '
         DS    0D
EDSDW    DS    D
         LTORG
* The help texts (HELPTAB, at guests::minicms::HELP_ORIGIN X'6000')
* must lie above all of this: a negative length is an assembly error.
         DS    XL(MINICMS+X'6000'-*)
         ORG   SPLRESUM
         DROP  7
