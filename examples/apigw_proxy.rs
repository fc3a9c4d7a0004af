//! An API Gateway (REST or HTTP API) proxy function on the raw byte interface.
//!
//! It finds the request path in the event without parsing the whole document, and answers a
//! proxy response (`statusCode`, `headers`, `body`) written into a buffer that is reused for
//! every invocation: no allocation per request. For typed JSON events see the `apigw_v2`
//! example (feature `json`).
//!
//! Try it: `scripts/demo.sh` runs the echo bootstrap; this one runs the same way, e.g.
//! `AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 cargo run --example apigw_proxy`.

use std::io::Write;

use lambda_zero::{Context, Error, Handler};
use memchr::memmem;

struct Proxy {
    out: Vec<u8>,
}

/// The raw (still escaped) value of the first `"key":"value"` string field.
fn string_field<'e>(event: &'e [u8], key: &[u8]) -> Option<&'e [u8]> {
    let at = memmem::find(event, key)? + key.len();
    let rest = &event[at..];
    let value = rest.iter().position(|&b| b != b' ' && b != b':')?;
    let rest = rest[value..].strip_prefix(b"\"")?;
    let mut end = 0;
    loop {
        end += memchr::memchr(b'"', &rest[end..])?;
        let backslashes = rest[..end]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        if backslashes % 2 == 0 {
            return Some(&rest[..end]);
        }
        end += 1;
    }
}

/// Path characters that need no escaping inside a JSON string inside a JSON string.
fn is_plain_path(path: &[u8]) -> bool {
    path.iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"/-._~%+,;=@".contains(&b))
}

impl Handler for Proxy {
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
        let path = string_field(event, b"\"rawPath\"")
            .or_else(|| string_field(event, b"\"path\""))
            .unwrap_or(b"/");
        self.out.clear();
        if !is_plain_path(path) {
            self.out.extend_from_slice(br#"{"statusCode":400,"headers":{"content-type":"text/plain"},"body":"unsupported path"}"#);
            return Ok(&self.out);
        }
        let remaining_ms = ctx.remaining().map_or(0, |d| d.as_millis() as u64);
        self.out.extend_from_slice(br#"{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"path\":\""#);
        self.out.extend_from_slice(path);
        write!(
            self.out,
            r#"\",\"requestId\":\"{}\",\"remainingMs\":{remaining_ms}}}"}}"#,
            ctx.request_id
        )
        .map_err(|e| Error::runtime("Write", e))?;
        Ok(&self.out)
    }
}

fn main() -> Result<(), lambda_zero::RuntimeError> {
    lambda_zero::Runtime::from_env()?.run(Proxy {
        out: Vec::with_capacity(4096),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_with_the_path_and_request_id() {
        let config = lambda_zero::Config::default();
        let ctx = Context::for_test("req-1", &config);
        let mut proxy = Proxy {
            out: Vec::with_capacity(4096),
        };
        let mut event = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/events/example-apigw-request.json"
        ))
        .unwrap();
        let out = proxy.handle(&mut event, &ctx).unwrap();
        let v: serde_json::Value = serde_json::from_slice(out).unwrap();
        assert_eq!(v["statusCode"], 200);
        let body: serde_json::Value = serde_json::from_str(v["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["path"], "/hello/world");
        assert_eq!(body["requestId"], "req-1");
        let mut weird = br#"{"rawPath":"/a\"b"}"#.to_vec();
        let out = proxy.handle(&mut weird, &ctx).unwrap();
        assert!(out.starts_with(br#"{"statusCode":400"#));
    }
}
