*---------------------------------------------------------------------
* Constants, messages (CMS R6 texts where CMS has them), tables and
* work areas. Messages are counted strings: a length byte, the text.
*---------------------------------------------------------------------
* The help texts must end below the EXEC interpreter (exec2.asm): a
* negative length is an assembly error.
HLPCHK   EQU   *
         ORG   HELPEND
         DS    XL(EX2ORG-HELPEND)
         ORG   HLPCHK
         LTORG
         DS    0D
WAITPSW  DC    X'FE020000',A(0)     enabled wait for I/O
DEADCONS DC    X'00020000',A(X'00C0')  disabled wait: no console
DEADSTOR DC    X'00020000',A(X'0060')  disabled wait: storage too small
D18CCW   DC    X'07',AL3(D18SEEK),X'40',X'00',H'6'      SEEK
         DC    X'31',AL3(D18SRCH),X'40',X'00',H'5'      SEARCH ID EQ
         DC    X'08',AL3(D18CCW+8),X'00',X'00',H'0'     TIC *-8
         DC    X'06',AL3(0),X'20',X'00',H'800'          READ / WRITE
CONCCW   DC    D'0'
CPID     DS    0D                   DIAGNOSE X'00' block
         DC    XL40'00'
TODAREA  DS    0D                   DIAGNOSE X'0C' block
TODDATE  DC    CL8' '
TODTIME  DC    CL8' '
         DC    XL16'00'
DWORK    DC    D'0'
D18SEEK  DC    XL6'00'
D18SRCH  DC    XL5'00'
D18OP    DC    X'00'
CONSADDR DC    H'0'
WAITDEV  DC    H'0'
HALF     DC    H'0'
CONOP    DC    X'00'
CHRWORK  DC    X'00'
         DS    0F
CONSINFO DC    F'0'
STORSIZE DC    F'0'
LASTRC   DC    F'0'
CONSR14  DC    F'0'
WAITR14  DC    F'0'
MKDR14   DC    F'0'
LINEP    DC    A(LINE)
SPLBASE  DC    A(SPOOLORG)          base (R7) of the spool commands
FSEBASE  DC    A(FSEORG)            base (R7) of the full-screen editor
LINEADR  DC    A(0)
LINELEN  DC    F'0'
NTOK     DC    F'0'
HEXW     DC    F'0',X'00'
HEXO     DC    CL9' '
NUMWORK  DC    CL13' '
PGMOLD   DC    D'0'
INEXEC   DC    X'00'
EXHT     DC    X'00'                1: &STACK HT, nothing typed
MSGOFF   DC    X'00'                1: this message line is not typed
MSGEDIT  DC    X'00'                1: an error message (DIAG X'5C')
*                                   the directory walk
         DS    0F
FSTIX    DC    F'0'
FSTEIX   DC    F'0'
FSTCURB  DC    F'0'
FOUNDB   DC    F'0'
FOUNDO   DC    F'0'
FOUNDADT DC    F'0'
DELLB    DC    F'0'
FINDID   DC    CL16' '
PATID    DC    CL16' '
FOUNDFST DC    XL40'00'
NEWFST   DC    XL40'00'
FDATE    DC    XL2'00'
FTIME    DC    XL2'00'
FYEAR    DC    CL2' '
DATEWK   DC    CL5' '
DATEPK   DC    XL3'00'
*                                   the reader
         DS    0F
FRADT    DC    F'0'
FRIDX    DC    F'0'
FRPOS    DC    F'0'
FRLEFT   DC    F'0'
FRNBLK   DC    F'0'
FRLINK   DC    F'0'
FRFST    DC    XL40'00'
*                                   the writer
         DS    0F
FWADT    DC    F'0'
FWLRECL  DC    F'0'
FWNBLK   DC    F'0'
FWPOS    DC    F'0'
FWITEMS  DC    F'0'
FWMAXL   DC    F'0'
FWERR    DC    F'0'
FWFCL    DC    F'0'
FWCLB    DC    F'0'
FWRECFM  DC    C' '
*
BITS     DC    X'8040201008040201'
HEXTR    DC    C'0123456789ABCDEF'
LETTERS  DC    C'ABCDEFGHIJKLMNOPQRSTUVWXYZ '
BLANKS   DC    CL132' '
* CKD types CMS disks can be on: DIAGNOSE X'24' type byte, MFD disk
* type code, 800-byte blocks per track, tracks per cylinder, model
DEVTYPES DC    X'08',X'0B',H'19',H'30',H'3350'
         DC    X'10',X'09',H'14',H'19',H'3330'
         DC    X'01',X'0A',H'8',H'12',H'3340'
         DC    X'00'
*
* Commands: name, shortest abbreviation - 1, routine
CMDTAB   DC    CL8'CP',AL1(1),AL3(CPCMD)
         DC    CL8'LISTFILE',AL1(0),AL3(LISTFILE)
         DC    CL8'TYPE',AL1(0),AL3(TYPE)
         DC    CL8'STATE',AL1(4),AL3(STATE)
         DC    CL8'STATEW',AL1(5),AL3(STATEW)
         DC    CL8'ERASE',AL1(1),AL3(ERASE)
         DC    CL8'RENAME',AL1(2),AL3(RENAME)
         DC    CL8'COPYFILE',AL1(3),AL3(COPYFILE)
         DC    CL8'QUERY',AL1(0),AL3(QUERY)
         DC    CL8'ACCESS',AL1(2),AL3(ACCESS)
         DC    CL8'RELEASE',AL1(2),AL3(RELEASE)
         DC    CL8'FORMAT',AL1(5),AL3(FORMAT)
         DC    CL8'EDIT',AL1(0),AL3(EDIT)
         DC    CL8'EXEC',AL1(1),AL3(EXEC)
         DC    CL8'HELP',AL1(3),AL3(HELP)
         DC    CL8'?',AL1(0),AL3(HELP)      R6: HELP * is ASTERISK
         DC    CL8'SET',AL1(2),AL3(SET)
         DC    CL8'PUNCH',AL1(1),AL3(PUNCH)     R6: PUnch
         DC    CL8'PRINT',AL1(1),AL3(PRINT)     R6: PRint
         DC    CL8'READCARD',AL1(3),AL3(READCARD) R6: READcard
         DC    CL8'TELL',AL1(3),AL3(TELL)
         DC    X'FF'
* HELP topic subtopic: the topics and the file type of their help
HLPSUBT  DC    CL8'EDIT',CL8'HELPEDT'
         DC    CL8'EXEC',CL8'HELPEXC'
         DC    CL8'DEBUG',CL8'HELPDBG'
         DC    X'FF'
* LISTFILE and COPYFILE options
OPTDATE  DC    AL1(4),C'DATE'
OPTEXEC  DC    AL1(4),C'EXEC'
OPTREPL  DC    AL1(7),C'REPLACE'
OPTMORE  DC    AL1(4),C'MORE'
OPTALL   DC    AL1(3),C'ALL'
LSTXPFX  DC    AL1(7),C' &&1 &&2 '
*
* Messages
BANNER   DC    AL1(L'BANNERT)
BANNERT  DC    C'MINICMS VERSION 1.0 ON '
BANNER2  DC    AL1(L'BANNER2T)
BANNER2T DC    C' - '
MREADY   DC    AL1(L'MREADYT)
MREADYT  DC    C'Ready;'
MREADYP  DC    AL1(L'MREADYPT)
MREADYPT DC    C'Ready('
MREADYS  DC    AL1(L'MREADYST)
MREADYST DC    C');'
MUNKNOWN DC    AL1(L'MUNKNOWT)
MUNKNOWT DC    C'Unknown CP/CMS command'
MHLPHEAD DC    AL1(MHLPHEAE-MHLPHEAT)
MHLPHEAT DC    C'MINICMS commands: HELP name shows one, '
         DC    C'HELP HELP tells more.'
MHLPHEAE EQU   *
MHLPHD2  DC    AL1(L'MHLPHD2T)
MHLPHD2T DC    C'The capitals in a syntax are the shortest form.'
MHLPVM1  DC    AL1(L'MHLPVM1T)
MHLPVM1T DC    C'VM/370 help files on disk '
MHLPVM2  DC    AL1(L'MHLPVM2T)
MHLPVM2T DC    C' ('
MHLPVM3  DC    AL1(L'MHLPVM3T)
MHLPVM3T DC    C'); HELP name types one:'
MHLPNONE DC    AL1(L'MHLPNONT)
MHLPNONT DC    C'No help found for '
MHLPMOR1 DC    AL1(L'MHLPMO1T)
MHLPMO1T DC    C'For more details, type HELP '
MHLPMOR2 DC    AL1(L'MHLPMO2T)
MHLPMO2T DC    C' ( MORE'
MHLPNOMO DC    AL1(L'MHLPNOMT)
MHLPNOMT DC    C'No more help found for '
MHLPBADT DC    AL1(L'MHLPBADX)
MHLPBADX DC    C' is not a valid topic for '
MHLPXTRA DC    AL1(L'MHLPXTRT)
MHLPXTRT DC    C' is an invalid operand.'
M047     DC    AL1(L'M047T)
M047T    DC    C'047E No function specified.'
M070     DC    AL1(L'M070T)
M070T    DC    C'070E Invalid parameter '''
M070B    DC    AL1(L'M070BT)
M070BT   DC    C'''.'
SETCPCMD DC    CL26'TERMINAL CODEPAGE'
MBANNER3 DC    AL1(L'MBANNR3T)
MBANNR3T DC    C'Type HELP for a list of commands.'
MABEND1  DC    AL1(L'MABEND1T)
MABEND1T DC    C'DMSABN148T System abend 0'
MABEND2  DC    AL1(L'MABEND2T)
MABEND2T DC    C' called from '
MSGSMALL DC    AL1(L'MSGSMALT)
MSGSMALT DC    C'MINICMS needs a virtual machine of 1M or more'
M002     DC    AL1(L'M002T)
M002T    DC    C'002E File '''
M002B    DC    AL1(L'M002BT)
M002BT   DC    C''' not found.'
M002L    DC    AL1(L'M002LT)
M002LT   DC    C'002E File not found.'
M002I    DC    AL1(L'M002IT)
M002IT   DC    C'002E Input file '''
M024     DC    AL1(L'M024T)
M024T    DC    C'024E File '''
M024B    DC    AL1(L'M024BT)
M024BT   DC    C''' already exists.'
M037     DC    AL1(L'M037T)
M037T    DC    C'037E Disk '''
M037B    DC    AL1(L'M037BT)
M037BT   DC    C''' is read/only.'
M054     DC    AL1(L'M054T)
M054T    DC    C'054E Incomplete fileID specified.'
M069     DC    AL1(L'M069T)
M069T    DC    C'069E Disk '''
M069B    DC    AL1(L'M069BT)
M069BT   DC    C''' not accessed.'
M104     DC    AL1(L'M104T)
M104T    DC    C'104S Error '''
M104B    DC    AL1(L'M104BT)
M104BT   DC    C''' reading or writing the disk.'
M017     DC    AL1(L'M017T)
M017T    DC    C'017E Invalid device address '''
M017B    DC    AL1(L'M017BT)
M017BT   DC    C'''.'
M048     DC    AL1(L'M048T)
M048T    DC    C'048E Invalid mode '''
M048B    DC    AL1(L'M048BT)
M048BT   DC    C'''.'
M113     DC    AL1(L'M113T)
M113T    DC    C'113S '
M113B    DC    AL1(L'M113BT)
M113BT   DC    C' not attached.'
M112     DC    AL1(L'M112T)
M112T    DC    C'112S '
M112B    DC    AL1(L'M112BT)
M112BT   DC    C' device error.'
M723     DC    AL1(L'M723T)
M723T    DC    C'DMSACC723I '
M603     DC    AL1(L'M603T)
M603T    DC    C'DMSFOR603R FORMAT will erase all files on disk '
M603B    DC    AL1(L'M603BT)
M603BT   DC    C'. Do you wish to continue? (YES|NO):'
M605     DC    AL1(L'M605T)
M605T    DC    C'DMSFOR605R Enter disk label:'
M732     DC    AL1(L'M732T)
M732T    DC    C'DMSFOR732I '
M732B    DC    AL1(L'M732BT)
M732BT   DC    C' cylinders formatted on disk '
M732C    DC    AL1(L'M732CT)
M732CT   DC    C'.'
MQD1     DC    AL1(L'MQD1T)
MQD1T    DC    C' FILES; '
MQD2     DC    AL1(L'MQD2T)
MQD2T    DC    C' REC IN USE, '
MQD3     DC    AL1(L'MQD3T)
MQD3T    DC    C' LEFT (of '
MQD4     DC    AL1(L'MQD4T)
MQD4T    DC    C'% FULL ('
MQD5     DC    AL1(L'MQD5T)
MQD5T    DC    C' CYL), '
MBLIP    DC    AL1(L'MBLIPT)
MBLIPT   DC    C'BLIP = OFF'
MNEWFILE DC    AL1(9),C'NEW FILE:'
MEDIT    DC    AL1(5),C'EDIT:'
MINPUT   DC    AL1(6),C'INPUT:'
MTOF     DC    AL1(4),C'TOF:'
MEOF     DC    AL1(4),C'EOF:'
MEDQ     DC    AL1(7),C'?EDIT: '
MNOTFND  DC    AL1(9),C'NOT FOUND'
MEDFULL  DC    AL1(L'MEDFULLT)
MEDFULLT DC    C'DMSEDI132S File too large for the storage available.'
M072     DC    AL1(L'M072T)
M072T    DC    C'072E Error in EXEC file '
M072B    DC    AL1(L'M072BT)
M072BT   DC    C', line 0 - File not found'
MEXNEST  DC    AL1(L'MEXNESTT)
MEXNESTT DC    C'DMSEXT074E EXECs nested too deeply in MINICMS.'
MEXBIG   DC    AL1(L'MEXBIGT)
MEXBIGT  DC    C'DMSEXT073E EXEC file too large.'
* editor subcommands: name, shortest abbreviation - 1, routine
EDCMDS   DC    CL8'INPUT',AL1(0),AL3(EDINPUT)
         DC    CL8'LOCATE',AL1(0),AL3(EDLOCATE)
         DC    CL8'LIST',AL1(1),AL3(EDLIST)
         DC    CL8'FIND',AL1(0),AL3(EDFIND)
         DC    CL8'TRUNC',AL1(1),AL3(EDTRUNCC)
         DC    CL8'CASE',AL1(3),AL3(EDCASEC)
         DC    CL8'TYPE',AL1(0),AL3(EDLIST)
         DC    CL8'CHANGE',AL1(0),AL3(EDCHANGE)
         DC    CL8'DELETE',AL1(1),AL3(EDDELETE)
         DC    CL8'TOP',AL1(1),AL3(EDTOP)
         DC    CL8'BOTTOM',AL1(0),AL3(EDBOT)
         DC    CL8'UP',AL1(0),AL3(EDUP)
         DC    CL8'DOWN',AL1(0),AL3(EDDOWN)
         DC    CL8'NEXT',AL1(0),AL3(EDDOWN)
         DC    CL8'FILE',AL1(3),AL3(EDFILE)
         DC    CL8'SAVE',AL1(3),AL3(EDSAVEC)
         DC    CL8'REPLACE',AL1(0),AL3(EDREPL)
         DC    CL8'INSERT',AL1(5),AL3(EDINPUT)
         DC    CL8'VERIFY',AL1(0),AL3(EDVERIFY)
         DC    CL8'ZONE',AL1(0),AL3(EDZONEC)
         DC    CL8'SERIAL',AL1(2),AL3(EDSERC)
         DC    CL8'QUIT',AL1(0),AL3(EDQUIT)
         DC    X'FF'
*
         DS    0F
EDN      DC    F'0'
EDCUR    DC    F'0'
EDHP     DC    F'0'
EDLRECL  DC    F'0'
EDTRUNC  DC    F'0'              the truncation column
EDZS0    DC    F'0'              ZONE: first column - 1
EDZE     DC    F'0'              ZONE: last column (0: the end)
EDADT    DC    F'0'
EDSA     DC    F'0'
EDSAL    DC    F'0'
EDSB     DC    F'0'
EDSBL    DC    F'0'
EDCHG    DC    F'0'
EDPSLOT  DC    F'0'
EDIX     DC    F'0'
EDNAME   DC    CL16' '
EDRECFM  DC    C' '
EDDIG    DC    C' '
EDDELIM  DC    C' '
EDCASE   DC    C'U'                 CASE U or M
EDFCOL   DC    X'00'                1: FIND (column 1 only)
EDVER    DC    X'01'                1: VERIFY ON; 2: LIST/TYPE
EDSVF    DC    X'00'                1: SAVE (not FILE)
EDATEOF  DC    X'00'                1: this subcommand said EOF:
EDWASEOF DC    X'00'                1: the one before did
MTRUNC   DC    AL1(9),C'TRUNCATED'
EDGLOB   DC    X'00'
*
         DS    0F
EX2BASE  DC    A(EX2ORG+4096,EX2ORG)  bases R6, R7 of exec2.asm
* an EXEC's own (kept by exec2.asm's EXPUSH when it calls EXEC):
EXNARG   DC    F'0'
EXEND    DC    F'0'
EXLOAD   DC    A(EXECAREA)          where its lines are loaded
EXRC     DC    F'0'
EXLLEN   DC    F'0'
EXCTL    DC    X'00'
EXNOMSG  DC    X'00'                &CONTROL NOMSG: no CMS messages
EXNAME   DC    CL8' '
EXARGS   DC    CL240' '             &1 .. &30
EXOWNL   EQU   *-EXNARG
*
         DS    0F
LSTCOUNT DC    F'0'
CPYIADT  DC    F'0'
CMDMOD   DC    CL3' '
SRCHMODE DC    C' '
SRCHDIG  DC    X'00'
STATEWF  DC    X'00'
LSTOPT   DC    X'00'
CPYODIG  DC    C' '
FOROLD   DC    H'0'
CPYIFST  DC    XL40'00'
OLDFST   DC    XL40'00'
NEWNAME  DC    CL16' '
HLPTOPIC DC    CL8' '
HLPSUB   DC    CL8' '
HLPTYPE  DC    CL8' '
HLPNAME  DC    CL8' '
HLPTYP2  DC    CL8' '
HLPHOW   DC    X'00'                0 BRIEF, 1 MORE, 2 ALL
BCDIN    DC    XL3'00'
BCDOUT   DC    CL5' '
*
         LTORG
*
* Areas beyond the assembled image (zero at IPL)
LINE     DS    CL160
INBUF    DS    CL132
TOKENS   DS    CL256
TOKPOS   DS    33H
UPTAB    DS    CL256
EXLINE   DS    CL160
* The spool commands (SPOOLORG, spool.asm) must lie above all of
* this: a negative length here is an assembly error.
         DS    XL(SPOOLORG-*)
*
*---------------------------------------------------------------------
* A disk table (one per mode letter at ADTAREA, ADTSIZE apart).
*---------------------------------------------------------------------
ADT      DSECT
ADTVDEV  DS    H                    vdev; 0 = not accessed
ADTMODE  DS    C                    mode letter
ADTFLAG  DS    X                    X'80' read-only
ADTBPT   DS    H                    blocks per track
ADTHEADS DS    H                    tracks per cylinder
ADTNFST  DS    H                    FST blocks
ADTNEXT  DS    H                    QMSK extension blocks
ADTDTYPE DS    H                    device type (3350)
ADTTYPE  DS    X                    MFD disk type code
ADTDEVT  DS    X                    DIAGNOSE X'24' type byte
ADTID    DS    CL6                  label
         DS    0F
ADTNUM   DS    F                    blocks on the disk
ADTUSED  DS    F                    blocks in use
ADTMAXB  DS    F                    highest block the map covers
ADTCYL   DS    F                    cylinders
ADTMAPL  DS    F                    bytes of map (215 + 800 x ext)
ADTFSTB  DS    180H                 FST block numbers
ADTEXTB  DS    12H                  extension block numbers
         DS    0D
ADTMFD   DS    CL800                the MFD as read / to write
ADTMAP   DS    XL8400               the allocation map (QMSK)
ADTLEN   EQU   *-ADT
         END   IPL
