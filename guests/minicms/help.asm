*---------------------------------------------------------------------
* HELP [topic [subtopic]] (and ?): help, as R6 CMS's HELP EXEC gives
* it (HELP HELPCMD and HELP EXEC on the 19D).
*   HELP          MINICMS's commands, a line each (the first line of
*                 each of its help texts), and the VM/370 help files
*                 (* HELPCMD) of any accessed disk, such as the 19D.
*   HELP name     MINICMS's own help text for name (help/*.helpcmd,
*                 assembled into HELPTAB), else the file name HELPCMD
*                 of an accessed disk. MINICMS's own text comes first:
*                 it describes what MINICMS does.
*   HELP EDIT x   the file x HELPEDT (EXEC: HELPEXC, DEBUG: HELPDBG)
*                 of an accessed disk, as R6.
*   ( MORE        the disk's second-level file (HELPCMD2 ...) only;
*   ( ALL         both levels. With either, MINICMS's own text is
*                 passed over: they are for the R6 files. BRIEF (the
*                 default) says when there is more, as R6 does.
* Not found: "No help found for name", return code 28 (HELP EXEC).
*---------------------------------------------------------------------
HELP     STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'HLP'
         MVI   HLPHOW,0             BRIEF
         LA    1,OPTMORE
         LA    0,4
         BAL   14,HASOPT
         LTR   15,15
         BNZ   HLPO1
         MVI   HLPHOW,1             MORE
HLPO1    LA    1,OPTALL
         LA    0,3
         BAL   14,HASOPT
         LTR   15,15
         BNZ   HLPO2
         MVI   HLPHOW,2             ALL
HLPO2    BAL   14,NARGS             R1 = tokens before "("
         C     1,=F'1'
         BE    HLPLIST              HELP alone
         C     1,=F'4'
         BNL   HLPEXTRA             HELP a b c: c is one too many
         MVC   HLPTOPIC,TOKENS+8
         MVC   HLPSUB,BLANKS
         MVC   HLPTYPE,=CL8'HELPCMD'
         C     1,=F'2'
         BE    HLPONE
* HELP topic subtopic: an EDIT subcommand, EXEC word, DEBUG command
         MVC   HLPSUB,TOKENS+16
         LA    2,HLPSUBT
HLPS1    CLI   0(2),X'FF'
         BE    HLPBADT
         CLC   0(8,2),HLPTOPIC
         BE    HLPS2
         LA    2,16(,2)
         B     HLPS1
HLPS2    MVC   HLPTYPE,8(2)
         MVC   HLPNAME,HLPSUB
         B     HLPDISK
* HELP name: MINICMS's own text first
HLPONE   MVC   HLPNAME,HLPTOPIC
         CLI   HLPHOW,0             MORE, ALL: R6's files
         BNE   HLPDISK
         LA    1,HLPTOPIC
         BAL   14,HLPFIND
         LTR   1,1
         BZ    HLPDISK
         BAL   14,HLPSHOW
         SR    15,15
         B     RETURN
* then name HELPCMD (or the subtopic's file) on any accessed disk
HLPDISK  CLI   HLPNAME,C'*'         R6: HELP * is ASTERISK HELPCMD
         BNE   HLPD1
         MVC   HLPNAME,=CL8'ASTERISK'
HLPD1    MVC   HLPTYP2,HLPTYPE      the second level: HELPCMD2 ...
         MVI   HLPTYP2+7,C'2'
         CLI   HLPHOW,1
         BE    HLPMORE
         LA    1,HLPTYPE
         BAL   14,HLPSRCH
         LTR   1,1
         BZ    HLPNONE
         LA    1,HLPTYPE
         BAL   14,HLPTYPF
         LTR   15,15
         BNZ   RETURN
         LA    1,HLPTYP2            is there more?
         BAL   14,HLPSRCH
         SR    15,15
         LTR   1,1
         BZ    RETURN
         CLI   HLPHOW,2
         BE    HLPALL
         BAL   14,LBEG              there is more: say so
         LA    1,MHLPMOR1
         BAL   14,LSTR
         BAL   14,HLPLTOP
         LA    1,MHLPMOR2
         BAL   14,LSTR
         BAL   14,LOUT
         SR    15,15
         B     RETURN
HLPMORE  LA    1,HLPTYP2
         BAL   14,HLPSRCH
         LTR   1,1
         BNZ   HLPALL
         BAL   14,LBEG              No more help found for topic
         LA    1,MHLPNOMO
         BAL   14,LSTR
         BAL   14,HLPLTOP
         BAL   14,LOUT
         LA    15,28
         B     RETURN
HLPALL   LA    1,HLPTYP2
         BAL   14,HLPTYPF
         B     RETURN
HLPNONE  BAL   14,LBEG              No help found for topic [subtopic]
         LA    1,MHLPNONE
         BAL   14,LSTR
         BAL   14,HLPLTOP
         BAL   14,LOUT
         LA    15,28
         B     RETURN
*
* HLPLTOP: append the topic [and subtopic] to the line
HLPLTOP  STM   14,12,0(13)
         LA    13,60(,13)
         LA    1,HLPTOPIC
         BAL   14,LFLD
         CLI   HLPSUB,C' '
         BE    HLPN1
         LA    1,C' '
         BAL   14,LCHR
         LA    1,HLPSUB
         BAL   14,LFLD
HLPN1    B     RETURN
*
* HLPSRCH: R1 -> a file type; R1 = the file HLPNAME of that type on
* an accessed disk (its FST entry), or 0
HLPSRCH  STM   14,12,0(13)
         LA    13,60(,13)
         MVC   PATID(8),HLPNAME
         MVC   PATID+8(8),0(1)
         MVI   SRCHDIG,0
         LA    0,C'*'
         BAL   14,SRCHPAT
         B     RETURN
*
* HLPTYPF: TYPE HLPNAME type * for the file type at R1; R15 = TYPE's
HLPTYPF  STM   14,12,0(13)
         LA    13,60(,13)
         MVC   TOKENS+8(8),HLPNAME
         MVC   TOKENS+16(8),0(1)
         MVC   TOKENS+24(8),=CL8'*'
         LA    1,4
         ST    1,NTOK
         BAL   14,TYPE
         B     RETURN
HLPBADT  BAL   14,LBEG              topic is not a valid topic for sub
         LA    1,HLPSUB
         BAL   14,LFLD
         LA    1,MHLPBADT
         BAL   14,LSTR
         LA    1,HLPTOPIC
         BAL   14,LFLD
         BAL   14,LOUT
         LA    15,24
         B     RETURN
HLPEXTRA BAL   14,LBEG              the third operand: invalid
         LA    1,TOKENS+24
         BAL   14,LFLD
         LA    1,MHLPXTRA
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,24
         B     RETURN
*
* HELP alone: MINICMS's commands, then VM/370's help files
HLPLIST  LA    1,MHLPHEAD
         BAL   14,MSG
         LA    1,MHLPHD2
         BAL   14,MSG
         BAL   14,LBEG
         BAL   14,LOUT              a blank line
         L     2,=A(HELPTAB)
HLPL1    CLI   0(2),X'FF'
         BE    HLPL2
         L     1,8(,2)              the first line of each text
         SR    0,0
         IC    0,0(,1)
         LA    1,1(,1)
         BAL   14,WRTERM
         LA    2,12(,2)
         B     HLPL1
HLPL2    MVC   PATID(16),=CL16'*       HELPCMD'
         L     2,=A(ADTAREA)        every accessed disk, A to Z
         LA    3,26
         SR    6,6                  names on the line so far
         USING ADT,2
HLPL3    SR    7,7                  names of this disk so far
         CLC   ADTVDEV,=H'0'
         BE    HLPL6
         BAL   14,FSTFIRST
HLPL4    LTR   1,1
         BZ    HLPL6
         BAL   14,MATCH
         LTR   15,15
         BNZ   HLPL5
         LTR   7,7                  the disk's first: a heading
         BNZ   HLPL4A
         LR    4,1
         BAL   14,LBEG
         BAL   14,LOUT
         BAL   14,LBEG
         LA    1,MHLPVM1
         BAL   14,LSTR
         IC    1,ADTMODE
         BAL   14,LCHR
         LA    1,MHLPVM2
         BAL   14,LSTR
         LH    1,ADTVDEV
         LA    0,3
         BAL   14,LHEX
         LA    1,MHLPVM3
         BAL   14,LSTR
         BAL   14,LOUT
         BAL   14,LBEG
         LR    1,4
HLPL4A   LR    4,1
         LR    0,6                  column 9 x n
         SLL   0,3
         AR    0,6
         BAL   14,LPAD
         LR    1,4
         BAL   14,LFLD              the file name
         LR    1,4
         LA    6,1(,6)
         LA    7,1(,7)
         C     6,=F'8'
         BL    HLPL5
         BAL   14,LOUT
         BAL   14,LBEG
         SR    6,6
         LR    1,4
HLPL5    BAL   14,FSTNEXT
         B     HLPL4
HLPL6    LTR   6,6                  end the disk's last line
         BZ    HLPL7
         BAL   14,LOUT
         SR    6,6
HLPL7    A     2,=A(ADTSIZE)
         BCT   3,HLPL3
         DROP  2
         SR    15,15
         B     RETURN
*
* HLPFIND: R1 -> 8-byte topic name; R1 = its text in HELPTAB, or 0
HLPFIND  STM   14,12,0(13)
         LA    13,60(,13)
         L     2,=A(HELPTAB)
HLPF1    CLI   0(2),X'FF'
         BE    HLPFNO
         CLC   0(8,2),0(1)
         BE    HLPFYES
         LA    2,12(,2)
         B     HLPF1
HLPFNO   SR    1,1
         B     RETURN
HLPFYES  L     1,8(,2)
         B     RETURN
*
* HLPSHOW: type the help text at R1 (records: length, characters;
* a length X'FF' ends it)
HLPSHOW  STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
HLPSH1   CLI   0(2),X'FF'
         BE    RETURN
         SR    0,0
         IC    0,0(,2)
         LA    1,1(,2)
         LR    3,0
         BAL   14,WRTERM
         LA    2,1(3,2)
         B     HLPSH1
*
*---------------------------------------------------------------------
* SET CODEPAGE 037|1047: the console's code page, which is CP's to
* translate with (CP TERMINAL CODEPAGE n, a vm390 operand).
*---------------------------------------------------------------------
SET      STM   14,12,0(13)
         LA    13,60(,13)
         MVC   CMDMOD,=C'SET'
         CLC   TOKENS+8(8),=CL8'CODEPAGE'
         BNE   SETBAD
         CLC   NTOK,=F'3'
         BNE   SETMISS
         MVC   SETCPCMD+18(8),TOKENS+16
         LA    2,SETCPCMD
         LA    3,26
         BAL   14,CPNOBUF
         B     RETURN
SETMISS  LA    1,M047               DMSSET047E No function specified.
         BAL   14,ERRMSG
         BAL   14,LOUT
         LA    15,24
         B     RETURN
SETBAD   CLC   NTOK,=F'1'
         BE    SETMISS
         LA    1,M070               DMSSET070E Invalid parameter 'x'.
         BAL   14,ERRMSG
         LA    1,TOKENS+8
         BAL   14,LFLD
         LA    1,M070B
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,24
         B     RETURN
