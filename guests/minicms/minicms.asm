*---------------------------------------------------------------------
* MINICMS - vm390's own CMS-like guest.
*
* Runs in S/370 basic-control mode without DAT, as VM/370 R6 CMS does,
* and talks to CP the way CMS does: the 3215 console through START
* I/O, CMS-format minidisks (800-byte blocks, VM/370 R6 layout, see
* shared/cms370/FORMATS.md section D) through DIAGNOSE X'18', CP
* commands through DIAGNOSE X'08'; DIAGNOSE X'00', X'24', X'60' and
* X'0C' identify CP, find devices, size storage and read the clock.
*
* The sources are concatenated by cp/build.rs in this order:
*   minicms.asm  low storage, IPL, command loop, dispatch, CP
*   console.asm  console I/O, line builder, tokens, numbers
*   disk.asm     DIAGNOSE X'18', ACCESS, allocation map, directory
*   files.asm    reading and writing files (chain links)
*   commands.asm LISTFILE TYPE STATE ERASE RENAME COPYFILE QUERY
*                ACCESS RELEASE FORMAT
*   help.asm     HELP (and ?), SET CODEPAGE
*   edit.asm     the line editor
*   exec.asm     EXEC files
*   spool.asm    PUNCH PRINT READCARD TELL QUERY READER (at X'5000',
*                base register R7)
*   edit2.asm    more EDIT subcommands (after spool.asm, base R7)
*   exec2.asm    the EXEC interpreter (at X'B000', bases R7, R6)
*   fsedit.asm   EDIT's full-screen mode, (FULL (at X'E000', base R7)
*   (help)       the help texts, made from help/*.helpcmd
*   data.asm     messages, tables, work areas
*
* Linkage: R13 is a downward-free stack of 60-byte save areas; a
* routine saves R14-R12 with STM 14,12,0(13) / LA 13,60(,13) and
* returns through RETURN, which restores R14 and R2-R12 and leaves
* R0, R1 and R15 as results. R8-R12 are the base registers.
*---------------------------------------------------------------------
MINICMS  START 0
         USING MINICMS,12,11,10,9,8
*
* Low storage (S/370 BC mode, GA22-7000 "Permanent storage
* assignments"). The first doubleword is the IPL PSW that vm390
* loads when it IPLs the built-in saved system MINICMS.
*
IPLPSW   DC    X'00000000',A(IPL)
         ORG   MINICMS+X'58'
EXTNPSW  DC    X'00000000',A(EXTINT)    external new
SVCNPSW  DC    X'00000000',A(SVCINT)    SVC new
PGMNPSW  DC    X'00000000',A(PGMINT)    program new
MCKNPSW  DC    X'00020000',A(X'00DEAD')  machine check new
IONPSW   DC    X'00000000',A(IOINT)     I/O new
         ORG   MINICMS+X'200'
*
* Absolute areas outside the program (storage must be 1M or more).
*
STACK    EQU   X'038000'            save-area stack (8K)
FSTBUF   EQU   X'010000'            directory (FST) block being read
FRCL1    EQU   X'010400'            reader: first chain link
FRCLN    EQU   X'010800'            reader: current later chain link
FRBUF    EQU   X'010C00'            reader: current data block
FWCL     EQU   X'011000'            writer: chain link being built
FWBUF    EQU   X'011400'            writer: data block being filled
BLKBUF   EQU   X'011800'            any block
BLKBUF2  EQU   X'011C00'            any block
RESPBUF  EQU   X'012000'            CP response buffer (8K)
FWCL2    EQU   X'014000'            writer: later chain link
INRAW    EQU   X'014400'            console line as typed (132)
EDLAST   EQU   X'014500'            editor: the last subcommand (268)
RESPLEN  EQU   8192
RECBUF   EQU   X'020000'            one record (64K)
FWLIST   EQU   X'030000'            writer: data block numbers (32K)
ADTAREA  EQU   X'040000'            26 disk tables, A to Z
ADTSIZE  EQU   X'2800'
EXECAREA EQU   X'082000'            EXEC file lines
EXECEND  EQU   X'090000'
EDPTRS   EQU   X'090000'            editor: line pointers
EDMAXL   EQU   16384                editor: most lines
EDHEAP   EQU   X'0A0000'            editor: line text
MINSTOR  EQU   X'100000'            smallest virtual machine
*
*---------------------------------------------------------------------
* IPL: identify CP, find the console, size storage, read the clock,
* access the A-disk, say hello and Ready;.
*---------------------------------------------------------------------
IPL      SR    12,12                the image starts at address 0
         LA    11,4095(,12)
         LA    11,1(,11)
         LA    10,4095(,11)
         LA    10,1(,10)
         LA    9,4095(,10)
         LA    9,1(,9)
         LA    8,4095(,9)
         LA    8,1(,8)
         L     13,=A(STACK)
* DIAGNOSE X'00': store extended identification (CP name, user)
         LA    2,CPID
         LA    3,36
         DIAG  2,3,X'0000'
* DIAGNOSE X'24' with -1: the virtual console's address
         L     2,=F'-1'
         DIAG  2,4,X'0024'
         BNZ   NOCONS
         STH   2,CONSADDR
         ST    5,CONSINFO           real device word (byte 3 = width)
* DIAGNOSE X'60': virtual storage size
         DIAG  2,0,X'0060'
         ST    2,STORSIZE
         C     2,=A(MINSTOR)
         BL    SMALLSTO
* DIAGNOSE X'0C': date and time
         BAL   14,CLOCK
* upper-case translate table
         BAL   14,MKUPTAB
* the A-disk: ACCESS 191 A, quietly unless read-only
         LA    1,X'191'
         LA    0,C'A'
         BAL   14,ACCDISK
         LTR   15,15
         BZ    IPLBAN
         LR    3,15
         LA    1,X'191'
         LA    0,C'A'
         BAL   14,ACCERR            say why not
IPLBAN   BAL   14,LBEG
         LA    1,BANNER
         BAL   14,LSTR
         LA    1,CPID               CP's system name (VM/370)
         BAL   14,LFLD
         LA    1,BANNER2
         BAL   14,LSTR
         LA    1,TODDATE
         LA    0,8
         BAL   14,LTXT
         LA    1,C' '
         BAL   14,LCHR
         LA    1,TODTIME
         LA    0,5
         BAL   14,LTXT
         BAL   14,LOUT
         LA    1,MBANNER3           Type HELP for a list of commands.
         BAL   14,MSG
         XC    LASTRC,LASTRC
*---------------------------------------------------------------------
* The command loop: Ready;, read a line, run it.
*---------------------------------------------------------------------
READY    L     13,=A(STACK)
         MVI   INEXEC,0
         MVI   EXHT,0               no EXEC runs (after a program
         MVI   MSGOFF,0             check in one too): its state
         MVI   MSGEDIT,0            goes
         L     1,=A(EXLEVEL)
         XC    0(8,1),0(1)          (EXLEVEL, EXRDDEP)
         L     1,LASTRC
         BAL   14,SAYREADY
RDLOOP   BAL   14,RDTERM            R1 -> line, R0 = length
         LTR   0,0
         BZ    RDLOOP               a null line: read again
         BAL   14,EXECUTE
         ST    15,LASTRC
         B     READY
*
NOCONS   LPSW  DEADCONS             no console: nothing to talk to
SMALLSTO LA    1,MSGSMALL
         BAL   14,LBEG
         BAL   14,LSTR
         BAL   14,LOUT
         LPSW  DEADSTOR
*
* SAYREADY: Ready; or Ready(rc); for R1 = return code
SAYREADY STM   14,12,0(13)
         LA    13,60(,13)
         LR    2,1
         BAL   14,LBEG
         LTR   2,2
         BNZ   SAYRC
         LA    1,MREADY
         BAL   14,LSTR
         B     SAYOUT
SAYRC    LA    1,MREADYP
         BAL   14,LSTR
         LPR   1,2
         CVD   1,DWORK
         UNPK  NUMWORK(5),DWORK+5(3)
         OI    NUMWORK+4,X'F0'
         LA    1,NUMWORK
         LA    0,5
         LTR   2,2
         BNM   SAYPOS
         MVI   NUMWORK,C'-'         negative: - and four digits
SAYPOS   BAL   14,LTXT
         LA    1,MREADYS
         BAL   14,LSTR
SAYOUT   BAL   14,LOUT
         B     RETURN
*
* RETURN: common exit. R0, R1 and R15 are the results.
RETURN   S     13,=F'60'
         L     14,0(,13)
         LM    2,12,16(13)
         BR    14
* RETURN1: the same, R1 restored as well (R0 and R15 the results)
RETURN1  S     13,=F'60'
         L     14,0(,13)
         L     1,12(,13)
         LM    2,12,16(13)
         BR    14
*
* CLOCK: DIAGNOSE X'0C' into TODDATE (MM/DD/YY) and TODTIME
CLOCK    LA    1,TODAREA
         DIAG  1,0,X'000C'
         BR    14
*
* MKUPTAB: UPTAB translates EBCDIC lower case to upper case
MKUPTAB  SR    1,1
MKUP1    STC   1,UPTAB(1)
         LA    1,1(,1)
         C     1,=F'256'
         BL    MKUP1
         OC    UPTAB+X'81'(9),=9X'40'
         OC    UPTAB+X'91'(9),=9X'40'
         OC    UPTAB+X'A2'(8),=8X'40'
         BR    14
*
*---------------------------------------------------------------------
* EXECUTE: run the command line at R1, length R0. Returns R15 = rc.
* Order as CMS: an EXEC file of that name, a MINICMS command, CP.
*---------------------------------------------------------------------
EXECUTE  STM   14,12,0(13)
         LA    13,60(,13)
         BAL   14,TOKENIZE
         SR    15,15
         ICM   2,15,NTOK
         BZ    RETURN               nothing on the line
         CLI   INEXEC,0             within an EXEC: no implied EXEC
         BNE   EXCMD
* HELP is MINICMS's own: R6's HELP EXEC (on the 19D) is not for
* MINICMS's EXEC processor, so an accessed HELP EXEC does not take it.
         CLC   TOKENS(8),=CL8'HELP'
         BE    EXCMD
         MVC   FINDID(8),TOKENS
         MVC   FINDID+8(8),=CL8'EXEC'
         BAL   14,FINDANY           an EXEC of that name?
         LTR   1,1
         BZ    EXCMD
         SR    2,2                  arguments from token 1
         BAL   14,EXECRUN
         B     RETURN
EXCMD    LA    2,CMDTAB             look the command up
         BAL   14,TOKLEN0           R1 = length of token 0
         LR    3,1
         LTR   3,3
         BZ    EXCP
         C     3,=F'8'
         BH    EXCP
         BCTR  3,0
EXLOOP   CLI   0(2),X'FF'
         BE    EXCP
         CLM   3,1,8(2)             at least the minimum length
         BL    EXNEXT
         EX    3,EXCLC
         BNE   EXNEXT
         L     15,8(,2)
         LA    15,0(,15)
         BALR  14,15                run it (R15 = rc)
         B     RETURN
EXNEXT   LA    2,12(,2)
         B     EXLOOP
EXCLC    CLC   TOKENS(0),0(2)
* not ours: CP's, with no response buffer (its output goes to the
* console); CP's return code 1 (unknown command) becomes CMS's -3,
* with Unknown CP/CMS command at the terminal (not from an EXEC).
EXCP     L     2,LINEADR
         AH    2,TOKPOS
         L     3,LINELEN
         SH    3,TOKPOS
         BAL   14,CPNOBUF
         C     15,=F'1'
         BNE   RETURN
         CLI   INEXEC,0             from an EXEC: no message (R6)
         BNE   EXCPUNK
         BAL   14,LBEG
         LA    1,MUNKNOWN
         BAL   14,LSTR
         BAL   14,LOUT
EXCPUNK  L     15,=F'-3'
         B     RETURN
*
* CPNOBUF: DIAGNOSE X'08', R2 -> command, R3 = length; R15 = CP rc
CPNOBUF  LTR   3,3
         BNPR  14
         C     3,=F'132'
         BNH   CPNB1
         LA    3,132
CPNB1    DIAG  2,3,X'0008'
         LR    15,3
         BR    14
*
*---------------------------------------------------------------------
* CP command: DIAGNOSE X'08' with a response buffer (flag X'40'),
* the response shown a line at a time.
*---------------------------------------------------------------------
CPCMD    STM   14,12,0(13)
         LA    13,60(,13)
         SR    15,15
         CLC   NTOK,=F'1'
         BNH   RETURN               CP alone: nothing to do
         L     2,LINEADR
         AH    2,TOKPOS+2
         L     4,LINELEN
         SH    4,TOKPOS+2
         C     4,=F'132'
         BNH   CPC1
         LA    4,132
CPC1     O     4,=X'40000000'
         L     3,=A(RESPBUF)
         L     5,=A(RESPLEN)
         DIAG  2,4,X'0008'
         LR    6,4                  CP's return code
         L     2,=A(RESPBUF)
         LR    3,5
         C     3,=A(RESPLEN)
         BNH   CPC2
         L     3,=A(RESPLEN)
CPC2     BAL   14,SHOWRESP
         LR    15,6
         B     RETURN
*
* SHOWRESP: write the lines (ended by X'15') at R2, R3 bytes
SHOWRESP STM   14,12,0(13)
         LA    13,60(,13)
         LA    4,0(2,3)             end
SHR1     CR    2,4
         BNL   RETURN
         LR    5,2                  start of the line
SHR2     CR    2,4
         BNL   SHR3
         CLI   0(2),X'15'
         BE    SHR3
         LA    2,1(,2)
         B     SHR2
SHR3     LR    1,5
         LR    0,2
         SR    0,5
         BAL   14,WRTERM
         LA    2,1(,2)              past the X'15'
         B     SHR1
*
*---------------------------------------------------------------------
* Interruptions.
*---------------------------------------------------------------------
EXTINT   LPSW  X'18'                external: ignore
SVCINT   LPSW  X'20'                SVC: nothing is served, resume
* A program check ends the command: say where, and Ready(-1).
PGMINT   L     13,=A(STACK)
         MVC   PGMOLD,X'28'
         BAL   14,LBEG
         LA    1,MABEND1
         BAL   14,LSTR
         LH    1,PGMOLD+2           interruption code
         LA    0,3
         BAL   14,LHEX
         LA    1,MABEND2
         BAL   14,LSTR
         L     1,PGMOLD+4
         LA    0,6
         BAL   14,LHEX
         LA    1,C'.'
         BAL   14,LCHR
         BAL   14,LOUT
         L     1,=F'-1'
         ST    1,LASTRC
         B     READY
