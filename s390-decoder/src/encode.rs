//! The encoder: from an opcode and operand values back to bytes, with the range checks the
//! assembler reports as errors.

use crate::{Length, LengthSpec, Opcode, Operand, OperandSpec};

/// Encoded instruction bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encoded {
    bytes: [u8; 6],
    len: u8,
}

impl Encoded {
    /// The instruction bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// Why operands could not be encoded. `index` is the operand's position (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// Wrong number of operands.
    OperandCount {
        /// Operands the instruction takes.
        expected: usize,
        /// Operands given.
        found: usize,
    },
    /// An operand of the wrong kind (a storage operand where a register belongs, ...).
    OperandKind {
        /// Operand position.
        index: usize,
        /// What the instruction takes there.
        expected: &'static str,
    },
    /// Register or mask outside 0-15.
    RegisterOutOfRange {
        /// Operand position.
        index: usize,
        /// The value given.
        value: i64,
    },
    /// Displacement outside 0-4095.
    DisplacementOutOfRange {
        /// Operand position.
        index: usize,
        /// The value given.
        value: i64,
    },
    /// Length outside 1-256 (or 1-16 for a 4-bit length field).
    LengthOutOfRange {
        /// Operand position.
        index: usize,
        /// The value given.
        value: i64,
        /// The largest length the field holds.
        max: i64,
    },
    /// Immediate or relative offset that does not fit its field.
    ImmediateOutOfRange {
        /// Operand position.
        index: usize,
        /// The value given.
        value: i64,
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// An index register given to an operand that has none.
    IndexNotAllowed {
        /// Operand position.
        index: usize,
    },
}

impl core::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            EncodeError::OperandCount { expected, found } => {
                write!(f, "expected {expected} operands, found {found}")
            }
            EncodeError::OperandKind { index, expected } => {
                write!(f, "operand {} must be {expected}", index + 1)
            }
            EncodeError::RegisterOutOfRange { index, value } => {
                write!(
                    f,
                    "operand {}: register or mask {value} is outside 0-15",
                    index + 1
                )
            }
            EncodeError::DisplacementOutOfRange { index, value } => {
                write!(
                    f,
                    "operand {}: displacement {value} is outside 0-4095",
                    index + 1
                )
            }
            EncodeError::LengthOutOfRange { index, value, max } => {
                write!(
                    f,
                    "operand {}: length {value} is outside 1-{max}",
                    index + 1
                )
            }
            EncodeError::ImmediateOutOfRange {
                index,
                value,
                min,
                max,
            } => write!(
                f,
                "operand {}: value {value} is outside {min} to {max}",
                index + 1
            ),
            EncodeError::IndexNotAllowed { index } => {
                write!(
                    f,
                    "operand {}: this operand takes no index register",
                    index + 1
                )
            }
        }
    }
}

impl std::error::Error for EncodeError {}

#[inline]
fn put(raw: &mut u64, start: u8, width: u8, value: u64) {
    let shift = 48 - start as u32 - width as u32;
    *raw |= (value & ((1u64 << width) - 1)) << shift;
}

fn nibble(index: usize, v: i64) -> Result<u64, EncodeError> {
    if (0..=15).contains(&v) {
        Ok(v as u64)
    } else {
        Err(EncodeError::RegisterOutOfRange { index, value: v })
    }
}

/// Encodes `opcode` with `operands` (in assembler order). Register fields accept any register
/// kind or a plain number, as HLASM does; immediates are range-checked for their field.
pub fn encode(opcode: Opcode, operands: &[Operand]) -> Result<Encoded, EncodeError> {
    let specs = opcode.info().operands;
    if specs.len() != operands.len() {
        return Err(EncodeError::OperandCount {
            expected: specs.len(),
            found: operands.len(),
        });
    }
    let mut raw = opcode.opcode_bits();
    for (index, (spec, op)) in specs.iter().zip(operands).enumerate() {
        match *spec {
            OperandSpec::Gpr { start }
            | OperandSpec::Fpr { start }
            | OperandSpec::Ar { start }
            | OperandSpec::Cr { start }
            | OperandSpec::Mask { start } => {
                let v = match *op {
                    Operand::Gpr(r)
                    | Operand::Fpr(r)
                    | Operand::Ar(r)
                    | Operand::Cr(r)
                    | Operand::Mask(r) => r as i64,
                    Operand::Unsigned(v) => v as i64,
                    Operand::Signed(v) => v as i64,
                    _ => {
                        return Err(EncodeError::OperandKind {
                            index,
                            expected: "a register or mask",
                        })
                    }
                };
                put(&mut raw, start, 4, nibble(index, v)?);
            }
            OperandSpec::Unsigned { start, width } | OperandSpec::Signed { start, width } => {
                let v = match *op {
                    Operand::Unsigned(v) => v as i64,
                    Operand::Signed(v) => v as i64,
                    Operand::Gpr(v) | Operand::Mask(v) => v as i64,
                    _ => {
                        return Err(EncodeError::OperandKind {
                            index,
                            expected: "an immediate value",
                        })
                    }
                };
                let (min, max) = if matches!(spec, OperandSpec::Signed { .. }) {
                    (-(1i64 << (width - 1)), (1i64 << (width - 1)) - 1)
                } else {
                    (0, (1i64 << width) - 1)
                };
                // A signed field also takes its bit pattern written as an unsigned value.
                let ok = (min..=max).contains(&v)
                    || (min < 0 && matches!(op, Operand::Unsigned(_)) && v < (1i64 << width));
                if !ok {
                    return Err(EncodeError::ImmediateOutOfRange {
                        index,
                        value: v,
                        min,
                        max,
                    });
                }
                put(&mut raw, start, width, v as u64);
            }
            OperandSpec::Relative { start, width } => {
                let v = match *op {
                    Operand::Relative(v) => v as i64,
                    _ => {
                        return Err(EncodeError::OperandKind {
                            index,
                            expected: "a relative offset",
                        })
                    }
                };
                let (min, max) = (-(1i64 << (width - 1)), (1i64 << (width - 1)) - 1);
                if !(min..=max).contains(&v) {
                    return Err(EncodeError::ImmediateOutOfRange {
                        index,
                        value: v,
                        min,
                        max,
                    });
                }
                put(&mut raw, start, width, v as u64);
            }
            OperandSpec::Storage {
                base,
                disp,
                index: index_field,
                length,
            } => {
                let s = match *op {
                    Operand::Storage(s) => s,
                    _ => {
                        return Err(EncodeError::OperandKind {
                            index,
                            expected: "a storage operand D(X,B)",
                        })
                    }
                };
                if s.disp > 4095 {
                    return Err(EncodeError::DisplacementOutOfRange {
                        index,
                        value: s.disp as i64,
                    });
                }
                put(&mut raw, disp, 12, s.disp as u64);
                put(&mut raw, base, 4, nibble(index, s.base as i64)?);
                match index_field {
                    Some(x) => put(&mut raw, x, 4, nibble(index, s.index as i64)?),
                    None if s.index != 0 => return Err(EncodeError::IndexNotAllowed { index }),
                    None => {}
                }
                match (length, s.length) {
                    (LengthSpec::None, Length::None) => {}
                    (LengthSpec::Bytes8 { start }, Length::Bytes(n)) => {
                        if !(1..=256).contains(&n) {
                            return Err(EncodeError::LengthOutOfRange {
                                index,
                                value: n as i64,
                                max: 256,
                            });
                        }
                        put(&mut raw, start, 8, n as u64 - 1);
                    }
                    (LengthSpec::Bytes4 { start }, Length::Bytes(n)) => {
                        if !(1..=16).contains(&n) {
                            return Err(EncodeError::LengthOutOfRange {
                                index,
                                value: n as i64,
                                max: 16,
                            });
                        }
                        put(&mut raw, start, 4, n as u64 - 1);
                    }
                    (LengthSpec::Register { start }, Length::Register(r)) => {
                        put(&mut raw, start, 4, nibble(index, r as i64)?)
                    }
                    (LengthSpec::None, _) => {
                        return Err(EncodeError::OperandKind {
                            index,
                            expected: "a storage operand without a length",
                        })
                    }
                    (LengthSpec::Register { .. }, _) => {
                        return Err(EncodeError::OperandKind {
                            index,
                            expected: "a storage operand D(R,B) with a register",
                        })
                    }
                    (_, _) => {
                        return Err(EncodeError::OperandKind {
                            index,
                            expected: "a storage operand D(L,B) with a length",
                        })
                    }
                }
            }
        }
    }
    let len = opcode.length();
    let b = raw.to_be_bytes();
    let mut bytes = [0u8; 6];
    bytes[..len].copy_from_slice(&b[2..2 + len]);
    Ok(Encoded {
        bytes,
        len: len as u8,
    })
}
