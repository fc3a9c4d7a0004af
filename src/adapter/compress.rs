//! Response compression for buffered answers (`AWS_LWA_ENABLE_COMPRESSION=true`, feature
//! `compression`), as the Lambda Web Adapter decides it: a client whose `Accept-Encoding`
//! takes gzip gets the app's body gzipped unless the app encoded it itself, the body is under
//! 32 bytes, or its type is an image (SVG aside), gRPC or an event stream. The body then goes
//! to Lambda in base64 with `Content-Encoding: gzip`, which also lets a larger page fit Lambda's
//! 6 MB response limit.
//!
//! The compressor (zlib-rs's deflate, zlib's in Rust, writing the gzip framing itself: level 6,
//! as the Lambda Web Adapter's gzip) and the output buffer are made once; compressing a body
//! allocates nothing. The Lambda Web Adapter
//! also offers Brotli: lambda-zero answers gzip (or the body as it is) to a client that would
//! take either, and the body as it is to one that takes Brotli only.

use zlib_rs::{Deflate, DeflateConfig, DeflateFlush, Status};

/// Bodies shorter than this go out as they are.
pub const MIN_COMPRESSED_BODY: usize = 32;

/// The compression level, as flate2's default (which the Lambda Web Adapter's gzip uses).
const LEVEL: i32 = 6;

/// zlib's window bits for a 32 KiB window with gzip framing (15 + 16).
const GZIP_WINDOW_BITS: i32 = 31;

/// The smallest gzip member: a 10-byte header, an empty deflate block, an 8-byte trailer.
const MIN_GZIP_LEN: usize = 20;

/// A gzip writer into a buffer of its own, reused for every answer.
pub struct Gzip {
    deflate: Deflate,
    out: Box<[u8]>,
}

impl core::fmt::Debug for Gzip {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Gzip")
            .field("capacity", &self.out.len())
            .finish_non_exhaustive()
    }
}

impl Gzip {
    /// A writer whose output holds up to `capacity` bytes (a body that does not compress into
    /// them goes out as it is).
    pub fn new(capacity: usize) -> Gzip {
        let config = DeflateConfig {
            level: LEVEL,
            window_bits: GZIP_WINDOW_BITS,
            ..DeflateConfig::default()
        };
        Gzip {
            deflate: Deflate::new_with_config(config),
            out: vec![0u8; capacity.max(MIN_GZIP_LEN)].into_boxed_slice(),
        }
    }

    /// `body` as one gzip member (RFC 1952), or `None` when it would not be smaller than
    /// `body` or does not fit the buffer.
    pub fn compress(&mut self, body: &[u8]) -> Option<&[u8]> {
        let limit = self.out.len().min(body.len());
        if limit < MIN_GZIP_LEN {
            return None;
        }
        self.deflate.reset();
        let done = self
            .deflate
            .compress(body, &mut self.out[..limit], DeflateFlush::Finish);
        if done != Ok(Status::StreamEnd) || self.deflate.total_in() != body.len() as u64 {
            return None;
        }
        let written = usize::try_from(self.deflate.total_out()).ok()?;
        self.out.get(..written)
    }
}

/// Whether an `Accept-Encoding` value takes gzip: `gzip` (or `x-gzip`) with a non-zero
/// weight, or `*` with one when gzip is not refused by name.
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut named = None;
    let mut any = false;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let weighted = parts.all(|p| {
            let p = p.trim();
            match p.get(..2) {
                Some(q) if q.eq_ignore_ascii_case("q=") => !is_zero_weight(&p[2..]),
                _ => true,
            }
        });
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            named = Some(named.unwrap_or(false) || weighted);
        } else if coding == "*" {
            any |= weighted;
        }
    }
    named.unwrap_or(any)
}

/// `0`, `0.`, `0.0`, ... (a weight that refuses the coding).
fn is_zero_weight(q: &str) -> bool {
    let q = q.trim();
    let digits = q
        .strip_prefix('0')
        .map(|r| r.strip_prefix('.').unwrap_or(r));
    digits.is_some_and(|d| d.bytes().all(|b| b == b'0'))
}

/// Whether an answer with this `Content-Type` and body length is compressed (the app's own
/// `Content-Encoding` is checked by the caller).
pub fn compressible(content_type: Option<&str>, len: usize) -> bool {
    if len < MIN_COMPRESSED_BODY {
        return false;
    }
    let Some(ct) = content_type else {
        return true;
    };
    let media = ct.split(';').next().unwrap_or("").trim();
    let starts = |prefix: &str| {
        media
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    let image = starts("image/") && !media.eq_ignore_ascii_case("image/svg+xml");
    !(image || starts("application/grpc") || media.eq_ignore_ascii_case("text/event-stream"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inflates a gzip member with zlib-rs, which checks its CRC-32 and length.
    fn gunzip(gz: &[u8]) -> Vec<u8> {
        assert_eq!(&gz[..3], &[0x1f, 0x8b, 8], "gzip magic, deflate");
        let mut inflate = zlib_rs::Inflate::new(true, GZIP_WINDOW_BITS as u8);
        let mut out = vec![0u8; 1 << 20];
        let status = inflate
            .decompress(gz, &mut out, zlib_rs::InflateFlush::Finish)
            .expect("a valid gzip member");
        assert_eq!(status, Status::StreamEnd);
        out.truncate(inflate.total_out() as usize);
        out
    }

    #[test]
    fn a_body_round_trips_through_gzip_and_the_buffer_is_reused() {
        let mut gz = Gzip::new(1 << 16);
        let page = "<html><body>".to_string() + &"<p>hello, lambda</p>".repeat(200) + "</body>";
        let out = gz.compress(page.as_bytes()).unwrap().to_vec();
        assert!(
            out.len() < page.len() / 10,
            "{} of {}",
            out.len(),
            page.len()
        );
        assert_eq!(gunzip(&out), page.as_bytes());
        let other = b"{\"items\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18]}".repeat(3);
        let out = gz.compress(&other).unwrap().to_vec();
        assert_eq!(gunzip(&out), other);
    }

    #[test]
    fn a_body_that_would_not_shrink_or_fit_goes_out_as_it_is() {
        let mut gz = Gzip::new(1 << 16);
        // xorshift32: bytes deflate cannot shrink.
        let mut x = 0x9e37_79b9u32;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        assert!(gz.compress(&noise).is_none());
        let mut small = Gzip::new(64);
        assert!(
            small.compress(&[b'a'; 10_000]).is_some(),
            "10 kB of one byte fits 64 B"
        );
        let text = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(40);
        let mut tiny = Gzip::new(40);
        assert!(tiny.compress(text.as_bytes()).is_none());
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        for yes in [
            "gzip",
            "gzip, deflate, br",
            "br;q=1.0, gzip;q=0.8",
            "GZIP",
            "x-gzip",
            "*",
            "deflate, *;q=0.1",
        ] {
            assert!(accepts_gzip(yes), "{yes}");
        }
        for no in [
            "",
            "br",
            "identity",
            "gzip;q=0",
            "gzip; q=0.000",
            "*, gzip;q=0",
            "*;q=0",
        ] {
            assert!(!accepts_gzip(no), "{no}");
        }
    }

    #[test]
    fn images_grpc_event_streams_and_short_bodies_are_not_compressed() {
        assert!(compressible(Some("text/html; charset=utf-8"), 100));
        assert!(compressible(Some("application/json"), 32));
        assert!(compressible(Some("image/svg+xml"), 100));
        assert!(compressible(None, 100));
        assert!(!compressible(Some("text/html"), 31));
        assert!(!compressible(Some("image/png"), 10_000));
        assert!(!compressible(Some("Image/JPEG"), 10_000));
        assert!(!compressible(Some("application/grpc+proto"), 10_000));
        assert!(!compressible(Some("text/event-stream"), 10_000));
    }
}
