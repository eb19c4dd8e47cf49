*---------------------------------------------------------------------
* EXEC files of plain command lines, as CMS's EXEC processor runs
* them: &1 ... &9 (the arguments), &0 (the file name), &INDEX (how many
* arguments) and &RETCODE are replaced; &TYPE writes the rest of the
* line, &CONTROL OFF / ON / CMS / ALL turns the display of commands
* off or on, &EXIT [rc] ends the EXEC; lines starting with * are
* comments. Words are cut to 8 characters as in CMS EXEC.
*---------------------------------------------------------------------
*
* EXEC fn [args]
EXEC     STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'EXT'
         CLI   INEXEC,0
         BE    EXEC1
         LA    1,MEXNEST
         BAL   14,MSG
         L     15,=F'-1'
         B     RETURN
EXEC1    CLC   NTOK,=F'2'
         BNL   EXEC2
         BAL   14,MSGINC
         B     RETURN
EXEC2    MVC   FINDID(8),TOKENS+8
         MVC   FINDID+8(8),=CL8'EXEC'
         BAL   14,FINDANY
         LTR   1,1
         BNZ   EXEC3
         LA    1,M072               Error in EXEC file fn, line 0
         BAL   14,ERRMSG
         LA    1,TOKENS+8
         BAL   14,LFLD
         LA    1,M072B
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,801
         B     RETURN
EXEC3    LA    2,1                  arguments from token 2
         BAL   14,EXECRUN
         B     RETURN
*
* EXECRUN: run the EXEC whose FST entry is at R1 on disk R0 (found by
* FINDFST: FOUNDFST), its arguments the tokens after index R2.
EXECRUN  STM   14,12,0(13)
         LA    13,60(,13)
         MVC   EXNAME,FOUNDFST
         SLL   2,3                  keep the arguments
         LA    3,TOKENS+8(2)
         SRL   2,3
         L     4,NTOK
         SR    4,2
         BCTR  4,0
         BNM   EXR0
         SR    4,4
EXR0     C     4,=F'9'
         BNH   EXR0A
         LA    4,9
EXR0A    ST    4,EXNARG
         MVI   EXARGS,C' '
         MVC   EXARGS+1(71),EXARGS
         LTR   5,4
         BZ    EXR0C
         LA    6,EXARGS
EXR0B    MVC   0(8,6),0(3)
         LA    3,8(,3)
         LA    6,8(,6)
         BCT   5,EXR0B
EXR0C    LR    2,0                  load the lines
         LA    1,FOUNDFST
         BAL   14,FROPEN
         LTR   15,15
         BNZ   EXRIOERR
         L     6,=A(EXECAREA)
EXR1     L     1,=A(RECBUF)
         BAL   14,FRGET
         LTR   15,15
         BNZ   EXR2
         L     1,=A(RECBUF)
         BAL   14,FLDLEN
         C     0,=F'130'
         BNH   EXR1A
         LA    0,130
EXR1A    LR    7,0
         LA    1,2(7,6)
         C     1,=A(EXECEND)
         BNL   EXRBIG
         STH   7,0(,6)
         LTR   7,7
         BZ    EXR1B
         BCTR  7,0
         L     1,=A(RECBUF)
         EX    7,EXRMVC
         LA    7,1(,7)
EXR1B    LA    6,2(7,6)
         B     EXR1
EXR2     ST    6,EXEND
         L     6,=A(EXECAREA)
         MVI   INEXEC,1
         MVI   EXCTL,1
         XC    EXRC,EXRC
*
* each line
EXR3     C     6,EXEND
         BNL   EXRDONE
         LH    7,0(,6)
         LA    1,2(,6)
         LA    6,2(7,6)
         LTR   7,7
         BZ    EXR3
         CLI   0(1),C'*'            a comment
         BE    EXR3
         LR    0,7
         BAL   14,TOKENIZE
         BAL   14,EXSUBST           substituted into EXLINE
         LA    1,EXLINE
         L     0,EXLLEN
         BAL   14,TOKENIZE
         ICM   1,15,NTOK
         BZ    EXR3
         CLC   TOKENS(8),=CL8'&&TYPE'
         BE    EXTYPE
         CLC   TOKENS(8),=CL8'&&CONTROL'
         BE    EXCONTRL
         CLC   TOKENS(8),=CL8'&&EXIT'
         BE    EXEXIT
         CLI   TOKENS,X'50'        &
         BE    EXR3                 other control words: ignored
         CLI   EXCTL,0              a command: shown, then run
         BE    EXR4
         LA    1,EXLINE
         L     0,EXLLEN
         BAL   14,WRTERM
EXR4     LA    1,EXLINE
         L     0,EXLLEN
         BAL   14,EXECUTE
         ST    15,EXRC
         B     EXR3
EXTYPE   L     1,EXLLEN             &TYPE: the rest of the line
         SH    1,TOKPOS+2
         LR    0,1
         LA    1,EXLINE
         AH    1,TOKPOS+2
         CLC   NTOK,=F'1'
         BH    EXT1
         SR    0,0
EXT1     BAL   14,WRTERM
         B     EXR3
EXCONTRL MVI   EXCTL,0
         CLC   TOKENS+8(8),=CL8'OFF'
         BE    EXR3
         CLC   TOKENS+8(8),=CL8'ERROR'
         BE    EXR3
         MVI   EXCTL,1
         B     EXR3
EXEXIT   SR    15,15                &EXIT [rc]
         CLC   NTOK,=F'2'
         BL    EXREND
         LA    1,TOKENS+8
         CLI   0(1),C'-'
         BNE   EXEX1
         LA    1,1(,1)
EXEX1    BAL   14,TOKNUM
         LTR   15,15
         BZ    EXEX2
         SR    1,1
EXEX2    LR    15,1
         CLI   TOKENS+8,C'-'
         BNE   EXREND
         LCR   15,15
         B     EXREND
EXRDONE  SR    15,15
EXREND   MVI   INEXEC,0
         B     RETURN
EXRBIG   LA    1,MEXBIG
         BAL   14,MSG
         LA    15,104
         B     RETURN
EXRIOERR BAL   14,MSGIOERR
         B     RETURN
EXRMVC   MVC   2(0,6),0(1)
*
* EXSUBST: the tokens with the variables replaced, separated by one
* blank, into EXLINE (EXLLEN)
EXSUBST  STM   14,12,0(13)
         LA    13,60(,13)
         BAL   14,LBEG              built with the line builder
         L     3,NTOK
         LA    4,TOKENS
         SR    5,5                  words out
EXS1     LTR   3,3
         BZ    EXS9
         CLI   0(4),X'50'          &
         BNE   EXS5
         CLI   1(4),C'0'            &0 .. &9
         BL    EXS3
         CLI   2(4),C' '
         BNE   EXS5
         SR    1,1
         IC    1,1(,4)
         N     1,=F'15'
         BNZ   EXS2
         LA    1,EXNAME             &0: the file name
         B     EXS6
EXS2     C     1,EXNARG
         BH    EXS8                 not given: the word goes
         BCTR  1,0
         SLL   1,3
         LA    1,EXARGS(1)
         B     EXS6
EXS3     CLC   0(8,4),=CL8'&&INDEX'
         BNE   EXS4
         L     1,EXNARG
         B     EXS7
EXS4     CLC   0(8,4),=CL8'&&RETCODE'
         BNE   EXS5
         L     1,EXRC
         B     EXS7
EXS5     LR    1,4                  the word itself
EXS6     LTR   5,5
         BZ    EXS6A
         LR    6,1
         LA    1,C' '
         BAL   14,LCHR
         LR    1,6
EXS6A    BAL   14,LFLD
         LA    5,1(,5)
         B     EXS8
EXS7     LTR   5,5                  a number
         BZ    EXS7A
         LR    6,1
         LA    1,C' '
         BAL   14,LCHR
         LR    1,6
EXS7A    BAL   14,LNUM
         LA    5,1(,5)
EXS8     LA    4,8(,4)
         BCTR  3,0
         B     EXS1
EXS9     LA    1,LINE
         L     0,LINEP
         SR    0,1
         ST    0,EXLLEN
         MVC   EXLINE,LINE
         BAL   14,LBEG
         B     RETURN
