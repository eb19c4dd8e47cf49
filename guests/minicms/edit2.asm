*---------------------------------------------------------------------
* More EDIT subcommands, after spool.asm at X'5000' with its base R7
* (loaded from SPLBASE on entry): REPLACE and VERIFY. INSERT line is
* INPUT line (EDCMDS). They go back to EDLOOP, as edit.asm's do.
*---------------------------------------------------------------------
*
* REPLACE [line]: the current line replaced by line; REPLACE alone
* deletes it and enters INPUT mode in its place. At the top of the
* file (no current line) it is INPUT.
EDREPL   L     7,SPLBASE
         L     2,EDCUR
         LTR   2,2
         BZ    EDINPUT
         LA    1,1
         BAL   14,EDDEL             the current line goes
         L     1,EDCUR
         BCTR  1,0
         ST    1,EDCUR              the new one comes after the one
         B     EDINPUT              before it
*
* VERIFY [ON|OFF]: OFF: moving the pointer does not type the line
* (TYPE and LIST still do; TOF: and EOF: are still said).
EDVERIFY L     7,SPLBASE
         MVI   EDVER,1
         CLC   NTOK,=F'2'
         BL    EDLOOP
         BH    EDUNK
         CLC   TOKENS+8(8),=CL8'ON'
         BE    EDLOOP
         MVI   EDVER,0
         CLC   TOKENS+8(8),=CL8'OFF'
         BE    EDLOOP
         MVI   EDVER,1
         B     EDUNK
         LTORG
* The help texts (HELPTAB, at guests::minicms::HELP_ORIGIN X'6000')
* must lie above all of this: a negative length is an assembly error.
         DS    XL(MINICMS+X'6000'-*)
         ORG   SPLRESUM
         DROP  7
