*---------------------------------------------------------------------
* EDIT fn ft fm (FULL: the editor's full-screen mode on a 3270
* console, through DIAGNOSE X'58' (VM/SP SC19-6203-2, "Full Screen
* Mode"): CCW X'29' with CTL X'80' (ERASE/WRITE) draws the screen, the
* ENTER or a PF key is an attention interruption from the console,
* CCW X'2A' with CTL X'80' (READ MODIFIED) reads what it sent.
*
* The screen (DIAGNOSE X'8C' gives its size): a title line (the file
* id, the numbers of the lines shown, how many there are), a line of
* the file in an unprotected field on each of the next rows (columns
* 1 to width - 1 of the record; the rest of a longer record is kept),
* and the PF-key line at the bottom. Each modified field replaces its
* line (a field below the last line adds a line at the end); then
* PF3 files the file as FILE does and ends the editor, PF12 ends it
* without filing, PF7 and PF8 go up and down a screen. Line output
* (a message, Ready;) gives CP's console screen back.
*
* The code lies at X'E000', above the EXEC interpreter's tables, with its base R7
* (FSEBASE in data.asm); edit.asm calls FSEOPT after the file id and
* FSEGO before the subcommand loop.
*---------------------------------------------------------------------
FSERESUM EQU   *
         ORG   MINICMS+X'E000'
FSEORG   DS    0D
         USING FSEORG,7
FSOUT    EQU   X'03A000'            the 3270 data stream written (4K)
FSIN     EQU   X'03B000'            the record READ MODIFIED gets (4K)
FSINMAX  EQU   4096
*
* FSEOPT: the options of EDIT: (FULL sets FSEON, on a 3270 display
* only. R15 = 0, or 24 after DMSEDI003E when the console is not one.
FSEOPT   STM   14,12,0(13)
         LA    13,60(,13)
         L     7,FSEBASE
         MVI   FSEON,0
         LA    1,FSOFULL
         LA    0,4
         BAL   14,HASOPT
         LTR   15,15
         BNZ   FSEO0                no FULL: the line editor
         LA    2,FSEINFO            DIAGNOSE X'8C': the screen's size
         LH    3,CONSADDR
         LA    4,6
         DIAG  2,4,X'008C'
         BNZ   FSENOT
         LTR   3,3
         BNZ   FSENOT
         MVC   FSECOLS,FSEINFO+2
         MVC   FSEROWS,FSEINFO+4
         CLC   FSECOLS,=H'64'       a usable screen
         BL    FSENOT
         CLC   FSEROWS,=H'4'
         BL    FSENOT
         MVI   FSEON,1
FSEO0    SR    15,15
         B     RETURN
FSENOT   LA    1,MFSENOT
         BAL   14,ERRMSG
         BAL   14,LOUT
         LA    15,24
         B     RETURN
*
* FSEGO: called by EDIT before its subcommand loop: back at once but
* for (FULL; then the full-screen editor, which leaves EDIT through
* EDFILE (PF3) or EDQUIT (PF12) as the FILE and QUIT subcommands do.
FSEGO    L     7,FSEBASE
         CLI   FSEON,0
         BER   14
         LA    1,1
         ST    1,FSETOP
*
* FSDRAW: the screen in FSOUT, written with ERASE/WRITE.
FSDRAW   L     5,=A(FSOUT)
         MVI   0(5),X'C3'           WCC: keyboard restore, reset MDT
         LA    5,1(,5)
         SR    1,1                  the title: row 1, protected bright
         BAL   6,FSSBA
         MVI   0(5),X'1D'
         MVI   1(5),X'E8'
         CLI   FSHELPF,0
         BE    FSDRT
         MVI   FSHELPF,0            PF1: the help line instead
         MVC   2(FSHELPL,5),FSHELPT
         LA    5,2+FSHELPL(,5)
         B     FSDRL
FSDRT    MVC   2(8,5),EDNAME
         MVI   10(5),C' '
         MVC   11(8,5),EDNAME+8
         MVI   19(5),C' '
         L     1,EDADT
         MVC   20(1,5),ADTMODE-ADT(1)
         MVC   21(1,5),EDDIG
         MVC   22(7,5),=C'  LINES'
         LA    5,29(,5)
         MVI   0(5),C' '
         LA    5,1(,5)
         L     1,FSETOP
         BAL   6,FSNUM
         MVI   0(5),C'-'
         LA    5,1(,5)
         LH    1,FSEROWS            the last line shown
         S     1,=F'3'
         A     1,FSETOP
         C     1,EDN
         BNH   FSDR0
         L     1,EDN
FSDR0    DS    0H
         BAL   6,FSNUM
         MVC   0(4,5),=C' OF '
         LA    5,4(,5)
         L     1,EDN
         BAL   6,FSNUM
FSDRL    LA    2,1                  the rows of the lines
         L     3,FSETOP
FSDR1    LR    1,2
         MH    1,FSECOLS
         BAL   6,FSSBA
         MVI   0(5),X'1D'           an unprotected field
         MVI   1(5),X'40'
         LA    5,2(,5)
         C     3,EDN
         BH    FSDR2                below the last line: empty
         LR    1,3
         BCTR  1,0
         SLL   1,2
         A     1,=A(EDPTRS)
         L     1,0(,1)
         LH    15,0(,1)             its length
         LH    0,FSECOLS
         BCTR  0,0                  the field's width
         CR    15,0
         BNH   FSDR1A
         LR    15,0
FSDR1A   LTR   15,15
         BZ    FSDR2
         LA    14,2(,1)
         LR    4,5
         LR    0,5
         LR    1,15
         AR    5,15
         MVCL  0,14
         LR    1,5                  no controls or orders: X'00'-X'3F'
         SR    1,4                  show as blanks
         BCTR  1,0
         EX    1,FSTRSHOW
FSDR2    LA    3,1(,3)
         LA    2,1(,2)
         LH    0,FSEROWS
         BCTR  0,0
         CR    2,0
         BL    FSDR1
         LR    1,0                  the PF keys: the last row
         MH    1,FSECOLS
         BAL   6,FSSBA
         MVI   0(5),X'1D'
         MVI   1(5),X'60'
         MVC   2(FSLEGL,5),FSLEGEND
         LA    5,2+FSLEGL(,5)
         LH    1,FSCROW             the cursor: in a line's field
         MH    1,FSECOLS
         LA    1,1(,1)
         MVC   FSCROW,=H'1'
         BAL   6,FSSBA
         MVI   0(5),X'13'           insert cursor
         LA    5,1(,5)
         S     5,=A(FSOUT)
         STH   5,FSWCCW+6
         LA    2,FSWCCW
         LH    3,CONSADDR
         DIAG  2,3,X'0058'
         BNZ   FSIOERR
         MVC   WAITDEV,CONSADDR
         BAL   14,WAITIO
*
* FSWAIT: the attention of a key, then READ MODIFIED.
FSWAIT   MVC   FSIOSAV,X'78'        the I/O new PSW to FSATTNI
         MVC   X'7C'(4),=A(FSATTNI)
FSATTN1  LPSW  WAITPSW
FSATTNI  CLC   X'3A'(2),CONSADDR    the console's attention?
         BNE   FSATTN1
         TM    X'44',X'80'
         BZ    FSATTN1
         MVC   X'78'(8),FSIOSAV
         LA    2,FSRCCW
         LH    3,CONSADDR
         DIAG  2,3,X'0058'
         BNZ   FSIOERR
         MVC   WAITDEV,CONSADDR
         BAL   14,WAITIO
         TM    X'44',X'02'          unit check (X'8E': CP had the
         BO    FSDRAW               screen): draw it again
         LH    3,X'46'              the residual count
         LCR   3,3
         A     3,=A(FSIN+FSINMAX)   the end of the record
         L     2,=A(FSIN)
         MVC   FSAID,0(2)
         CLI   FSAID,X'7C'          PF12: QUIT
         BE    EDQUIT
         CLI   FSAID,X'6D'          CLEAR, PA1-PA3: draw again
         BE    FSDRAW
         CLI   FSAID,X'6C'
         BE    FSDRAW
         CLI   FSAID,X'6E'
         BE    FSDRAW
         CLI   FSAID,X'6B'
         BE    FSDRAW
         LA    2,1(,2)              the cursor's row
         BAL   6,FSADDR
         SR    0,0
         LH    15,FSECOLS
         DR    0,15
         ST    1,FSCUR
         LA    2,2(,2)              after the AID and the cursor
*
* the fields: SBA, address, data; each replaces its line
FSF1     CR    2,3
         BNL   FSKEY
         CLI   0(2),X'11'
         BE    FSF2
         LA    2,1(,2)
         B     FSF1
FSF2     LA    4,3(,2)
         CR    4,3
         BH    FSKEY
         LA    2,1(,2)
         BAL   6,FSADDR
FSF3     LR    2,4                  the data: up to the next SBA
FSF4     CR    4,3
         BNL   FSF5
         CLI   0(4),X'11'
         BE    FSF5
         LA    4,1(,4)
         B     FSF4
FSF5     SR    0,0                  its row
         LH    15,FSECOLS
         DR    0,15
         LTR   1,1
         BNP   FSF6                 not a line's field
         LH    15,FSEROWS
         BCTR  15,0
         CR    1,15
         BNL   FSF6
         BCTR  1,0
         A     1,FSETOP             the line
         LR    0,4
         SR    0,2
         BAL   14,FSPUT
FSF6     LR    2,4
         B     FSF1
*
* the key
FSKEY    CLI   FSAID,X'F3'          PF3: FILE
         BNE   FSKEY1
         MVC   NTOK,=F'1'
         B     EDFILE
FSKEY1   CLI   FSAID,X'F1'          PF1: the help line
         BNE   FSKEY2
         MVI   FSHELPF,1
         B     FSDRAW
FSKEY2   CLI   FSAID,X'F2'          PF2 or PF4: the cursor's line
         BE    FSKEY2L
         CLI   FSAID,X'F4'
         BNE   FSKEY7
FSKEY2L  L     1,FSCUR              the cursor's line (row 0: the one
         BCTR  1,0                  before the first shown)
         A     1,FSETOP
         LH    15,FSEROWS
         BCTR  15,0
         C     15,FSCUR
         BNH   FSDRAW               not on a line's row
         CLI   FSAID,X'F2'          PF2: a line after it
         BNE   FSKEY4
         LR    3,1
         C     3,EDN
         BNH   FSKEY2A
         L     3,EDN
FSKEY2A  SR    0,0
         BAL   14,EDINS
         L     1,FSCUR              the cursor on the new line
         LA    1,1(,1)
         LH    15,FSEROWS
         BCTR  15,0
         CR    1,15
         BNL   FSDRAW
         STH   1,FSCROW
         B     FSDRAW
FSKEY4   CLI   FSAID,X'F4'          PF4: delete it
         BNE   FSKEY7
         LTR   1,1
         BNP   FSDRAW
         C     1,EDN
         BH    FSDRAW
         ST    1,EDCUR
         LA    1,1
         BAL   14,EDDEL
         XC    EDCUR,EDCUR
         L     1,FSCUR
         STH   1,FSCROW
         B     FSDRAW
FSKEY7   LH    1,FSEROWS            a screen's lines
         S     1,=F'2'
         CLI   FSAID,X'F7'          PF7: up
         BNE   FSKEY8
         L     2,FSETOP
         SR    2,1
         C     2,=F'1'
         BNL   FSKEY7A
         LA    2,1
FSKEY7A  ST    2,FSETOP
         B     FSDRAW
FSKEY8   CLI   FSAID,X'F8'          PF8: down, as far as the line
         BNE   FSDRAW               after the last
         A     1,FSETOP
         L     2,EDN
         LA    2,1(,2)
         CR    1,2
         BH    FSDRAW
         ST    1,FSETOP
         B     FSDRAW
*
FSIOERR  BAL   14,MSGIOERR
         B     EDLOOP
*
* FSPUT: the R0 bytes at R2 (a field) become line R1 (a line after
* the last is added at the end). CASE U: upper case.
FSPUT    STM   14,12,0(13)
         LA    13,60(,13)
         LR    3,1
         LR    4,0
         LH    6,FSECOLS            the field's width
         BCTR  6,0
         CR    4,6
         BNH   FSPU0
         LR    4,6
FSPU0    L     5,=A(RECBUF)
         LR    14,2
         LR    15,4
         LR    0,5
         LR    1,4
         MVCL  0,14
         LTR   4,4
         BZ    FSPU1
         CLI   EDCASE,C'U'
         BNE   FSPU1
         LR    1,4
         BCTR  1,0
         EX    1,FSTRUP
FSPU1    C     3,EDN
         BH    FSPU3
         LR    1,3                  the rest of a longer line stays
         BCTR  1,0
         SLL   1,2
         A     1,=A(EDPTRS)
         L     2,0(,1)              the old line
         LH    15,0(,2)
         SR    15,6                 its columns after the field
         BNP   FSPU3
         ST    15,FSTAIL
         LA    0,0(4,5)             blanks up to the width
         LR    1,6
         SR    1,4
         SR    14,14
         L     15,=X'40000000'
         MVCL  0,14
         LA    0,0(6,5)             the old columns after them
         L     1,FSTAIL
         LA    14,2(6,2)
         LR    15,1
         MVCL  0,14
         LR    4,6
         A     4,FSTAIL
         B     FSPU5
FSPU3    LTR   4,4                  trailing blanks go
         BZ    FSPU5
         LA    1,0(4,5)
         BCTR  1,0
         CLI   0(1),C' '
         BNE   FSPU5
         BCTR  4,0
         B     FSPU3
FSPU5    LR    0,4
         L     1,=A(RECBUF)
         BAL   14,EDTRC
         C     3,EDN
         BNH   FSPU6
         L     3,EDN                a new line at the end
         BAL   14,EDINS
         B     RETURN
FSPU6    L     4,EDHP               the new text in the heap
         LR    6,0
         LA    2,2(6,4)
         C     2,STORSIZE
         BNL   RETURN
         ST    2,EDHP
         STH   6,0(,4)
         LA    2,2(,4)
         LR    14,1
         LR    15,6
         LR    1,6
         LR    0,2
         MVCL  0,14
         BCTR  3,0
         SLL   3,2
         A     3,=A(EDPTRS)
         ST    4,0(,3)
         B     RETURN
*
* FSSBA: SET BUFFER ADDRESS R1 at R5 (12-bit code), R5 past it.
* R6: return.
FSSBA    MVI   0(5),X'11'
         LR    15,1
         SRL   15,6
         N     15,=F'63'
         IC    0,FSCODE(15)
         STC   0,1(,5)
         LR    15,1
         N     15,=F'63'
         IC    0,FSCODE(15)
         STC   0,2(,5)
         LA    5,3(,5)
         BR    6
*
* FSADDR: the buffer address in the 2 bytes at R2 (12- or 14-bit
* code) in R1. R6: return.
FSADDR   SR    1,1
         IC    1,0(,2)
         SR    0,0
         IC    0,1(,2)
         TM    0(2),X'C0'
         BZ    FSADDR14
         N     1,=F'63'             12-bit address: 6 bits a byte
         SLL   1,6
         N     0,=F'63'
         OR    1,0
         BR    6
FSADDR14 SLL   1,8                  14-bit address
         OR    1,0
         BR    6
*
* FSNUM: the number R1 in decimal at R5, R5 past it. R6: return.
FSNUM    CVD   1,FSDW
         UNPK  FSNB(7),FSDW
         OI    FSNB+6,X'F0'
         LA    15,FSNB
         LA    0,6                  leading zeros (not the last digit)
FSNUM1   CLI   0(15),C'0'
         BNE   FSNUM2
         LA    15,1(,15)
         BCT   0,FSNUM1
FSNUM2   LA    0,FSNB+7
         SR    0,15
FSNUM3   MVC   0(1,5),0(15)
         LA    5,1(,5)
         LA    15,1(,15)
         BCT   0,FSNUM3
         BR    6
*
FSTRUP   TR    0(0,5),UPTAB
FSTRSHOW TR    0(0,4),FSSHOW
         DS    0D
FSWCCW   DC    X'29',AL3(FSOUT),X'20',X'80',H'0'   ERASE/WRITE
FSRCCW   DC    X'2A',AL3(FSIN),X'20',X'80',AL2(FSINMAX) READ MODIFIED
FSDW     DC    D'0'
FSIOSAV  DC    D'0'
FSTAIL   DC    F'0'
FSETOP   DC    F'1'                 the line on the first row
FSEINFO  DC    XL6'00'              flags, width, height (DIAG 8C)
FSECOLS  DC    H'80'
FSEROWS  DC    H'24'
FSEON    DC    X'00'                1: (FULL
FSHELPF  DC    X'00'                1: the help line on the title row
FSCUR    DC    F'0'                 the cursor's row
FSCROW   DC    H'1'                 the row for the cursor next
FSAID    DC    X'00'
FSNB     DC    CL7' '
FSOFULL  DC    AL1(4),C'FULL'
MFSENOT  DC    AL1(MFSENOTE-MFSENOTT)
MFSENOTT DC    C'003E Invalid option ''FULL'': the console is not'
         DC    C' a 3270 display.'
MFSENOTE EQU   *
FSLEGEND DC    C'PF1 HELP  PF2 ADD  PF3 FILE  PF4 DEL  PF7 UP'
         DC    C'  PF8 DOWN  PF12 QUIT'
FSLEGL   EQU   *-FSLEGEND
FSHELPT  DC    C'Overtype, ENTER applies; PF2 adds a line'
         DC    C' after the cursor''s, PF4 deletes it'
FSHELPL  EQU   *-FSHELPT
* The 12-bit buffer address code (GA23-0059 "Buffer Addressing"):
* the 6-bit value 0-63 as a graphic.
FSCODE   DC    X'40C1C2C3C4C5C6C7C8C94A4B4C4D4E4F'
         DC    X'50D1D2D3D4D5D6D7D8D95A5B5C5D5E5F'
         DC    X'6061E2E3E4E5E6E7E8E96A6B6C6D6E6F'
         DC    X'F0F1F2F3F4F5F6F7F8F97A7B7C7D7E7F'
* What the screen shows of a byte: X'00'-X'3F' (orders, controls)
* as blanks, the rest as it is.
FSSHOW   DC    64X'40'
         DC    X'404142434445464748494A4B4C4D4E4F'
         DC    X'505152535455565758595A5B5C5D5E5F'
         DC    X'606162636465666768696A6B6C6D6E6F'
         DC    X'707172737475767778797A7B7C7D7E7F'
         DC    X'808182838485868788898A8B8C8D8E8F'
         DC    X'909192939495969798999A9B9C9D9E9F'
         DC    X'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF'
         DC    X'B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF'
         DC    X'C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF'
         DC    X'D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF'
         DC    X'E0E1E2E3E4E5E6E7E8E9EAEBECEDEEEF'
         DC    X'F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF'
         LTORG
* (cp's build script fails when the image reaches X'10000', where the
* buffers begin.)
         ORG   FSERESUM
         DROP  7
