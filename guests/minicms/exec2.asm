*---------------------------------------------------------------------
* The EXEC interpreter: the CMS EXEC language of VM/370 R6 (R6's
* HELPEXC / HELPEXC2 files on the 19D; where they are silent, what
* real R6 CMS's EXEC processor does under vm390).
*
* EXECRUN (exec.asm) loads the lines into EXECAREA and comes here.
* Each line is split into words cut to 8 characters, ( and ) words
* of their own; a line starting with -label is a label (a statement
* may follow it); then the variables are replaced: &0 .. &9, &INDEX,
* &RETCODE, &GLOBAL, &LINENUM and the &name variables; an undefined
* variable or a null value leaves no word at all. Not replaced: the
* control words and built-ins, the target of an assignment, the word
* after &LITERAL and the names after &READ VARS.
*
* Statements: &name = value | &CONCAT | &LENGTH | &DATATYPE | &SUBSTR
* | &LITERAL | a + - * / b ... (from the left); &ARGS; &READ ARGS |
* VARS | n (the console stack first); &IF a op b stmt (EQ NE LT LE GT
* GE = not= < <= > >=; two numbers compare as numbers; &* and &$ for
* all or any argument); &GOTO -label|TOP|n; &SKIP [n]; &LOOP n|-label
* m|condition (4 deep); &ERROR stmt; &EXIT [rc]; &CONTROL OFF|ERROR|
* CMS|ALL, MSG|NOMSG, PACK|NOPACK (TIME NOTIME accepted); &TYPE;
* &BEGTYPE, &BEGSTACK, &BEGEMSG, &BEGPUNCH ... &END; &STACK [FIFO|
* LIFO|HT|RT]; &EMSG (edited by CP's SET EMSG, DIAGNOSE X'5C');
* &PUNCH (00D); &SPACE [n]; &TIME (no timing typed) and &CONTINUE.
* Special variables: &TYPEFLAG &READFLAG &DISKx &DISK* &DOS &EXEC
* &LINENUM &GLOBAL &GLOBAL0-9. An EXEC may call EXEC, 8 levels deep
* (EXPUSH / EXPOP keep the caller's state). &HEX ON|OFF (EXHEXW).
* A command is shown (&CONTROL CMS, ALL) and run; a return code other
* than 0 gives +++ R(rc) +++ and runs the &ERROR statement. Errors end
* the EXEC with Error in EXEC file fn, line n - text (DMSEXT072E, shown
* without its id as R6 CMS does), return code 800 + n; the texts are
* real R6 CMS's (cp/tests/data/exec/README.md lists them).
*
* This code lies at X'B000' (EX2ORG) with R7 and R6 as its base
* registers (loaded from EX2BASE); the routines it calls keep them.
*---------------------------------------------------------------------
EX2RESUM EQU   *
         ORG   MINICMS+X'B000'
EX2ORG   DS    0D
         USING EX2ORG,7,6
EXVARS   EQU   X'015000'            variables: name, value (16 bytes),
EXVMAX   EQU   128                  128 a level, 2K apart
EXSTKA   EQU   X'019000'            the console stack: 64 lines
EXFRAMES EQU   X'01C000'            the callers' state, 2K a level
EXMAXLV  EQU   8                    levels of EXEC at most
STKMAX   EQU   64
STKLEN   EQU   132                  of a halfword length and text
*
* EX2ENTRY: from EXECRUN (its save area) with the lines loaded, R7 at
* EX2ORG
EX2ENTRY LA    6,4095(,7)           R6: the second 4K
         LA    6,1(,6)
         MVC   EXDISKW,BLANKS       &DISK*: the mode of its disk
         MVC   EXDISKW(1),2(2)      (R2: the disk table)
EXINTERP XC    EXNVAR,EXNVAR
         MVC   EXZERO,EXNAME
         L     1,EXLEVEL            the variables of this level
         SLL   1,11
         A     1,=A(EXVARS)
         ST    1,EXVBASE
         ICM   1,15,EXLEVEL
         BNZ   EXI0
         L     1,=A(EXGLOB1)        &GLOBAL0 .. &GLOBAL9: 1 for an
         MVC   EXGLOB(80),0(1)
EXI0     MVI   EXNOPK,0             EXEC command from CMS
         MVI   EXHEXON,0
         MVI   EXNOMSG,0
         XC    LPDEP,LPDEP
         XC    ERRLEN,ERRLEN
         MVI   EXINERR,0
         L     1,EXLOAD             this EXEC's lines
         ST    1,EXSTART
         ST    1,EXNXT
         MVC   EXNUM,=F'1'
         SR    2,2                  count the lines
EXI1     C     1,EXEND
         BNL   EXI2
         LH    3,0(,1)
         LA    1,2(3,1)
         LA    2,1(,2)
         B     EXI1
EXI2     ST    2,EXNLINE
         XC    EXCURNO,EXCURNO
         BAL   14,EXMORE            more than 30 arguments
         LTR   15,15
         BZ    EXMAIN
         LA    1,4                  Too many arguments
         BAL   14,EXERR
         B     EXFIN
EXMAIN   BAL   14,EXLPCHK           the end of a loop's body
         LTR   15,15
         BNZ   EXFIN
         L     1,EXNXT
         C     1,EXEND
         BNL   EXDONE
         MVC   EXCURNO,EXNUM
         ST    1,EXCURLN
         LH    0,0(,1)
         LA    1,2(,1)
         LR    2,0
         AR    2,1
         ST    2,EXNXT
         C     0,=F'72'             columns 1-72 (73-80: a sequence
         BNH   EXM1                 field)
         LA    0,72
EXM1     DS    0H
         L     2,EXNUM
         LA    2,1(,2)
         ST    2,EXNUM
         BAL   14,EXLINE1
         LTR   15,15
         BZ    EXMAIN
EXFIN    L     15,EXEXRC
         ICM   1,15,EXLEVEL         the end of the first EXEC: typing
         BNZ   EXFIN1               goes on
         MVI   EXHT,0
EXFIN1   MVI   INEXEC,0
         B     RETURN
EXDONE   XC    EXEXRC,EXEXRC
         B     EXFIN
*
* EXLINE1: one line at R1, R0 bytes. R15 = 0, or 4: the EXEC ends
* with the return code in EXEXRC.
EXLINE1  STM   14,12,0(13)
         LA    13,60(,13)
         SR    15,15
         LTR   0,0
         BZ    RETURN
         LR    2,1                  a comment: * first (blanks
         LR    3,0                  before it too)
EXL0     CLI   0(2),C' '
         BNE   EXL0A
         LA    2,1(,2)
         BCT   3,EXL0
         B     RETURN
EXL0A    CLI   0(2),C'*'
         BE    RETURN
         BAL   14,TOKENIZE
         SR    1,1
         ICM   2,15,NTOK
         BZ    RETURN
         BAL   14,EXMORE            more than 32 words?
         LTR   15,15
         BZ    EXL0D
         LA    1,13                 Too many tokens in statement
         BAL   14,EXERR
         B     RETURN
EXL0D    SR    1,1
         CLI   TOKENS,C'-'          a label
         BNE   EXL1
         LA    1,1
EXL1     BAL   14,EXSUBS
         LTR   15,15
         BNZ   RETURN
         SR    1,1
         BAL   14,EXSTMT
         B     RETURN
*
* EXHEXW: the word X'n at R1 under &HEX ON: in an assignment's value
* n is hexadecimal and becomes decimal, elsewhere n is decimal and
* becomes hexadecimal. R1 -> the new word (EXNUMTK); R15 = 4 if n is
* not a number of that kind.
EXHEXW   STM   14,12,0(13)
         LA    13,60(,13)
         LA    5,10                 (R3: EXSUBS's words so far)
         C     3,=F'2'
         BL    EXHW0
         CLC   SUBTOK+8(8),=CL8'='  in an assignment: hexadecimal
         BNE   EXHW0
         LA    5,16
EXHW0    LA    2,2(,1)              the digits
         LA    3,6
         SR    4,4                  the value
         LA    15,4
EXHW1    CLI   0(2),C' '
         BE    EXHW4
         SR    14,14                the digit
         IC    14,0(,2)
         CLI   0(2),C'0'
         BL    EXHW2
         N     14,=F'15'
         B     EXHW3
EXHW2    C     5,=F'16'             A-F in hexadecimal only
         BNE   RETURN
         CLI   0(2),C'A'
         BL    RETURN
         CLI   0(2),C'F'
         BH    RETURN
         N     14,=F'15'
         LA    14,9(,14)
EXHW3    LR    1,4                  value * base + digit
         MR    0,5
         AR    1,14
         LR    4,1
         LA    2,1(,2)
         BCT   3,EXHW1
EXHW4    LA    1,EXNUMTK
         C     5,=F'16'
         BNE   EXHW5
         LR    1,4                  hexadecimal in: decimal out
         BAL   14,EXFMT
         LA    1,EXNUMTK
         SR    15,15
         B     RETURN
EXHW5    MVC   EXNUMTK,BLANKS       decimal in: hexadecimal out
         LA    2,EXNUMTK
         LA    3,8
         SR    5,5                  a digit seen
EXHW6    LR    1,4                  the top hexadecimal digit
         SRL   1,28
         SLL   4,4
         LTR   5,5
         BNZ   EXHW7
         LTR   1,1                  (no leading zeros)
         BZ    EXHW8
EXHW7    LA    5,1
         L     14,=A(EXHEXD)
         IC    1,0(1,14)
         STC   1,0(,2)
         LA    2,1(,2)
EXHW8    BCT   3,EXHW6
         LTR   5,5                  0: one digit
         BNZ   EXHW9
         MVI   EXNUMTK,C'0'
EXHW9    LA    1,EXNUMTK
         SR    15,15
         B     RETURN
*
* EXMORE: R15 = 4 if TOKENIZE left words after its 32 (else 0)
EXMORE   STM   14,12,0(13)
         LA    13,60(,13)
         SR    15,15
         CLC   NTOK,=F'32'
         BL    RETURN
         LH    2,TOKPOS+62          past the 32nd
         A     2,LINEADR
         L     3,LINEADR
         A     3,LINELEN
EXMR1    CR    2,3
         BNL   RETURN
         CLI   0(2),C' '
         BE    EXMR2
         LA    2,1(,2)
         B     EXMR1
EXMR2    CR    2,3
         BNL   RETURN
         CLI   0(2),C' '
         BNE   EXMR3
         LA    2,1(,2)
         B     EXMR2
EXMR3    LA    15,4
         B     RETURN
*
* EXSUBS: the words from index R1 of TOKENS with the variables
* replaced into SUBTOK (SUBN words; SUBRAW their index in TOKENS)
EXSUBS   STM   14,12,0(13)
         LA    13,60(,13)
         ST    1,EXSUB0
         MVI   EXRAWR,0
         MVI   EXLITN,0
         LR    2,1                  the word in TOKENS
         SR    3,3                  words out
EXS1     C     2,NTOK
         BNL   EXSEND
         CLI   EXRAWR,0             after &ERROR: kept as written
         BNE   EXSRAW
         LR    4,2
         SLL   4,3
         LA    4,TOKENS(4)          R4 -> the word
         MVI   EXPFXN,0
         CLI   EXLITN,0             after &LITERAL: as it is
         BE    EXS0
         MVI   EXLITN,0
         B     EXSCOPY
EXS0     CLI   0(4),X'50'           &
         BE    EXS0A
         LR    5,4                  x&name: x and the value
         LA    1,1(,4)
         LA    0,7
EXSPX1   CLI   0(1),X'50'
         BE    EXSP2
         LA    1,1(,1)
         BCT   0,EXSPX1
         B     EXSCOPY
EXSP2    CLI   1(1),C' '            x& alone: as it is
         BE    EXSCOPY
         LR    0,1
         SR    0,4                  the length of x
         STC   0,EXPFXN
         MVC   EXPFX,0(4)
         MVC   EXNAMEW,BLANKS
         LA    15,8
         SR    15,0
         BCTR  15,0
         EX    15,EXSPMVC
         LA    4,EXNAMEW
         B     EXS4
EXSPMVC  MVC   EXNAMEW(0),0(1)
EXS0A    CLI   1(4),C' '            & alone: no word
         BE    EXSNULL
         CLC   0(8,4),=CL8'&&*'     &* and &$: for &IF
         BE    EXSCOPY
         CLC   0(8,4),=CL8'&&$'
         BE    EXSCOPY
         CLC   0(8,4),=CL8'&&LITERAL'  &LITERAL goes, the next word
         BNE   EXS0B                stays as it is
         MVI   EXLITN,1
         B     EXSNULL
EXS0B    C     3,=F'2'              the names after &READ VARS
         BL    EXS2
         CLC   SUBTOK(8),=CL8'&&READ'
         BNE   EXS2
         CLC   SUBTOK+8(8),=CL8'VARS'
         BE    EXSCOPY
EXS2     LA    1,1(,2)              the target of an assignment
         C     1,NTOK
         BNL   EXS3
         CLC   8(8,4),=CL8'='
         BNE   EXS3
         C     2,EXSUB0
         BE    EXSTGT
         L     1,EXSUB0
         LA    1,4(,1)
         CR    1,2
         BNE   EXS3
         L     1,EXSUB0
         SLL   1,3
         LA    1,TOKENS(1)
         CLC   0(8,1),=CL8'&&IF'
         BNE   EXS3
EXSTGT   LR    5,4                  the target: &x&name takes the
         LA    1,1(,4)              value of &name, else it stays
         LA    0,7
EXSTG1   CLI   0(1),X'50'
         BE    EXSP2
         LA    1,1(,1)
         BCT   0,EXSTG1
         L     15,=A(EXVTAB)
         TRT   1(7,4),0(15)
         BNZ   EXSBAD
         B     EXSCOPY
EXS3     L     1,=A(EXCWTAB)        control words and built-ins
EXS3A    CLI   0(1),X'FF'
         BE    EXS4
         CLC   0(8,1),0(4)
         BNE   EXS3B
         CLC   0(8,4),=CL8'&&ERROR'
         BNE   EXSCOPY
         MVI   EXRAWR,1
         B     EXSCOPY
EXS3B    DS    0H
         LA    1,12(,1)
         B     EXS3A
EXSRAW   LR    4,2
         SLL   4,3
         LA    4,TOKENS(4)
         B     EXSCOPY
EXS4     BAL   14,EXARGN            &0 .. &30
         LTR   15,15
         BNZ   EXS5
         LTR   1,1
         BNZ   EXS4A
         LA    1,EXZERO             &0 (assignable; &EXEC is the name)
         B     EXSVAL
EXS4A    C     1,=F'30'
         BH    EXSNULL
         BCTR  1,0
         SLL   1,3
         LA    1,EXARGS(1)
         B     EXSVAL
EXS5     CLC   0(8,4),=CL8'&&INDEX'
         BNE   EXS6
         L     1,EXNARG
         B     EXSNUM
EXS6     CLC   0(8,4),=CL8'&&RETCODE'
         BNE   EXS7
         L     1,EXRC
         B     EXSNUM
EXS7     CLC   0(8,4),=CL8'&&GLOBAL'   the level
         BNE   EXS7A
         L     1,EXLEVEL
         LA    1,1(,1)
         B     EXSNUM
EXS7A    CLC   0(7,4),=C'&&GLOBAL'     &GLOBAL0 .. &GLOBAL9
         BNE   EXS8
         CLI   7(4),C'0'
         BL    EXS8
         SR    1,1
         IC    1,7(,4)
         N     1,=F'15'
         SLL   1,3
         LA    1,EXGLOB(1)
         B     EXSVAL
EXS8     CLC   0(8,4),=CL8'&&LINENUM'
         BNE   EXS8A
         L     1,EXCURNO
         B     EXSNUM
EXS8A    CLC   0(8,4),=CL8'&&TYPEFLA'
         BNE   EXS8A1
         LA    1,=CL8'RT'
         CLI   EXHT,0
         BE    EXSVAL
         LA    1,=CL8'HT'
         B     EXSVAL
EXS8A1   LA    1,EXDISKW            &DISK*: the EXEC's disk
         CLC   0(8,4),=CL8'&&DISK*'
         BE    EXSVAL
         LA    1,=CL8'OFF'
         CLC   0(8,4),=CL8'&&DOS'
         BE    EXSVAL
         LA    1,EXNAME
         CLC   0(8,4),=CL8'&&EXEC'
         BE    EXSVAL
         CLC   0(8,4),=CL8'&&READFLA'
         BNE   EXS9
         LA    1,=CL8'CONSOLE'
         ICM   0,15,STKCNT
         BZ    EXSVAL
         LA    1,=CL8'STACK'
         B     EXSVAL
EXS8B    CLC   0(5,4),=C'&&DISK'    &DISKx: CMS if accessed, else NA
         BNE   EXSNULL
         CLI   6(4),C' '
         BNE   EXSNULL
         SR    0,0
         IC    0,5(,4)
         BAL   14,ADTOF
         LTR   1,1
         BZ    EXSNULL
         LR    0,1
         LA    1,=CL8'NA'
         LR    15,0
         ICM   15,3,0(15)
         BZ    EXSVAL
         LA    1,=CL8'CMS'
         B     EXSVAL
EXS9     L     15,=A(EXVTAB)        the characters of a name
         TRT   1(7,4),0(15)
         BNZ   EXSBAD
         LR    1,4
         BAL   14,EXVFIND
         LTR   1,1
         BZ    EXS8B                (not set: &DISKx, else null)
         LA    1,8(,1)              its value
         B     EXSVAL
EXSNUM   BAL   14,EXFMT
         LA    1,EXNUMTK
         B     EXSVAL
EXSCOPY  LR    1,4
EXSVAL   CLI   EXPFXN,0
         BE    EXSVAL1
         MVC   EXCOMB,BLANKS        x and the value, cut to 8
         SR    15,15
         IC    15,EXPFXN
         BCTR  15,0
         EX    15,EXCBMVC
         LA    15,EXCOMB+1(15)
         LA    0,EXCOMB+8
         LA    14,8
EXCB1    CLI   0(1),C' '
         BE    EXCB2
         CR    15,0
         BNL   EXCB2
         MVC   0(1,15),0(1)
         LA    15,1(,15)
         LA    1,1(,1)
         BCT   14,EXCB1
EXCB2    LA    1,EXCOMB
         MVI   EXPFXN,0
EXSVAL1  CLC   0(8,1),BLANKS        null: no word
         BE    EXSNULL
         CLI   EXHEXON,0            &HEX ON: X'n words converted
         BE    EXSVAL2
         CLC   0(2,1),=X'E77D'      X'
         BNE   EXSVAL2
         BAL   14,EXHEXW
         LTR   15,15
         BNZ   EXCONV
EXSVAL2  DS    0H
         LR    5,3
         SLL   5,3
         LA    5,SUBTOK(5)
         MVC   0(8,5),0(1)
         LR    5,3
         AR    5,5
         STH   2,SUBRAW(5)
         LA    3,1(,3)
EXSNULL  CLI   EXPFXN,0
         BE    EXSNULL1
         LA    1,BLANKS             x and a null value: x
         B     EXSVAL
EXSNULL1 LA    2,1(,2)
         B     EXS1
EXCBMVC  MVC   EXCOMB(0),EXPFX
EXSEND   ST    3,SUBN
         SLL   3,3                  two blank words after the last
         LA    3,SUBTOK(3)
         MVC   0(16,3),BLANKS
         SR    15,15
         B     RETURN
EXSBAD   LA    1,19                 Invalid char in variable symbol
         BAL   14,EXERR
         B     RETURN
*
* EXSTMT: the statement from word R1 of SUBTOK
EXSTMT   STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         SR    15,15
         C     2,SUBN
         BNL   RETURN               a null statement
         LR    3,2
         SLL   3,3
         LA    3,SUBTOK(3)          R3 -> its first word
         CLI   0(3),X'50'
         BNE   EXCOMMND             not &: a command
         L     4,=A(EXCWTAB)        a control word
EXST2    CLI   0(4),X'FF'
         BE    EXST1
         CLC   0(8,4),0(3)
         BE    EXST3
         LA    4,12(,4)
         B     EXST2
EXST1    LA    1,1(,2)              an assignment
         C     1,SUBN
         BNL   EXCOMMND
         CLC   8(8,3),=CL8'='
         BNE   EXCOMMND
         L     4,=A(EXASGNE)
EXST3    CLI   EXCTL,2              &CONTROL ALL: shown
         BNE   EXST4
         LR    1,2
         BAL   14,EXSHOW
EXST4    L     15,8(,4)
         BR    15                   R2 = its index, R3 -> it
*
* a command: shown (CMS, ALL), run; not 0: +++ R(rc) +++, &ERROR
EXCOMMND CLI   EXCTL,1
         BL    EXCM1
         CLI   EXCTL,3
         BE    EXCM1
         LR    1,2
         BAL   14,EXSHOW
EXCM1    LR    1,2
         BAL   14,EXJOIN
         LA    1,EXLINE
         L     0,EXLLEN
         BAL   14,EXECUTE
         ST    15,EXRC
         LTR   15,15
         BZ    EXOK
         CLI   EXINERR,0            failing in the &ERROR statement
         BNE   EXERRACT
         CLI   EXCTL,0
         BE    EXCM3
         CLI   EXCTL,3              ERROR: shown now
         BNE   EXCM2
         LR    1,2
         BAL   14,EXSHOW
EXCM2    BAL   14,LBEG
         LA    1,=C'+++ R('
         LA    0,6
         BAL   14,LTXT
         L     1,EXRC
         BAL   14,EXRC5
         LA    1,=C') +++'
         LA    0,5
         BAL   14,LTXT
         BAL   14,LOUT
EXCM3    ICM   0,15,ERRLEN          the &ERROR statement
         BZ    EXOK
         CLI   EXINERR,0
         BNE   EXOK
         MVI   EXINERR,1
         L     1,=A(ERRTEXT)
         MVC   EXLINE(L'ERRTEXT),0(1)
         LA    1,EXLINE
         BAL   14,EXLINE1
         MVI   EXINERR,0
         B     RETURN
EXOK     SR    15,15
         B     RETURN
*
* &TYPE words
EXTYPE   LA    1,1(,2)
         BAL   14,EXJOIN
         LA    1,EXLINE
         L     0,EXLLEN
         BAL   14,WRTERM
         B     EXOK
*
* &EMSG id words: as CMS edits an error message (EMSG TEXT)
EXEMSG   LA    1,1(,2)
         BAL   14,EXJOIN
         LA    1,EXLINE
         L     0,EXLLEN
         BAL   14,EXEMSGW
         B     EXOK
*
* EXEMSGW: the message at R1, R0 bytes (id, text): an id of 7 with
* severity E, I or W shows the text only; any other: DMS, id, text
EXEMSGW  STM   14,12,0(13)
         LA    13,60(,13)
         LTR   3,0
         BNP   RETURN
         LR    2,1
         LR    4,1                  the end of the id
         LA    5,0(3,2)
EXEW1    CR    4,5
         BNL   EXEW2
         CLI   0(4),C' '
         BE    EXEW2
         LA    4,1(,4)
         B     EXEW1
EXEW2    LR    14,4                 the id's length
         SR    14,2
         ST    14,EXEWID
         LA    1,1(,4)              the text
         LR    0,5
         SR    0,1
         BNM   EXEW3
         SR    0,0
EXEW3    C     14,=F'7'
         BNE   EXEW4
         CLI   6(2),C'E'
         BE    EXEW5
         CLI   6(2),C'I'
         BE    EXEW5
         CLI   6(2),C'W'
         BNE   EXEW4
EXEW5    BAL   14,LBEG              E, I, W: DMS, id and text as
         LA    1,=C'DMS'            CP's SET EMSG edits them
         LA    0,3                  (DIAGNOSE X'5C')
         BAL   14,LTXT
         LR    1,2
         LR    0,3
         BAL   14,LTXT
         LA    4,LINE
         L     5,LINEP
         SR    5,4
         BAL   14,LBEG
         DIAG  4,5,X'005C'
         LTR   5,5
         BNP   RETURN
         LR    1,4
         LR    0,5
         BAL   14,WRTERM
         B     RETURN
EXEW4    BAL   14,LBEG
         LA    1,=C'DMS'
         LA    0,3
         BAL   14,LTXT
         LR    1,2                  the whole line: id and text
         LR    0,3
         BAL   14,LTXT
         BAL   14,LOUT
         B     RETURN
*
* &SPACE [n]
EXSPACE  LA    4,1
         LA    1,1(,2)
         C     1,SUBN
         BNL   EXSPC1
         LA    1,8(,3)
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXCONV
         LR    4,1
EXSPC1   LTR   4,4
         BNP   EXOK
         SR    0,0
         BAL   14,WRTERM
         BCT   4,EXSPC1
         B     EXOK
*
* &CONTROL options
EXCONTRL LA    2,1(,2)
         C     2,SUBN               none: as at the start
         BL    EXCT1
         MVI   EXCTL,1
         MVI   EXNOPK,0
         MVI   EXNOMSG,0
         B     EXOK
EXCT1    C     2,SUBN
         BNL   EXOK
         LA    3,8(,3)
         CLC   0(8,3),=CL8'PACK'
         BNE   EXCT1A
         MVI   EXNOPK,0
         B     EXCT4
EXCT1A   CLC   0(8,3),=CL8'NOPACK'
         BNE   EXCT1C
         MVI   EXNOPK,1
         B     EXCT4
EXCT1C   CLC   0(8,3),=CL8'MSG'
         BNE   EXCT1D
         MVI   EXNOMSG,0
         B     EXCT4
EXCT1D   CLC   0(8,3),=CL8'NOMSG'
         BNE   EXCT1B
         MVI   EXNOMSG,1
         B     EXCT4
EXCT1B   DS    0H
         L     1,=A(EXCTLTAB)
EXCT2    CLI   0(1),X'FF'
         BE    EXSYNTAX
         CLC   0(8,1),0(3)
         BE    EXCT3
         LA    1,9(,1)
         B     EXCT2
EXCT3    CLI   8(1),X'FF'
         BE    EXCT4
         MVC   EXCTL,8(1)
EXCT4    LA    2,1(,2)
         B     EXCT1
*
* &EXIT [rc]
EXEXIT   SR    1,1
         LA    4,1(,2)
         C     4,SUBN
         BNL   EXEX1
         LA    1,8(,3)
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXCONV
EXEX1    ST    1,EXEXRC
         LA    15,4
         B     RETURN
*
* &IF a op b statement
EXIF     L     1,SUBN
         SR    1,2
         C     1,=F'3'
         BL    EXBADIF
         LA    1,8(,3)
         BAL   14,EXCOND
         C     15,=F'12'            &* or &$ and no arguments: null
         BE    EXOK
         C     15,=F'8'
         BE    EXBADIF
         C     15,=F'8'
         BE    EXBADIF
         LTR   15,15
         BNZ   EXOK
         LA    1,4(,2)
         BAL   14,EXSTMT
         B     RETURN
EXBADIF  LA    1,8                  Invalid form of condition
         BAL   14,EXERR
         B     RETURN
*
* &GOTO -label | TOP | n
EXGOTO   LA    1,1(,2)
         C     1,SUBN
         BNL   EXGOBAD
         LA    1,8(,3)
         CLI   0(1),C'-'
         BNE   EXGO1
         SR    0,0                  from the next line, round
         BAL   14,EXLABEL
         LTR   1,1
         BZ    EXGOBAD
         B     EXGO3
EXGO1    CLC   0(8,1),=CL8'TOP'
         BNE   EXGO2
         LA    1,1
         B     EXGO3
EXGO2    BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXGOBAD
         LTR   1,1
         BNP   EXGOBAD
EXGO3    BAL   14,EXGOLN            (past the end: the end)
         MVI   EXJUMPD,1
         B     EXOK
EXGOBAD  LA    1,2                  &SKIP or &GOTO error
         BAL   14,EXERR
         B     RETURN
*
* &SKIP [n]: n lines on (back if negative); past the end: the end
EXSKIP   LA    1,1
         LA    4,1(,2)
         C     4,SUBN
         BNL   EXSK1
         LA    1,8(,3)
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXGOBAD
EXSK1    LTR   1,1                  on: from the next line; back:
         BM    EXSK2                from the &SKIP line itself
         A     1,EXNUM
         B     EXSK3
EXSK2    A     1,EXCURNO
EXSK3    LTR   1,1
         BNP   EXGOBAD
         BAL   14,EXGOLN
         MVI   EXJUMPD,1
         B     EXOK
*
* &LOOP n|-label m|condition: the next n lines (or up to the label)
* m times, or until the condition holds (tried before each pass)
EXLOOPC  L     1,SUBN
         SR    1,2
         C     1,=F'3'
         BL    EXCONV
         BE    EXLP1
         C     1,=F'5'
         BNE   EXBADIF
EXLP1    LA    1,8(,3)              the body
         CLI   0(1),C'-'
         BNE   EXLP2
         LA    0,1                  forward only
         BAL   14,EXLABEL
         LTR   1,1
         BZ    EXLPEOF
         LR    4,1                  the last line of the body
         B     EXLP3
EXLP2    BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXCONV
         LR    4,1
         A     4,EXNUM
         BCTR  4,0
EXLP3    L     1,SUBN
         SR    1,2
         C     1,=F'3'
         BNE   EXLP5
         LA    1,16(,3)             m times
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXCONV
         LR    5,1
         LTR   5,5
         BNP   EXLPSKIP
         B     EXLP6
EXLP5    LA    1,16(,3)             a condition
         BAL   14,EXCOND
         C     15,=F'12'            (&* with no arguments: done)
         BE    EXLPSKIP
         C     15,=F'8'
         BE    EXBADIF
         LTR   15,15
         BZ    EXLPSKIP
         L     5,=F'-1'
EXLP6    L     1,LPDEP
         C     1,=F'4'              four loops deep at most
         BNL   EXLPDEEP
EXLP7    LR    0,1
         SLL   1,4
         LA    1,LPSTK(1)
         MVC   0(4,1),EXNUM         first line
         ST    4,4(,1)              last line
         ST    5,8(,1)              times, or -1
         MVC   12(4,1),EXCURLN      the &LOOP line
         AH    0,=H'1'
         ST    0,LPDEP
         B     EXOK
EXLPEOF  LA    1,15                 EOF found in loop
         BAL   14,EXERR
         B     RETURN
EXLPDEEP LA    1,5                  Max depth of loop nesting exceeded
         BAL   14,EXERR
         B     RETURN
EXLPSKIP LA    1,1(,4)
         BAL   14,EXGOLN
         B     EXOK
*
* &ERROR [statement]: kept as written, run when a command fails
EXERROR  LR    1,2
         AR    1,1
         LH    1,SUBRAW(1)          its index in TOKENS
         LA    1,1(,1)
         XC    ERRLEN,ERRLEN
         C     1,NTOK
         BNL   EXOK
         AR    1,1
         LH    1,TOKPOS(1)
         L     0,LINELEN
         SR    0,1
         BNP   EXOK
         A     1,LINEADR
         L     5,=A(ERRTEXT)
         MVI   0(5),C' '
         MVC   1(L'ERRTEXT-1,5),0(5)
         LR    4,0
         BCTR  4,0
         EX    4,EXERMVC
         ST    0,ERRLEN
         B     EXOK
EXERMVC  MVC   0(0,5),0(1)
*
* &ARGS [words]: the new &1 .. &9
EXARGSC  LA    1,1(,2)
         L     0,SUBN
         SR    0,1
         C     0,=F'30'
         BH    EXARGBAD
         LR    4,1
         SLL   4,3
         LA    4,SUBTOK(4)
         L     0,SUBN
         SR    0,1
         BAL   14,EXSETARG
         B     EXOK
*
* EXSETARG: R0 words at R4 become &1 .. &9
EXSETARG MVI   EXARGS,C' '
         MVC   EXARGS+1(L'EXARGS-1),EXARGS
         C     0,=F'30'
         BNH   EXSA1
         LA    0,30
EXSA1    ST    0,EXNARG
         LTR   0,0
         BNPR  14
         LA    1,EXARGS
EXSA2    CLC   0(8,4),=CL8'%'       % : a null argument
         BE    EXSA3
         MVC   0(8,1),0(4)
EXSA3    LA    1,8(,1)
         LA    4,8(,4)
         BCT   0,EXSA2
         BR    14
*
* &READ [n | ARGS | VARS names]: lines from the console stack first
EXREAD   LA    5,1
         LA    1,1(,2)
         C     1,SUBN
         BNL   EXRD3
         CLC   8(8,3),=CL8'ARGS'
         BE    EXRDARG
         CLC   8(8,3),=CL8'VARS'
         BE    EXRDVAR
         LA    1,8(,3)
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXCONV
         LR    5,1
EXRD3    LTR   5,5                  n lines, each run as a line
         BNP   EXOK
EXRD4    CLI   EXRDDEP+3,8          8 deep at most (the save areas)
         BNL   EXSYNTAX
         BAL   14,RDTERM
         L     1,=A(EXRDBUF)
         MVC   0(L'INBUF,1),INBUF
         L     14,EXRDDEP
         LA    14,1(,14)
         ST    14,EXRDDEP
         BAL   14,EXLINE1
         L     14,EXRDDEP
         BCTR  14,0
         ST    14,EXRDDEP
         LTR   15,15
         BNZ   RETURN
         BCT   5,EXRD4
         B     EXOK
EXRDARG  BAL   14,RDTERM
         BAL   14,TOKENIZE
         LA    4,TOKENS
         L     0,NTOK
         BAL   14,EXSETARG
         B     EXOK
EXRDVAR  BAL   14,RDTERM
         BAL   14,TOKENIZE
         LA    2,2(,2)              the names
         LA    3,16(,3)
         LA    4,TOKENS             the words read
         L     5,NTOK
EXRV1    C     2,SUBN
         BNL   EXOK
         MVC   EXVAL,BLANKS
         LTR   5,5
         BNP   EXRV2
         MVC   EXVAL,0(4)
         LA    4,8(,4)
         BCTR  5,0
EXRV2    LR    1,3
         LA    0,EXVAL
         BAL   14,EXVSET
         LA    2,1(,2)
         LA    3,8(,3)
         B     EXRV1
*
* &STACK [FIFO|LIFO] words: a line on the console stack
EXSTACK  L     1,SUBN               &STACK HT / RT: the EXEC's
         SR    1,2                  typing stops / goes on
         C     1,=F'2'
         BNE   EXSTKN
         CLC   8(8,3),=CL8'HT'
         BNE   EXSTKR
         MVI   EXHT,1
         B     EXOK
EXSTKR   CLC   8(8,3),=CL8'RT'
         BNE   EXSTKN
         MVI   EXHT,0
         B     EXOK
EXSTKN   LA    2,1(,2)
         LA    3,8(,3)
         MVI   EXLIFO,0
         C     2,SUBN
         BNL   EXSTK1
         CLC   0(8,3),=CL8'FIFO'
         BE    EXSTK0
         CLC   0(8,3),=CL8'LIFO'
         BNE   EXSTK1
         MVI   EXLIFO,1
EXSTK0   LA    2,1(,2)
EXSTK1   LR    1,2
         BAL   14,EXJOIN
         LA    1,EXLINE
         L     0,EXLLEN
         BAL   14,STKPUSH
         B     EXOK
*
* &BEGTYPE [ALL] / &BEGEMSG [ALL] / &BEGSTACK [FIFO|LIFO] [ALL] ...
* &END: the lines as written (columns 1-72; ALL: the whole record)
EXBEGTYP MVI   EXBEGOP,0
         B     EXBEGO
EXBEGEMS MVI   EXBEGOP,2
         B     EXBEGO
EXBEGPUN MVI   EXBEGOP,3
         B     EXBEGO
EXBEGSTK MVI   EXBEGOP,1
EXBEGO   MVI   EXLIFO,0
         MVI   EXBEGALL,0
EXBEGO1  LA    2,1(,2)              the options
         LA    3,8(,3)
         C     2,SUBN
         BNL   EXBEG
         CLC   0(8,3),=CL8'ALL'
         BNE   EXBEGO2
         MVI   EXBEGALL,1
         B     EXBEGO1
EXBEGO2  CLI   EXBEGOP,1
         BNE   EXSYNTAX
         CLC   0(8,3),=CL8'FIFO'
         BE    EXBEGO1
         CLC   0(8,3),=CL8'LIFO'
         BNE   EXSYNTAX
         MVI   EXLIFO,1
         B     EXBEGO1
EXBEG    L     1,EXNXT
         C     1,EXEND
         BNL   EXOK
         LH    0,0(,1)
         LA    1,2(,1)
         LR    4,0
         AR    4,1
         ST    4,EXNXT
         L     4,EXNUM
         LA    4,1(,4)
         ST    4,EXNUM
         C     0,=F'4'
         BL    EXBEG1
         CLC   0(4,1),=C'&&END'
         BNE   EXBEG1
         C     0,=F'4'
         BE    EXOK
         CLI   4(1),C' '
         BE    EXOK
EXBEG1   CLI   EXBEGALL,0
         BNE   EXBEG1A
         C     0,=F'72'             columns 1-72
         BNH   EXBEG1A
         LA    0,72
EXBEG1A  LR    4,1                  trailing blanks go
         AR    4,0
EXBEG1B  LTR   0,0
         BNP   EXBEG1C
         BCTR  4,0
         CLI   0(4),C' '
         BNE   EXBEG1C
         BCTR  0,0
         B     EXBEG1B
EXBEG1C  CLI   EXBEGOP,1            0 type, 1 stack, 2 EMSG, 3 punch
         BE    EXBEG2
         CLI   EXBEGOP,2
         BE    EXBEG3
         CLI   EXBEGOP,3
         BE    EXBEG4
         BAL   14,WRTERM
         B     EXBEG
EXBEG2   BAL   14,STKPUSH
         B     EXBEG
EXBEG3   BAL   14,EXEMSGW
         B     EXBEG
EXBEG4   L     15,=A(PUNCARD)
         BALR  14,15
         B     EXBEG
*
* &PUNCH words: a card on the virtual punch
EXPUNCH  LA    1,1(,2)
         BAL   14,EXJOIN
         LA    1,EXLINE
         L     0,EXLLEN
         L     15,=A(PUNCARD)
         BALR  14,15
         B     EXOK
*
* &HEX ON|OFF: X'n words converted (see EXHEXW) or not
EXHEX    LA    1,1(,2)
         C     1,SUBN
         BNL   EXSYNTAX
         CLC   8(8,3),=CL8'ON'
         BNE   EXHEX1
         MVI   EXHEXON,1
         B     EXOK
EXHEX1   CLC   8(8,3),=CL8'OFF'
         BNE   EXSYNTAX
         MVI   EXHEXON,0
         B     EXOK
*
* &TIME [ON|OFF|RESET|TYPE]: no timing in MINICMS; the operand checked
EXTIME   LA    1,1(,2)
         C     1,SUBN
         BNL   EXOK
         L     1,=A(EXTIMTAB)
EXTM1    CLI   0(1),X'FF'
         BE    EXSYNTAX
         CLC   0(8,1),8(3)
         BE    EXOK
         LA    1,8(,1)
         B     EXTM1
*
* &TIME, &CONTINUE, &END, &PUNCH ...: nothing to do
EXNOP    B     EXOK
*
* an assignment: &name = value
EXASSIGN LA    4,2(,2)              the first word of the value
         L     5,SUBN
         SR    5,4                  the number of words
         MVC   EXVAL,BLANKS
         LTR   5,5
         BZ    EXASET               null
         SLL   4,3
         LA    4,SUBTOK(4)          R4 -> the first word
         CLC   0(8,4),=CL8'&&CONCAT'
         BE    EXACONC
         CLC   0(8,4),=CL8'&&LENGTH'
         BE    EXALEN
         CLC   0(8,4),=CL8'&&DATATYP'
         BE    EXADT
         CLC   0(8,4),=CL8'&&SUBSTR'
         BE    EXASUB
         CLC   0(8,4),=CL8'&&LITERAL'
         BE    EXALIT
         C     5,=F'1'
         BNE   EXARITH
         MVC   EXVAL,0(4)
EXASET   CLC   0(8,3),=CL8'&&GLOBAL'
         BE    EXSPECV
         CLC   0(8,3),=CL8'&&RETCODE'
         BNE   EXASETR
         LA    1,EXVAL
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXCONV
         ST    1,EXRC
         B     EXOK
EXASETR  DS    0H
         CLC   0(8,3),=CL8'&&LINENUM'
         BE    EXSPECV
         CLC   0(7,3),=C'&&GLOBAL'     &GLOBALn: numbers only
         BNE   EXASETA
         CLI   7(3),C'0'
         BL    EXASETA
         LA    1,EXVAL
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXCONV
         SR    1,1
         IC    1,7(,3)
         N     1,=F'15'
         SLL   1,3
         LA    1,EXGLOB(1)
         MVC   0(8,1),EXVAL
         B     EXOK
EXASETA  LR    4,3                  &0 .. &30
         BAL   14,EXARGN
         LTR   15,15
         BNZ   EXASET2
         LTR   1,1
         BZ    EXASET0
         C     1,=F'30'
         BH    EXSPECV
         BCTR  1,0
         SLL   1,3
         LA    1,EXARGS(1)
         MVC   0(8,1),EXVAL
         B     EXOK
EXASET0  MVC   EXZERO,EXVAL         &0
         B     EXOK
EXASET2  LR    1,3
         LA    0,EXVAL
         BAL   14,EXVSET
         B     EXOK
EXALIT   C     5,=F'2'
         BL    EXASET
         MVC   EXVAL,8(4)
         B     EXASET
EXACONC  LA    1,EXVAL              the words joined
         LA    0,EXVAL+8            its end
EXAC1    BCT   5,EXAC2
         B     EXASET
EXAC2    LA    4,8(,4)
         LA    14,8
         LR    15,4
EXAC3    CLI   0(15),C' '
         BE    EXAC1
         CR    1,0
         BNL   EXASET
         MVC   0(1,1),0(15)
         LA    1,1(,1)
         LA    15,1(,15)
         BCT   14,EXAC3
         B     EXAC1
EXALEN   SR    1,1
         C     5,=F'2'
         BL    EXALEN1
         LA    1,8(,4)
         BAL   14,TOKLEN
EXALEN1  BAL   14,EXFMT
         MVC   EXVAL,EXNUMTK
         B     EXASET
EXADT    MVC   EXVAL,=CL8'CHAR'
         C     5,=F'2'
         BL    EXASET
         LA    1,8(,4)
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXASET
         MVC   EXVAL,=CL8'NUM'
         B     EXASET
EXASUB   C     5,=F'3'              &SUBSTR word i [n]
         BL    EXMISUSE
         LA    1,16(,4)
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXCONV
         LTR   1,1
         BNP   EXMISUSE
         LR    2,1                  i
         LA    1,8(,4)
         BAL   14,TOKLEN
         LR    15,1                 the word's length
         SR    15,2
         A     15,=F'1'             what is left from i
         BNP   EXASET
         C     5,=F'4'
         BL    EXASUB2
         LR    0,15
         LA    1,24(,4)
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXCONV
         LR    15,0
         CR    1,15
         BNL   EXASUB2
         LR    15,1
EXASUB2  LTR   15,15
         BNP   EXASET
         BCTR  15,0
         LA    1,7(2,4)             the word + i - 1
         EX    15,EXASMVC
         B     EXASET
EXASMVC  MVC   EXVAL(0),0(1)
*
* a + b - c * d / e (from the left)
EXARITH  LR    1,5
         N     1,=F'1'
         BZ    EXASSBAD             an even number of words
         LR    1,4
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXCONV
         LR    2,1                  the value so far
EXAR1    S     5,=F'2'
         BNP   EXAR9
         LA    1,16(,4)
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXCONV
         CLC   8(8,4),=CL8'+'
         BNE   EXAR2
         AR    2,1
         B     EXAR8
EXAR2    CLC   8(8,4),=CL8'-'
         BNE   EXAR3
         SR    2,1
         B     EXAR8
EXAR3    CLC   8(8,4),=CL8'*'
         BNE   EXAR4
         LR    15,1
         LR    1,2
         MR    0,15
         LR    2,1
         B     EXAR8
EXAR4    CLC   8(8,4),=CL8'/'
         BNE   EXASSBAD
         LTR   15,1
         BZ    EXDIV0
         LTR   2,2                  R6 divides the dividend unsigned:
         BM    EXOVER               a negative one overflows
         LR    0,2
         SRDA  0,32
         DR    0,15
         LR    2,1
EXAR8    LA    4,16(,4)
         B     EXAR1
EXAR9    C     2,=F'99999999'
         BH    EXOVER
         C     2,=F'-9999999'
         BL    EXUNDER
         LR    1,2
         BAL   14,EXFMT
         MVC   EXVAL,EXNUMTK
         B     EXASET
EXASSBAD LA    1,9                  Invalid assignment
         BAL   14,EXERR
         B     RETURN
EXOVER   LA    1,18                 EXEC arithmetic overflow
         BAL   14,EXERR
         B     RETURN
EXUNDER  LA    1,17                 EXEC arithmetic underflow
         BAL   14,EXERR
         B     RETURN
EXMISUSE LA    1,14                 Misuse of built-in function
         BAL   14,EXERR
         B     RETURN
EXSPECV  LA    1,10                 Misuse of special variable
         BAL   14,EXERR
         B     RETURN
EXARGBAD LA    1,4                  Too many arguments
         BAL   14,EXERR
         B     RETURN
EXERRACT LA    1,11                 Error in &ERROR action
         BAL   14,EXERR
         B     RETURN
EXDIV0   LA    1,30                 EXEC divide by zero
         BAL   14,EXERR
         B     RETURN
EXCONV   LA    1,12                 Conversion error
         BAL   14,EXERR
         B     RETURN
EXSYNTAX LA    1,7                  Invalid syntax
         BAL   14,EXERR
         B     RETURN
*
* EXCOND: the condition of the three words at R1 (a, op, b): R15 = 0
* true, 4 false, 8 not a condition. Two numbers compare as numbers.
EXCOND   STM   14,12,0(13)
         LA    13,60(,13)
         CLC   0(8,1),=CL8'&&*'     &*: true if for every argument,
         BE    EXCDA                &$: if for one; no arguments: 12
         CLC   0(8,1),=CL8'&&$'
         BE    EXCDA
         BAL   14,EXCOND1
         B     RETURN
EXCDA    LR    3,1
         LA    15,12
         ICM   4,15,EXNARG
         BZ    RETURN
         L     2,=A(EXTRI)
         MVC   8(16,2),8(3)         the operator and b
         LA    5,EXARGS
EXCDA1   MVC   0(8,2),0(5)          an argument
         LR    1,2
         BAL   14,EXCOND1
         C     15,=F'8'
         BE    RETURN
         CLI   1(3),C'*'
         BE    EXCDA2
         LTR   15,15                &$: one true is enough
         BZ    RETURN
         B     EXCDA3
EXCDA2   LTR   15,15                &*: one false is too many
         BNZ   RETURN
EXCDA3   LA    5,8(,5)
         BCT   4,EXCDA1
         B     RETURN               (R15: the last one's answer)
*
* EXCOND1: the condition a op b of the three words at R1
EXCOND1  STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         L     3,=A(EXOPTAB)
EXCO1    CLI   0(3),X'FF'
         BE    EXCOBAD
         CLC   0(8,3),8(2)
         BE    EXCO2
         LA    3,9(,3)
         B     EXCO1
EXCO2    SR    5,5
         IC    5,8(,3)              the branch mask
         LR    1,2
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXCO3
         LR    4,1
         LA    1,16(,2)
         BAL   14,EXNUMP
         LTR   15,15
         BNZ   EXCO3
         CR    4,1
         B     EXCO4
EXCO3    CLC   0(8,2),16(2)
EXCO4    LA    15,4
         EX    5,EXCOBC
         B     RETURN
EXCOTRUE SR    15,15
         B     RETURN
EXCOBAD  LA    15,8
         B     RETURN
EXCOBC   BC    0,EXCOTRUE
*
* EXARGN: the word at R4 is &n (n of 1 or 2 digits): R1 = n, R15 =
* 0; else R15 = 4
EXARGN   LA    15,4
         CLI   1(4),C'0'
         BLR   14
         SR    1,1
         IC    1,1(,4)
         N     1,=F'15'
         CLI   2(4),C' '
         BE    EXARGN1
         CLI   2(4),C'0'
         BLR   14
         CLI   3(4),C' '
         BNER  14
         MH    1,=H'10'
         SR    0,0
         IC    0,2(,4)
         N     0,=F'15'
         AR    1,0
EXARGN1  SR    15,15
         BR    14
*
* EXNUMP: the word at R1 as a signed decimal number: R1, R15 = 0;
* R15 = 4 if it is not one
EXNUMP   STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         LA    15,4
         LA    3,8(,2)              the end
         SR    4,4                  the sign
         CLI   0(2),C'-'
         BE    EXNP1
         CLI   0(2),C'+'
         BNE   EXNP2
         B     EXNP1A
EXNP1    LA    4,1
EXNP1A   LA    2,1(,2)
EXNP2    SR    1,1
         CLI   0(2),C'0'            at least one digit
         BL    RETURN
EXNP3    CR    2,3
         BNL   EXNP5
         CLI   0(2),C' '
         BE    EXNP4
         CLI   0(2),C'0'
         BL    RETURN
         CLI   0(2),C'9'
         BH    RETURN
         MH    1,=H'10'
         SR    0,0
         IC    0,0(,2)
         N     0,=F'15'
         AR    1,0
         LA    2,1(,2)
         B     EXNP3
EXNP4    CLI   0(2),C' '            blanks to the end only
         BNE   RETURN
         LA    2,1(,2)
         CR    2,3
         BL    EXNP4
EXNP5    LTR   4,4
         BZ    EXNP6
         LCR   1,1
EXNP6    SR    15,15
         B     RETURN
*
* EXFMT: R1 in decimal into EXNUMTK (8 bytes, left, blank padded)
EXFMT    STM   14,12,0(13)
         LA    13,60(,13)
         BAL   14,FMTNUM
         MVC   EXNUMTK,BLANKS
         C     0,=F'8'
         BNH   EXFMT1
         LA    0,8
EXFMT1   LR    2,0
         BCTR  2,0
         EX    2,EXFMVC
         B     RETURN
EXFMVC   MVC   EXNUMTK(0),0(1)
*
* EXRC5: append R1 as CMS shows a return code: 5 digits, or - and 4
EXRC5    STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         LPR   1,1
         CVD   1,DWORK
         UNPK  NUMWORK(5),DWORK+5(3)
         OI    NUMWORK+4,X'F0'
         LTR   2,2
         BNM   EXRC5A
         MVI   NUMWORK,C'-'
EXRC5A   LA    1,NUMWORK
         LA    0,5
         BAL   14,LTXT
         B     RETURN
*
* EXSHOW: SUBTOK from word R1 on written as &CONTROL shows it (PACK:
* one blank between the words; NOPACK: each word padded to 8)
EXSHOW   STM   14,12,0(13)
         LA    13,60(,13)
         MVC   EXJPAD,EXNOPK
         BAL   14,EXJOIN
         MVI   EXJPAD,0
         LA    1,EXLINE
         L     0,EXLLEN
         BAL   14,WRTERM
         B     RETURN
*
* EXJOIN: SUBTOK from word R1 on, one blank between, into EXLINE
EXJOIN   STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         BAL   14,LBEG
EXJ1     C     2,SUBN
         BNL   EXJ9
         LR    1,2
         SLL   1,3
         LA    1,SUBTOK(1)
         CLI   EXJPAD,0
         BE    EXJ2
         LA    0,8
         BAL   14,LTXT
         B     EXJ3
EXJ2     BAL   14,LFLD
EXJ3     DS    0H
         LA    2,1(,2)
         C     2,SUBN
         BNL   EXJ9
         LA    1,C' '
         BAL   14,LCHR
         B     EXJ1
EXJ9     LA    1,LINE
         L     0,LINEP
         SR    0,1
EXJ9A    LTR   0,0                  no trailing blanks
         BNP   EXJ9B
         LR    15,1
         AR    15,0
         BCTR  15,0
         CLI   0(15),C' '
         BNE   EXJ9B
         BCTR  0,0
         B     EXJ9A
EXJ9B    DS    0H
         ST    0,EXLLEN
         MVC   EXLINE,LINE
         BAL   14,LBEG
         B     RETURN
*
* EXGOLN: the next line is line R1 (past the end: the end)
EXGOLN   STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         L     3,EXSTART
         LA    4,1
EXGL1    CR    4,2
         BNL   EXGL2
         C     3,EXEND
         BNL   EXGL2
         LH    5,0(,3)
         LA    3,2(5,3)
         LA    4,1(,4)
         B     EXGL1
EXGL2    ST    3,EXNXT
         ST    4,EXNUM
         B     RETURN
*
* EXLABEL: the line of the label at R1, searched from the next line
* to the end, then (R0 = 0) from the top; R1 = its number or 0
EXLABEL  STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         LR    5,0                  0: round to the top allowed
         L     3,EXNXT
         L     4,EXNUM
EXLB1    C     3,EXEND
         BL    EXLB2
         LTR   5,5                  at the end: again from the top
         BNZ   EXLBNO
         LA    5,2
         L     3,EXSTART
         LA    4,1
         B     EXLB1
EXLB2    C     5,=F'2'              round once
         BNE   EXLB2A
         C     4,EXNUM
         BNL   EXLBNO
EXLB2A   MVC   EXLWORK,BLANKS       the line's first word
         LH    0,0(,3)
         LA    1,2(,3)
         LA    15,EXLWORK
         LA    14,8
EXLB3    LTR   0,0
         BNP   EXLB4
         CLI   0(1),C' '
         BE    EXLB4
         MVC   0(1,15),0(1)
         LA    1,1(,1)
         LA    15,1(,15)
         BCTR  0,0
         BCT   14,EXLB3
EXLB4    CLC   EXLWORK,0(2)
         BE    EXLBYES
         LH    15,0(,3)
         LA    3,2(15,3)
         LA    4,1(,4)
         B     EXLB1
EXLBYES  LR    1,4
         B     RETURN
EXLBNO   SR    1,1
         B     RETURN
*
* EXLPCHK: at the end of the innermost loop's body go round again,
* or leave the loop; a jump out of the body leaves it
EXLPCHK  STM   14,12,0(13)
         LA    13,60(,13)
         CLI   EXJUMPD,0            a &GOTO or &SKIP out of a body
         BE    EXLK0                (past its end too) leaves it
         MVI   EXJUMPD,0
EXLKJ    L     2,LPDEP
         LTR   2,2
         BZ    EXLK0
         BCTR  2,0
         SLL   2,4
         LA    2,LPSTK(2)
         L     3,EXNUM
         C     3,0(,2)
         BL    EXLKJP
         C     3,4(,2)
         BNH   EXLK0
EXLKJP   L     1,LPDEP
         BCTR  1,0
         ST    1,LPDEP
         B     EXLKJ
EXLK0    SR    15,15
         L     2,LPDEP
         LTR   2,2
         BZ    RETURN
         BCTR  2,0
         SLL   2,4
         LA    2,LPSTK(2)
         L     3,EXNUM
         C     3,0(,2)
         BL    EXLKPOP
         L     1,4(,2)
         LA    1,1(,1)
         CR    3,1
         BH    EXLKPOP
         BL    RETURN               within the body
         L     1,8(,2)
         LTR   1,1
         BM    EXLKC
         BCTR  1,0                  m times
         ST    1,8(,2)
         LTR   1,1
         BNP   EXLKPOP
EXLKAGN  L     1,0(,2)
         BAL   14,EXGOLN
         SR    15,15
         B     RETURN
EXLKC    L     1,12(,2)             the condition, substituted again
         LH    0,0(,1)
         LA    1,2(,1)
         BAL   14,TOKENIZE
         SR    1,1
         CLI   TOKENS,C'-'
         BNE   EXLKC1
         LA    1,1
EXLKC1   BAL   14,EXSUBS
         LTR   15,15
         BNZ   RETURN
         L     1,SUBN
         C     1,=F'5'
         BL    EXLKBAD
         LA    1,SUBTOK+16
         BAL   14,EXCOND
         C     15,=F'12'            (&* with no arguments: done)
         BE    EXLKPOP
         C     15,=F'8'
         BE    EXLKBAD
         LTR   15,15
         BNZ   EXLKAGN
EXLKPOP  L     1,LPDEP
         BCTR  1,0
         ST    1,LPDEP
         B     EXLK0
EXLKBAD  LA    1,8
         BAL   14,EXERR
         B     RETURN
*
* EXVFIND: the variable named at R1: R1 -> its entry, or 0
EXVFIND  STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         L     1,EXVBASE
         L     3,EXNVAR
EXVF1    LTR   3,3
         BNP   EXVFNO
         CLC   0(8,1),0(2)
         BE    RETURN
         LA    1,16(,1)
         BCT   3,EXVF1
EXVFNO   SR    1,1
         B     RETURN
*
* EXVSET: the variable named at R1 gets the 8-byte value at R0
EXVSET   STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         LR    3,0
         BAL   14,EXVFIND
         LTR   1,1
         BNZ   EXVS1
         L     4,EXNVAR
         C     4,=A(EXVMAX)
         BNL   RETURN               full: kept as it was
         LR    1,4
         SLL   1,4
         A     1,EXVBASE
         MVC   0(8,1),0(2)
         LA    4,1(,4)
         ST    4,EXNVAR
EXVS1    MVC   8(8,1),0(3)
         B     RETURN
*
* STKPUSH: the line at R1, R0 bytes onto the console stack (LIFO if
* EXLIFO is 1); full: it is dropped
STKPUSH  STM   14,12,0(13)
         LA    13,60(,13)
         L     2,STKCNT
         C     2,=A(STKMAX)
         BNL   RETURN
         C     0,=F'130'
         BNH   STKP1
         LA    0,130
STKP1    L     3,STKHEAD
         CLI   EXLIFO,0
         BE    STKP2
         BCTR  3,0                  LIFO: before the head
         LTR   3,3
         BNM   STKP1A
         LA    3,STKMAX-1
STKP1A   ST    3,STKHEAD
         B     STKP3
STKP2    AR    3,2                  FIFO: after the last
         C     3,=A(STKMAX)
         BL    STKP3
         S     3,=A(STKMAX)
STKP3    MH    3,=Y(STKLEN)
         A     3,=A(EXSTKA)
         STH   0,0(,3)
         LTR   4,0
         BZ    STKP4
         BCTR  4,0
         EX    4,STKMVC
STKP4    LA    2,1(,2)
         ST    2,STKCNT
         B     RETURN
STKMVC   MVC   2(0,3),0(1)
*
* STKPULL: the first line of the console stack into INBUF and INRAW
* (R1 -> INBUF, R0 = length); called by RDTERM when STKCNT is not 0
STKPULL  STM   14,12,0(13)
         LA    13,60(,13)
         L     3,STKHEAD
         LR    2,3
         MH    3,=Y(STKLEN)
         A     3,=A(EXSTKA)
         LA    2,1(,2)
         C     2,=A(STKMAX)
         BL    STKL1
         SR    2,2
STKL1    ST    2,STKHEAD
         L     2,STKCNT
         BCTR  2,0
         ST    2,STKCNT
         MVI   INBUF,C' '
         MVC   INBUF+1(L'INBUF-1),INBUF
         LH    0,0(,3)
         LTR   4,0
         BZ    STKL2
         BCTR  4,0
         EX    4,STKLMVC
         L     1,=A(INRAW)
         EX    4,STKLRAW
STKL2    LA    1,INBUF
         B     RETURN
STKLMVC  MVC   INBUF(0),2(3)
STKLRAW  MVC   0(0,1),2(3)
*
* EXPUSH: an EXEC calls EXEC: its state (and the EXEC's own in
* data.asm) kept in its frame, the new one's lines after its own;
* R15 = 4 if EXMAXLV levels are running
EXPUSH   STM   14,12,0(13)
         LA    13,60(,13)
         LA    15,4
         L     2,EXLEVEL
         C     2,=A(EXMAXLV-1)
         BNL   RETURN
         LR    3,2
         SLL   3,11
         A     3,=A(EXFRAMES)
         LR    14,3                 data.asm's: EXNARG .. EXARGS
         LA    15,EXOWNL
         L     0,=A(EXNARG)
         LR    1,15
         MVCL  14,0
         LA    14,512(,3)           exec2's: EXSTATE .. EXSTEND
         LA    15,EXSTEND-EXSTATE
         LA    0,EXSTATE
         LR    1,15
         MVCL  14,0
         LA    14,1536(,3)          and ERRTEXT
         L     1,=A(ERRTEXT)
         MVC   0(L'ERRTEXT,14),0(1)
         L     1,EXEND              the new lines after these
         ST    1,EXLOAD
         LA    2,1(,2)
         ST    2,EXLEVEL
         SR    15,15
         B     RETURN
*
* EXPOP: back to the calling EXEC (R15 kept)
EXPOP    STM   14,12,0(13)
         LA    13,60(,13)
         LR    4,15
         L     2,EXLEVEL
         BCTR  2,0
         ST    2,EXLEVEL
         LR    3,2
         SLL   3,11
         A     3,=A(EXFRAMES)
         L     14,=A(EXNARG)
         LA    15,EXOWNL
         LR    0,3
         LR    1,15
         MVCL  14,0
         LA    14,EXSTATE
         LA    15,EXSTEND-EXSTATE
         LA    0,512(,3)
         LR    1,15
         MVCL  14,0
         LA    14,1536(,3)          and ERRTEXT
         L     1,=A(ERRTEXT)
         MVC   0(L'ERRTEXT,1),0(14)
         MVI   INEXEC,1
         LR    15,4
         B     RETURN
*
* EXERR: (DMSEXT072E) Error in EXEC file fn, line n - text for error
* R1; the EXEC ends with return code 800 + R1 (R15 = 4)
EXERR    STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         CLI   EXINERR,0            in the &ERROR statement: 11
         BE    EXERR0
         LA    2,11
EXERR0   DS    0H
         LA    1,800(,2)
         ST    1,EXEXRC
         BAL   14,LBEG              (R6 CMS shows no message id)
         LA    1,M072T+5
         LA    0,L'M072T-5
         BAL   14,LTXT
         LA    1,EXNAME
         BAL   14,LFLD
         LA    1,=C', line '
         LA    0,7
         BAL   14,LTXT
         L     1,EXCURNO
         BAL   14,LNUM
         LA    1,=C' - '
         LA    0,3
         BAL   14,LTXT
         L     1,=A(EXERTAB)
EXER1    CLI   0(1),0
         BE    EXER3
         CLM   2,1,0(1)
         BE    EXER2
         SR    0,0
         IC    0,1(,1)
         AR    1,0
         LA    1,2(,1)
         B     EXER1
EXER2    LA    1,1(,1)
         BAL   14,LSTR
EXER3    BAL   14,LOUT
         LA    15,4
         B     RETURN
*
*
         DS    0F                   for all the levels:
STKHEAD  DC    F'0'                 the console stack: first slot,
STKCNT   DC    F'0'                 number of lines
EXLEVEL  DC    F'0'                 EXECs running below this one
EXRDDEP  DC    F'0'                 &READ n lines running &READ n
EXGLOB   DC    10CL8'1'             &GLOBAL0 .. &GLOBAL9
EXEWID   DC    F'0'
EXLIFO   DC    X'00'
EXJUMPD  DC    X'00'
EXBEGOP  DC    X'00'
EXRAWR   DC    X'00'
EXJPAD   DC    X'00'
EXLITN   DC    X'00'
EXBEGALL DC    X'00'
EXPFXN   DC    X'00'
EXVAL    DC    CL8' '
EXPFX    DC    CL8' '
EXNAMEW  DC    CL8' '
EXCOMB   DC    CL8' '
EXNUMTK  DC    CL8' '
EXLWORK  DC    CL8' '
         DS    0F
EXSTATE  DS    0F                   each level's own (kept by EXPUSH):
EXNXT    DC    F'0'                 the next line's record
EXNUM    DC    F'0'                 the next line's number
EXCURNO  DC    F'0'                 the number of the line being run
EXCURLN  DC    F'0'                 (the &LOOP line's record)
EXNLINE  DC    F'0'                 the number of lines
EXEXRC   DC    F'0'                 the return code at the end
EXNVAR   DC    F'0'                 the number of variables
EXVBASE  DC    A(EXVARS)            the variables
EXSTART  DC    A(EXECAREA)          the first line's record
EXSUB0   DC    F'0'
SUBN     DC    F'0'
LPDEP    DC    F'0'                 loops: depth, and 8 of first,
LPSTK    DC    8XL16'00'            last, times (-1), &LOOP line
ERRLEN   DC    F'0'
EXINERR  DC    X'00'
EXNOPK   DC    X'00'
EXZERO   DC    CL8' '               &0
EXHEXON  DC    X'00'                &HEX ON
EXDISKW  DC    CL8' '               &DISK*
SUBRAW   DC    64H'0'
SUBTOK   DC    66CL8' '
EXSTEND  EQU   *
         LTORG
* The EXEC interpreter must end below X'D000' (R7 and R6 cover 8K).
         DS    XL(MINICMS+X'D000'-*)
*
* Beyond the base registers (X'D000' up to the full-screen editor at X'E000'):
* tables and buffers the code reaches through an address in a register
*
* &CONTROL's options: name, EXCTL (X'FF': no change)
EXCTLTAB DC    CL8'OFF',X'00'
         DC    CL8'CMS',X'01'
         DC    CL8'ALL',X'02'
         DC    CL8'ERROR',X'03'
         DC    CL8'MSG',X'FF'
         DC    CL8'NOMSG',X'FF'
         DC    CL8'TIME',X'FF'
         DC    CL8'NOTIME',X'FF'
         DC    CL8'PACK',X'FF'
         DC    CL8'NOPACK',X'FF'
         DC    X'FF'
*
* the comparisons: name, the branch mask (bits 8 =, 4 <, 2 >)
EXOPTAB  DC    CL8'EQ',X'80'
         DC    CL8'=',X'80'
         DC    CL8'NE',X'60'
         DC    X'5F7E404040404040',X'60'   (not-sign =)
         DC    CL8'LT',X'40'
         DC    CL8'<',X'40'
         DC    CL8'LE',X'C0'
         DC    CL8'<=',X'C0'
         DC    CL8'GT',X'20'
         DC    CL8'>',X'20'
         DC    CL8'GE',X'A0'
         DC    CL8'>=',X'A0'
         DC    X'FF'
*
* the error texts (real R6 CMS's): number, length, text
EXERTAB  DC    AL1(2,L'EXERT2)
EXERT2   DC    C'&&SKIP or &&GOTO error'
         DC    AL1(4,L'EXERT4)
EXERT4   DC    C'Too many arguments'
         DC    AL1(5,L'EXERT5)
EXERT5   DC    C'Max depth of loop nesting exceeded'
         DC    AL1(7,L'EXERT7)
EXERT7   DC    C'Invalid syntax'
         DC    AL1(8,L'EXERT8)
EXERT8   DC    C'Invalid form of condition'
         DC    AL1(9,L'EXERT9)
EXERT9   DC    C'Invalid assignment'
         DC    AL1(11,L'EXERT11)
EXERT11  DC    C'Error in &&ERROR action'
         DC    AL1(12,L'EXERT12)
EXERT12  DC    C'Conversion error'
         DC    AL1(10,L'EXERT10)
EXERT10  DC    C'Misuse of special variable'
         DC    AL1(13,L'EXERT13)
EXERT13  DC    C'Too many tokens in statement'
         DC    AL1(14,L'EXERT14)
EXERT14  DC    C'Misuse of built-in function'
         DC    AL1(15,L'EXERT15)
EXERT15  DC    C'EOF found in loop'
         DC    AL1(17,L'EXERT17)
EXERT17  DC    C'EXEC arithmetic underflow'
         DC    AL1(18,L'EXERT18)
EXERT18  DC    C'EXEC arithmetic overflow'
         DC    AL1(19,L'EXERT19)
EXERT19  DC    C'Invalid char in variable symbol'
         DC    AL1(30,L'EXERT30)
EXERT30  DC    C'EXEC divide by zero'
         DC    X'00'
*
* a variable name's characters: 0 for the good ones (and blank)
EXVTAB   DC    256X'FF'
         ORG   EXVTAB+X'40'
         DC    X'00'
         ORG   EXVTAB+X'50'         & (&A&A is one name)
         DC    X'00'
         ORG   EXVTAB+X'5B'         $
         DC    X'00'
         ORG   EXVTAB+X'7B'         # @
         DC    X'0000'
         ORG   EXVTAB+X'C1'         A-I
         DC    9X'00'
         ORG   EXVTAB+X'D1'         J-R
         DC    9X'00'
         ORG   EXVTAB+X'E2'         S-Z
         DC    8X'00'
         ORG   EXVTAB+X'F0'         0-9
         DC    10X'00'
         ORG   EXVTAB+256
*
* the control words and built-ins (not replaced), with their code
         DS    0F                   (12-byte entries: A() aligned)
EXASGNE  DC    CL8' ',A(EXASSIGN)   (an assignment)
EXCWTAB  DC    CL8'&&TYPE',A(EXTYPE)
         DC    CL8'&&IF',A(EXIF)
         DC    CL8'&&GOTO',A(EXGOTO)
         DC    CL8'&&SKIP',A(EXSKIP)
         DC    CL8'&&LOOP',A(EXLOOPC)
         DC    CL8'&&EXIT',A(EXEXIT)
         DC    CL8'&&CONTROL',A(EXCONTRL)
         DC    CL8'&&ERROR',A(EXERROR)
         DC    CL8'&&ARGS',A(EXARGSC)
         DC    CL8'&&READ',A(EXREAD)
         DC    CL8'&&STACK',A(EXSTACK)
         DC    CL8'&&BEGSTAC',A(EXBEGSTK)
         DC    CL8'&&BEGTYPE',A(EXBEGTYP)
         DC    CL8'&&BEGEMSG',A(EXBEGEMS)
         DC    CL8'&&EMSG',A(EXEMSG)
         DC    CL8'&&SPACE',A(EXSPACE)
         DC    CL8'&&HEX',A(EXHEX)
         DC    CL8'&&TIME',A(EXTIME)
         DC    CL8'&&CONTINU',A(EXNOP)
         DC    CL8'&&END',A(EXNOP)
         DC    CL8'&&PUNCH',A(EXPUNCH)
         DC    CL8'&&BEGPUNC',A(EXBEGPUN)
         DC    CL8'&&CONCAT',A(EXCOMMND)
         DC    CL8'&&LENGTH',A(EXCOMMND)
         DC    CL8'&&DATATYP',A(EXCOMMND)
         DC    CL8'&&SUBSTR',A(EXCOMMND)
         DC    CL8'&&LITERAL',A(EXCOMMND)
         DC    X'FF'
*
* &TIME's operands
EXTIMTAB DC    CL8'ON',CL8'OFF',CL8'RESET',CL8'TYPE',X'FF'
EXRDBUF  DC    CL132' '             a line of &READ n
ERRTEXT  DC    CL160' '             the &ERROR statement (each level:
*                                   kept by EXPUSH at +1536)
EXGLOB1  DC    10CL8'1'             &GLOBALn at the start
EXHEXD   DC    C'0123456789ABCDEF'  hexadecimal digits
EXTRI    DC    CL24' '              &IF &*: an argument, op, b
* (a negative length here: the tables reach the stack)
         DS    XL(MINICMS+X'DF00'-*)
         ORG   EX2RESUM
         DROP  7
         DROP  6
