fn main() {
    let seed: u64 = std::env::args().nth(1).unwrap().parse().unwrap();
    print!("{}", conformance::gen::generate(conformance::gen::Arch::Esa390, seed).source());
}
