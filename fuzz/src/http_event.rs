//! The `http_event` check: arbitrary bytes as an HTTP event through `lambda_zero::http::Http`.
//!
//! Asserts: no panic; the handler, which reads every part of the request view, either runs and
//! its response is one JSON object with a `statusCode`, or the invocation fails with one of the
//! adapter's error types (invalid JSON, not an HTTP event, an HTTP event missing a field, a
//! response too large), or the client gets a 400 (bad base64) or a 414 (too many query
//! parameters) without the handler running. The body the handler sees is the event's first
//! top-level `body` string (read by simd-json from an untouched copy of the input), decoded by
//! a reference base64 decoder when the first `isBase64Encoded` is `true`; a 400 comes exactly
//! when that reference refuses the body. The binary response written from the body decodes
//! back to it.

use std::cell::RefCell;

use lambda_zero::http::{self, Http, HttpHandler, Request, Response};
use lambda_zero::json::{Limits, Parser};
use lambda_zero::{Config, Context, Error, Handler};

/// What the handler saw: the source, the body, whether it was base64.
type Seen = Option<(http::Source, Vec<u8>, bool)>;

struct ReadsEverything<'s>(&'s RefCell<Seen>);

impl HttpHandler for ReadsEverything<'_> {
    fn handle(
        &mut self,
        req: &Request<'_>,
        res: &mut Response<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        let mut sum = req.method().len() + req.path().len() + req.raw_path().len();
        sum += req.path_without_stage().len() + req.stage().map_or(0, str::len);
        sum += req.raw_query().map_or(0, str::len);
        for (name, value) in req.query().iter() {
            sum += name.len() + value.len();
        }
        for (name, value) in req.headers().iter() {
            sum += name.len() + value.len();
            assert!(
                req.headers().get_all(name).any(|v| v == value),
                "{name}: every value is found by name"
            );
        }
        for cookie in req.cookies().iter() {
            sum += cookie.name().len() + cookie.value().len();
        }
        for (name, value) in req.path_parameters() {
            sum += name.len() + value.len();
        }
        sum += req.source_ip().map_or(0, str::len) + req.user_agent().map_or(0, str::len);
        sum += req.request_id().map_or(0, str::len) + req.host().map_or(0, str::len);
        sum +=
            usize::from(req.claims().is_some()) + usize::from(req.authorizer_context().is_some());
        *self.0.borrow_mut() = Some((req.source(), req.body().to_vec(), req.is_base64_encoded()));
        res.status(200)
            .header_display("x-sum", &sum)
            .cookie("a=1")
            .binary(true);
        res.body(req.body())?;
        Ok(())
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard padded base64 (the reference encoder; also builds the seeds).
pub fn encode(data: &[u8]) -> String {
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= c.len() {
                B64[(n >> (18 - 6 * i)) as usize & 63] as char
            } else {
                '='
            });
        }
    }
    out
}

/// Standard padded base64, canonical only: decoded leniently, then kept only if encoding the
/// bytes gives the text back.
fn reference_decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.trim_end_matches('=');
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for b in digits.bytes() {
        bits = (bits << 6) | B64.iter().position(|&t| t == b)? as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    (encode(&out) == text).then_some(out)
}

fn limits() -> Limits {
    Limits {
        max_event: 64 * 1024,
        max_response: 512 * 1024,
        structurals: 8 * 1024,
        max_depth: 1024,
    }
}

thread_local! {
    static SEEN: &'static RefCell<Seen> = Box::leak(Box::new(RefCell::new(None)));
    static ADAPTER: RefCell<Http<ReadsEverything<'static>>> =
        RefCell::new(Http::with_limits(ReadsEverything(SEEN.with(|s| *s)), limits()));
    static REFERENCE: RefCell<Parser> = RefCell::new(Parser::new(limits()));
}

fn json_value(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| {
        panic!(
            "the response is JSON ({e}): {}",
            String::from_utf8_lossy(bytes)
        )
    })
}

/// Runs one input through the HTTP adapter and checks what it answered (see the module docs).
pub fn http_event(data: &[u8]) {
    // The reference: the first top-level `body` and `isBase64Encoded`, from an untouched copy.
    let mut copy = data.to_vec();
    let reference = REFERENCE.with(|p| {
        p.borrow_mut()
            .with_value(&mut copy, |root| {
                let body = root
                    .get("body")
                    .and_then(|b| b.as_str())
                    .map(str::to_string);
                let base64 = root.get("isBase64Encoded").and_then(|b| b.as_bool()) == Some(true);
                (body, base64)
            })
            .ok()
    });
    let seen = SEEN.with(|s| *s);
    *seen.borrow_mut() = None;
    let config = Config::default();
    let ctx = Context::for_test("fuzz", &config);
    let mut event = data.to_vec();
    ADAPTER.with(|a| {
        let mut adapter = a.borrow_mut();
        match adapter.handle(&mut event, &ctx) {
            Ok(out) => {
                let res = json_value(out);
                let status = res["statusCode"].as_u64().expect("a statusCode");
                let (body, base64) = reference.clone().expect("a response only for valid JSON");
                match seen.borrow().as_ref() {
                    Some((_, got, was_base64)) => {
                        assert_eq!(status, 200);
                        assert_eq!(*was_base64, base64, "isBase64Encoded as the event says");
                        let want = match (&body, base64) {
                            (Some(text), true) => reference_decode(text)
                                .expect("the reference decodes what the adapter did"),
                            (Some(text), false) => text.clone().into_bytes(),
                            (None, _) => Vec::new(),
                        };
                        assert_eq!(got, &want, "the body");
                        let text = res["body"].as_str().expect("a body string");
                        assert_eq!(
                            reference_decode(text).as_deref(),
                            Some(&want[..]),
                            "the binary response"
                        );
                    }
                    None => match status {
                        400 => {
                            let text = body.expect("a 400 for a body");
                            assert!(
                                base64 && reference_decode(&text).is_none(),
                                "400 only for a body that is not base64: {text:?}"
                            );
                        }
                        414 => {}
                        other => panic!("the handler did not run, yet status {other}"),
                    },
                }
            }
            Err(e) => {
                let allowed = [
                    "Runtime.InvalidJson",
                    "Runtime.NotAnHttpEvent",
                    "Runtime.InvalidHttpEvent",
                    "Function.ResponseTooLarge",
                ];
                assert!(
                    allowed.contains(&e.error_type()),
                    "{}: {}",
                    e.error_type(),
                    e.message()
                );
                if e.error_type() == "Runtime.InvalidJson" {
                    assert!(
                        reference.is_none(),
                        "simd-json read the untouched copy: {}",
                        e.message()
                    );
                }
            }
        }
    });
}
