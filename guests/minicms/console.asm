*---------------------------------------------------------------------
* Console I/O: the 3215 through START I/O (CCW X'09' write with
* carriage return, X'0A' read), waiting for the I/O interruption in
* an enabled wait as CMS's DMSIOW does.
*---------------------------------------------------------------------
*
* WRTERM: write R0 bytes at R1 as one line (more than 130: several
* lines; none: one blank).
WRTERM   STM   14,12,0(13)
         LA    13,60(,13)
         CLI   EXHT,0               an EXEC's &STACK HT: nothing
         BNE   RETURN
         LR    2,1
         LR    3,0
         LTR   3,3
         BP    WRT1
         LA    2,BLANKS
         LA    3,1
WRT1     LR    4,3
         C     4,=F'130'
         BNH   WRT2
         LA    4,130
WRT2     ST    2,CONCCW             data address
         MVI   CONCCW,X'09'         write, carriage return
         MVI   CONCCW+4,X'20'       SILI
         MVI   CONCCW+5,0
         STH   4,CONCCW+6
         MVI   CONOP,X'09'
         BAL   14,CONSIO
         AR    2,4
         SR    3,4
         BP    WRT1
         B     RETURN
*
* RDTERM: read a line into INBUF, upper case. R1 -> it, R0 = length
* (trailing blanks dropped).
RDTERM   STM   14,12,0(13)
         LA    13,60(,13)
         L     1,=A(STKCNT)         the console stack first (exec2)
         ICM   1,15,0(1)
         BZ    RDT0
         LM    6,7,EX2BASE
         L     15,=A(STKPULL)
         BALR  14,15
         B     RETURN
RDT0     DS    0H
         MVI   INBUF,C' '
         MVC   INBUF+1(L'INBUF-1),INBUF
         LA    1,INBUF
         ST    1,CONCCW
         MVI   CONCCW,X'0A'         read inquiry
         MVI   CONCCW+4,X'20'       SILI
         MVI   CONCCW+5,0
         LA    4,130
         STH   4,CONCCW+6
         MVI   CONOP,X'0A'
         BAL   14,CONSIO
         LH    1,X'46'              residual count
         SR    4,1
         BNM   RDT1
         SR    4,4
RDT1     LTR   4,4
         BZ    RDT3
         BCTR  4,0
         L     1,=A(INRAW)
         EX    4,RDTRAW             as typed (EDIT's CASE M)
         EX    4,RDTRAN             upper case
         LA    4,1(,4)
         LA    1,INBUF-1(4)         drop trailing blanks
RDT2     CLI   0(1),C' '
         BNE   RDT3
         BCTR  1,0
         BCT   4,RDT2
RDT3     LR    0,4
         LA    1,INBUF
         B     RETURN
RDTRAN   TR    INBUF(0),UPTAB
RDTRAW   MVC   0(0,1),INBUF
*
* CONSIO: start the console CCW and wait for its device end.
CONSIO   ST    14,CONSR14
CONSIO1  LA    1,CONCCW
         ST    1,X'48'              CAW: key 0, CCW address
         LH    1,CONSADDR
         SIO   0(1)
         BC    8,CONSWAIT           started
         BC    2,CONSIO1            busy: try again
         BC    1,CONSDEAD           not operational
         TM    X'44',X'04'          CSW stored: device end with it?
         BO    CONSDONE
         B     CONSIO1
CONSWAIT MVC   WAITDEV,CONSADDR
         BAL   14,WAITIO
CONSDONE L     14,CONSR14
         BR    14
CONSDEAD LPSW  DEADCONS
*
* WAITIO: enabled wait until the device in WAITDEV presents device end
WAITIO   ST    14,WAITR14
WAITLP   LPSW  WAITPSW
IOINT    CLC   X'3A'(2),WAITDEV     BC I/O old PSW: device address
         BNE   WAITLP
         TM    X'44',X'04'          device end?
         BZ    WAITLP
         L     14,WAITR14
         BR    14
*
*---------------------------------------------------------------------
* The line builder: LBEG starts a line in LINE, the L... routines
* append, LOUT writes it.
*---------------------------------------------------------------------
LBEG     LA    1,LINE
         ST    1,LINEP
         BR    14
*
* LTXT: append R0 bytes at R1
LTXT     STM   14,12,0(13)
         LA    13,60(,13)
         L     2,LINEP
         LTR   3,0
         BNP   RETURN
         LA    4,LINE+L'LINE
         SR    4,2                  room left
         CR    3,4
         BNH   LTXT1
         LR    3,4
LTXT1    LTR   3,3
         BNP   RETURN
         BCTR  3,0
         EX    3,LTXTMVC
         LA    2,1(3,2)
         ST    2,LINEP
         B     RETURN
LTXTMVC  MVC   0(0,2),0(1)
*
* LSTR: append the counted string at R1 (length byte, text)
LSTR     SR    0,0
         IC    0,0(,1)
         LA    1,1(,1)
         B     LTXT
*
* LCHR: append the character in the low byte of R1
LCHR     STC   1,CHRWORK
         LA    1,CHRWORK
         LA    0,1
         B     LTXT
*
* LFLD: append the 8-byte field at R1 without its trailing blanks
LFLD     LA    0,8
* LFLDN: append the R0-byte field at R1 without its trailing blanks
LFLDN    STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         LTR   3,0
         BNP   RETURN
         LA    4,0(3,2)
LFLD1    BCTR  4,0
         CLI   0(4),C' '
         BE    LFLD2
         CLI   0(4),0
         BNE   LFLD3
LFLD2    BCT   3,LFLD1
         B     RETURN
LFLD3    LR    1,2
         LR    0,3
         BAL   14,LTXT
         B     RETURN
*
* LPAD: append blanks up to column R0 (0-based)
LPAD     STM   14,12,0(13)
         LA    13,60(,13)
         LA    2,LINE
         AR    2,0
LPAD1    C     2,LINEP
         BNH   RETURN
         LA    1,C' '
         BAL   14,LCHR
         B     LPAD1
*
* LNUM: append R1 in decimal
LNUM     STM   14,12,0(13)
         LA    13,60(,13)
         BAL   14,FMTNUM
         BAL   14,LTXT
         B     RETURN
*
* LNUMR: append R1 in decimal right-justified in R0 columns
LNUMR    STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,0
         BAL   14,FMTNUM            R1 -> digits, R0 = length
         LR    3,1
         LR    4,0
LNUMR1   CR    2,4
         BNH   LNUMR2
         LA    1,C' '
         BAL   14,LCHR
         BCT   2,LNUMR1
LNUMR2   LR    1,3
         LR    0,4
         BAL   14,LTXT
         B     RETURN
*
* FMTNUM: R1 in decimal: R1 -> text (NUMWORK), R0 = its length
FMTNUM   CVD   1,DWORK
         MVC   NUMWORK(12),=X'402020202020202020202120'
         LA    1,NUMWORK+11
         EDMK  NUMWORK(12),DWORK+2  R1 -> first significant digit
         CP    DWORK,=P'0'
         BNL   FMTN2
         BCTR  1,0
         MVI   0(1),C'-'
FMTN2    LA    0,NUMWORK+12
         SR    0,1
         BR    14
*
* LHEX: append the low R0 hex digits of R1
LHEX     STM   14,12,0(13)
         LA    13,60(,13)
         ST    1,HEXW
         UNPK  HEXO(9),HEXW(5)
         TR    HEXO(8),HEXTR-X'F0'
         LA    1,HEXO+8
         SR    1,0
         BAL   14,LTXT
         B     RETURN
*
* LOUT: write the line built so far and start a new one
LOUT     STM   14,12,0(13)
         LA    13,60(,13)
         CLI   MSGOFF,0             a message &CONTROL NOMSG drops
         BE    LOUT1
         MVI   MSGOFF,0
         MVI   MSGEDIT,0
         BAL   14,LBEG
         B     RETURN
LOUT1    CLI   MSGEDIT,0            an error message (ERRMSG): as
         BE    LOUT2                CP's SET EMSG edits it with
         MVI   MSGEDIT,0            DIAGNOSE X'5C' (TEXT, the
         LA    2,LINE               default: the text only)
         L     3,LINEP
         SR    3,2
         DIAG  2,3,X'005C'
         BAL   14,LBEG
         LTR   3,3
         BNP   RETURN
         LR    1,2
         LR    0,3
         BAL   14,WRTERM
         B     RETURN
LOUT2    DS    0H
         LA    1,LINE
         L     0,LINEP
         SR    0,1
         BAL   14,WRTERM
         BAL   14,LBEG
         B     RETURN
*
* MSG: write the counted string at R1 as a line
MSG      STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         BAL   14,LBEG
         LR    1,2
         BAL   14,LSTR
         BAL   14,LOUT
         B     RETURN
*
*---------------------------------------------------------------------
* TOKENIZE: split the line at R1 (R0 bytes) into 8-byte tokens as
* CMS does (blanks separate; ( and ) are tokens of their own; longer
* words are cut to 8). TOKENS, TOKPOS (offsets), NTOK, LINEADR,
* LINELEN.
*---------------------------------------------------------------------
TOKENIZE STM   14,12,0(13)
         LA    13,60(,13)
         ST    1,LINEADR
         ST    0,LINELEN
         LR    2,1                  scan pointer
         LR    3,1
         AR    3,0                  end
         SR    4,4                  tokens so far
         LA    5,TOKENS
         MVI   TOKENS,C' '
         MVC   TOKENS+1(L'TOKENS-1),TOKENS
         MVI   TOKENS+L'TOKENS-1,C' '
TOK1     CR    2,3
         BNL   TOKEND
         CLI   0(2),C' '
         BNE   TOK2
         LA    2,1(,2)
         B     TOK1
TOK2     C     4,=F'32'
         BNL   TOKEND
         LR    1,2
         S     1,LINEADR
         LR    6,4
         AR    6,6
         STH   1,TOKPOS(6)
         LA    4,1(,4)
         LR    6,5                  output pointer
         LA    7,8(,5)              its end
         CLI   0(2),C'('
         BE    TOKONE
         CLI   0(2),C')'
         BE    TOKONE
TOK3     CR    2,3
         BNL   TOKNEXT
         CLI   0(2),C' '
         BE    TOKNEXT
         CLI   0(2),C'('
         BE    TOKNEXT
         CLI   0(2),C')'
         BE    TOKNEXT
         CR    6,7
         BNL   TOK4
         MVC   0(1,6),0(2)
         LA    6,1(,6)
TOK4     LA    2,1(,2)
         B     TOK3
TOKONE   MVC   0(1,6),0(2)
         LA    2,1(,2)
TOKNEXT  LA    5,8(,5)
         B     TOK1
TOKEND   ST    4,NTOK
         LR    6,4                  the offset after the last token
         AR    6,6
         L     1,LINELEN
         STH   1,TOKPOS(6)
         B     RETURN
*
* TOKLEN0: R1 = length of token 0 (TOKLEN: of the token at R1)
TOKLEN0  LA    1,TOKENS
TOKLEN   LA    0,8
TOKL1    LR    15,1
         AR    15,0
         BCTR  15,0
         CLI   0(15),C' '
         BNE   TOKL2
         BCT   0,TOKL1
TOKL2    LR    1,0
         BR    14
*
* TOKNUM: the decimal token at R1 -> R1 = value, R15 = 0, or R15 = 4
* when it is not a number (1 to 8 digits)
TOKNUM   STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         BAL   14,TOKLEN
         LR    3,1
         LA    15,4
         LTR   3,3
         BZ    RETURN
         SR    1,1
         LR    4,2
TOKN1    CLI   0(4),C'0'
         BL    RETURN
         CLI   0(4),C'9'
         BH    RETURN
         MH    1,=H'10'
         IC    0,0(,4)
         N     0,=F'15'
         AR    1,0
         LA    4,1(,4)
         BCT   3,TOKN1
         SR    15,15
         B     RETURN
