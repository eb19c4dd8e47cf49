*---------------------------------------------------------------------
* EXEC files: EXEC fn args (or fn args) finds fn EXEC, keeps its
* arguments (&1 ... &30, % a null one), loads its lines into EXECAREA
* and runs them with the EXEC interpreter of exec2.asm, which has the
* CMS EXEC language of VM/370 R6: variables and assignment, &IF,
* &GOTO, &SKIP, &LOOP, labels, &ERROR, &EXIT, &CONTROL, &TYPE,
* &BEGTYPE, &STACK, &BEGSTACK, &READ, &ARGS, &EMSG, &SPACE and the
* built-ins (see its header for the list and what is not there).
*---------------------------------------------------------------------
*
* EXEC fn [args]
EXEC     STM   14,12,0(13)
         LA    13,60(,13)
         CLI   INEXEC,0
         BNE   EXECN
         BAL   14,EXECB
         B     RETURN
EXECN    LM    6,7,EX2BASE          an EXEC calls EXEC: its state kept
         L     15,=A(EXPUSH)
         BALR  14,15
         LTR   15,15
         BNZ   EXECDEEP
         BAL   14,EXECB
         LM    6,7,EX2BASE          and back
         L     14,=A(EXPOP)
         BALR  14,14
         B     RETURN
EXECDEEP LA    1,MEXNEST
         BAL   14,MSG
         L     15,=F'-1'
         B     RETURN
EXECB    STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'EXT'
EXEC1    CLC   NTOK,=F'2'
         BNL   EXEC2
         BAL   14,MSGINC
         B     RETURN
EXEC2    MVC   FINDID(8),TOKENS+8
         MVC   FINDID+8(8),=CL8'EXEC'
         BAL   14,FINDANY
         LTR   1,1
         BNZ   EXEC3
         BAL   14,LBEG              Error in EXEC file fn, line 0
         LA    1,M072T+5            (no message id, as R6 CMS)
         LA    0,L'M072T-5
         BAL   14,LTXT
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
EXR0     C     4,=F'30'
         BNH   EXR0A
         LA    4,30
EXR0A    ST    4,EXNARG
         MVI   EXARGS,C' '
         MVC   EXARGS+1(L'EXARGS-1),EXARGS
         LTR   5,4
         BZ    EXR0C
         LA    6,EXARGS
EXR0B    CLC   0(8,3),=CL8'%'       % : a null argument
         BE    EXR0D
         MVC   0(8,6),0(3)
EXR0D    LA    3,8(,3)
         LA    6,8(,6)
         BCT   5,EXR0B
EXR0C    LR    2,0                  load the lines
         LA    1,FOUNDFST
         BAL   14,FROPEN
         LTR   15,15
         BNZ   EXRIOERR
         CLI   INEXEC,0             from CMS: at EXECAREA (from an
         BNE   EXR0E                EXEC: after its lines)
         MVC   EXLOAD,=A(EXECAREA)
EXR0E    L     6,EXLOAD
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
         L     7,=A(EX2ENTRY)       the interpreter (exec2.asm)
         BR    7
EXRBIG   LA    1,MEXBIG
         BAL   14,MSG
         LA    15,104
         B     RETURN
EXRIOERR BAL   14,MSGIOERR
         B     RETURN
EXRMVC   MVC   2(0,6),0(1)
