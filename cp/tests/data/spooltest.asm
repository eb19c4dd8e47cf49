*---------------------------------------------------------------------
* SPOOLTEST - a tiny guest for cp/tests/spool.rs: prints two lines on
* 00E (left open), spools its punch to its own reader (DIAGNOSE X'08'
* SPOOL PUNCH TO *), punches three cards on 00D, closes the punch
* (CLOSE 00D NAME X Y), then reads the deck back with START I/O on
* 00C, each card written to the console, until unit exception, and
* writes READER EOF; then punches the deck again and reads it with
* DIAGNOSE X'14' subcode 0 (cards one and three, DIAG14 EOF). Every
* I/O is SIO, then TIO (CC 1: the CSW); a unit check ends in the
* disabled wait X'BAD', a DIAGNOSE X'14' surprise in X'D14'.
*---------------------------------------------------------------------
SPT      START 0
IPLPSW   DC    X'00000000',A(BEGIN)
         ORG   SPT+X'200'
BEGIN    BALR  12,0
         USING *,12
         LA    2,PRTCCW             two print lines on 00E
         LA    1,X'00E'
         BAL   14,DOIO
         LA    2,CMD1               SPOOL PUNCH TO *
         LA    3,CMD1L
         DC    X'83230008'
         LA    2,PUNCCW             three cards on 00D
         LA    1,X'00D'
         BAL   14,DOIO
         LA    2,CMD2               CLOSE 00D NAME X Y
         LA    3,CMD2L
         DC    X'83230008'
RDLOOP   LA    2,RDRCCW             read a card
         LA    1,X'00C'
         BAL   14,DOIO
         TM    X'44',X'01'          unit exception: end of file
         BO    RDEND
         LA    2,CONCCW             the card on the console
         LA    1,X'009'
         BAL   14,DOIO
         B     RDLOOP
RDEND    LA    2,EOFCCW
         LA    1,X'009'
         BAL   14,DOIO
* the same deck again, read with DIAGNOSE X'14' subcode 0
         LA    2,PUNCCW
         LA    1,X'00D'
         BAL   14,DOIO
         LA    2,CMD2               CLOSE 00D NAME X Y
         LA    3,CMD2L
         DC    X'83230008'
         L     4,=A(BUF)            Rx: the 4K buffer
         LA    6,X'00C'             Ry: the reader
         SR    7,7                  Ry+1: subcode 0, read next buffer
         DC    X'83460014'          DIAG 4,6,X'014'
         BC    7,FAIL14             CC 0: data moved
         LA    2,D14CCW             its first and third records
         LA    1,X'009'
         BAL   14,DOIO
         SR    7,7
         DC    X'83460014'          again: CC 1, end of file
         BC    11,FAIL14
         LA    2,D14EOF
         LA    1,X'009'
         BAL   14,DOIO
         LPSW  DONE
FAIL14   LPSW  FAILW14
*
DOIO     ST    2,X'48'              CAW
         SIO   0(1)
         BC    7,FAIL
         TIO   0(1)
         BC    11,FAIL              not CC 1 (CSW stored)
         TM    X'44',X'02'          unit check?
         BCR   8,14
FAIL     LPSW  FAILW
*
         DS    0D
DONE     DC    X'00020000',X'00000000'
FAILW    DC    X'00020000',X'00000BAD'
FAILW14  DC    X'00020000',X'00000D14'
D14CCW   DC    X'09',AL3(BUF+18),X'40',X'00',H'80'
         DC    X'09',AL3(BUF+18+82+82),X'00',X'00',H'80'
D14EOF   DC    X'09',AL3(D14MSG),X'00',X'00',H'10'
PRTCCW   DC    X'09',AL3(LINE1),X'40',X'00',H'12'
         DC    X'09',AL3(LINE2),X'00',X'00',H'12'
PUNCCW   DC    X'01',AL3(CARD1),X'40',X'00',H'80'
         DC    X'01',AL3(CARD2),X'40',X'00',H'80'
         DC    X'01',AL3(CARD3),X'00',X'00',H'80'
RDRCCW   DC    X'02',AL3(CARD),X'20',X'00',H'80'
CONCCW   DC    X'09',AL3(CARD),X'00',X'00',H'80'
EOFCCW   DC    X'09',AL3(EOFMSG),X'00',X'00',H'10'
LINE1    DC    CL12'PRINT LINE 1'
LINE2    DC    CL12'PRINT LINE 2'
CARD1    DC    CL80'CARD ONE'
CARD2    DC    CL80'CARD TWO'
CARD3    DC    CL80'CARD THREE'
CARD     DC    CL80' '
EOFMSG   DC    CL10'READER EOF'
D14MSG   DC    CL10'DIAG14 EOF'
CMD1     DC    C'SPOOL PUNCH TO *'
CMD1L    EQU   *-CMD1
CMD2     DC    C'CLOSE 00D NAME X Y'
CMD2L    EQU   *-CMD2
BUF      EQU   X'2000'              DIAGNOSE X'14' buffer
         END
