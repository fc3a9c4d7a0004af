//! Instruction counts without criterion: `probe <side> <family> <n>` runs the family's parse +
//! typical read `n` times (side `zero` or `aws`), for `valgrind --tool=callgrind`: the
//! difference between two values of `n` divided by their difference is the cost of one.

use lambda_zero_compare_events::{aws_read, Family, Zero};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let family = Family::ALL
        .into_iter()
        .find(|f| f.name() == args[2])
        .expect("family");
    let n: usize = args[3].parse().expect("n");
    let event = family.event();
    let mut zero = Zero::default();
    let mut buf = event.clone();
    let mut sum = 0u64;
    for _ in 0..n {
        sum = sum.wrapping_add(match args[1].as_str() {
            "zero" => {
                buf.copy_from_slice(&event);
                zero.read(family, &mut buf)
            }
            _ => aws_read(family, &event),
        });
    }
    println!("{sum}");
}
