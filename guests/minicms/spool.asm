*---------------------------------------------------------------------
* The spool commands: PUNCH, PRINT, READCARD, TELL and QUERY READER.
* They send CMS files through CP's spool as R6 CMS does: cards of 80
* bytes on the virtual punch 00D, lines on the virtual printer 00E,
* cards read from the virtual reader 00C, each with START I/O and the
* enabled wait for its interruption; CP commands (SPOOL, CLOSE, MSG,
* QUERY READER ALL) through DIAGNOSE X'08'.
*
* Syntax, header card and messages: R6's PUNCH, PRINT and READCARD
* HELPCMD / HELPCMD2 on the 19D (see shared/docs/r6-help.md); that
* HEADER is PUNCH's default: the z/VM 7.3 CMS Commands manual, PUNCH.
*
* This code lies at X'5000' (SPOOLORG), beyond the 20K that the base
* registers R8-R12 cover, with R7 as its base: each command loads R7
* from SPLBASE (data.asm), and no routine here uses R7 for anything
* else. The routines it calls keep R7 (they restore R2-R12).
*---------------------------------------------------------------------
         LTORG                      the literals so far stay below
SPLRESUM EQU   *
         ORG   MINICMS+X'5000'
SPOOLORG DS    0D
         USING SPOOLORG,7
*
*---------------------------------------------------------------------
* PUNCH fn ft [fm] [(Header|NOHeader|TO userid]: the file's records
* as 80-byte cards on 00D (longer records cut, shorter ones padded
* with blanks), after R6's :READ header card unless NOHEADER; then
* CLOSE 00D NAME fn ft. TO userid (vm390's): SPOOL 00D TO userid
* first. R6 rejects records over 80 bytes (PUNCH HELPCMD2, note 1);
* MINICMS cuts them.
*---------------------------------------------------------------------
PUNCH    STM   14,12,0(13)
         LA    13,60(,13)
         L     7,SPLBASE
         MVC   CMDMOD,=C'PUN'
         MVC   SPLDEV,=H'13'        X'00D'
         MVI   SPLOP,X'01'          write, feed
         MVC   SPLMAX,=H'80'
         MVI   SPLPAD,1
         MVI   SPLHDR,1             HEADER is the default
         MVC   SPLTO,BLANKS
         BAL   14,NARGS
         LA    3,1(,1)              the first option
PUNO1    C     3,NTOK
         BNL   SPLCOMM
         LR    5,3
         SLL   5,3
         LA    5,TOKENS(5)          R5 -> the option
         CLC   0(8,5),=CL8')'
         BE    PUNO8
         LA    1,OPTHDR
         LA    0,1
         BAL   14,ISOPT
         LTR   15,15
         BNZ   PUNO2
         MVI   SPLHDR,1
         B     PUNO8
PUNO2    LA    1,OPTNOHDR
         LA    0,3
         BAL   14,ISOPT
         LTR   15,15
         BNZ   PUNO3
         MVI   SPLHDR,0
         B     PUNO8
PUNO3    CLC   0(8,5),=CL8'TO'
         BNE   SPLBADO
         LA    3,1(,3)
         C     3,NTOK
         BNL   SPLBADO              TO without a user
         MVC   SPLTO,8(5)
PUNO8    LA    3,1(,3)
         B     PUNO1
*
*---------------------------------------------------------------------
* PRINT fn ft [fm]: the file's records as lines on 00E, each written
* with CCW X'09' (write, then space a line), cut to the 132 print
* positions of a 1403; then CLOSE 00E NAME fn ft. R6's options (CC,
* HEX, LINECOUN, ...) and its page headings are not there.
*---------------------------------------------------------------------
PRINT    STM   14,12,0(13)
         LA    13,60(,13)
         L     7,SPLBASE
         MVC   CMDMOD,=C'PRT'
         MVC   SPLDEV,=H'14'        X'00E'
         MVI   SPLOP,X'09'          write, space 1
         MVC   SPLMAX,=H'132'
         MVI   SPLPAD,0
         MVI   SPLHDR,0
         MVC   SPLTO,BLANKS
         BAL   14,NARGS
         LA    3,1(,1)              any option is one too many
PRTO1    C     3,NTOK
         BNL   SPLCOMM
         LR    5,3
         SLL   5,3
         LA    5,TOKENS(5)
         CLC   0(8,5),=CL8')'
         BNE   SPLBADO
         LA    3,1(,3)
         B     PRTO1
*
* SPLBADO: DMSmmm003E Invalid option 'x'. for the token at R5
SPLBADO  LA    1,M003
         BAL   14,ERRMSG
         LR    1,5
         BAL   14,LFLD
         LA    1,M017B              '.
         BAL   14,LSTR
         BAL   14,LOUT
         LA    15,24
         B     RETURN
*
* What PUNCH and PRINT share: find the file, SPOOL TO, the header
* card, the records, CLOSE.
SPLCOMM  LA    1,C'A'               fm: the A-disk by default
         BAL   14,FILEARGS
         LTR   15,15
         BNZ   RETURN
         SR    0,0
         IC    0,SRCHMODE
         BAL   14,SRCHPAT
         LTR   1,1
         BNZ   SPLC1
         BAL   14,NARGS
         LR    0,1
         BCTR  0,0
         BAL   14,MSGFILE
         B     RETURN
SPLC1    ST    0,SPLADT
         MVC   SPLFST,FOUNDFST
         CLI   SPLTO,C' '
         BE    SPLC2
         BAL   14,LBEG              SPOOL 00D TO userid
         LA    1,=C'SPOOL '
         LA    0,6
         BAL   14,LTXT
         BAL   14,LDEV
         LA    1,=C' TO '
         LA    0,4
         BAL   14,LTXT
         LA    1,SPLTO
         BAL   14,LFLD
         BAL   14,CPLINE
         LTR   15,15
         BNZ   RETURN               CP said why
SPLC2    CLI   SPLHDR,0
         BE    SPLC3
         BAL   14,PUNHDR
         LA    1,SPLHCARD
         LA    0,80
         BAL   14,SPLPUT
         LTR   15,15
         BNZ   SPLDEVE
SPLC3    L     2,SPLADT
         LA    1,SPLFST
         BAL   14,FROPEN
         LTR   15,15
         BNZ   SPLIOE
SPLC4    L     1,=A(RECBUF)
         BAL   14,FRGET             R0 = the record's length
         C     15,=F'4'
         BE    SPLC5
         LTR   15,15
         BNZ   SPLIOE
         L     1,=A(RECBUF)
         BAL   14,SPLPUT
         LTR   15,15
         BNZ   SPLDEVE
         B     SPLC4
SPLC5    L     15,FRLEFT            the end before the last record?
         LTR   15,15
         BZ    SPLC6
         LA    15,13
         B     SPLIOE
SPLC6    BAL   14,LBEG              CLOSE vdev NAME fn ft
         LA    1,=C'CLOSE '
         LA    0,6
         BAL   14,LTXT
         BAL   14,LDEV
         LA    1,=C' NAME '
         LA    0,6
         BAL   14,LTXT
         LA    1,SPLFST
         BAL   14,LFLD
         LA    1,C' '
         BAL   14,LCHR
         LA    1,SPLFST+8
         BAL   14,LFLD
         BAL   14,CPLINE
         B     RETURN
* the file could not be read: DMSmmm104S; what was written is purged
SPLIOE   BAL   14,MSGIOERR
         LR    6,15
         BAL   14,SPLPURGE
         LR    15,6
         B     RETURN
* the device failed: not attached (DMSmmm113S), or a unit check
* (DMSmmm112S: the spool is full); what was written is purged
SPLDEVE  LR    6,15
         BAL   14,DEVERR
         C     6,=F'-1'
         BE    SPLDEVE1
         BAL   14,SPLPURGE
SPLDEVE1 LA    15,100
         B     RETURN
*
* SPLPURGE: CLOSE vdev PURGE for the device SPLDEV
SPLPURGE STM   14,12,0(13)
         LA    13,60(,13)
         BAL   14,LBEG
         LA    1,=C'CLOSE '
         LA    0,6
         BAL   14,LTXT
         BAL   14,LDEV
         LA    1,=C' PURGE'
         LA    0,6
         BAL   14,LTXT
         BAL   14,CPLINE
         B     RETURN
*
* DEVERR: DMSmmm113S vdev not attached. (R6 = -1) or DMSmmm112S vdev
* device error. for device SPLDEV
DEVERR   STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,6
         LA    1,M113
         C     2,=F'-1'
         BE    DEVE1
         LA    1,M112
DEVE1    BAL   14,ERRMSG
         BAL   14,LDEV
         LA    1,M113B
         C     2,=F'-1'
         BE    DEVE2
         LA    1,M112B
DEVE2    BAL   14,LSTR
         BAL   14,LOUT
         B     RETURN
*
* LDEV: append the device SPLDEV (3 hexadecimal digits)
LDEV     STM   14,12,0(13)
         LA    13,60(,13)
         LH    1,SPLDEV
         LA    0,3
         BAL   14,LHEX
         B     RETURN
*
* PUNHDR: R6 PUNCH's header card for SPLFST on disk SPLADT in
* SPLHCARD (PUNCH HELPCMD, "Header Control Card"): :READ in columns
* 1-5, fn 8-15, ft 17-24, fm 26-27, the disk's label 29-34, the date
* the file was written mm/dd/yy 36-43 and its time hh:mm 46-50.
PUNHDR   STM   14,12,0(13)
         LA    13,60(,13)
         LA    4,SPLHCARD
         MVI   0(4),C' '
         MVC   1(79,4),0(4)
         MVC   0(5,4),=C':READ'
         MVC   7(8,4),SPLFST        fn
         MVC   16(8,4),SPLFST+8     ft
         L     2,SPLADT
         MVC   25(1,4),ADTMODE-ADT(2)  fm: the disk's letter
         MVC   26(1,4),SPLFST+25    and the file's digit
         MVC   28(6,4),ADTID-ADT(2)
         LA    1,SPLFST+16          date (BCD MMDD, then the year)
         BAL   14,BCD4
         MVC   35(2,4),BCDOUT
         MVI   37(4),C'/'
         MVC   38(2,4),BCDOUT+2
         MVI   40(4),C'/'
         MVC   41(2,4),SPLFST+38
         LA    1,SPLFST+18          time (BCD HHMM)
         BAL   14,BCD4
         MVC   45(2,4),BCDOUT
         MVI   47(4),C':'
         MVC   48(2,4),BCDOUT+2
         B     RETURN
*
* SPLPUT: write the record at R1 (R0 bytes) on SPLDEV with command
* SPLOP: cut to SPLMAX bytes, padded with blanks to SPLMAX when SPLPAD
* (the punch's 80 columns), at least one byte. R15 = 0, -1 (not
* attached) or the unit status of an error.
SPLPUT   STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         LR    3,0
         LA    4,SPLCARD
         MVI   0(4),C' '
         MVC   1(L'SPLCARD-1,4),0(4)
         LH    5,SPLMAX
         CR    3,5
         BNH   SPLP1
         LR    3,5
SPLP1    LTR   3,3
         BNP   SPLP2
         BCTR  3,0
         EX    3,SPLPMVC
         LA    3,1(,3)
SPLP2    CLI   SPLPAD,0
         BE    SPLP3
         LR    3,5
SPLP3    LTR   3,3
         BP    SPLP4
         LA    3,1                  an empty record: one blank
SPLP4    ST    4,URCCW
         MVC   URCCW(1),SPLOP
         XC    URCCW+4(2),URCCW+4
         STH   3,URCCW+6
         LA    2,URCCW
         LH    1,SPLDEV
         BAL   14,URIO
         LTR   15,15
         BM    RETURN
         N     15,=F'3'             unit check or unit exception
         B     RETURN
SPLPMVC  MVC   0(0,4),0(2)
*
* PUNCARD: punch the card at R1 (R0 bytes) on 00D, 80 columns, for the
* EXEC interpreter's &PUNCH and &BEGPUNCH (exec2.asm); R15 as SPLPUT.
PUNCARD  STM   14,12,0(13)
         LA    13,60(,13)
         L     7,SPLBASE
         MVC   SPLDEV,=H'13'        X'00D'
         MVI   SPLOP,X'01'          write, feed
         MVC   SPLMAX,=H'80'
         MVI   SPLPAD,1
         BAL   14,SPLPUT
         B     RETURN
*
* URIO: run the channel program at R2 on device R1: START I/O, then
* the enabled wait for its device end (WAITIO), as CONSIO does.
* R15 = the unit status (X'02' unit check, X'01' unit exception), or
* -1 when the device is not operational.
URIO     STM   14,12,0(13)
         LA    13,60(,13)
         STH   1,WAITDEV
URIO1    ST    2,X'48'              CAW: key 0, the channel program
         SIO   0(1)
         BC    8,URIO3              started
         BC    2,URIO1              busy: again
         BC    1,URIO2              the CSW stored
         L     15,=F'-1'            not operational
         B     RETURN
URIO2    TM    X'44',X'04'          device end with it?
         BZ    URIO1
         B     URIO4
URIO3    BAL   14,WAITIO
URIO4    SR    15,15
         IC    15,X'44'
         B     RETURN
*
* CPLINE: the line built in LINE to CP with DIAGNOSE X'08' and no
* response buffer (CP types its response). R15 = CP's return code.
CPLINE   STM   14,12,0(13)
         LA    13,60(,13)
         LA    2,LINE
         L     3,LINEP
         SR    3,2
         BAL   14,CPNOBUF
         BAL   14,LBEG
         B     RETURN
*
* ISOPT: R15 = 0 when the token at R5 is the option named by the
* counted string at R1, or an abbreviation of it at least R0 long
ISOPT    STM   14,12,0(13)
         LA    13,60(,13)
         LR    6,1
         LR    4,0
         LR    1,5
         BAL   14,TOKLEN            R1 = the token's length
         LA    15,4
         CR    1,4
         BL    RETURN
         CLM   1,1,0(6)
         BH    RETURN
         BCTR  1,0
         EX    1,ISOCLC
         BNE   RETURN
         SR    15,15
         B     RETURN
ISOCLC   CLC   0(0,5),1(6)
*
*---------------------------------------------------------------------
* READCARD fn ft [fm] / READCARD * [* [fm]]: the next file of the
* virtual reader 00C (cards until unit exception) as CMS files of
* fixed 80-byte records, trailing blanks kept (READCARD HELPCMD and
* HELPCMD2):
*   fn ft   the whole deck is the file fn ft; :READ cards in it are
*           data (note 3).
*   *       each :READ fn ft [fm] card starts a file of that name
*           (DMSRDC702I shows the card); cards before the first go to
*           READCARD CMSUT1 (note 2).
* fm: the disk letter (default A, * is A) and the mode digit: the
* command's, else the :READ card's, else 1. A file of the same name
* is replaced. An empty file: DMSRDC701I NULL FILE. When the disk
* has no room for the next card (RDCROOM) the reader file is kept
* whole in the reader (CLOSE 00C HOLD; R6: HELPCMD2 note 9).
*---------------------------------------------------------------------
READCARD STM   14,12,0(13)
         LA    13,60(,13)
         L     7,SPLBASE
         MVC   CMDMOD,=C'RDC'
         MVC   SPLDEV,=H'12'        X'00C'
         BAL   14,NARGS
         LR    6,1
         C     6,=F'2'
         BL    RDCINC
         MVI   RDCSTAR,0
         CLC   TOKENS+8(8),=CL8'*'
         BNE   RDC1
         MVI   RDCSTAR,1
         B     RDC2
RDC1     C     6,=F'3'
         BNL   RDC2
RDCINC   BAL   14,MSGINC
         B     RETURN
RDC2     MVI   RDCLET,C'A'
         MVI   RDCDIG,0
         C     6,=F'4'
         BL    RDC3
         LA    1,TOKENS+24
         BAL   14,GETMODE
         LTR   15,15
         BZ    RDC2A
         IC    1,TOKENS+24
         BAL   14,MSGNACC
         B     RETURN
RDC2A    STC   1,RDCDIG
         C     0,=A(C'*')
         BE    RDC3
         STC   0,RDCLET
RDC3     SR    0,0
         IC    0,RDCLET
         BAL   14,ADTOF
         LR    2,1
         CLC   0(2,2),=H'0'         accessed?
         BNE   RDC3A
         IC    1,RDCLET
         BAL   14,MSGNACC
         B     RETURN
RDC3A    TM    ADTFLAG-ADT(2),X'80'
         BZ    RDC4
         IC    1,RDCLET
         BAL   14,MSGRO
         B     RETURN
RDC4     ST    2,RDCADT
         MVI   RDCOPEN,0
         MVI   RDCCDIG,0
         CLI   RDCSTAR,0
         BNE   RDCLOOP
         MVC   RDCNAME,TOKENS+8     READCARD fn ft: that file
         BAL   14,RDCNEW
RDCLOOP  CLI   RDCOPEN,0            room for another card?
         BE    RDCL1
         BAL   14,RDCROOM
         LTR   15,15
         BNZ   RDCWERR
RDCL1    BAL   14,RDCREAD
         C     15,=F'4'
         BE    RDCEND
         LTR   15,15
         BNZ   RDCDEVE
         CLI   RDCSTAR,0
         BE    RDCPUT
         CLC   RDCCARD(5),=C':READ'
         BNE   RDCNOCC
         BAL   14,RDCCTL            a new file
         LTR   15,15
         BNZ   RDCKEEP
         B     RDCLOOP
RDCNOCC  CLI   RDCOPEN,0
         BNE   RDCPUT
         LA    1,M702M              no :READ card first
         BAL   14,ERRMSG
         BAL   14,LOUT
         MVC   RDCNAME,=CL16'READCARDCMSUT1'
         BAL   14,RDCNEW
         LA    1,M702
         BAL   14,ERRMSG
         LA    1,=C':READ READCARD CMSUT1 '
         LA    0,22
         BAL   14,LTXT
         IC    1,RDCLET
         BAL   14,LCHR
         IC    1,RDCFDIG
         BAL   14,LCHR
         BAL   14,LOUT
RDCPUT   LA    1,RDCCARD
         LA    0,80
         BAL   14,FWPUT
         LTR   15,15
         BZ    RDCLOOP
RDCWERR  LR    6,15                 the disk is full (or failed)
         BAL   14,FWFREE
         MVI   RDCOPEN,0
         LR    15,6
         BAL   14,MSGIOERR
         B     RDCKEEP
RDCEND   CLI   RDCOPEN,0
         BE    RDCNULL
         BAL   14,RDCFIN
         B     RETURN
RDCNULL  LA    1,M701               not a card at all
         BAL   14,ERRMSG
         BAL   14,LOUT
         SR    15,15
         B     RETURN
* an error before the end of the deck: the rest stays in the reader
RDCKEEP  LR    6,15
         BAL   14,LBEG
         LA    1,=C'CLOSE 00C HOLD'
         LA    0,14
         BAL   14,LTXT
         BAL   14,CPLINE
         LR    15,6
         B     RETURN
RDCDEVE  LR    6,15
         CLI   RDCOPEN,0
         BE    RDCDEVE1
         BAL   14,FWFREE
RDCDEVE1 BAL   14,DEVERR
         LA    15,100
         B     RETURN
*
* RDCROOM: R15 = 0 when disk RDCADT has room for one more card of the
* file being written and for closing it: the data block it goes in,
* the first chain link, the later links (one per 400 data blocks
* beyond 60) and a new FST block; else 13 (disk full). Checked before
* each card is read, so that a full disk stops READCARD while the
* rest of the deck is still in the reader.
RDCROOM  STM   14,12,0(13)
         LA    13,60(,13)
         L     2,RDCADT
         USING ADT,2
         L     3,ADTMAPL            the blocks the map can give
         SLL   3,3
         C     3,ADTMAXB
         BNH   RDCR1
         L     3,ADTMAXB
RDCR1    S     3,ADTUSED            free
         LA    4,3                  data block, first link, FST block
         L     1,FWNBLK
         LA    1,1(,1)              data blocks with this one
         S     1,=F'60'
         BNP   RDCR2
         A     1,=F'399'
         SR    0,0
         D     0,=F'400'            later links
         AR    4,1
RDCR2    LA    15,13
         CR    3,4
         BL    RETURN
         SR    15,15
         B     RETURN
         DROP  2
*
* RDCREAD: the next card into RDCCARD. R15 = 0, 4 at the end of the
* file (unit exception), 8 unit check, -1 not attached.
RDCREAD  STM   14,12,0(13)
         LA    13,60(,13)
         MVI   RDCCARD,C' '
         MVC   RDCCARD+1(79),RDCCARD
         LA    1,RDCCARD
         ST    1,URCCW
         MVI   URCCW,X'02'          read
         MVI   URCCW+4,X'20'        SILI
         MVI   URCCW+5,0
         MVC   URCCW+6(2),=H'80'
         LA    2,URCCW
         LH    1,SPLDEV
         BAL   14,URIO
         LTR   15,15
         BM    RETURN
         STC   15,RDCSTAT
         LA    15,8
         TM    RDCSTAT,X'02'
         BO    RETURN
         LA    15,4
         TM    RDCSTAT,X'01'
         BO    RETURN
         SR    15,15
         B     RETURN
*
* RDCNEW: start the file RDCNAME on disk RDCADT, mode digit RDCDIG or
* the :READ card's (RDCCDIG), else 1
RDCNEW   STM   14,12,0(13)
         LA    13,60(,13)
         MVC   RDCFDIG,RDCDIG
         CLI   RDCFDIG,0
         BNE   RDCN1
         MVC   RDCFDIG,RDCCDIG
         CLI   RDCFDIG,0
         BNE   RDCN1
         MVI   RDCFDIG,C'1'
RDCN1    L     2,RDCADT
         LA    0,C'F'
         LA    1,80
         BAL   14,FWOPEN
         MVI   RDCOPEN,1
         MVI   RDCCDIG,0
         B     RETURN
*
* RDCFIN: the file being written goes on the disk (a file of that
* name replaced), or DMSRDC701I NULL FILE when it has no record.
* R15 = 0 or the error's return code (after its message).
RDCFIN   STM   14,12,0(13)
         LA    13,60(,13)
         MVI   RDCOPEN,0
         CLC   FWITEMS,=F'0'
         BNE   RDCF1
         LA    1,M701
         BAL   14,ERRMSG
         BAL   14,LOUT
         SR    15,15
         B     RETURN
RDCF1    L     2,FWADT
         BAL   14,FWCLOSE
         LTR   15,15
         BNZ   RDCF2
         MVC   FINDID,RDCNAME
         IC    0,RDCLET
         IC    1,RDCFDIG
         BAL   14,FWFST
         BAL   14,PUTFILE
         LTR   15,15
         BZ    RETURN
RDCF2    BAL   14,MSGIOERR
         B     RETURN
*
* RDCCTL: a :READ card in RDCCARD: the file being written is ended,
* DMSRDC702I shows the card, and the file it names is started.
* R15 = 0 or the error's return code (after its message).
RDCCTL   STM   14,12,0(13)
         LA    13,60(,13)
         CLI   RDCOPEN,0
         BE    RDCC1
         BAL   14,RDCFIN
         LTR   15,15
         BNZ   RETURN
RDCC1    LA    1,M702
         BAL   14,ERRMSG
         LA    1,RDCCARD
         LA    0,80
         BAL   14,LFLDN
         BAL   14,LOUT
         MVC   RDCNAME,BLANKS
         MVI   RDCCDIG,0
         LA    3,RDCCARD+5          the words after :READ
         LA    4,RDCCARD+80
         LA    5,RDCNAME            fn, then ft
         LA    6,2
RDCC2    BAL   14,CARDWORD
         LTR   0,0
         BZ    RDCCBAD
         C     0,=F'8'
         BNH   RDCC3
         LA    0,8
RDCC3    LR    2,0
         BCTR  2,0
         EX    2,RDCCMVC
         LA    5,8(,5)
         BCT   6,RDCC2
         BAL   14,CARDWORD          fm: its digit, if any
         C     0,=F'2'
         BL    RDCC4
         CLI   1(1),C'0'
         BL    RDCC4
         CLI   1(1),C'6'
         BH    RDCC4
         MVC   RDCCDIG,1(1)
RDCC4    BAL   14,RDCNEW
         SR    15,15
         B     RETURN
RDCCBAD  BAL   14,MSGINC            no fn ft on the card
         B     RETURN
RDCCMVC  MVC   0(0,5),0(1)
*
* CARDWORD: the next blank-delimited word from R3 (up to R4): R1 ->
* it, R0 = its length (0: none); R3 is left after it
CARDWORD SR    0,0
CW1      CR    3,4
         BNLR  14
         CLI   0(3),C' '
         BNE   CW2
         LA    3,1(,3)
         B     CW1
CW2      LR    1,3
CW3      LA    3,1(,3)
         CR    3,4
         BNL   CW4
         CLI   0(3),C' '
         BNE   CW3
CW4      LR    0,3
         SR    0,1
         BR    14
*
*---------------------------------------------------------------------
* TELL userid text: CP's MSG userid text (TELL is not in R6 CMS;
* later CMS releases have it as an EXEC that does the same).
*---------------------------------------------------------------------
TELL     STM   14,12,0(13)
         LA    13,60(,13)
         L     7,SPLBASE
         BAL   14,LBEG
         LA    1,=C'MSG '
         LA    0,4
         BAL   14,LTXT
         L     1,LINEADR            the line from the first operand
         AH    1,TOKPOS+2
         L     0,LINELEN
         SH    0,TOKPOS+2
         BAL   14,LTXT
         BAL   14,CPLINE
         B     RETURN
*
*---------------------------------------------------------------------
* QRDR (QUERY READER / QUERY RDR): CP's QUERY READER ALL, through
* DIAGNOSE X'08' with a response buffer, typed a line at a time.
*---------------------------------------------------------------------
QRDR     STM   14,12,0(13)
         LA    13,60(,13)
         L     7,SPLBASE
         LA    2,QRDRCMD
         LA    4,L'QRDRCMD
         O     4,=X'40000000'       a response buffer
         L     3,=A(RESPBUF)
         L     5,=A(RESPLEN)
         DIAG  2,4,X'0008'
         LR    6,4                  CP's return code
         L     2,=A(RESPBUF)
         LR    3,5
         C     3,=A(RESPLEN)
         BNH   QRDR1
         L     3,=A(RESPLEN)
QRDR1    BAL   14,SHOWRESP
         LR    15,6
         B     RETURN
*
*---------------------------------------------------------------------
* Constants and work areas of the spool commands.
*---------------------------------------------------------------------
         DS    0D
URCCW    DC    D'0'                 the unit-record CCW
SPLADT   DC    F'0'                 the file's disk
RDCADT   DC    F'0'                 READCARD's disk
SPLDEV   DC    H'0'                 the device
SPLMAX   DC    H'0'                 most bytes a record
SPLOP    DC    X'00'                the write command
SPLPAD   DC    X'00'                1: pad to SPLMAX
SPLHDR   DC    X'00'                1: the :READ header card
RDCSTAR  DC    X'00'                1: READCARD *
RDCOPEN  DC    X'00'                1: a file is being written
RDCLET   DC    C'A'                 the disk letter
RDCDIG   DC    X'00'                the command's mode digit (or 0)
RDCCDIG  DC    X'00'                the :READ card's mode digit (or 0)
RDCFDIG  DC    C'1'                 the digit of the file being written
RDCSTAT  DC    X'00'
SPLTO    DC    CL8' '
RDCNAME  DC    CL16' '
SPLFST   DC    XL40'00'
SPLHCARD DC    CL80' '
SPLCARD  DC    CL132' '
RDCCARD  DC    CL80' '
QRDRCMD  DC    C'QUERY READER ALL'
OPTHDR   DC    AL1(6),C'HEADER'
OPTNOHDR DC    AL1(8),C'NOHEADER'
M003     DC    AL1(L'M003T)
M003T    DC    C'003E Invalid option '''
M701     DC    AL1(L'M701T)
M701T    DC    C'701I NULL FILE'
M702     DC    AL1(L'M702T)
M702T    DC    C'702I '
M702M    DC    AL1(L'M702MT)
M702MT   DC    C'702I READ CONTROL CARD MISSING. FOLLOWING ASSUMED:'
         LTORG
* edit2.asm follows here, with the same base R7, and ends this part.
