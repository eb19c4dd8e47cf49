*---------------------------------------------------------------------
* Files: the reader (FROPEN, FRGET) walks a file's chain links and
* data blocks; the writer (FWOPEN, FWPUT, FWCLOSE) fills new blocks
* and builds the chain links: the first chain link holds 40 block
* numbers of later links and the first 60 data blocks (200 bytes
* used), each later link 400 data blocks (FORMATS.md D.4).
*---------------------------------------------------------------------
*
* FROPEN: open the file whose FST entry is at R1 on disk R2.
* R15 = 0 or the I/O error.
FROPEN   STM   14,12,0(13)
         LA    13,60(,13)
         MVC   FRFST,0(1)
         ST    2,FRADT
         XC    FRIDX,FRIDX
         XC    FRLINK,FRLINK
         LA    1,800
         ST    1,FRPOS
         SR    1,1
         ICM   1,3,FRFST+26         items
         ST    1,FRLEFT
         SR    1,1
         ICM   1,3,FRFST+36         data blocks
         ST    1,FRNBLK
         SR    3,3
         ICM   3,3,FRFST+28         first chain link
         L     4,=A(FRCL1)
         BAL   14,RDBLK
         B     RETURN
*
* FRDBLK: R1 = the block number of data block R1 (from 0)
FRDBLK   STM   14,12,0(13)
         LA    13,60(,13)
         C     1,=F'60'
         BNL   FRD1
         AR    1,1
         A     1,=A(FRCL1+80)
         LR    3,1
         SR    1,1
         ICM   1,3,0(3)
         B     RETURN
FRD1     S     1,=F'60'
         SR    0,0
         D     0,=F'400'            R1 = later link, R0 = entry
         LR    5,0
         LA    1,1(,1)
         C     1,FRLINK
         BE    FRD2
         ST    1,FRLINK
         BCTR  1,0
         AR    1,1
         A     1,=A(FRCL1)
         SR    3,3
         ICM   3,3,0(1)
         L     4,=A(FRCLN)
         L     2,FRADT
         BAL   14,RDBLK
FRD2     AR    5,5
         A     5,=A(FRCLN)
         SR    1,1
         ICM   1,3,0(5)
         B     RETURN
*
* FRBYTES: the next R0 bytes of the file to R1. R15 = 0, 4 at the end
FRBYTES  STM   14,12,0(13)
         LA    13,60(,13)
         LR    6,1                  destination
         LR    7,0                  bytes wanted
FRB1     SR    15,15
         LTR   7,7
         BNP   RETURN
         L     5,FRPOS
         C     5,=F'800'
         BL    FRB2
         L     1,FRIDX              next data block
         LA    15,4
         C     1,FRNBLK
         BNL   RETURN
         BAL   14,FRDBLK
         LR    3,1
         L     4,=A(FRBUF)
         L     2,FRADT
         BAL   14,RDBLK
         LTR   15,15
         BNZ   RETURN
         L     1,FRIDX
         LA    1,1(,1)
         ST    1,FRIDX
         SR    5,5
         ST    5,FRPOS
FRB2     LA    3,800                copy what this block has
         SR    3,5
         CR    3,7
         BNH   FRB3
         LR    3,7
FRB3     LR    2,6
         L     4,=A(FRBUF)
         AR    4,5
         LR    1,3
         LR    5,3
         MVCL  2,4
         AR    6,1
         SR    7,1
         L     5,FRPOS
         AR    5,1
         ST    5,FRPOS
         B     FRB1
*
* FRGET: the next record to R1: R0 = its length, R15 = 0, 4 at the end
FRGET    STM   14,12,0(13)
         LA    13,60(,13)
         LR    6,1
         LA    15,4
         L     1,FRLEFT
         LTR   1,1
         BNP   RETURN
         BCTR  1,0
         ST    1,FRLEFT
         CLI   FRFST+30,C'V'
         BE    FRG1
         L     7,FRFST+32           F: LRECL bytes
         B     FRG2
FRG1     LA    1,HALF               V: a halfword length, then the data
         LA    0,2
         BAL   14,FRBYTES
         LTR   15,15
         BNZ   RETURN
         SR    7,7
         ICM   7,3,HALF
FRG2     C     7,=A(65535)
         BNH   FRG3
         L     7,=A(65535)
FRG3     LR    1,6
         LR    0,7
         BAL   14,FRBYTES
         LR    0,7
         B     RETURN
*
* FREECH: free every block of the file whose FST entry is at R1 on
* disk R2 (data blocks, later chain links, the first chain link)
FREECH   STM   14,12,0(13)
         LA    13,60(,13)
         BAL   14,FROPEN
         LTR   15,15
         BNZ   RETURN
         SR    6,6
FRC1     C     6,FRNBLK
         BNL   FRC2
         LR    1,6
         BAL   14,FRDBLK
         BAL   14,FREEB
         LA    6,1(,6)
         B     FRC1
FRC2     L     3,=A(FRCL1)          the later links
         LA    6,40
FRC3     SR    1,1
         ICM   1,3,0(3)
         BAL   14,FREEB
         LA    3,2(,3)
         BCT   6,FRC3
         SR    1,1
         ICM   1,3,FRFST+28
         BAL   14,FREEB
         SR    15,15
         B     RETURN
*
*---------------------------------------------------------------------
* The writer.
*---------------------------------------------------------------------
* FWOPEN: start a file on disk R2, record format R0 (C'F'/C'V'),
* LRECL R1 (F)
FWOPEN   ST    2,FWADT
         STC   0,FWRECFM
         ST    1,FWLRECL
         XC    FWNBLK,FWNBLK
         XC    FWPOS,FWPOS
         XC    FWITEMS,FWITEMS
         XC    FWMAXL,FWMAXL
         XC    FWERR,FWERR
         L     1,=A(FWBUF)
         XC    0(256,1),0(1)
         XC    256(256,1),256(1)
         XC    512(256,1),512(1)
         XC    768(32,1),768(1)
         BR    14
*
* FWPUT: add the record at R1, R0 bytes (F: LRECL bytes are taken)
FWPUT    STM   14,12,0(13)
         LA    13,60(,13)
         LR    6,1
         LR    7,0
         CLI   FWRECFM,C'V'
         BE    FWP1
         L     7,FWLRECL
         B     FWP2
FWP1     STH   7,HALF
         LA    1,HALF
         LA    0,2
         BAL   14,FWBYTES
         C     7,FWMAXL
         BNH   FWP2
         ST    7,FWMAXL
FWP2     LR    1,6
         LR    0,7
         BAL   14,FWBYTES
         L     1,FWITEMS
         LA    1,1(,1)
         ST    1,FWITEMS
         L     15,FWERR
         B     RETURN
*
* FWBYTES: R0 bytes at R1 into the file
FWBYTES  STM   14,12,0(13)
         LA    13,60(,13)
         LR    6,1
         LR    7,0
FWB1     LTR   7,7
         BNP   RETURN
         L     5,FWPOS
         LA    3,800
         SR    3,5
         CR    3,7
         BNH   FWB2
         LR    3,7
FWB2     L     2,=A(FWBUF)
         AR    2,5
         LR    4,6
         LR    1,3
         LR    5,3
         MVCL  2,4
         AR    6,1
         SR    7,1
         L     5,FWPOS
         AR    5,1
         ST    5,FWPOS
         C     5,=F'800'
         BL    FWB1
         BAL   14,FWFLUSH
         B     FWB1
*
* FWFLUSH: write the block being filled to a new block
FWFLUSH  STM   14,12,0(13)
         LA    13,60(,13)
         L     2,FWADT
         L     1,FWNBLK
         C     1,=F'16060'          the most a file can have
         BNL   FWFFULL
         BAL   14,ALLOCB
         LTR   3,1
         BZ    FWFFULL
         L     4,=A(FWBUF)
         BAL   14,WRBLK
         LTR   15,15
         BZ    FWF1
         ST    15,FWERR
FWF1     L     1,FWNBLK
         AR    1,1
         A     1,=A(FWLIST)
         STH   3,0(,1)
         L     1,FWNBLK
         LA    1,1(,1)
         ST    1,FWNBLK
         B     FWF2
FWFFULL  LA    1,13                 disk full
         ST    1,FWERR
FWF2     XC    FWPOS,FWPOS
         L     1,=A(FWBUF)
         XC    0(256,1),0(1)
         XC    256(256,1),256(1)
         XC    512(256,1),512(1)
         XC    768(32,1),768(1)
         B     RETURN
*
* FWCLOSE: write the last block and the chain links. R15 = 0, or 13
* (disk full: everything written is freed again) or an I/O error.
FWCLOSE  STM   14,12,0(13)
         LA    13,60(,13)
         L     1,FWPOS
         LTR   1,1
         BZ    FWC1
         BAL   14,FWFLUSH
FWC1     BAL   14,FWCHAIN
         B     RETURN
*
* FWCHAIN: the chain links for the FWNBLK data blocks in FWLIST;
* FWFCL = the first chain link. On error everything is freed.
FWCHAIN  STM   14,12,0(13)
         LA    13,60(,13)
         L     2,FWADT
         XC    FWFCL,FWFCL
         L     15,FWERR
         LTR   15,15
         BNZ   FWCABORT
         BAL   14,ALLOCB            the first chain link
         LTR   1,1
         BZ    FWCFULL
         ST    1,FWFCL
         L     3,=A(FWCL)
         BAL   14,FWCLR
         L     6,FWNBLK             its data blocks 1-60
         C     6,=F'60'
         BNH   FWC2
         LA    6,60
FWC2     LTR   6,6
         BZ    FWC3
         L     4,=A(FWLIST)
         LA    5,80(,3)
         AR    6,6
         BCTR  6,0
         EX    6,FWCMVC
FWC3     L     6,FWNBLK             the later links, 400 blocks each
         S     6,=F'60'
         BNP   FWC6
         L     7,=A(FWLIST+120)
         L     5,=A(FWCL)
FWC4     BAL   14,ALLOCB
         LTR   1,1
         BZ    FWCFULL
         STH   1,0(,5)
         LA    5,2(,5)
         ST    1,FWCLB
         L     3,=A(FWCL2)
         BAL   14,FWCLR
         LR    4,6
         C     4,=F'400'
         BNH   FWC5
         LA    4,400
FWC5     LR    0,3
         LR    1,4
         AR    1,1
         LR    14,7
         LR    15,1
         MVCL  0,14
         AR    7,4
         AR    7,4
         SR    6,4
         L     3,FWCLB
         L     4,=A(FWCL2)
         BAL   14,WRBLK
         LTR   15,15
         BNZ   FWCERR
         LTR   6,6
         BP    FWC4
FWC6     L     3,FWFCL              write the first link
         L     4,=A(FWCL)
         BAL   14,WRBLK
         LTR   15,15
         BNZ   FWCERR
         B     RETURN
FWCFULL  LA    15,13
FWCERR   ST    15,FWERR
FWCABORT BAL   14,FWFREE
         L     15,FWERR
         B     RETURN
FWCMVC   MVC   0(0,5),0(4)
*
* FWCLR: zero the 800 bytes at R3
FWCLR    XC    0(256,3),0(3)
         XC    256(256,3),256(3)
         XC    512(256,3),512(3)
         XC    768(32,3),768(3)
         BR    14
*
* FWFREE: free what the writer allocated (data blocks and links)
FWFREE   STM   14,12,0(13)
         LA    13,60(,13)
         L     2,FWADT
         L     6,FWNBLK
         L     7,=A(FWLIST)
FWFR1    LTR   6,6
         BNP   FWFR2
         SR    1,1
         ICM   1,3,0(7)
         BAL   14,FREEB
         LA    7,2(,7)
         BCTR  6,0
         B     FWFR1
FWFR2    L     1,FWFCL
         LTR   1,1
         BZ    RETURN
         BAL   14,FREEB
         L     3,=A(FWCL)
         LA    6,40
FWFR3    SR    1,1
         ICM   1,3,0(3)
         BAL   14,FREEB
         LA    3,2(,3)
         BCT   6,FWFR3
         XC    FWFCL,FWFCL
         B     RETURN
*
* FWFST: build the FST entry of the file just written in NEWFST:
* name FINDID, mode letter R0 with digit R1 (both characters)
FWFST    STM   14,12,0(13)
         LA    13,60(,13)
         LR    6,0
         LR    7,1
         XC    NEWFST,NEWFST
         MVC   NEWFST(16),FINDID
         BAL   14,MKDATE
         MVC   NEWFST+16(2),FDATE
         MVC   NEWFST+18(2),FTIME
         L     1,FWITEMS
         LA    1,1(,1)
         STH   1,NEWFST+20          write pointer = items + 1
         MVC   NEWFST+22(2),=H'1'   read pointer
         STC   6,NEWFST+24
         STC   7,NEWFST+25
         L     1,FWITEMS
         STH   1,NEWFST+26
         L     1,FWFCL
         STH   1,NEWFST+28
         MVC   NEWFST+30(1),FWRECFM
         L     1,FWLRECL
         CLI   FWRECFM,C'V'
         BNE   FWFS1
         L     1,FWMAXL
FWFS1    ST    1,NEWFST+32
         L     1,FWNBLK
         STH   1,NEWFST+36
         MVC   NEWFST+38(2),FYEAR
         B     RETURN
*
*---------------------------------------------------------------------
* Directory updates.
*---------------------------------------------------------------------
* ADDFST: put the entry NEWFST into the first free slot of disk R2
* (a new FST block when all are full). R15 = 0, 13 full, or I/O.
ADDFST   STM   14,12,0(13)
         LA    13,60(,13)
         USING ADT,2
         SR    6,6                  block index
ADF1     CH    6,ADTNFST
         BNL   ADF4
         LR    1,6
         AR    1,1
         SR    3,3
         LA    15,ADTFSTB(1)
         ICM   3,3,0(15)
         L     4,=A(FSTBUF)
         BAL   14,RDBLK
         LTR   15,15
         BNZ   RETURN
         LA    7,20
ADF2     CLI   0(4),0
         BE    ADF3
         LA    4,40(,4)
         BCT   7,ADF2
         LA    6,1(,6)
         B     ADF1
ADF3     MVC   0(40,4),NEWFST
         L     4,=A(FSTBUF)
         BAL   14,WRBLK
         B     RETURN
ADF4     LA    15,13                a new FST block
         C     6,=F'170'
         BNL   RETURN
         BAL   14,ALLOCB
         LA    15,13
         LTR   3,1
         BZ    RETURN
         L     4,=A(FSTBUF)
         LR    5,3
         LR    3,4
         BAL   14,FWCLR
         LR    3,5
         MVC   0(40,4),NEWFST
         BAL   14,WRBLK
         LTR   15,15
         BNZ   RETURN
         LR    1,6
         AR    1,1
         STH   3,ADTFSTB(1)
         LA    6,1(,6)
         STH   6,ADTNFST
         SR    15,15
         B     RETURN
         DROP  2
*
* DELFST: remove the FST entry at offset FOUNDO of block FOUNDB of
* disk R2, moving the directory's last entry into its place so that
* entries stay packed at the front.
DELFST   STM   14,12,0(13)
         USING ADT,2
         LA    13,60(,13)
         LH    6,ADTNFST            the last FST block
         BCTR  6,0
         AR    6,6
         SR    3,3
         LA    15,ADTFSTB(6)
         ICM   3,3,0(15)
         ST    3,DELLB
         L     4,=A(BLKBUF2)
         BAL   14,RDBLK
         LTR   15,15
         BNZ   RETURN
         LA    5,19*40(,4)          its last used entry
         LA    7,20
DLF1     CLI   0(5),0
         BNE   DLF2
         S     5,=F'40'
         BCT   7,DLF1
         L     5,=A(BLKBUF2)        (none: treat as the first)
DLF2     L     1,FOUNDB
         C     1,DELLB
         BNE   DLF3
         L     1,FOUNDO             the same block
         AR    1,4
         MVC   0(40,1),0(5)
         XC    0(40,5),0(5)
         B     DLF4
DLF3     L     4,=A(BLKBUF)         another block: move the last there
         L     3,FOUNDB
         BAL   14,RDBLK
         LTR   15,15
         BNZ   RETURN
         L     1,FOUNDO
         AR    1,4
         MVC   0(40,1),0(5)
         BAL   14,WRBLK
         LTR   15,15
         BNZ   RETURN
         XC    0(40,5),0(5)
         L     4,=A(BLKBUF2)
DLF4     L     3,DELLB
         BAL   14,WRBLK
         LTR   15,15
         BNZ   RETURN
         L     1,=A(BLKBUF2)        the last block empty now?
         CLI   0(1),0
         BNE   RETURN
         LH    6,ADTNFST
         C     6,=F'1'
         BNH   RETURN               keep one FST block
         L     1,DELLB
         BAL   14,FREEB
         BCTR  6,0
         STH   6,ADTNFST
         SR    15,15
         B     RETURN
         DROP  2
*
* ERASEF: erase the file found by FINDFST (FOUNDFST, FOUNDB, FOUNDO)
* on disk R2: its blocks freed, its entry removed, the MFD written.
ERASEF   STM   14,12,0(13)
         LA    13,60(,13)
         LA    1,FOUNDFST
         BAL   14,FREECH
         BAL   14,DELFST
         LTR   15,15
         BNZ   RETURN
         BAL   14,WRMFD
         B     RETURN
