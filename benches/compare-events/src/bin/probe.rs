//! Instruction counts without criterion: `probe <side> <family> <n>` runs the family's parse +
//! typical read `n` times (side `zero` or `aws`; `parse`: lambda-zero's parse alone; `copy`:
//! the copy of the event alone; each prints its time per iteration on stderr), for
//! `valgrind --tool=callgrind` or qemu-aarch64's instruction count (`scripts/arm64-events.sh`):
//! the difference between two values of `n` divided by their difference is the cost of one.

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
    let start = std::time::Instant::now();
    for _ in 0..n {
        sum = sum.wrapping_add(match args[1].as_str() {
            "zero" => {
                buf.copy_from_slice(&event);
                zero.read(family, &mut buf)
            }
            "parse" => {
                buf.copy_from_slice(&event);
                zero.parse_only(&mut buf)
            }
            "copy" => {
                buf.copy_from_slice(&event);
                u64::from(buf[0])
            }
            _ => aws_read(family, &event),
        });
    }
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    eprintln!("{} {}: {ns:.0} ns per iteration", args[1], args[2]);
    println!("{sum}");
}
