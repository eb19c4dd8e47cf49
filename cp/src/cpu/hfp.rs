//! Hexadecimal floating point (SA22-7201 chapter 18). Being written.
