//! cargo-fuzz target: an app's response through the adapter's sans-IO reader. The first byte
//! picks the read size (1 to 256) and whether the request was `HEAD`; the rest is what the app
//! sent. The head is parsed as it grows (a head found at one size is found alike with the whole
//! input), then a chunked body is decoded in pieces of that size: no panic, every call makes
//! progress until the body ends, the data never exceeds the bytes fed, and a head's length
//! never passes the input.
#![no_main]

use lambda_zero::adapter::response::{parse_head, ChunkedDecoder, Framing, MAX_APP_HEADERS};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&first, input)) = data.split_first() else {
        return;
    };
    let step = usize::from(first & 0x7f) * 2 + 1;
    let head_request = first & 0x80 != 0;
    let mut headers = [httparse::EMPTY_HEADER; MAX_APP_HEADERS];
    let whole = parse_head(input, &mut headers, head_request);
    let mut seen = 0;
    let mut found = None;
    while seen < input.len() {
        seen = (seen + step).min(input.len());
        let mut headers = [httparse::EMPTY_HEADER; MAX_APP_HEADERS];
        match parse_head(&input[..seen], &mut headers, head_request) {
            Ok(None) => continue,
            Ok(Some(head)) => {
                assert!(head.len <= seen && head.header_count <= MAX_APP_HEADERS);
                found = Some(head);
                break;
            }
            Err(_) => break,
        }
    }
    if let (Some(head), Ok(Some(all))) = (found, whole) {
        assert_eq!(head, all, "a head reads the same at every size");
    }
    let Some(head) = found else {
        return;
    };
    if head.framing != Framing::Chunked {
        return;
    }
    let mut body = &input[head.len..];
    let mut decoder = ChunkedDecoder::new();
    let mut data_len = 0usize;
    let fed = body.len();
    while !body.is_empty() && !decoder.is_done() {
        let piece = &body[..step.min(body.len())];
        match decoder.decode(piece) {
            Ok((used, out)) => {
                assert!(used <= piece.len());
                assert!(used > 0 || decoder.is_done(), "progress");
                if let Some(out) = out {
                    assert_eq!(out.len(), used, "data is the bytes used");
                    data_len += out.len();
                }
                body = &body[used..];
            }
            Err(_) => return,
        }
    }
    assert!(data_len <= fed);
});
