//! Decode throughput on a mixed instruction stream (criterion; not a timed test).
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use s390_decoder::{decode, encode, Opcode};

fn stream() -> Vec<u8> {
    // A mix of every ESA/390 instruction, encoded with zero operands, repeated.
    let mut out = Vec::new();
    for op in Opcode::ALL {
        if !op.in_arch(s390_decoder::Arch::Esa390) {
            continue;
        }
        let specs = op.info().operands;
        let ops: Vec<_> = specs
            .iter()
            .map(|s| match s {
                s390_decoder::OperandSpec::Storage { length, .. } => {
                    s390_decoder::Operand::Storage(s390_decoder::Storage {
                        disp: 8,
                        index: 0,
                        base: 1,
                        length: match length {
                            s390_decoder::LengthSpec::None => s390_decoder::Length::None,
                            s390_decoder::LengthSpec::Register { .. } => {
                                s390_decoder::Length::Register(2)
                            }
                            _ => s390_decoder::Length::Bytes(4),
                        },
                    })
                }
                s390_decoder::OperandSpec::Relative { .. } => s390_decoder::Operand::Relative(4),
                _ => s390_decoder::Operand::Unsigned(3),
            })
            .collect();
        out.extend_from_slice(encode(op, &ops).unwrap().as_bytes());
    }
    out
}

fn bench(c: &mut Criterion) {
    let bytes = stream();
    let mut count = 0u64;
    let mut at = 0;
    while at < bytes.len() {
        at += decode(&bytes[at..]).unwrap().length();
        count += 1;
    }
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(count));
    // Decoding: opcode and length (what an interpreter or a listing's first pass needs).
    g.bench_function("mixed-stream", |b| {
        b.iter(|| {
            let mut at = 0;
            let mut sum = 0usize;
            while at < bytes.len() {
                let insn = decode(std::hint::black_box(&bytes[at..])).unwrap();
                sum += insn.opcode() as usize;
                at += insn.length();
            }
            sum
        })
    });
    // Decoding plus extracting every operand.
    g.bench_function("mixed-stream-with-operands", |b| {
        b.iter(|| {
            let mut at = 0;
            let mut sum = 0usize;
            while at < bytes.len() {
                let insn = decode(std::hint::black_box(&bytes[at..])).unwrap();
                sum += insn.operands().len();
                at += insn.length();
            }
            sum
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
