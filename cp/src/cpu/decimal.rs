//! Packed-decimal arithmetic (SA22-7201 chapter 8). Being written.
