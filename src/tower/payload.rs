//! The request body as the user's own type, as `lambda_http::RequestPayloadExt` reads it: JSON
//! (through lambda-zero's parser) or `application/x-www-form-urlencoded`, by `Content-Type`.

use core::fmt;

use serde::de::value::{Error as ValueError, MapDeserializer};
use serde::de::{DeserializeOwned, IntoDeserializer, Visitor};
use serde::Deserializer;

use super::Body;
use crate::json::{Limits, Parser};

/// Why the body could not be read as the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadError {
    /// The body is not JSON of that type (what is wrong, as the parser says it).
    Json(String),
    /// The form body does not fit that type.
    WwwFormUrlEncoded(String),
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PayloadError::Json(why) => write!(f, "the JSON body does not deserialize: {why}"),
            PayloadError::WwwFormUrlEncoded(why) => {
                write!(f, "the form body does not deserialize: {why}")
            }
        }
    }
}

impl std::error::Error for PayloadError {}

/// The body as a type of the user's, as `lambda_http::RequestPayloadExt` has it (implemented for
/// [`Request`](super::Request)).
pub trait RequestPayloadExt {
    /// The body by its `Content-Type`: `application/json` (or any `+json` type) as JSON,
    /// `application/x-www-form-urlencoded` as a form; `Ok(None)` for an empty body, no
    /// `Content-Type` or another one.
    fn payload<D: DeserializeOwned>(&self) -> Result<Option<D>, PayloadError>;

    /// The body as JSON, whatever the `Content-Type`; `Ok(None)` when it is empty.
    fn json<D: DeserializeOwned>(&self) -> Result<Option<D>, PayloadError>;

    /// The body as a form (`name=value&...`, `+` and `%XX` decoded), whatever the
    /// `Content-Type`; `Ok(None)` when it is empty. Values are text: a field of a number or
    /// `bool` type is parsed from it.
    fn x_www_form_urlencoded<D: DeserializeOwned>(&self) -> Result<Option<D>, PayloadError>;
}

impl RequestPayloadExt for http::Request<Body> {
    fn payload<D: DeserializeOwned>(&self) -> Result<Option<D>, PayloadError> {
        let Some(content_type) = self
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
        else {
            return Ok(None);
        };
        let media = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if media == "application/json" || media.ends_with("+json") {
            self.json()
        } else if media == "application/x-www-form-urlencoded" {
            self.x_www_form_urlencoded()
        } else {
            Ok(None)
        }
    }

    fn json<D: DeserializeOwned>(&self) -> Result<Option<D>, PayloadError> {
        from_json(self.body().as_bytes())
    }

    fn x_www_form_urlencoded<D: DeserializeOwned>(&self) -> Result<Option<D>, PayloadError> {
        from_form(self.body().as_bytes())
    }
}

/// `bytes` as JSON of `D`, through a parser sized for them.
fn from_json<D: DeserializeOwned>(bytes: &[u8]) -> Result<Option<D>, PayloadError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let limits = Limits {
        max_event: bytes.len(),
        structurals: bytes.len(),
        ..Limits::lambda()
    };
    let mut parser = Parser::new(limits);
    let mut copy = bytes.to_vec();
    parser
        .parse::<D>(&mut copy)
        .map(Some)
        .map_err(|e| PayloadError::Json(e.to_string()))
}

/// `bytes` as a form of `D`.
fn from_form<D: DeserializeOwned>(bytes: &[u8]) -> Result<Option<D>, PayloadError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let pairs = bytes
        .split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(eq) => (&pair[..eq], &pair[eq + 1..]),
                None => (pair, &pair[pair.len()..]),
            };
            (form_decode(name), FormValue(form_decode(value)))
        });
    D::deserialize(MapDeserializer::<_, ValueError>::new(pairs))
        .map(Some)
        .map_err(|e| PayloadError::WwwFormUrlEncoded(e.to_string()))
}

/// Form decoding: `+` is a space, `%XX` the byte XX (a `%` without two hex digits stays), text
/// that is not UTF-8 decoded lossily.
fn form_decode(text: &[u8]) -> String {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let byte = match text[i] {
            b'+' => b' ',
            b'%' if i + 2 < text.len() => match hex_pair(text[i + 1], text[i + 2]) {
                Some(decoded) => {
                    i += 2;
                    decoded
                }
                None => b'%',
            },
            other => other,
        };
        out.push(byte);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    Some(digit(high)? << 4 | digit(low)?)
}

/// A form value: text, parsed into the field's type when the type asks for one.
struct FormValue(String);

impl<'de> IntoDeserializer<'de, ValueError> for FormValue {
    type Deserializer = FormValue;
    fn into_deserializer(self) -> FormValue {
        self
    }
}

macro_rules! parse_as {
    ($($method:ident => $visit:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            match self.0.trim().parse() {
                Ok(v) => visitor.$visit(v),
                Err(_) => Err(serde::de::Error::custom(format_args!(
                    "`{}` is not a {}",
                    self.0,
                    &stringify!($method)["deserialize_".len()..]
                ))),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for FormValue {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_string(self.0)
    }

    parse_as! {
        deserialize_bool => visit_bool,
        deserialize_i8 => visit_i8,
        deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32,
        deserialize_i64 => visit_i64,
        deserialize_u8 => visit_u8,
        deserialize_u16 => visit_u16,
        deserialize_u32 => visit_u32,
        deserialize_u64 => visit_u64,
        deserialize_f32 => visit_f32,
        deserialize_f64 => visit_f64,
        deserialize_char => visit_char,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        i128 u128 str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Signup {
        name: String,
        age: u32,
        admin: bool,
        team: Option<String>,
        #[serde(default)]
        plan: Plan,
    }

    #[derive(serde::Deserialize, Debug, PartialEq, Default)]
    #[serde(rename_all = "lowercase")]
    enum Plan {
        #[default]
        Free,
        Pro,
    }

    fn request(content_type: Option<&str>, body: &str) -> http::Request<Body> {
        let mut b = http::Request::builder();
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        b.body(Body::from(body.to_string())).unwrap()
    }

    #[test]
    fn json_and_form_bodies_by_content_type() {
        let want = Signup {
            name: "Ada Lovelace".into(),
            age: 36,
            admin: true,
            team: Some("R&D".into()),
            plan: Plan::Pro,
        };
        let json = request(
            Some("application/json; charset=utf-8"),
            r#"{"name":"Ada Lovelace","age":36,"admin":true,"team":"R&D","plan":"pro"}"#,
        );
        assert_eq!(json.payload::<Signup>().unwrap(), Some(want));
        let form = request(
            Some("application/x-www-form-urlencoded"),
            "name=Ada+Lovelace&age=36&admin=true&team=R%26D",
        );
        let got = form.payload::<Signup>().unwrap().unwrap();
        assert_eq!(got.name, "Ada Lovelace");
        assert_eq!(got.team.as_deref(), Some("R&D"));
        assert_eq!(got.plan, Plan::Free);
        let vendor = request(
            Some("application/vnd.api+json"),
            r#"{"name":"x","age":1,"admin":false}"#,
        );
        assert_eq!(vendor.payload::<Signup>().unwrap().unwrap().team, None);
    }

    #[test]
    fn no_body_no_content_type_or_another_one_is_none() {
        assert_eq!(
            request(Some("application/json"), "").payload::<Signup>(),
            Ok(None)
        );
        assert_eq!(
            request(None, r#"{"name":"x"}"#).payload::<Signup>(),
            Ok(None)
        );
        assert_eq!(
            request(Some("text/plain"), "name=x").payload::<Signup>(),
            Ok(None)
        );
    }

    #[test]
    fn bodies_that_do_not_fit_are_errors_that_say_why() {
        let e = request(Some("application/json"), r#"{"name":"x","age":"old"}"#)
            .payload::<Signup>()
            .unwrap_err();
        assert!(matches!(e, PayloadError::Json(_)), "{e}");
        let e = request(Some("application/json"), "{not json")
            .payload::<Signup>()
            .unwrap_err();
        assert!(matches!(e, PayloadError::Json(_)), "{e}");
        let e = request(
            Some("application/x-www-form-urlencoded"),
            "name=x&age=old&admin=true",
        )
        .payload::<Signup>()
        .unwrap_err();
        assert!(e.to_string().contains("`old` is not a u32"), "{e}");
        let e = request(Some("application/x-www-form-urlencoded"), "name=x")
            .payload::<Signup>()
            .unwrap_err();
        assert!(e.to_string().contains("missing field"), "{e}");
    }

    #[test]
    fn form_decoding_keeps_a_lone_percent_and_decodes_utf8() {
        assert_eq!(form_decode(b"100%+sure"), "100% sure");
        assert_eq!(form_decode(b"%E2%9C%93%zz%4"), "\u{2713}%zz%4");
        assert_eq!(form_decode(b"%FF"), "\u{FFFD}");
    }
}
