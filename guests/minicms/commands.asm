*---------------------------------------------------------------------
* Commands. Each is entered with the line in TOKENS / NTOK and
* returns R15 = its return code. Messages and return codes are CMS's
* (DMSmmmnnnx, with mmm the command's module: CMDMOD).
*---------------------------------------------------------------------
*
* Helpers ------------------------------------------------------------
*
* NARGS: R1 = tokens before the first "(" (options follow it)
NARGS    STM   14,12,0(13)
         LA    13,60(,13)
         L     3,NTOK
         SR    1,1
         LA    2,TOKENS
NARG1    CR    1,3
         BNL   RETURN
         CLC   0(8,2),=CL8'('
         BE    RETURN
         LA    1,1(,1)
         LA    2,8(,2)
         B     NARG1
*
* HASOPT: R15 = 0 when an option token after "(" abbreviates the
* option named by the counted string at R1 (at least its first
* R0 characters)
HASOPT   STM   14,12,0(13)
         LA    13,60(,13)
         LR    6,1
         LR    7,0
         BAL   14,NARGS
         LR    3,1
         LA    3,1(,3)              first option
HASO1    LA    15,4
         C     3,NTOK
         BNL   RETURN
         LR    1,3
         SLL   1,3
         LA    1,TOKENS(1)
         LR    5,1
         BAL   14,TOKLEN
         CR    1,7
         BL    HASO2
         IC    0,0(,6)
         CLM   1,1,0(6)
         BH    HASO2
         BCTR  1,0
         EX    1,HASOCLC
         BE    HASOYES
HASO2    LA    3,1(,3)
         B     HASO1
HASOYES  SR    15,15
         B     RETURN
HASOCLC  CLC   0(0,5),1(6)
*
* ERRMSG: start a line with DMS, the command's module and the
* counted string at R1 (inserts and LOUT follow)
ERRMSG   STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         BAL   14,LBEG
         CLI   INEXEC,0             an EXEC's &CONTROL NOMSG: the
         BE    ERRMSG1              line is built, not typed
         CLI   EXNOMSG,0
         BE    ERRMSG1
         MVI   MSGOFF,1
ERRMSG1  MVI   MSGEDIT,1            edited by SET EMSG at LOUT
         LA    1,=C'DMS'
         LA    0,3
         BAL   14,LTXT
         LA    1,CMDMOD
         LA    0,3
         BAL   14,LTXT
         LR    1,2
         BAL   14,LSTR
         B     RETURN
*
* LIDS: append the R0 tokens from index R1, separated by a blank
LIDS     STM   14,12,0(13)
         LA    13,60(,13)
         LR    3,1
         LR    4,0
         LTR   4,4
         BNP   RETURN
LIDS1    LR    1,3
         SLL   1,3
         LA    1,TOKENS(1)
         BAL   14,LFLD
         LA    3,1(,3)
         BCT   4,LIDS2
         B     RETURN
LIDS2    LA    1,C' '
         BAL   14,LCHR
         B     LIDS1
*
* MSGFILE: DMSmmm002E File 'tokens' not found. for the R0 tokens
* from index 1; R15 = 28
MSGFILE  STM   14,12,0(13)
         LA    13,60(,13)
         LR    3,0
         LA    1,M002
         BAL   14,ERRMSG
         LA    1,1
         LR    0,3
         BAL   14,LIDS
         LA    1,M002B
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,28
         B     RETURN
*
* MSGINC: DMSmmm054E Incomplete fileID specified.; R15 = 24
MSGINC   STM   14,12,0(13)
         LA    13,60(,13)
         LA    1,M054
         BAL   14,ERRMSG
         BAL   14,LOUT
         LA    15,24
         B     RETURN
*
* MSGNACC: DMSmmm069E Disk 'x' not accessed. for letter R1; R15 = 36
MSGNACC  STM   14,12,0(13)
         LA    13,60(,13)
         LR    3,1
         LA    1,M069
         BAL   14,ERRMSG
         LR    1,3
         BAL   14,LCHR
         LA    1,M069B
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,36
         B     RETURN
*
* MSGRO: DMSmmm037E Disk 'x' is read/only. for letter R1; R15 = 36
MSGRO    STM   14,12,0(13)
         LA    13,60(,13)
         LR    3,1
         LA    1,M037
         BAL   14,ERRMSG
         LR    1,3
         BAL   14,LCHR
         LA    1,M037B
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,36
         B     RETURN
*
* MSGEXIST: DMSmmm024E File 'fn ft fm' already exists. for FINDID
* and mode letter R1 with digit R0; R15 = 28
MSGEXIST STM   14,12,0(13)
         LA    13,60(,13)
         LR    3,1
         LR    4,0
         LA    1,M024
         BAL   14,ERRMSG
         LA    1,FINDID
         BAL   14,LFLD
         LA    1,C' '
         BAL   14,LCHR
         LA    1,FINDID+8
         BAL   14,LFLD
         LA    1,C' '
         BAL   14,LCHR
         LR    1,3
         BAL   14,LCHR
         LR    1,4
         BAL   14,LCHR
         LA    1,M024B
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,28
         B     RETURN
*
* MSGIOERR: DMSmmm104S Error 'n' reading/writing on disk; R15 = 100
MSGIOERR STM   14,12,0(13)
         LA    13,60(,13)
         LR    3,15
         LA    1,M104
         BAL   14,ERRMSG
         LR    1,3
         BAL   14,LNUM
         LA    1,M104B
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,100
         B     RETURN
*
* GETMODE: the mode token at R1: R0 = letter (or C'*'), R1 = digit
* character (or 0), R15 = 0, or 4 when it is not a mode
GETMODE  STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         LA    15,4
         SR    0,0
         IC    0,0(,2)
         CLI   0(2),C'*'
         BE    GETM2
         CLI   0(2),C'A'
         BL    RETURN
         CLI   0(2),C'Z'
         BH    RETURN
         LR    3,0
         BAL   14,ADTOF
         LR    0,3
         LA    15,4
         LTR   1,1
         BZ    RETURN
         CLC   0(2,1),=H'0'         accessed?
         BE    RETURN
GETM2    SR    1,1
         CLI   1(2),C' '
         BE    GETM3
         CLI   1(2),C'0'
         BL    RETURN
         CLI   1(2),C'6'
         BH    RETURN
         CLI   2(2),C' '
         BNE   RETURN
         IC    1,1(,2)
GETM3    SR    15,15
         B     RETURN
*
* HEXTOK: the token at R1 as a hexadecimal number (1-4 digits):
* R1 = value, R15 = 0, or 4
HEXTOK   STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         BAL   14,TOKLEN
         LR    3,1
         LA    15,4
         LTR   3,3
         BZ    RETURN
         C     3,=F'4'
         BH    RETURN
         SR    1,1
HEXT1    SR    4,4
         IC    4,0(,2)
         CLI   0(2),C'0'
         BL    HEXT2
         CLI   0(2),C'9'
         BH    RETURN
         N     4,=F'15'
         B     HEXT3
HEXT2    CLI   0(2),C'A'
         BL    RETURN
         CLI   0(2),C'F'
         BH    RETURN
         N     4,=F'15'
         LA    4,9(,4)
HEXT3    SLL   1,4
         AR    1,4
         LA    2,1(,2)
         BCT   3,HEXT1
         SR    15,15
         B     RETURN
*
* SRCHPAT: the first file matching PATID on disk letter R0 (C'*':
* all disks, A to Z) with mode digit SRCHDIG (0: any). R1 -> entry
* (also in FOUNDFST...) or 0; R0 = its disk table.
SRCHPAT  STM   14,12,0(13)
         LA    13,60(,13)
         L     2,=A(ADTAREA)
         LA    3,26
         C     0,=A(C'*')
         BE    SRP1
         BAL   14,ADTOF
         LR    2,1
         LA    3,1
SRP1     CLC   0(2,2),=H'0'
         BE    SRP4
         BAL   14,FSTFIRST
SRP2     LTR   1,1
         BZ    SRP4
         BAL   14,MATCH
         LTR   15,15
         BNZ   SRP3
         CLI   SRCHDIG,0
         BE    SRPYES
         CLC   25(1,1),SRCHDIG
         BE    SRPYES
SRP3     BAL   14,FSTNEXT
         B     SRP2
SRP4     A     2,=A(ADTSIZE)
         BCT   3,SRP1
         SR    1,1
         B     RETURN
SRPYES   MVC   FOUNDFST,0(1)
         MVC   FOUNDB,FSTCURB
         LR    4,1
         S     4,=A(FSTBUF)
         ST    4,FOUNDO
         ST    2,FOUNDADT
         LR    0,2
         B     RETURN
*
* FILEARGS: fn ft [fm] from tokens 1-3 into PATID, SRCHMODE (letter,
* default R1) and SRCHDIG. R15 = 0, or the message's return code
* (incomplete fileid, invalid or unaccessed mode).
FILEARGS STM   14,12,0(13)
         LA    13,60(,13)
         STC   1,SRCHMODE
         MVI   SRCHDIG,0
         BAL   14,NARGS
         LR    3,1
         C     3,=F'3'
         BNL   FARG1
         BAL   14,MSGINC
         B     RETURN
FARG1    MVC   PATID(16),TOKENS+8
         C     3,=F'4'
         BL    FARGOK
         LA    1,TOKENS+24
         BAL   14,GETMODE
         LTR   15,15
         BZ    FARG2
         IC    1,TOKENS+24
         BAL   14,MSGNACC
         B     RETURN
FARG2    STC   0,SRCHMODE
         STC   1,SRCHDIG
FARGOK   SR    15,15
         B     RETURN
*
*---------------------------------------------------------------------
* STATE fn ft [fm] / STATEW: is there such a file (patterns allowed)?
* STATEW: on a read/write disk.
*---------------------------------------------------------------------
STATEW   MVI   STATEWF,1
         B     STATE0
STATE    MVI   STATEWF,0
STATE0   STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'STT'
         LA    1,C'*'
         BAL   14,FILEARGS
         LTR   15,15
         BNZ   RETURN
         SR    0,0
         IC    0,SRCHMODE
         BAL   14,SRCHPAT
         LTR   1,1
         BZ    STATENF
         CLI   STATEWF,0
         BE    STATEOK
         LR    2,0
         TM    ADTFLAG-ADT(2),X'80'
         BZ    STATEOK
STATENF  BAL   14,NARGS
         LR    0,1
         BCTR  0,0
         BAL   14,MSGFILE
         B     RETURN
STATEOK  SR    15,15
         B     RETURN
*
*---------------------------------------------------------------------
* TYPE fn ft [fm]: the records of a file on the terminal.
*---------------------------------------------------------------------
TYPE     STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'TYP'
         LA    1,C'*'
         BAL   14,FILEARGS
         LTR   15,15
         BNZ   RETURN
         SR    0,0
         IC    0,SRCHMODE
         BAL   14,SRCHPAT
         LTR   1,1
         BNZ   TYPE1
         BAL   14,NARGS
         LR    0,1
         BCTR  0,0
         BAL   14,MSGFILE
         B     RETURN
TYPE1    LR    2,0
         LA    1,FOUNDFST
         BAL   14,FROPEN
         LTR   15,15
         BNZ   TYPEERR
TYPE2    L     1,=A(RECBUF)
         BAL   14,FRGET
         C     15,=F'4'
         BE    TYPEEND
         LTR   15,15
         BNZ   TYPEERR
         L     1,=A(RECBUF)
         BAL   14,FLDLEN            trailing blanks dropped
         L     1,=A(RECBUF)
         BAL   14,WRTERM
         B     TYPE2
TYPEEND  L     15,FRLEFT
         LTR   15,15
         BZ    RETURN
         LA    15,13
TYPEERR  BAL   14,MSGIOERR
         B     RETURN
*
*---------------------------------------------------------------------
* LISTFILE [fn [ft [fm]]] [(DATE|EXEC]: the files that match, a line
* each in FST order, disks A to Z. Default * * A.
*---------------------------------------------------------------------
LISTFILE STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'LST'
         MVC   PATID,=CL16'*       *'
         MVI   SRCHMODE,C'A'
         MVI   SRCHDIG,0
         BAL   14,NARGS
         LR    3,1
         C     3,=F'2'
         BL    LST1
         MVC   PATID(8),TOKENS+8
         C     3,=F'3'
         BL    LST1
         MVC   PATID+8(8),TOKENS+16
         C     3,=F'4'
         BL    LST1
         LA    1,TOKENS+24
         BAL   14,GETMODE
         LTR   15,15
         BZ    LST0
         IC    1,TOKENS+24
         BAL   14,MSGNACC
         B     RETURN
LST0     STC   0,SRCHMODE
         STC   1,SRCHDIG
LST1     MVI   LSTOPT,0
         LA    1,OPTDATE
         LA    0,1
         BAL   14,HASOPT
         LTR   15,15
         BNZ   LST1A
         MVI   LSTOPT,C'D'
LST1A    LA    1,OPTEXEC
         LA    0,1
         BAL   14,HASOPT
         LTR   15,15
         BNZ   LST1B
         MVI   LSTOPT,C'E'
         BAL   14,LSTXOPEN
         LTR   15,15
         BNZ   RETURN
LST1B    XC    LSTCOUNT,LSTCOUNT
         L     2,=A(ADTAREA)
         LA    3,26
         CLI   SRCHMODE,C'*'
         BE    LST2
         SR    0,0
         IC    0,SRCHMODE
         BAL   14,ADTOF
         LR    2,1
         LA    3,1
         CLC   0(2,2),=H'0'
         BNE   LST2
         IC    1,SRCHMODE           DMSLST069E Disk 'A' not accessed.
         BAL   14,MSGNACC
         B     RETURN
LST2     CLC   0(2,2),=H'0'
         BE    LST5
         BAL   14,FSTFIRST
LST3     LTR   1,1
         BZ    LST5
         BAL   14,MATCH
         LTR   15,15
         BNZ   LST4
         CLI   SRCHDIG,0
         BE    LST3A
         CLC   25(1,1),SRCHDIG
         BNE   LST4
LST3A    BAL   14,LSTLINE
         L     15,LSTCOUNT
         LA    15,1(,15)
         ST    15,LSTCOUNT
LST4     BAL   14,FSTNEXT
         B     LST3
LST5     A     2,=A(ADTSIZE)
         BCT   3,LST2
         CLI   LSTOPT,C'E'
         BNE   LST6
         BAL   14,LSTXCLOS
         LTR   15,15
         BNZ   RETURN
LST6     SR    15,15
         CLC   LSTCOUNT,=F'0'
         BNE   RETURN
         LA    1,M002L              DMSLST002E File not found.
         BAL   14,ERRMSG
         BAL   14,LOUT
         LA    15,28
         B     RETURN
*
* LSTLINE: the LISTFILE line for the entry at R1 on disk R2
LSTLINE  STM   14,12,0(13)
         LA    13,60(,13)
         USING ADT,2
         LR    4,1
         BAL   14,LBEG
         CLI   LSTOPT,C'E'
         BNE   LSTL0
         LA    1,LSTXPFX            EXEC: " &1 &2 " first
         BAL   14,LSTR
LSTL0    LR    1,4
         LA    0,8
         BAL   14,LTXT
         LA    1,C' '
         BAL   14,LCHR
         LA    1,8(,4)
         LA    0,8
         BAL   14,LTXT
         CLI   LSTOPT,0
         BE    LSTL1
         LA    1,C' '
         BAL   14,LCHR
LSTL1    LA    1,C' '
         BAL   14,LCHR
         IC    1,ADTMODE            the mode: the disk's letter and
         BAL   14,LCHR              the file's digit
         IC    1,25(,4)
         BAL   14,LCHR
         CLI   LSTOPT,0
         BE    LSTLOUT
         LA    1,C' '
         BAL   14,LCHR
         LA    1,C' '
         BAL   14,LCHR
         IC    1,30(,4)             format
         BAL   14,LCHR
         L     1,32(,4)             LRECL
         LA    0,6
         BAL   14,LNUMR
         SR    1,1
         ICM   1,3,26(4)            records
         LA    0,7
         BAL   14,LNUMR
         SR    1,1
         ICM   1,3,36(4)            blocks
         LA    0,7
         BAL   14,LNUMR
         LA    1,C' '
         BAL   14,LCHR
         LA    1,16(,4)             MM/DD/YY
         BAL   14,BCD4
         LA    1,BCDOUT
         LA    0,2
         BAL   14,LTXT
         LA    1,C'/'
         BAL   14,LCHR
         LA    1,BCDOUT+2
         LA    0,2
         BAL   14,LTXT
         LA    1,C'/'
         BAL   14,LCHR
         LA    1,38(,4)
         LA    0,2
         BAL   14,LTXT
         LA    1,18(,4)             HH:MM, right-justified in 8
         BAL   14,BCD4
         LA    1,=C'   '
         LA    0,3
         BAL   14,LTXT
         LA    1,C' '
         CLI   BCDOUT,C'0'
         BE    LSTL2
         IC    1,BCDOUT
LSTL2    BAL   14,LCHR
         IC    1,BCDOUT+1
         BAL   14,LCHR
         LA    1,C':'
         BAL   14,LCHR
         LA    1,BCDOUT+2
         LA    0,2
         BAL   14,LTXT
LSTLOUT  CLI   LSTOPT,C'E'
         BE    LSTLX
         BAL   14,LOUT
         B     RETURN
LSTLX    L     1,=A(RECBUF)         EXEC: an 80-byte record
         MVI   0(1),C' '
         MVC   1(79,1),0(1)
         LA    3,LINE
         L     4,LINEP
         SR    4,3
         BCTR  4,0
         EX    4,LSTLMVC
         LA    0,80
         BAL   14,FWPUT
         BAL   14,LBEG
         B     RETURN
LSTLMVC  MVC   0(0,1),LINE
         DROP  2
*
* LSTXOPEN: LISTFILE (EXEC: start CMS EXEC A1 (F 80) on the A-disk
LSTXOPEN STM   14,12,0(13)
         LA    13,60(,13)
         LA    0,C'A'
         BAL   14,ADTOF
         LR    2,1
         CLC   0(2,2),=H'0'
         BNE   LSTXO1
         LA    1,C'A'
         BAL   14,MSGNACC
         B     RETURN
LSTXO1   TM    ADTFLAG-ADT(2),X'80'
         BZ    LSTXO2
         LA    1,C'A'
         BAL   14,MSGRO
         B     RETURN
LSTXO2   LA    0,C'F'
         LA    1,80
         BAL   14,FWOPEN
         SR    15,15
         B     RETURN
*
* LSTXCLOS: LISTFILE (EXEC: CMS EXEC A1 replaces any earlier one
LSTXCLOS STM   14,12,0(13)
         LA    13,60(,13)
         MVC   FINDID,=CL16'CMS     EXEC'
         L     2,FWADT
         CLC   FWITEMS,=F'0'
         BE    LSTXC9
         BAL   14,FWCLOSE
         LTR   15,15
         BNZ   LSTXCERR
         LA    0,C'A'
         LA    1,C'1'
         BAL   14,FWFST
         BAL   14,PUTFILE
         LTR   15,15
         BNZ   LSTXCERR
         B     RETURN
LSTXCERR BAL   14,MSGIOERR
         B     RETURN
LSTXC9   SR    15,15
         B     RETURN
*
* PUTFILE: NEWFST (name FINDID) goes on disk R2: it replaces the file
* of that name (whose blocks are then freed) or is added; the MFD is
* written. R15 = 0, 13 (full) or an I/O error.
PUTFILE  STM   14,12,0(13)
         LA    13,60(,13)
         BAL   14,FINDFST
         LTR   1,1
         BZ    PUTF2
         MVC   OLDFST,FOUNDFST      replace: the entry in its place
         MVC   0(40,1),NEWFST
         L     3,FOUNDB
         L     4,=A(FSTBUF)
         BAL   14,WRBLK
         LTR   15,15
         BNZ   RETURN
         LA    1,OLDFST
         BAL   14,FREECH
         B     PUTF3
PUTF2    BAL   14,ADDFST
         LTR   15,15
         BZ    PUTF3
         LR    6,15                 (no room: the new file goes away)
         BAL   14,FWFREE
         LR    15,6
         B     RETURN
PUTF3    BAL   14,WRMFD
         B     RETURN
*
* BCD4: the 2-byte BCD at R1 as 4 digits in BCDOUT
BCD4     MVC   BCDIN(2),0(1)
         MVI   BCDIN+2,X'0F'
         UNPK  BCDOUT(5),BCDIN(3)
         OC    BCDOUT(4),=C'0000'
         BR    14
*
*---------------------------------------------------------------------
* ERASE fn ft [fm]: erase the files that match (default mode A).
*---------------------------------------------------------------------
ERASE    STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'ERS'
         LA    1,C'A'
         BAL   14,FILEARGS
         LTR   15,15
         BNZ   RETURN
         CLI   SRCHMODE,C'*'
         BE    ERS1
         SR    0,0
         IC    0,SRCHMODE
         BAL   14,ADTOF
         TM    ADTFLAG-ADT(1),X'80'
         BZ    ERS1
         SR    1,1
         IC    1,SRCHMODE
         BAL   14,MSGRO
         B     RETURN
ERS1     XC    LSTCOUNT,LSTCOUNT
ERS2     SR    0,0                  the next match (from the top:
         IC    0,SRCHMODE           erasing moves entries)
         BAL   14,SRCHPATW
         LTR   1,1
         BZ    ERS3
         L     2,FOUNDADT
         BAL   14,ERASEF
         LTR   15,15
         BNZ   ERSERR
         L     1,LSTCOUNT
         LA    1,1(,1)
         ST    1,LSTCOUNT
         B     ERS2
ERS3     SR    15,15
         CLC   LSTCOUNT,=F'0'
         BNE   RETURN
         BAL   14,NARGS
         LR    0,1
         BCTR  0,0
         BAL   14,MSGFILE
         B     RETURN
ERSERR   BAL   14,MSGIOERR
         B     RETURN
*
* SRCHPATW: SRCHPAT on the read/write disks only
SRCHPATW STM   14,12,0(13)
         LA    13,60(,13)
         L     2,=A(ADTAREA)
         LA    3,26
         C     0,=A(C'*')
         BE    SRW1
         BAL   14,ADTOF
         LR    2,1
         LA    3,1
SRW1     TM    ADTFLAG-ADT(2),X'80'
         BO    SRW2
         LR    0,2
         S     0,=A(ADTAREA)
         SRDL  0,32
         D     0,=A(ADTSIZE)
         LA    0,LETTERS(1)         the letter of this disk
         LR    1,0
         SR    0,0
         IC    0,0(,1)
         BAL   14,SRCHPAT
         LTR   1,1
         BNZ   RETURN
SRW2     A     2,=A(ADTSIZE)
         BCT   3,SRW1
         SR    1,1
         B     RETURN
*
*---------------------------------------------------------------------
* RENAME fn1 ft1 fm1 fn2 ft2 fm2 (= for "the same")
*---------------------------------------------------------------------
RENAME   STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'RNM'
         BAL   14,NARGS
         C     1,=F'7'
         BNL   RNM1
         BAL   14,MSGINC
         B     RETURN
RNM1     LA    1,TOKENS+24
         BAL   14,GETMODE
         LTR   15,15
         BNZ   RNMNACC
         C     0,=A(C'*')
         BE    RNMNACC
         LR    6,0                  the disk letter
         BAL   14,ADTOF
         LR    2,1
         TM    ADTFLAG-ADT(2),X'80'
         BZ    RNM2
         LR    1,6
         BAL   14,MSGRO
         B     RETURN
RNM2     SR    7,7                  the new mode digit (0: keep)
         CLI   TOKENS+48,C'='
         BE    RNM3
         LA    1,TOKENS+48
         BAL   14,GETMODE
         LTR   15,15
         BNZ   RNMNACC2
         CLM   0,1,TOKENS+24        on the same disk
         BNE   RNMNACC2
         LR    7,1
RNM3     MVC   FINDID,TOKENS+32     the new name must be free
         CLI   FINDID,C'='
         BNE   RNM4
         MVC   FINDID(8),TOKENS+8
RNM4     CLI   FINDID+8,C'='
         BNE   RNM5
         MVC   FINDID+8(8),TOKENS+16
RNM5     MVC   NEWNAME,FINDID
         BAL   14,FINDFST
         LTR   1,1
         BZ    RNM6
         IC    0,FOUNDFST+25
         LTR   7,7
         BZ    RNM5A
         LR    0,7
RNM5A    LR    1,6
         BAL   14,MSGEXIST
         B     RETURN
RNM6     MVC   FINDID,TOKENS+8      the old one
         BAL   14,FINDFST
         LTR   1,1
         BNZ   RNM7
         LA    0,3
         BAL   14,MSGFILE
         B     RETURN
RNM7     MVC   0(16,1),NEWNAME
         LTR   7,7
         BZ    RNM8
         STC   7,25(,1)
RNM8     L     3,FOUNDB
         L     4,=A(FSTBUF)
         BAL   14,WRBLK
         LTR   15,15
         BZ    RETURN
         BAL   14,MSGIOERR
         B     RETURN
RNMNACC  IC    1,TOKENS+24
         BAL   14,MSGNACC
         B     RETURN
RNMNACC2 IC    1,TOKENS+48
         BAL   14,MSGNACC
         B     RETURN
*
*---------------------------------------------------------------------
* COPYFILE fn1 ft1 fm1 fn2 ft2 fm2 [(REPLACE]: a copy with the same
* record format, record length and records (= for "the same").
*---------------------------------------------------------------------
COPYFILE STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'CPY'
         BAL   14,NARGS
         C     1,=F'4'
         BNL   CPY1
         BAL   14,MSGINC
         B     RETURN
CPY1     LR    5,1                  arguments
         MVC   PATID,TOKENS+8       the input file
         MVI   SRCHDIG,0
         LA    1,TOKENS+24
         BAL   14,GETMODE
         LTR   15,15
         BZ    CPY2
         IC    1,TOKENS+24
         BAL   14,MSGNACC
         B     RETURN
CPY2     BAL   14,SRCHPAT
         LTR   1,1
         BNZ   CPY3
         LA    1,M002I              input file not found
         BAL   14,ERRMSG
         LA    1,1
         LA    0,3
         BAL   14,LIDS
         LA    1,M002B
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,28
         B     RETURN
CPY3     ST    0,CPYIADT
         MVC   CPYIFST,FOUNDFST
         MVC   FINDID,TOKENS+32     the output file: = is the input's
         CLI   FINDID,C'='
         BE    CPY3A
         C     5,=F'5'
         BNL   CPY3B
CPY3A    MVC   FINDID(8),CPYIFST
CPY3B    CLI   FINDID+8,C'='
         BE    CPY3C
         C     5,=F'6'
         BNL   CPY3D
CPY3C    MVC   FINDID+8(8),CPYIFST+8
CPY3D    L     2,CPYIADT            output disk: the input's
         MVC   CPYODIG,CPYIFST+25
         C     5,=F'7'
         BL    CPY4
         CLI   TOKENS+48,C'='
         BE    CPY4
         LA    1,TOKENS+48
         BAL   14,GETMODE
         LTR   15,15
         BNZ   CPYNACC
         C     0,=A(C'*')
         BE    CPYNACC
         LTR   1,1
         BZ    CPY3E
         STC   1,CPYODIG
CPY3E    BAL   14,ADTOF
         LR    2,1
CPY4     DS    0H
         USING ADT,2
         TM    ADTFLAG,X'80'
         BZ    CPY5
         IC    1,ADTMODE
         BAL   14,MSGRO
         B     RETURN
CPY5     BAL   14,FINDFST           there already?
         LTR   1,1
         BZ    CPY6
         LA    1,OPTREPL
         LA    0,3
         BAL   14,HASOPT
         LTR   15,15
         BZ    CPY6
         IC    1,ADTMODE
         IC    0,CPYODIG
         BAL   14,MSGEXIST
         B     RETURN
CPY6     LR    0,2                  FWOPEN leaves R2 (the output disk)
         ST    0,FWADT
         LA    0,C'F'
         LA    1,80
         BAL   14,FWOPEN
         LR    7,2
         L     2,CPYIADT
         LA    1,CPYIFST
         BAL   14,FROPEN
         LTR   15,15
         BNZ   CPYERR
         SR    6,6                  copy the data blocks
CPY7     C     6,FRNBLK
         BNL   CPY8
         LR    1,6
         BAL   14,FRDBLK
         LR    3,1
         L     2,CPYIADT
         L     4,=A(BLKBUF)
         BAL   14,RDBLK
         LTR   15,15
         BNZ   CPYERR
         LR    2,7
         BAL   14,ALLOCB
         LTR   3,1
         BZ    CPYFULL
         BAL   14,WRBLK
         LTR   15,15
         BNZ   CPYERR
         LR    1,6
         AR    1,1
         A     1,=A(FWLIST)
         STH   3,0(,1)
         LA    6,1(,6)
         ST    6,FWNBLK
         B     CPY7
CPY8     LR    2,7
         BAL   14,FWCHAIN
         LTR   15,15
         BNZ   CPYERR2
         SR    1,1
         ICM   1,3,CPYIFST+26
         ST    1,FWITEMS
         MVC   FWRECFM,CPYIFST+30
         MVC   FWLRECL,CPYIFST+32
         MVC   FWMAXL,CPYIFST+32
         IC    0,ADTMODE
         IC    1,CPYODIG
         BAL   14,FWFST
         BAL   14,PUTFILE
         LTR   15,15
         BNZ   CPYERR2
         B     RETURN
CPYFULL  LA    15,13
CPYERR   LR    6,15
         BAL   14,FWFREE
         LR    15,6
CPYERR2  BAL   14,MSGIOERR
         B     RETURN
CPYNACC  IC    1,TOKENS+48
         BAL   14,MSGNACC
         B     RETURN
         DROP  2
*
*---------------------------------------------------------------------
* QUERY DISK [mode|*] / SEARCH / BLIP / READER; other QUERY operands
* are CP's.
*---------------------------------------------------------------------
QUERY    STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'QRY'
         CLC   TOKENS+8(8),=CL8'DISK'
         BE    QDISK
         CLC   TOKENS+8(8),=CL8'SEARCH'
         BE    QSEARCH
         CLC   TOKENS+8(8),=CL8'BLIP'
         BE    QBLIP
         CLC   NTOK,=F'2'           QUERY READER / RDR alone: its files
         BNE   QCP
         CLC   TOKENS+8(8),=CL8'READER'
         BE    QREADER
         CLC   TOKENS+8(8),=CL8'RDR'
         BE    QREADER
QCP      DS    0H
         L     2,LINEADR            CP's QUERY
         AH    2,TOKPOS
         L     3,LINELEN
         SH    3,TOKPOS
         BAL   14,CPNOBUF
         C     15,=F'1'
         BNE   RETURN
         LA    1,MUNKNOWN
         BAL   14,MSG
         L     15,=F'-3'
         B     RETURN
QREADER  L     15,=A(QRDR)         (spool.asm)
         BALR  14,15
         B     RETURN
QBLIP    LA    1,MBLIP
         BAL   14,MSG
         SR    15,15
         B     RETURN
QSEARCH  L     2,=A(ADTAREA)
         USING ADT,2
         LA    3,26
QS1      CLC   ADTVDEV,=H'0'
         BE    QS2
         BAL   14,LBEG
         LA    1,ADTID
         LA    0,6
         BAL   14,LTXT
         LA    1,=C'   '
         LA    0,3
         BAL   14,LTXT
         LH    1,ADTVDEV
         LA    0,3
         BAL   14,LHEX
         LA    1,=C'   '
         LA    0,3
         BAL   14,LTXT
         IC    1,ADTMODE
         BAL   14,LCHR
         LA    1,=C'   '
         LA    0,3
         BAL   14,LTXT
         BAL   14,LRORW
         BAL   14,LOUT
QS2      A     2,=A(ADTSIZE)
         BCT   3,QS1
         SR    15,15
         B     RETURN
QDISK    L     2,=A(ADTAREA)
         LA    3,26
         CLI   TOKENS+16,C'*'
         BE    QD1
         LA    0,C'A'
         CLI   TOKENS+16,C' '
         BE    QD0
         IC    0,TOKENS+16
QD0      LR    6,0
         BAL   14,ADTOF
         LR    2,1
         LA    3,1
         LTR   2,2
         BZ    QDNACC
         CLC   ADTVDEV,=H'0'
         BNE   QD1
QDNACC   LR    1,6
         BAL   14,MSGNACC
         B     RETURN
QD1      CLC   ADTVDEV,=H'0'
         BE    QD2
         BAL   14,QDLINE
QD2      A     2,=A(ADTSIZE)
         BCT   3,QD1
         SR    15,15
         B     RETURN
*
* QDLINE: A (191): n FILES; n REC IN USE, n LEFT (of n), n% FULL
* (n CYL), 3350, R/W   for disk R2
QDLINE   STM   14,12,0(13)
         LA    13,60(,13)
         SR    6,6                  count the files
         BAL   14,FSTFIRST
QDL1     LTR   1,1
         BZ    QDL2
         LA    6,1(,6)
         BAL   14,FSTNEXT
         B     QDL1
QDL2     BAL   14,LBEG
         IC    1,ADTMODE
         BAL   14,LCHR
         LA    1,=C' ('
         LA    0,2
         BAL   14,LTXT
         LH    1,ADTVDEV
         LA    0,3
         BAL   14,LHEX
         LA    1,=C'): '
         LA    0,3
         BAL   14,LTXT
         LR    1,6
         BAL   14,LNUM
         LA    1,MQD1               FILES;
         BAL   14,LSTR
         L     1,ADTUSED
         BAL   14,LNUM
         LA    1,MQD2               REC IN USE,
         BAL   14,LSTR
         L     1,ADTNUM
         S     1,ADTUSED
         BAL   14,LNUM
         LA    1,MQD3               LEFT (of
         BAL   14,LSTR
         L     1,ADTNUM
         BAL   14,LNUM
         LA    1,=C'), '
         LA    0,3
         BAL   14,LTXT
         L     1,ADTUSED            percent full, rounded up
         M     0,=F'100'
         A     1,ADTNUM
         BCTR  1,0
         SR    0,0
         L     5,ADTNUM
         LTR   5,5
         BZ    QDL3
         DR    0,5
QDL3     BAL   14,LNUM
         LA    1,MQD4               % FULL (
         BAL   14,LSTR
         L     1,ADTCYL
         BAL   14,LNUM
         LA    1,MQD5               CYL),
         BAL   14,LSTR
         LH    1,ADTDTYPE
         BAL   14,LNUM
         LA    1,=C', '
         LA    0,2
         BAL   14,LTXT
         BAL   14,LRORW
         BAL   14,LOUT
         B     RETURN
*
* LRORW: append R/O or R/W for disk R2
LRORW    LA    1,=C'R/W'
         TM    ADTFLAG,X'80'
         BZ    LROR1
         LA    1,=C'R/O'
LROR1    LA    0,3
         B     LTXT
         DROP  2
*
*---------------------------------------------------------------------
* ACCESS vdev mode: the CMS disk at vdev as mode A-Z (read-only when
* CP has it read-only). ACCESS (NOPROF and the like: nothing to do.
*---------------------------------------------------------------------
ACCESS   STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'ACC'
         SR    15,15
         BAL   14,NARGS
         C     1,=F'1'
         BE    RETURN               only options
         C     1,=F'3'
         BNL   ACCS1
         BAL   14,MSGINC
         B     RETURN
ACCS1    LA    1,TOKENS+8
         BAL   14,HEXTOK
         LTR   15,15
         BZ    ACCS2
         LA    1,M017               DMSACC017E Invalid device address
         BAL   14,ERRMSG
         LA    1,TOKENS+8
         BAL   14,LFLD
         LA    1,M017B
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,24
         B     RETURN
ACCS2    LR    6,1
         CLI   TOKENS+16,C'A'
         BL    ACCSBADM
         CLI   TOKENS+16,C'Z'
         BH    ACCSBADM
         SR    0,0
         IC    0,TOKENS+16
         LR    7,0
         BAL   14,ADTOF
         LTR   1,1
         BZ    ACCSBADM
         LR    1,6
         LR    0,7
         BAL   14,ACCDISK
         LTR   3,15
         BZ    ACCS3
         LR    1,6
         LR    0,7
         BAL   14,ACCERR
         B     RETURN
ACCS3    LR    0,7
         BAL   14,ADTOF
         LR    2,1
         TM    ADTFLAG-ADT(2),X'80'
         BZ    RETURN
         LR    1,6
         LR    0,7
         BAL   14,ACCRO
         SR    15,15
         B     RETURN
ACCSBADM LA    1,M048               DMSACC048E Invalid mode 'x'.
         BAL   14,ERRMSG
         LA    1,TOKENS+16
         BAL   14,LFLD
         LA    1,M048B
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,24
         B     RETURN
*
* ACCERR: why vdev R1 could not be accessed as R0 (ACCDISK's code R3)
ACCERR   STM   14,12,0(13)
         LA    13,60(,13)
         LR    6,1
         LR    7,0
         MVC   CMDMOD,=C'ACC'
         LA    1,M113               not attached
         C     3,=F'1'
         BE    ACCE1
         LA    1,M112               device error
ACCE1    BAL   14,ERRMSG
         LR    1,7
         LR    0,6
         BAL   14,LMODEV
         LA    1,M113B
         C     3,=F'1'
         BE    ACCE2
         LA    1,M112B
ACCE2    BAL   14,LSTR
         BAL   14,LOUT
         LA    15,100
         B     RETURN
*
* ACCRO: DMSACC723I m (vdev) R/O for vdev R1, mode R0
ACCRO    STM   14,12,0(13)
         LA    13,60(,13)
         LR    6,1
         LR    7,0
         BAL   14,LBEG
         LA    1,M723
         BAL   14,LSTR
         LR    1,7
         LR    0,6
         BAL   14,LMODEV
         LA    1,=C' R/O'
         LA    0,4
         BAL   14,LTXT
         BAL   14,LOUT
         B     RETURN
*
* LMODEV: append "m (vdev)" for mode R1, vdev R0
LMODEV   STM   14,12,0(13)
         LA    13,60(,13)
         LR    6,0
         BAL   14,LCHR
         LA    1,=C' ('
         LA    0,2
         BAL   14,LTXT
         LR    1,6
         LA    0,3
         BAL   14,LHEX
         LA    1,C')'
         BAL   14,LCHR
         B     RETURN
*
*---------------------------------------------------------------------
* RELEASE mode|vdev
*---------------------------------------------------------------------
RELEASE  STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'ARE'
         BAL   14,NARGS
         C     1,=F'2'
         BNL   REL1
         BAL   14,MSGINC
         B     RETURN
REL1     LA    1,TOKENS+8
         BAL   14,TOKLEN
         C     1,=F'1'
         BNE   REL2
         SR    0,0
         IC    0,TOKENS+8
         BAL   14,ADTOF
         LTR   1,1
         BZ    REL2
         CLC   0(2,1),=H'0'
         BE    RELNACC
         B     REL3
REL2     LA    1,TOKENS+8
         BAL   14,HEXTOK
         LTR   15,15
         BNZ   RELNACC
         LR    0,1
         BAL   14,ADTVD
         LTR   1,1
         BZ    RELNACC
REL3     XC    0(2,1),0(1)
         SR    15,15
         B     RETURN
RELNACC  IC    1,TOKENS+8
         BAL   14,MSGNACC
         B     RETURN
*
*---------------------------------------------------------------------
* FORMAT vdev mode: a fresh CMS label, MFD and empty FST block (the
* tracks must already hold 800-byte records); then accessed as mode.
*---------------------------------------------------------------------
FORMAT   STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'FOR'
         BAL   14,NARGS
         C     1,=F'3'
         BNL   FOR1
         BAL   14,MSGINC
         B     RETURN
FOR1     LA    1,TOKENS+8
         BAL   14,HEXTOK
         LTR   15,15
         BNZ   FORBADV
         LR    6,1                  vdev
         SR    0,0
         IC    0,TOKENS+16
         LR    7,0                  mode
         BAL   14,ADTOF
         LTR   2,1
         BZ    FORBADM
         USING ADT,2
         MVC   FOROLD,ADTVDEV       accessed there before (for NO)
         LR    0,6                  release it wherever it is
         BAL   14,ADTVD
         LTR   1,1
         BZ    FOR2
         XC    0(2,1),0(1)
FOR2     XC    ADTVDEV,ADTVDEV
         LR    3,6
         DIAG  3,4,X'0024'
         BC    1,FORNATT
         LR    1,4
         SRL   1,24
         C     1,=F'4'
         BNE   FORDEVER
         LR    1,4
         SRL   1,16
         N     1,=F'255'
         LA    3,DEVTYPES
FOR3     CLI   0(3),0
         BE    FORDEVER
         CLM   1,1,0(3)
         BE    FOR4
         LA    3,8(,3)
         B     FOR3
FOR4     MVC   ADTDEVT,0(3)
         MVC   ADTTYPE,1(3)
         MVC   ADTBPT,2(3)
         MVC   ADTHEADS,4(3)
         MVC   ADTDTYPE,6(3)
         MVI   ADTFLAG,0
         STC   7,ADTMODE
         N     4,=F'128'
         BZ    FOR5
         LR    1,7
         BAL   14,MSGRO
         B     RETURN
FOR5     BAL   14,LBEG              are you sure?
         LA    1,M603
         BAL   14,LSTR
         LR    1,7
         LR    0,6
         BAL   14,LMODEV
         LA    1,M603B
         BAL   14,LSTR
         BAL   14,LOUT
         BAL   14,RDTERM
         CLC   0(4,1),=C'YES '
         BE    FOR6
         SR    1,1                  NO: the disk as it was
         ICM   1,3,FOROLD
         BZ    FOR5A
         LR    0,7
         BAL   14,ACCDISK
FOR5A    SR    15,15
         B     RETURN
FOR6     LA    1,M605               the label
         BAL   14,MSG
         BAL   14,RDTERM
         MVC   ADTID,0(1)
         LA    1,ADTID
         LA    3,6
FOR6A    CLI   0(1),C' '
         BE    FOR6B
         LA    1,1(,1)
         BCT   3,FOR6A
         B     FOR6C
FOR6B    MVI   0(1),C' '            blanks after the first word
         LA    1,1(,1)
         BCT   3,FOR6B
FOR6C    STH   6,ADTVDEV            find the cylinders: read on
         LA    5,1                  until a cylinder is outside
FOR7     LR    1,5
         MH    1,ADTHEADS
         MH    1,ADTBPT
         LA    3,1(,1)
         L     4,=A(BLKBUF)
         BAL   14,RDBLK
         LTR   15,15
         BNZ   FOR8
         LA    5,1(,5)
         C     5,=F'2000'
         BL    FOR7
FOR8     ST    5,ADTCYL
         LR    1,5
         MH    1,ADTHEADS
         MH    1,ADTBPT
         C     1,=F'65531'
         BNH   FOR9
         L     1,=F'65531'
FOR9     ST    1,ADTNUM
         C     1,=F'1720'
         BNH   FOR9A
         L     1,=F'1720'
FOR9A    ST    1,ADTMAXB
         LA    1,215
         ST    1,ADTMAPL
         MVC   ADTUSED,=F'5'
         MVC   ADTNFST,=H'1'
         MVC   ADTFSTB(2),=H'5'
         XC    ADTNEXT,ADTNEXT
         LA    4,ADTMAP
         L     5,=A(L'ADTMAP)
         SR    15,15
         MVCL  4,14
         MVI   ADTMAP,X'F8'         blocks 1-5
         LA    3,ADTMFD
         BAL   14,FWCLR
         L     3,=A(BLKBUF)         block 5: an empty FST block
         BAL   14,FWCLR
         LR    4,3
         LA    3,5
         BAL   14,WRBLK
         LTR   15,15
         BNZ   FORIOERR
         MVC   0(4,4),=C'CMS='      block 3: the label
         MVC   4(6,4),ADTID
         LA    3,3
         BAL   14,WRBLK
         LTR   15,15
         BNZ   FORIOERR
         BAL   14,WRMFD             block 4
         LTR   15,15
         BNZ   FORIOERR
         BAL   14,LBEG
         LA    1,M732
         BAL   14,LSTR
         L     1,ADTCYL
         BAL   14,LNUM
         LA    1,M732B
         BAL   14,LSTR
         LR    1,7
         LR    0,6
         BAL   14,LMODEV
         LA    1,M732C
         BAL   14,LSTR
         BAL   14,LOUT
         SR    15,15
         B     RETURN
FORIOERR XC    ADTVDEV,ADTVDEV
         BAL   14,MSGIOERR
         B     RETURN
FORNATT  LR    1,6
         LR    0,7
         LA    3,1
         BAL   14,ACCERR
         B     RETURN
FORDEVER LR    1,6
         LR    0,7
         LA    3,2
         BAL   14,ACCERR
         B     RETURN
FORBADV  LA    1,M017
         BAL   14,ERRMSG
         LA    1,TOKENS+8
         BAL   14,LFLD
         LA    1,M017B
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,24
         B     RETURN
FORBADM  LA    1,M048
         BAL   14,ERRMSG
         LA    1,TOKENS+16
         BAL   14,LFLD
         LA    1,M048B
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,24
         B     RETURN
         DROP  2
