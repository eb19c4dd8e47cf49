*---------------------------------------------------------------------
* CMS minidisks (VM/370 R6 format, FORMATS.md section D): 800-byte
* blocks numbered from 1, block 3 the label (CMS=volid), block 4 the
* master file directory (FST block list, counts, allocation map
* QMSK), 40-byte FST entries, 20 to a block.
*---------------------------------------------------------------------
*
* RDBLK / WRBLK: read / write block R3 of the disk R2 (ADT) at R4.
* DIAGNOSE X'18' with one SEEK, SEARCH ID EQUAL, TIC, READ or WRITE
* chain, as CMS's DMSDIO. R15 = 0, or CP's R15 code (1-13) on error.
RDBLK    MVI   D18OP,X'06'
         B     RWBLK
WRBLK    MVI   D18OP,X'05'
RWBLK    STM   14,12,0(13)
         LA    13,60(,13)
         USING ADT,2
         LA    15,13
         LTR   3,3
         BNP   RETURN
         LR    1,3
         BCTR  1,0
         SR    0,0
         LH    5,ADTBPT
         DR    0,5                  R1 = track, R0 = record - 1
         LR    6,0
         LA    6,1(,6)
         SR    0,0
         LH    5,ADTHEADS
         DR    0,5                  R1 = cylinder, R0 = head
         STH   1,D18SEEK+2
         STH   0,D18SEEK+4
         STH   1,D18SRCH
         STH   0,D18SRCH+2
         STC   6,D18SRCH+4
         ST    4,D18CCW+24
         MVC   D18CCW+24(1),D18OP
         LH    5,ADTVDEV
         LA    6,D18CCW
         LA    15,1                 one read/write CCW
         DIAG  5,6,X'0018'
         BC    8,RWOK
         LTR   15,15
         BNZ   RETURN
         LA    15,13
         B     RETURN
RWOK     SR    15,15
         B     RETURN
         DROP  2
*
* ADTOF: R1 = the disk table of mode letter R0 (or 0 if no letter)
ADTOF    STM   14,12,0(13)
         LA    13,60(,13)
         LA    2,LETTERS
         SR    1,1
ADTOF1   CLM   0,1,0(2)
         BE    ADTOF2
         LA    2,1(,2)
         CLI   0(2),C' '
         BNE   ADTOF1
         SR    1,1
         B     RETURN
ADTOF2   LA    1,LETTERS
         SR    2,1
         LR    1,2
         MH    1,=Y(ADTSIZE/16)
         SLL   1,4
         A     1,=A(ADTAREA)
         B     RETURN
*
* ADTVD: R1 = the disk table accessed for vdev R0 (0 if none)
ADTVD    STM   14,12,0(13)
         LA    13,60(,13)
         L     1,=A(ADTAREA)
         LA    3,26
ADTVD1   CH    0,0(,1)
         BE    RETURN
         A     1,=A(ADTSIZE)
         BCT   3,ADTVD1
         SR    1,1
         B     RETURN
*
*---------------------------------------------------------------------
* ACCDISK: access vdev R1 as mode letter R0. R15 = 0, or 1 not
* attached, 2 not a CMS disk type, 3 not CMS formatted, 4 I/O error.
* A disk that is read-only for CP (DIAGNOSE X'24' flag X'80') is
* accessed read-only.
*---------------------------------------------------------------------
ACCDISK  STM   14,12,0(13)
         LA    13,60(,13)
         LR    6,1                  vdev
         LR    7,0                  mode letter
         LR    0,6                  already accessed elsewhere: drop it
         BAL   14,ADTVD
         LTR   1,1
         BZ    ACC1
         XC    0(2,1),0(1)
ACC1     LR    0,7
         BAL   14,ADTOF
         LR    2,1
         USING ADT,2
         XC    ADTVDEV,ADTVDEV
         LR    3,6
         DIAG  3,4,X'0024'
         LA    15,1
         BC    1,RETURN             cc 3: no such device
         LR    1,4
         SRL   1,24
         C     1,=F'4'              class X'04': DASD
         LA    15,2
         BNE   RETURN
         LR    1,4
         SRL   1,16
         N     1,=F'255'            CP's type byte
         LA    3,DEVTYPES
ACC2     CLI   0(3),0
         BE    RETURN
         CLM   1,1,0(3)
         BE    ACC3
         LA    3,8(,3)
         B     ACC2
ACC3     MVC   ADTDEVT,0(3)         DIAGNOSE X'24' type
         MVC   ADTTYPE,1(3)         MFD disk type code
         MVC   ADTBPT,2(3)          blocks per track
         MVC   ADTHEADS,4(3)        tracks per cylinder
         MVC   ADTDTYPE,6(3)        device type index
         MVI   ADTFLAG,0
         N     4,=F'128'
         BZ    ACC4
         MVI   ADTFLAG,X'80'        read-only
ACC4     STH   6,ADTVDEV            provisionally, for RDBLK
         STC   7,ADTMODE
         LA    3,3                  the label
         L     4,=A(BLKBUF)
         BAL   14,RDBLK
         LTR   15,15
         BNZ   ACCIOERR
         CLC   0(4,4),=C'CMS='
         BNE   ACCNOTF
         MVC   ADTID,4(4)
         LA    3,4                  the master file directory
         LA    4,ADTMFD
         BAL   14,RDBLK
         LTR   15,15
         BNZ   ACCIOERR
         MVC   ADTNUM(4),ADTMFD+364
         MVC   ADTUSED(4),ADTMFD+368
         MVC   ADTCYL(4),ADTMFD+380
         LA    3,ADTMFD             the FST block list
         LA    4,ADTFSTB
         SR    5,5
         SR    6,6
ACC5     SR    1,1
         ICM   1,3,0(3)
         BZ    ACC7
         C     1,=X'0000FFFF'
         BE    ACC7
         C     1,=X'0000FFFD'
         BE    ACC6
         C     5,=F'180'
         BNL   ACCNOTF
         STH   1,0(,4)
         LA    4,2(,4)
         LA    5,1(,5)
         LA    3,2(,3)
         B     ACC5
ACC6     LA    3,2(,3)              X'FFFD': the QMSK extension blocks
         LA    4,ADTEXTB
ACC6A    SR    1,1
         ICM   1,3,0(3)
         BZ    ACC7
         C     6,=F'10'
         BNL   ACCNOTF
         STH   1,0(,4)
         LA    4,2(,4)
         LA    6,1(,6)
         LA    3,2(,3)
         B     ACC6A
ACC7     STH   5,ADTNFST
         STH   6,ADTNEXT
         LA    4,ADTMAP             clear the map
         L     5,=A(L'ADTMAP)
         SR    15,15
         MVCL  4,14
         LA    4,ADTMAP
         MVC   0(215,4),ADTMFD+384  first part of the map
         LA    4,215(,4)
         LA    7,ADTEXTB
         LTR   6,6
         BZ    ACC9
ACC8     SR    3,3
         ICM   3,3,0(7)
         BAL   14,RDBLK
         LTR   15,15
         BNZ   ACCIOERR
         LA    4,800(,4)
         LA    7,2(,7)
         BCT   6,ACC8
ACC9     LA    1,ADTMAP
         SR    4,1
         ST    4,ADTMAPL            bytes of map
         SLL   4,3
         C     4,ADTNUM
         BNH   ACC10
         L     4,ADTNUM
ACC10    ST    4,ADTMAXB            highest block the map covers
         SR    15,15
         B     RETURN
ACCNOTF  XC    ADTVDEV,ADTVDEV
         LA    15,3
         B     RETURN
ACCIOERR XC    ADTVDEV,ADTVDEV
         LA    15,4
         B     RETURN
         DROP  2
*
*---------------------------------------------------------------------
* The directory: FSTFIRST / FSTNEXT walk the FST entries of disk R2;
* R1 -> the entry (in FSTBUF), 0 at the end. FSTCURB = its block.
*---------------------------------------------------------------------
FSTFIRST XC    FSTIX,FSTIX
         L     1,=F'-1'
         ST    1,FSTEIX
FSTNEXT  STM   14,12,0(13)
         LA    13,60(,13)
         USING ADT,2
FSTN1    L     5,FSTEIX
         LA    5,1(,5)
         C     5,=F'20'
         BL    FSTN2
         SR    5,5
         L     1,FSTIX
         LA    1,1(,1)
         ST    1,FSTIX
FSTN2    ST    5,FSTEIX
         LTR   5,5
         BNZ   FSTN3
         L     1,FSTIX              a new block
         CH    1,ADTNFST
         BNL   FSTEND
         AR    1,1
         SR    3,3
         LA    15,ADTFSTB(1)
         ICM   3,3,0(15)
         ST    3,FSTCURB
         L     4,=A(FSTBUF)
         BAL   14,RDBLK
         LTR   15,15
         BNZ   FSTEND
FSTN3    L     1,FSTEIX
         MH    1,=H'40'
         A     1,=A(FSTBUF)
         CLI   0(1),0
         BE    FSTN1                an unused entry
         B     RETURN
FSTEND   SR    1,1
         B     RETURN
         DROP  2
*
* FINDFST: find FINDID (filename, filetype) on disk R2. R1 -> the
* entry (FSTBUF) or 0; the entry is also copied to FOUNDFST, with
* FOUNDB (block), FOUNDO (offset in it) and FOUNDADT.
FINDFST  STM   14,12,0(13)
         LA    13,60(,13)
         USING ADT,2
         SR    1,1
         CLC   ADTVDEV,=H'0'
         BE    RETURN
         BAL   14,FSTFIRST
FINDF1   LTR   1,1
         BZ    RETURN
         CLC   0(16,1),FINDID
         BE    FINDF2
         BAL   14,FSTNEXT
         B     FINDF1
FINDF2   MVC   FOUNDFST,0(1)
         MVC   FOUNDB,FSTCURB
         LR    3,1
         S     3,=A(FSTBUF)
         ST    3,FOUNDO
         ST    2,FOUNDADT
         B     RETURN
         DROP  2
*
* FINDANY: find FINDID on the accessed disks A to Z: R1 -> the entry
* or 0, R0 = the disk table.
FINDANY  STM   14,12,0(13)
         LA    13,60(,13)
         L     2,=A(ADTAREA)
         LA    3,26
FINDA1   BAL   14,FINDFST
         LTR   1,1
         BNZ   FINDA2
         A     2,=A(ADTSIZE)
         BCT   3,FINDA1
         SR    1,1
         B     RETURN
FINDA2   LR    0,2
         B     RETURN
*
* MATCH: R15 = 0 when the entry at R1 (filename, filetype) matches
* the pattern PATID (each part: a name, *, or a name with one *).
MATCH    STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         LA    3,PATID
         LR    4,2
         BAL   14,MATCH8
         LTR   15,15
         BNZ   RETURN1
         LA    3,PATID+8
         LA    4,8(,2)
         BAL   14,MATCH8
         B     RETURN1
*
* MATCH8: R15 = 0 when the 8-byte name at R4 matches the pattern at R3
MATCH8   STM   14,12,0(13)
         LA    13,60(,13)
         SR    5,5                  position of the *
MAT1     LA    6,0(5,3)
         CLI   0(6),C'*'
         BE    MAT2
         LA    5,1(,5)
         C     5,=F'8'
         BL    MAT1
         LA    15,4                 no *: the whole name
         CLC   0(8,3),0(4)
         BNE   RETURN
         SR    15,15
         B     RETURN
MAT2     LA    15,4
         LTR   5,5                  the part before the *
         BZ    MAT3
         BCTR  5,0
         EX    5,MATCLC
         BNE   RETURN
         LA    5,1(,5)
MAT3     LR    1,3                  the part after the *
         LA    1,1(5,1)
         LA    0,7
         SR    0,5
         BAL   14,FLDLEN            R0 = its length
         LR    6,0
         LR    1,4
         LA    0,8
         BAL   14,FLDLEN            R0 = length of the name
         LR    7,0
         LA    15,4
         LR    1,5
         AR    1,6
         CR    7,1                  long enough for both parts?
         BL    RETURN
         SR    15,15
         LTR   6,6
         BZ    RETURN
         LA    1,0(7,4)
         SR    1,6                  the end of the name
         LA    14,1(5,3)
         BCTR  6,0
         EX    6,MATCLC2
         BE    RETURN
         LA    15,4
         B     RETURN
MATCLC   CLC   0(0,3),0(4)
MATCLC2  CLC   0(0,1),0(14)
*
* FLDLEN: R0 = length of the field at R1 (R0 bytes) without trailing
* blanks
FLDLEN   LTR   0,0
         BNPR  14
         LR    15,1
         AR    15,0
FLDL1    BCTR  15,0
         CLI   0(15),C' '
         BNER  14
         BCT   0,FLDL1
         BR    14
*
*---------------------------------------------------------------------
* The allocation map.
*---------------------------------------------------------------------
* ALLOCB: R1 = a free block of disk R2, now in use (0: disk full)
ALLOCB   STM   14,12,0(13)
         LA    13,60(,13)
         USING ADT,2
         LA    3,ADTMAP
         L     4,ADTMAPL
         SR    5,5                  byte index
ALB1     CR    5,4
         BNL   ALBFULL
         LA    6,0(5,3)
         CLI   0(6),X'FF'
         BNE   ALB2
         LA    5,1(,5)
         B     ALB1
ALB2     SR    7,7                  bit index
ALB3     IC    1,BITS(7)
         EX    1,ALBTM
         BZ    ALB4
         LA    7,1(,7)
         B     ALB3
ALB4     LR    1,5
         SLL   1,3
         AR    1,7
         LA    1,1(,1)              the block number
         C     1,ADTMAXB
         BH    ALBFULL
         IC    0,0(,6)
         SR    14,14
         IC    14,BITS(7)
         OR    0,14
         STC   0,0(,6)
         L     0,ADTUSED
         A     0,=F'1'
         ST    0,ADTUSED
         B     RETURN
ALBFULL  SR    1,1
         B     RETURN
ALBTM    TM    0(6),0
         DROP  2
*
* FREEB: block R1 of disk R2 is free again
FREEB    STM   14,12,0(13)
         LA    13,60(,13)
         USING ADT,2
         LTR   1,1
         BNP   RETURN
         C     1,ADTMAXB
         BH    RETURN
         BCTR  1,0
         LR    7,1
         N     7,=F'7'
         SRL   1,3
         LA    6,ADTMAP(1)
         IC    1,BITS(7)
         EX    1,ALBTM
         BZ    RETURN               already free
         IC    0,0(,6)
         SR    14,14
         IC    14,BITS(7)
         XR    0,14
         STC   0,0(,6)
         L     0,ADTUSED
         S     0,=F'1'
         ST    0,ADTUSED
         B     RETURN
         DROP  2
*
* WRMFD: write the master file directory and the map extension
* blocks of disk R2 from the disk table. R15 = 0 or the I/O error.
WRMFD    STM   14,12,0(13)
         LA    13,60(,13)
         USING ADT,2
         XC    ADTMFD(256),ADTMFD
         XC    ADTMFD+256(108),ADTMFD+256
         LA    3,ADTMFD
         LH    4,ADTNFST
         LA    5,ADTFSTB
         LTR   4,4
         BZ    WRM2
WRM1     MVC   0(2,3),0(5)
         LA    3,2(,3)
         LA    5,2(,5)
         BCT   4,WRM1
WRM2     LH    4,ADTNEXT
         LTR   4,4
         BNZ   WRM3
         MVC   0(2,3),=X'FFFF'      no extension
         B     WRM5
WRM3     MVC   0(2,3),=X'FFFD'      extension blocks follow
         LA    3,2(,3)
         LA    5,ADTEXTB
WRM4     MVC   0(2,3),0(5)
         LA    3,2(,3)
         LA    5,2(,5)
         BCT   4,WRM4
WRM5     MVC   ADTMFD+364(4),ADTNUM
         MVC   ADTMFD+368(4),ADTUSED
         L     1,ADTNUM
         S     1,ADTUSED
         ST    1,ADTMFD+372         ADTLEFT
         L     1,ADTMAPL            ADTLAST: the last non-zero byte
WRM6     BCTR  1,0
         LTR   1,1
         BNP   WRM7
         LA    3,ADTMAP(1)
         CLI   0(3),0
         BE    WRM6
WRM7     LTR   1,1
         BNM   WRM7A
         SR    1,1
WRM7A    ST    1,ADTMFD+376
         MVC   ADTMFD+380(4),ADTCYL
         MVC   ADTMFD+384(215),ADTMAP
         MVC   ADTMFD+599(1),ADTTYPE
         LA    3,4
         LA    4,ADTMFD
         BAL   14,WRBLK
         LTR   15,15
         BNZ   RETURN
         LH    6,ADTNEXT
         LTR   6,6
         BZ    RETURN
         LA    4,ADTMAP+215
         LA    7,ADTEXTB
WRM8     SR    3,3
         ICM   3,3,0(7)
         BAL   14,WRBLK
         LTR   15,15
         BNZ   RETURN
         LA    4,800(,4)
         LA    7,2(,7)
         BCT   6,WRM8
         B     RETURN
         DROP  2
*
* MKDATE: the FST date fields from the clock: FDATE (BCD MMDD),
* FTIME (BCD HHMM), FYEAR (2 characters)
MKDATE   ST    14,MKDR14
         BAL   14,CLOCK
         L     14,MKDR14
         MVC   DATEWK(2),TODDATE    MM
         MVC   DATEWK+2(2),TODDATE+3  DD
         MVI   DATEWK+4,C'0'
         PACK  DATEPK(3),DATEWK(5)
         MVC   FDATE,DATEPK
         MVC   DATEWK(2),TODTIME    HH
         MVC   DATEWK+2(2),TODTIME+3  MM
         PACK  DATEPK(3),DATEWK(5)
         MVC   FTIME,DATEPK
         MVC   FYEAR,TODDATE+6
         BR    14
