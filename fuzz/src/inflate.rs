//! The DEFLATE decoder of CloudWatch Logs payloads against zlib-rs's `Inflate` (zlib's inflate
//! in Rust): arbitrary bytes as a raw DEFLATE stream, inflated by both into 64 KiB. Both must
//! accept it with the same output and the same bytes taken, or both refuse it (a stream that
//! inflates to more than the buffer is refused by both).

use lambda_zero::__private::inflate::Inflater;

/// Output room of both decoders.
const ROOM: usize = 64 * 1024;

/// The check: `data` is the stream.
pub fn inflate(data: &[u8]) {
    let mut reference_out = vec![0u8; ROOM];
    let mut z = zlib_rs::Inflate::new(false, 15);
    let status = z.decompress(data, &mut reference_out, zlib_rs::InflateFlush::Finish);
    let reference = match status {
        Ok(zlib_rs::Status::StreamEnd) => Some((
            z.total_in() as usize,
            &reference_out[..z.total_out() as usize],
        )),
        _ => None,
    };
    let mut out = vec![0u8; ROOM];
    let ours = Inflater::new().inflate(data, &mut out);
    match (reference, ours) {
        (Some((consumed, expected)), Ok(r)) => {
            assert_eq!(r.consumed, consumed, "bytes taken");
            assert!(
                r.written == expected.len() && out[..r.written] == *expected,
                "output"
            );
        }
        // Every refusal has a message.
        (None, Err(e)) => assert!(!e.to_string().is_empty()),
        (reference, ours) => panic!(
            "zlib-rs: {:?}, lambda-zero: {ours:?}",
            reference.map(|(c, o)| (c, o.len()))
        ),
    }
}

/// Seeds: zlib-rs's raw DEFLATE of a few payloads at every level and strategy (stored, fixed
/// and dynamic blocks, long and short codes).
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    use zlib_rs::{DeflateConfig, Method, Strategy};
    let logs = include_bytes!("../../tests/events/example-cloudwatch_logs-event.json");
    let mut text = Vec::new();
    for i in 0..200u32 {
        text.extend_from_slice(
            format!(
                "{{\"id\":\"eventId{i}\",\"message\":\"[ERROR] test {}\"}},",
                i * 7919 % 1000
            )
            .as_bytes(),
        );
    }
    let bytes: Vec<u8> = (0..3000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut out = Vec::new();
    for (name, data) in [
        ("logs", &logs[..]),
        ("text", &text[..]),
        ("bytes", &bytes[..]),
    ] {
        for (level, strategy, sname) in [
            (0, Strategy::Default, "stored"),
            (1, Strategy::Fixed, "fixed"),
            (6, Strategy::Default, "default"),
            (9, Strategy::HuffmanOnly, "huffman"),
            (9, Strategy::Rle, "rle"),
        ] {
            let mut buf = vec![0u8; data.len() * 2 + 1024];
            let config = DeflateConfig {
                level,
                method: Method::Deflated,
                window_bits: -15,
                mem_level: 8,
                strategy,
            };
            let (stream, _) = zlib_rs::compress_slice(&mut buf, data, config);
            out.push((format!("{name}-{sname}"), stream.to_vec()));
        }
    }
    out
}
