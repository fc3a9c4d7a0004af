//! The HTTP response shape of API Gateway (REST and HTTP APIs), Application Load Balancer
//! targets and function URLs, written straight into the output buffer.
//!
//! ```json
//! {"statusCode":200,"statusDescription":"200 OK","headers":{"content-type":"text/plain"},
//!  "multiValueHeaders":{"set-cookie":["a=1","b=2"]},"cookies":["c=3"],
//!  "body":"hello","isBase64Encoded":false}
//! ```
//!
//! Which fields a service reads: API Gateway REST and ALB use `headers` and
//! `multiValueHeaders` (ALB only with multi-value headers enabled, and it wants
//! `statusDescription`); HTTP APIs (payload 2.0) and function URLs use `headers` and `cookies`.
//! The builder writes the sections in that order, so calls must come in that order too:
//! status description, headers, multi-value headers, cookies, then one body call that closes
//! the object. A call out of order fails with [`WriteError::Misuse`].

use core::fmt;

use super::writer::{JsonWriter, WriteError};

/// The section being written; sections only move forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Status,
    Headers,
    MultiValueHeaders,
    Cookies,
}

/// Builds one proxy response object with a [`JsonWriter`].
///
/// ```
/// use lambda_zero::json::{JsonWriter, ProxyResponse};
///
/// let mut buf = [0u8; 256];
/// let mut w = JsonWriter::new(&mut buf);
/// let mut response = ProxyResponse::new(&mut w, 200)?;
/// response.header("content-type", "application/json")?;
/// response.cookie("session=abc; Secure")?;
/// response.body_json(|w| w.object(|w| w.field("ok", true)))?;
/// assert_eq!(
///     w.written(),
///     br#"{"statusCode":200,"headers":{"content-type":"application/json"},"cookies":["session=abc; Secure"],"body":"{\"ok\":true}","isBase64Encoded":false}"#
/// );
/// # Ok::<(), lambda_zero::json::WriteError>(())
/// ```
#[derive(Debug)]
pub struct ProxyResponse<'w, 'b> {
    w: &'w mut JsonWriter<'b>,
    section: Section,
    /// True once the section's container (`{` or `[`) is open.
    open: bool,
}

impl<'w, 'b> ProxyResponse<'w, 'b> {
    /// Starts the response object with its status code: `{"statusCode":200`.
    pub fn new(w: &'w mut JsonWriter<'b>, status: u16) -> Result<Self, WriteError> {
        w.open_object_with("statusCode", itoa::Buffer::new().format(status))?;
        Ok(ProxyResponse {
            w,
            section: Section::Status,
            open: false,
        })
    }

    /// Moves to `section`, closing the current section and opening the new one's container.
    fn enter(&mut self, section: Section) -> Result<(), WriteError> {
        if section < self.section {
            return Err(self.w.fail(WriteError::Misuse(
                "proxy response sections go: status description, headers, multiValueHeaders, cookies, body",
            )));
        }
        if section == self.section && self.open {
            return Ok(());
        }
        let (key, object) = match section {
            // Never entered again (the order check keeps it first, and it opens nothing).
            Section::Status => return Ok(()),
            Section::Headers => ("headers", true),
            Section::MultiValueHeaders => ("multiValueHeaders", true),
            Section::Cookies => ("cookies", false),
        };
        // One writer step: `},"cookies":[` (closing the open section, if any).
        let close = self.open_container();
        self.open = false;
        self.w.close_key_open(close, key, Some(object))?;
        self.section = section;
        self.open = true;
        Ok(())
    }

    /// The container the open section is in, if one is: `Some(true)` for an object.
    fn open_container(&self) -> Option<bool> {
        match self.section {
            _ if !self.open => None,
            Section::Status => None,
            Section::Headers | Section::MultiValueHeaders => Some(true),
            Section::Cookies => Some(false),
        }
    }

    /// `statusDescription`, which ALB targets send (`"200 OK"`); must come first.
    pub fn status_description(&mut self, text: &str) -> Result<&mut Self, WriteError> {
        if self.section != Section::Status {
            return Err(self.w.fail(WriteError::Misuse(
                "statusDescription must come before the headers",
            )));
        }
        self.w.field("statusDescription", text)?;
        Ok(self)
    }

    /// One entry of `headers`.
    pub fn header(&mut self, name: &str, value: &str) -> Result<&mut Self, WriteError> {
        self.enter(Section::Headers)?;
        self.w.field(name, value)?;
        Ok(self)
    }

    /// One entry of `headers` whose value is formatted on the fly (no `String`):
    /// `r.header_display("content-length", &n)`.
    pub fn header_display(
        &mut self,
        name: &str,
        value: &dyn fmt::Display,
    ) -> Result<&mut Self, WriteError> {
        self.enter(Section::Headers)?;
        self.w.key(name)?;
        self.w.display(value)?;
        Ok(self)
    }

    /// One entry of `multiValueHeaders`: a name and all its values.
    pub fn multi_value_header<'v>(
        &mut self,
        name: &str,
        values: impl IntoIterator<Item = &'v str>,
    ) -> Result<&mut Self, WriteError> {
        self.enter(Section::MultiValueHeaders)?;
        self.w.key(name)?;
        self.w
            .array(|w| values.into_iter().try_for_each(|v| w.str(v)))?;
        Ok(self)
    }

    /// One entry of `cookies` (HTTP APIs and function URLs): a whole `Set-Cookie` value.
    pub fn cookie(&mut self, cookie: &str) -> Result<&mut Self, WriteError> {
        self.enter(Section::Cookies)?;
        self.w.str(cookie)?;
        Ok(self)
    }

    /// Ends the response with `"body"` written by `body` (a string value, or `null`) and
    /// `"isBase64Encoded"`.
    fn finish_with(
        mut self,
        base64: bool,
        body: impl FnOnce(&mut JsonWriter<'b>) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        let close = self.open_container();
        self.open = false;
        self.w.close_key_open(close, "body", None)?;
        body(self.w)?;
        self.w
            .scalar_member_then_close("isBase64Encoded", if base64 { "true" } else { "false" })
    }

    /// Ends the response with a text body.
    pub fn body(self, text: &str) -> Result<(), WriteError> {
        self.finish_with(false, |w| w.str(text))
    }

    /// Ends the response with a body formatted on the fly: `r.body_display(&format_args!(..))`.
    pub fn body_display(self, text: &dyn fmt::Display) -> Result<(), WriteError> {
        self.finish_with(false, |w| w.display(text))
    }

    /// Ends the response with a JSON body that `f` writes; it lands in `"body"` as an escaped
    /// string, written in one pass (see [`JsonWriter::json_string`]).
    pub fn body_json(
        self,
        f: impl FnOnce(&mut JsonWriter<'b>) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        self.finish_with(false, |w| w.json_string(f))
    }

    /// Ends the response with a binary body, base64-encoded, and `"isBase64Encoded":true`.
    pub fn body_base64(self, bytes: &[u8]) -> Result<(), WriteError> {
        self.finish_with(true, |w| w.base64(bytes))
    }

    /// Ends the response without a body (`"body":null`, which every integration accepts as
    /// empty).
    pub fn finish(self) -> Result<(), WriteError> {
        self.finish_with(false, |w| w.null())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(f: impl FnOnce(&mut JsonWriter<'_>) -> Result<(), WriteError>) -> serde_json::Value {
        let mut buf = vec![0u8; 1024];
        let mut w = JsonWriter::new(&mut buf);
        f(&mut w).unwrap();
        let n = w.finish().unwrap();
        serde_json::from_slice(&buf[..n]).unwrap()
    }

    #[test]
    fn alb_shape_with_every_section() {
        let v = build(|w| {
            let mut r = ProxyResponse::new(w, 200)?;
            r.status_description("200 OK")?
                .header("Content-Type", "application/json")?
                .header_display("X-Count", &3)?;
            r.multi_value_header("Set-cookie", ["a=1; Secure", "b=\"2\""])?;
            r.multi_value_header("X-Empty", [])?;
            r.body("Hello from Lambda")
        });
        assert_eq!(
            v,
            serde_json::json!({
                "statusCode": 200, "statusDescription": "200 OK",
                "headers": {"Content-Type": "application/json", "X-Count": "3"},
                "multiValueHeaders": {"Set-cookie": ["a=1; Secure", "b=\"2\""], "X-Empty": []},
                "body": "Hello from Lambda", "isBase64Encoded": false
            })
        );
    }

    #[test]
    fn http_api_shape_json_and_binary_bodies() {
        let v = build(|w| {
            let mut r = ProxyResponse::new(w, 201)?;
            r.cookie("a=1")?.cookie("b=2")?;
            r.body_json(|w| w.object(|w| w.field("quote", "\"x\"\n")))
        });
        assert_eq!(v["cookies"], serde_json::json!(["a=1", "b=2"]));
        let body: serde_json::Value = serde_json::from_str(v["body"].as_str().unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({"quote": "\"x\"\n"}));
        let v = build(|w| ProxyResponse::new(w, 200)?.body_base64(b"\x00\xff"));
        assert_eq!(
            (v["body"].as_str(), v["isBase64Encoded"].as_bool()),
            (Some("AP8="), Some(true))
        );
        let v = build(|w| ProxyResponse::new(w, 204)?.finish());
        assert_eq!(
            v,
            serde_json::json!({"statusCode": 204, "body": null, "isBase64Encoded": false})
        );
        let v = build(|w| ProxyResponse::new(w, 200)?.body_display(&format_args!("{}+{}", 1, 2)));
        assert_eq!(v["body"], "1+2");
    }

    #[test]
    fn sections_out_of_order_are_refused() {
        let mut buf = [0u8; 256];
        let mut w = JsonWriter::new(&mut buf);
        let mut r = ProxyResponse::new(&mut w, 200).unwrap();
        r.cookie("a=1").unwrap();
        assert!(matches!(r.header("x", "y"), Err(WriteError::Misuse(_))));
        assert!(matches!(
            r.status_description("200 OK"),
            Err(WriteError::Misuse(_))
        ));
        assert!(r.body("x").is_err(), "the first error sticks");
        let mut w = JsonWriter::new(&mut buf);
        let _unfinished = ProxyResponse::new(&mut w, 200).unwrap();
        assert!(
            matches!(w.finish(), Err(WriteError::Misuse(_))),
            "an unfinished response is caught"
        );
    }
}
