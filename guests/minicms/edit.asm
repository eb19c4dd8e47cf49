*---------------------------------------------------------------------
* EDIT fn ft [fm]: a line editor in the manner of CMS EDIT (line
* mode): INPUT, LOCATE /s/ (and /s/), FIND, LIST/TYPE, CHANGE
* /a/b/ [n|*] [G], CASE [M|U], TRUNC [n|*], DELETE, TOP, BOTTOM, UP,
* DOWN/NEXT, FILE [fn [ft [fm]]], QUIT; = does the last subcommand
* again, ? types it. The file is kept
* as lines: EDPTRS holds the address of each line ([H len][text]) in
* the heap at EDHEAP. EDCUR is the current line (0: top of file).
*---------------------------------------------------------------------
EDIT     STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'EDI'
         LA    1,C'*'
         BAL   14,FILEARGS
         LTR   15,15
         BNZ   RETURN
         L     15,=A(FSEOPT)        (FULL: full screen (fsedit.asm)
         BALR  14,15
         LTR   15,15
         BNZ   RETURN
         MVC   EDNAME,PATID
         L     1,=A(EDLAST)         no last subcommand yet
         XC    0(4,1),0(1)
         XC    EDZS0(8),EDZS0       ZONE: the whole line
         MVI   EDCASE,C'U'          CASE U, but M for MEMO and SCRIPT
         CLC   EDNAME+8(8),=CL8'MEMO'
         BE    EDCASEM
         CLC   EDNAME+8(8),=CL8'SCRIPT'
         BNE   EDCASEU
EDCASEM  MVI   EDCASE,C'M'
EDCASEU  XC    EDN,EDN
         XC    EDCUR,EDCUR
         L     1,=A(EDHEAP)
         ST    1,EDHP
         MVI   EDRECFM,C'F'
         LA    1,80
         ST    1,EDLRECL
         MVI   EDDIG,C'1'
         MVC   PATID,EDNAME
         MVI   SRCHDIG,0
         SR    0,0
         IC    0,SRCHMODE
         BAL   14,SRCHPAT
         LTR   1,1
         BZ    EDNEW
         LR    2,0
         ST    2,EDADT
         MVC   EDRECFM,FOUNDFST+30
         MVC   EDLRECL,FOUNDFST+32
         MVC   EDDIG,FOUNDFST+25
         CLI   EDRECFM,C'V'         V: records up to 255 at least
         BNE   EDLR1
         CLC   EDLRECL,=F'255'
         BNL   EDLR1
         MVC   EDLRECL,=F'255'
EDLR1    DS    0H
         LA    1,FOUNDFST           load the lines
         BAL   14,FROPEN
         LTR   15,15
         BNZ   EDIOERR
EDLOAD   L     1,=A(RECBUF)
         BAL   14,FRGET
         LTR   15,15
         BNZ   EDLOADED
         L     1,=A(RECBUF)
         BAL   14,FLDLEN
         L     1,=A(RECBUF)
         L     3,EDN
         BAL   14,EDINS
         LTR   15,15
         BNZ   EDFULL
         B     EDLOAD
EDLOADED XC    EDCUR,EDCUR
         B     EDGO
EDNEW    CLI   SRCHMODE,C'*'        a new file: on the mode given, or A
         BNE   EDNEW1
         MVI   SRCHMODE,C'A'
EDNEW1   SR    0,0
         IC    0,SRCHMODE
         BAL   14,ADTOF
         ST    1,EDADT
         LA    1,MNEWFILE
         BAL   14,MSG
EDGO     MVC   EDTRUNC,EDLRECL      TRUNC: the record length
         L     15,=A(FSEGO)         (FULL: the full-screen editor
         BALR  14,15
         LA    1,MEDIT
         BAL   14,MSG
*
* the subcommand loop
EDLOOP   BAL   14,RDTERM
         LTR   0,0
         BZ    EDLOOP
         L     4,=A(EDLAST)         the last subcommand: length, the
         C     0,=F'1'              line upper-cased and as typed
         BNE   EDSAVE
         CLI   INBUF,C'='           = : do it again
         BE    EDAGAIN
         CLI   INBUF,C'?'           ? : type it
         BNE   EDSAVE
         ICM   0,15,0(4)
         BZ    EDLOOP               none yet
         LA    1,136(,4)
         BAL   14,WRTERM
         B     EDLOOP
EDAGAIN  L     0,0(,4)
         LTR   0,0
         BZ    EDLOOP               none yet
         MVC   INBUF(132),4(4)
         L     2,=A(INRAW)
         MVC   0(132,2),136(4)
         LA    1,INBUF
         B     EDTOK
EDSAVE   ST    0,0(,4)
         MVC   4(132,4),INBUF
         L     2,=A(INRAW)
         MVC   136(132,4),0(2)
EDTOK    BAL   14,TOKENIZE
         NI    EDVER,X'01'
         MVC   EDWASEOF,EDATEOF
         MVI   EDATEOF,0
         CLI   EDCASE,C'M'          CASE M: the operands as typed
         BNE   EDL0
         L     1,=A(INRAW)
         ST    1,LINEADR
EDL0     L     2,LINEADR            /string/: LOCATE /string/
         AH    2,TOKPOS
         CLI   0(2),C'/'
         BE    EDLOC0
         LA    1,TOKENS
         BAL   14,TOKLEN
         LR    3,1
         BCTR  3,0
         LA    2,EDCMDS
EDL1     CLI   0(2),X'FF'
         BE    EDUNK
         CLM   3,1,8(2)
         BL    EDL2
         EX    3,EXCLC
         BNE   EDL2
         L     15,8(,2)
         LA    15,0(,15)
         BR    15
EDL2     LA    2,12(,2)
         B     EDL1
EDUNK    BAL   14,LBEG              ?EDIT: the line
         LA    1,MEDQ
         BAL   14,LSTR
         L     1,LINEADR
         L     0,LINELEN
         BAL   14,LTXT
         BAL   14,LOUT
         B     EDLOOP
*
* EDARGN: R1 = the count operand (token 1): a number, * (all), or 1
EDARGN   STM   14,12,0(13)
         LA    13,60(,13)
         LA    1,1
         CLC   NTOK,=F'2'
         BL    RETURN
         L     1,=F'999999'
         CLI   TOKENS+8,C'*'
         BE    RETURN
         LA    1,TOKENS+8
         BAL   14,TOKNUM
         LTR   15,15
         BZ    RETURN
         LA    1,1
         B     RETURN
*
* EDSHOW: display the current line (TOF: / EOF: at the ends)
EDSHOW   STM   14,12,0(13)
         LA    13,60(,13)
         L     1,EDCUR
         LTR   1,1
         BNZ   EDSH1
         LA    1,MTOF
         BAL   14,MSG
         B     RETURN
EDSH1    C     1,EDN
         BNH   EDSH2
         LA    1,MEOF
         BAL   14,MSG
         B     RETURN
EDSH2    TM    EDVER,X'03'          VERIFY OFF: not shown (but by TYPE)
         BZ    RETURN
         BCTR  1,0
         SLL   1,2
         A     1,=A(EDPTRS)
         L     1,0(,1)
         LH    0,0(,1)
         LA    1,2(,1)
         BAL   14,WRTERM
         B     RETURN
*
* EDINS: insert R0 bytes at R1 as a new line after line R3 (0: at
* the top). R15 = 0, or 4 when there is no room.
EDINS    STM   14,12,0(13)
         LA    13,60(,13)
         ST    3,EDIX
         LR    6,1
         LR    7,0
         LA    15,4
         L     1,EDN
         C     1,=A(EDMAXL)
         BNL   RETURN
         L     4,EDHP               room in the heap?
         LA    5,2(7,4)
         C     5,STORSIZE
         BNL   RETURN
         ST    5,EDHP
         STH   7,0(,4)
         LTR   7,7
         BZ    EDI1
         LA    2,2(,4)
         LR    3,7
         LR    1,6
         LR    5,7
         LR    14,4
         LR    4,1
         MVCL  2,4
         LR    4,14
EDI1     L     3,EDIX               after this line
         L     5,EDN                shift the later pointers up
EDI2     CR    5,3
         BNH   EDI3
         LR    1,5
         BCTR  1,0
         SLL   1,2
         A     1,=A(EDPTRS)
         MVC   4(4,1),0(1)
         BCTR  5,0
         B     EDI2
EDI3     LR    1,3
         SLL   1,2
         A     1,=A(EDPTRS)
         ST    4,0(,1)
         L     1,EDN
         LA    1,1(,1)
         ST    1,EDN
         SR    15,15
         B     RETURN
*
* EDDEL: delete R1 lines from line EDCUR
EDDEL    STM   14,12,0(13)
         LA    13,60(,13)
         L     3,EDCUR              first (1-based)
         L     4,EDN
         SR    4,3
         LA    4,1(,4)              lines from it to the end
         CR    1,4
         BNH   EDD1
         LR    1,4
EDD1     LR    5,1                  how many go
         SR    4,5                  how many stay after them
         BCTR  3,0
         SLL   3,2
         A     3,=A(EDPTRS)
         LR    6,5
         SLL   6,2
         AR    6,3                  the first that stays
         LR    2,3
         LR    14,6
         SLL   4,2
         LR    3,4
         LR    15,4
         MVCL  2,14
         L     1,EDN
         SR    1,5
         ST    1,EDN
         B     RETURN
*
* the subcommands ---------------------------------------------------
EDINPUT  CLC   NTOK,=F'2'
         BL    EDINP1
         L     1,LINEADR            INPUT text: one line
         AH    1,TOKPOS+2
         L     0,LINELEN
         SH    0,TOKPOS+2
         BAL   14,EDTRC
         L     3,EDCUR
         BAL   14,EDINS
         LTR   15,15
         BNZ   EDFULL2
         L     1,EDCUR
         LA    1,1(,1)
         ST    1,EDCUR
         B     EDLOOP
EDINP1   LA    1,MINPUT
         BAL   14,MSG
EDINP2   BAL   14,RDTERM
         LTR   0,0
         BZ    EDINP3               a null line ends input
         CLI   EDCASE,C'M'
         BNE   EDINP2A
         L     1,=A(INRAW)          CASE M: the line as typed
EDINP2A  BAL   14,EDTRC
         L     3,EDCUR
         BAL   14,EDINS
         LTR   15,15
         BNZ   EDFULL2
         L     1,EDCUR
         LA    1,1(,1)
         ST    1,EDCUR
         B     EDINP2
EDINP3   LA    1,MEDIT
         BAL   14,MSG
         B     EDLOOP
*
EDLIST   OI    EDVER,X'02'          LIST / TYPE [n|*]
         BAL   14,EDARGN
         LR    6,1
         L     1,EDCUR
         LTR   1,1
         BNZ   EDLI1
         LA    1,1
         ST    1,EDCUR
EDLI1    L     1,EDCUR
         C     1,EDN
         BNH   EDLI2
         BAL   14,EDSHOW            EOF:
         B     EDLOOP
EDLI2    BAL   14,EDSHOW
         BCT   6,EDLI3
         B     EDLOOP
EDLI3    L     1,EDCUR
         C     1,EDN
         BNL   EDLOOP
         LA    1,1(,1)
         ST    1,EDCUR
         B     EDLI2
*
EDTOP    XC    EDCUR,EDCUR
         BAL   14,EDSHOW
         B     EDLOOP
*
EDBOT    MVC   EDCUR,EDN
         BAL   14,EDSHOW
         B     EDLOOP
*
EDUP     BAL   14,EDARGN
         L     2,EDCUR
         SR    2,1
         BNM   EDUP1
         SR    2,2
EDUP1    ST    2,EDCUR
         BAL   14,EDSHOW
         B     EDLOOP
*
EDDOWN   BAL   14,EDARGN
         L     2,EDCUR
         AR    2,1
         C     2,EDN
         BNH   EDDN1
         LA    1,MEOF               past the end
         BAL   14,MSG
         MVI   EDATEOF,1
         MVC   EDCUR,EDN
         B     EDLOOP
EDDN1    ST    2,EDCUR
         BAL   14,EDSHOW
         B     EDLOOP
*
EDDELETE BAL   14,EDARGN            DELETE [n|*]
         L     2,EDCUR
         LTR   2,2
         BNZ   EDDE1
         LA    1,MTOF
         BAL   14,MSG
         B     EDLOOP
EDDE1    C     2,EDN
         BH    EDLOOP
         BAL   14,EDDEL
         L     2,EDCUR
         C     2,EDN
         BNH   EDLOOP
         L     2,EDN
         ST    2,EDCUR
         LA    1,MEOF
         BAL   14,MSG
         B     EDLOOP
*
* CHANGE /a/b/ [n|*] [G]
EDCHANGE L     2,LINEADR
         AH    2,TOKPOS+2           the delimiter
         L     3,LINEADR
         A     3,LINELEN            end of line
         CR    2,3
         BNL   EDUNK
         MVC   EDDELIM,0(2)
         LA    2,1(,2)
         ST    2,EDSA               string 1
         BAL   14,EDSCAN
         ST    1,EDSAL
         LA    2,1(1,2)
         ST    2,EDSB               string 2
         BAL   14,EDSCAN
         ST    1,EDSBL
         LA    2,1(1,2)
         LR    1,2                  the rest: count and G
         LR    0,3
         SR    0,2
         BNM   EDCH0
         SR    0,0
EDCH0    BAL   14,TOKENIZE
         LA    6,1
         MVI   EDGLOB,0
         ICM   4,15,NTOK
         BZ    EDCH2
         CLI   TOKENS,C'*'
         BNE   EDCH1
         L     6,=F'999999'
         B     EDCH1A
EDCH1    LA    1,TOKENS
         BAL   14,TOKNUM
         LTR   15,15
         BNZ   EDCH1B
         LR    6,1
EDCH1A   C     4,=F'2'
         BL    EDCH2
         OI    TOKENS+8,X'40'       g (CASE M) is G
         CLI   TOKENS+8,C'G'
         BNE   EDCH2
         MVI   EDGLOB,1
         B     EDCH2
EDCH1B   OI    TOKENS,X'40'
         CLI   TOKENS,C'G'
         BNE   EDCH2
         MVI   EDGLOB,1
EDCH2    L     1,EDCUR
         LTR   1,1
         BNZ   EDCH3
         LA    1,MTOF
         BAL   14,MSG
         B     EDLOOP
EDCH3    XC    EDCHG,EDCHG
EDCH4    L     1,EDCUR
         C     1,EDN
         BH    EDCH8
         BAL   14,EDCHG1            change this line
         BCT   6,EDCH5
         B     EDCH8
EDCH5    L     1,EDCUR
         C     1,EDN
         BNL   EDCH8
         LA    1,1(,1)
         ST    1,EDCUR
         B     EDCH4
EDCH8    CLC   EDCHG,=F'0'
         BNE   EDLOOP
         LA    1,MNOTFND
         BAL   14,MSG
         B     EDLOOP
*
* EDSCAN: R1 = length of the text at R2 up to the delimiter (or R3)
EDSCAN   LR    1,2
EDSC1    CR    1,3
         BNL   EDSC2
         CLC   0(1,1),EDDELIM
         BE    EDSC2
         LA    1,1(,1)
         B     EDSC1
EDSC2    SR    1,2
         BR    14
*
* EDCHG1: apply the change to line EDCUR; display it if changed
EDCHG1   STM   14,12,0(13)
         LA    13,60(,13)
         L     1,EDCUR
         BCTR  1,0
         SLL   1,2
         A     1,=A(EDPTRS)
         ST    1,EDPSLOT
         L     2,0(,1)
         LH    3,0(,2)              old length
         LA    2,2(,2)              old text
         LA    4,0(3,2)             its end
         L     5,=A(RECBUF)         the new text
         SR    7,7                  changes
         L     15,=A(EDZPRE)        the columns before the zone as
         BALR  14,15                they are; only the zone changes
         LR    2,0
         LR    5,1
         LR    4,15
EDCG1    L     1,EDSAL
         LR    0,4
         SR    0,2
         CR    0,1
         BL    EDCG4                too short for string 1 here
         LTR   1,1
         BZ    EDCG2                empty string 1: insert in front
         BCTR  1,0
         L     14,EDSA
         EX    1,EDCGCLC
         BNE   EDCG3
EDCG2    LTR   7,7
         BZ    EDCG2A
         CLI   EDGLOB,0
         BE    EDCG3
EDCG2A   L     1,EDSBL              copy string 2
         LTR   1,1
         BZ    EDCG2B
         BCTR  1,0
         L     14,EDSB
         EX    1,EDCGMVC
         LA    5,1(1,5)
EDCG2B   A     2,EDSAL
         LA    7,1(,7)
         CLC   EDSAL,=F'0'
         BE    EDCG4
         B     EDCG1
EDCG3    MVC   0(1,5),0(2)          copy one old byte
         LA    5,1(,5)
         LA    2,1(,2)
         B     EDCG1
EDCG4    CR    2,4                  the rest
         BNL   EDCG5
         MVC   0(1,5),0(2)
         LA    5,1(,5)
         LA    2,1(,2)
         B     EDCG4
EDCG5    L     15,=A(EDZSUF)        the columns after the zone
         BALR  14,15
         LR    5,1
         LTR   7,7
         BZ    RETURN
         L     1,EDCHG
         LA    1,1(,1)
         ST    1,EDCHG
         L     1,=A(RECBUF)         the new line in the heap
         LR    0,5
         SR    0,1
         BAL   14,EDTRC
         L     4,EDHP
         LR    6,0
         LA    2,2(6,4)
         C     2,STORSIZE
         BNL   RETURN
         ST    2,EDHP
         STH   6,0(,4)
         LA    2,2(,4)
         LR    3,6
         LR    14,1
         LR    15,6
         MVCL  2,14
         L     1,EDPSLOT
         ST    4,0(,1)
         BAL   14,EDSHOW
         B     RETURN
EDCGCLC  CLC   0(0,2),0(14)
EDCGMVC  MVC   0(0,5),0(14)
*
* LOCATE /string/ (or /string/ alone; the delimiter is the first
* character): the next line that holds the string, from the line
* after the current one. FIND line: the next line that starts with
* the text after FIND and one blank (R6's FIND HELPEDT/HELPEDT2);
* FIND alone goes down one line. Not found: EOF: and the pointer at
* the last line; the next search (= or any) after an EOF: starts at
* the top (FIND HELPEDT2: at the bottom, from the top).
EDLOCATE CLC   NTOK,=F'2'
         BL    EDUNK
         L     2,LINEADR
         AH    2,TOKPOS+2           the delimiter
EDLOC0   MVI   EDFCOL,0
         MVC   EDDELIM,0(2)
         LA    2,1(,2)
         L     3,LINEADR
         A     3,LINELEN
         BAL   14,EDSCAN
         B     EDSRCH
EDFIND   L     2,LINEADR
         AH    2,TOKPOS
         LA    2,2(3,2)             after FIND and one blank
         L     3,LINEADR
         A     3,LINELEN
         LR    1,3
         SR    1,2
         BNP   EDDOWN               no text: down one line
         MVI   EDFCOL,1
* EDSRCH: search for the R1 bytes at R2
EDSRCH   ST    2,EDSA
         ST    1,EDSAL
         L     5,EDCUR
         CLI   EDWASEOF,0
         BE    EDSR1
         SR    5,5                  after EOF: from the top
EDSR1    LA    5,1(,5)              the next line
         C     5,EDN
         BH    EDSRNF
         LR    1,5
         BCTR  1,0
         SLL   1,2
         A     1,=A(EDPTRS)
         L     6,0(,1)
         LH    4,0(,6)              its length
         LA    6,2(,6)              its text
         L     15,=A(EDZCLIP)       the zone of it
         BALR  14,15
         LR    6,1
         LR    4,0
         L     7,EDSAL
         SR    4,7                  the columns the string fits at - 1
         BM    EDSR1
         LA    4,1(,4)
         CLI   EDFCOL,0
         BE    EDSR2
         LA    4,1                  FIND: column 1 only
EDSR2    LTR   7,7
         BZ    EDSRF                a null string: any line
         BCTR  7,0
         L     14,EDSA
EDSR3    EX    7,EDSRCLC
         BE    EDSRF
         LA    6,1(,6)
         BCT   4,EDSR3
         B     EDSR1
EDSRF    ST    5,EDCUR              found: the new current line
         BAL   14,EDSHOW
         B     EDLOOP
EDSRNF   MVC   EDCUR,EDN            not found
         MVI   EDATEOF,1
         LA    1,MEOF
         BAL   14,MSG
         B     EDLOOP
EDSRCLC  CLC   0(0,6),0(14)
*
* EDTRC: a line of R0 bytes at R1 for the file: cut at the truncation
* column, saying TRUNCATED (R0 = the length kept).
EDTRC    STM   14,12,0(13)
         LA    13,60(,13)
         LR    6,1
         C     0,EDTRUNC
         BNH   RETURN
         LA    1,MTRUNC
         BAL   14,MSG
         L     0,EDTRUNC
         LR    1,6
         B     RETURN
*
* FILE [fn [ft [fm]]] / SAVE [fn [ft [fm]]] / QUIT
EDQUIT   SR    15,15
         B     RETURN
EDSAVEC  MVI   EDSVF,1              SAVE: FILE, and go on editing
         B     EDFILE1
EDFILE   MVI   EDSVF,0
EDFILE1  CLC   NTOK,=F'2'
         BL    EDF1
         MVC   EDNAME(8),TOKENS+8
         CLC   NTOK,=F'3'
         BL    EDF1
         MVC   EDNAME+8(8),TOKENS+16
         CLC   NTOK,=F'4'
         BL    EDF1
         LA    1,TOKENS+24
         BAL   14,GETMODE
         LTR   15,15
         BNZ   EDFNACC
         BAL   14,ADTOF
         ST    1,EDADT
EDF1     L     2,EDADT
         USING ADT,2
         TM    ADTFLAG,X'80'
         BZ    EDF2
         IC    1,ADTMODE
         BAL   14,MSGRO
         B     EDLOOP
EDF2     L     6,EDN
         LTR   6,6
         BZ    EDFDONE              nothing to write
         SR    0,0
         IC    0,EDRECFM
         L     1,EDLRECL
         BAL   14,FWOPEN
         L     7,=A(EDPTRS)
EDF3     L     3,0(,7)              each line
         LH    4,0(,3)
         LA    3,2(,3)
         L     1,=A(RECBUF)
         CLI   EDRECFM,C'V'
         BE    EDF5
         L     5,EDLRECL            F: padded or cut to LRECL
         LR    0,1
         LR    1,5
         LR    14,3
         LR    15,4
         ICM   15,8,=C' '
         MVCL  0,14
         L     1,=A(RECBUF)
         LR    0,5
         B     EDF6
EDF5     LTR   4,4                  V: as is (a null line: a blank)
         BNZ   EDF5A
         MVI   0(1),C' '
         LA    0,1
         B     EDF6
EDF5A    LR    0,1
         LR    1,4
         LR    14,3
         LR    15,4
         MVCL  0,14
         L     1,=A(RECBUF)
         LR    0,4
EDF6     L     15,=A(EDSERNO)       SERIAL: columns 73-80
         BALR  14,15
         BAL   14,FWPUT
         LA    7,4(,7)
         BCT   6,EDF3
         BAL   14,FWCLOSE
         LTR   15,15
         BNZ   EDFERR
         MVC   FINDID,EDNAME
         IC    0,ADTMODE
         IC    1,EDDIG
         BAL   14,FWFST
         BAL   14,PUTFILE
         LTR   15,15
         BNZ   EDFERR
EDFDONE  CLI   EDSVF,0
         BE    EDQUIT
         B     EDLOOP
EDFERR   BAL   14,MSGIOERR
         B     EDLOOP
EDFNACC  IC    1,TOKENS+24
         BAL   14,MSGNACC
         B     EDLOOP
         DROP  2
*
EDIOERR  BAL   14,MSGIOERR
         B     RETURN
EDFULL   LA    1,MEDFULL
         BAL   14,MSG
         LA    15,41
         B     RETURN
EDFULL2  LA    1,MEDFULL
         BAL   14,MSG
         B     EDLOOP
