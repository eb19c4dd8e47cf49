*---------------------------------------------------------------------
* STUDYIO - COPY member of the study guests: IOERR counts an error
* and keeps the condition code it ended with; the wait PSWs.
*---------------------------------------------------------------------
IOERR    BALR  1,0                  R1 bits 2-3 = the condition code
         SRL   1,28
         N     1,=F'3'
         ST    1,LASTCC
         L     1,ERRORS
         LA    1,1(,1)
         ST    1,ERRORS
         BR    14
         DS    0D
DONEPSW  DC    X'00020000',A(X'600D')   disabled wait: done
WAITPSW  DC    X'FE020000',A(0)         enabled wait, channels 0-6
