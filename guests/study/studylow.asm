*---------------------------------------------------------------------
* STUDYLOW - COPY member of the study guests (blockio.asm,
* console.asm): S/370 low storage (the IPL PSW to BEGIN, the CAW, the
* program and machine-check new PSWs to a disabled wait at X'DEAD',
* the I/O new PSW to IODONE, disabled) and, at X'300', the parameters
* the driver sets and the results it reads (cp/src/study.rs, `at`).
* The guest's code starts at X'400'.
*---------------------------------------------------------------------
IPLPSW   DC    X'00000000',A(BEGIN)
         ORG   IPLPSW+X'48'
CAW      DC    F'0'
         ORG   IPLPSW+X'68'
PGMNPSW  DC    X'00020000',A(X'DEAD')   program new: disabled wait
MCKNPSW  DC    X'00020000',A(X'DEAD')   machine check new
IONPSW   DC    X'00000000',A(IODONE)    I/O new: disabled, to IODONE
         ORG   IPLPSW+X'300'
MODE     DC    F'0'                 0 the DIAGNOSE, 1 START I/O
NUNITS   DC    F'1'                 blocks or lines of the work
VDEV     DC    F'0'                 the device's address
OPS      DC    F'0'                 operations done
ERRORS   DC    F'0'                 operations that failed
LASTCC   DC    F'0'                 condition code of the last error
TODS     DC    3D'0'                TOD clock: start, middle, end
         ORG   IPLPSW+X'400'
