//! The two Extensions API requests a runtime makes for graceful shutdown, and the answer it
//! needs from the first.
//!
//! Lambda sends the runtime `SIGTERM` before it shuts an execution environment down only when an
//! extension is registered. A runtime can register one itself, an *internal* extension: it
//! registers for no events (internal extensions may not take `SHUTDOWN`), keeps the
//! `Lambda-Extension-Identifier` of the answer, and long-polls `event/next` with it, which also
//! tells Lambda the extension finished its init. No event ever comes.
//!
//! ```text
//! POST /2020-01-01/extension/register       Lambda-Extension-Name: lambda-zero
//!   {"events":[]}                       →   200, Lambda-Extension-Identifier: <id>
//! GET  /2020-01-01/extension/event/next     Lambda-Extension-Identifier: <id>   (never answered)
//! ```

use super::request::{is_safe_header_value, Full, Writer};
use super::response::Head;
use super::{Endpoint, ProtoError, MAX_HEADERS};

/// The name the runtime's internal extension registers under.
pub const EXTENSION_NAME: &str = "lambda-zero";

const API: &[u8] = b"/2020-01-01/extension";

/// What an internal extension registers for: nothing (it exists so that the runtime gets
/// `SIGTERM`).
const NO_EVENTS: &[u8] = br#"{"events":[]}"#;

fn push_head_start(
    w: &mut Writer<'_>,
    method: &[u8],
    ep: &Endpoint,
    what: &[u8],
) -> Result<(), Full> {
    w.push(method)?;
    w.push(b" ")?;
    w.push(ep.path_prefix.as_bytes())?;
    w.push(API)?;
    w.push(what)?;
    w.push(b" HTTP/1.1\r\nHost: ")?;
    w.push(ep.host.as_bytes())?;
    w.push(b"\r\n")?;
    w.push(super::request::USER_AGENT)
}

/// `POST /2020-01-01/extension/register` of an internal extension named `name`, registered for
/// no events: head and body.
pub fn write_register(w: &mut Writer<'_>, ep: &Endpoint, name: &str) -> Result<(), Full> {
    if !is_safe_header_value(name.as_bytes()) {
        return Err(Full);
    }
    push_head_start(w, b"POST", ep, b"/register")?;
    w.push(b"Lambda-Extension-Name: ")?;
    w.push(name.as_bytes())?;
    w.push(b"\r\nContent-Type: application/json\r\nContent-Length: ")?;
    w.push_decimal(NO_EVENTS.len() as u64)?;
    w.push(b"\r\n\r\n")?;
    w.push(NO_EVENTS)
}

/// `GET /2020-01-01/extension/event/next` for the extension registered as `identifier`.
pub fn write_event_next(w: &mut Writer<'_>, ep: &Endpoint, identifier: &[u8]) -> Result<(), Full> {
    if !is_safe_header_value(identifier) {
        return Err(Full);
    }
    push_head_start(w, b"GET", ep, b"/event/next")?;
    w.push(b"Lambda-Extension-Identifier: ")?;
    w.push(identifier)?;
    w.push(b"\r\n\r\n")
}

/// The `Lambda-Extension-Identifier` of a complete register answer whose head `head` starts
/// `buf`: `Ok(None)` for an answer other than 200 (the caller reports its body), an error
/// for a 200 without a usable identifier.
pub fn registered_identifier<'b>(
    buf: &'b [u8],
    head: &Head,
) -> Result<Option<&'b [u8]>, ProtoError> {
    if head.status != 200 {
        return Ok(None);
    }
    let mut headers = [const { core::mem::MaybeUninit::uninit() }; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    let head_bytes = buf.get(..head.len).ok_or(ProtoError::BadHead)?;
    match super::response::parse_response(&mut response, head_bytes, &mut headers) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err(ProtoError::BadHead),
    }
    response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("lambda-extension-identifier"))
        .map(|h| h.value.trim_ascii())
        .filter(|id| !id.is_empty() && is_safe_header_value(id))
        .map(Some)
        .ok_or(ProtoError::BadHead)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::body::Reader;

    fn endpoint(prefix: &str) -> Endpoint {
        Endpoint {
            host: "127.0.0.1:9001".into(),
            path_prefix: prefix.into(),
        }
    }

    fn render(f: impl FnOnce(&mut Writer<'_>) -> Result<(), Full>) -> Result<String, Full> {
        let mut buf = [0u8; 512];
        let mut w = Writer::new(&mut buf);
        f(&mut w)?;
        let n = w.len();
        Ok(String::from_utf8(buf[..n].to_vec()).unwrap())
    }

    #[test]
    fn register_and_event_next_requests_are_exact() {
        let ua = core::str::from_utf8(crate::proto::request::USER_AGENT).unwrap();
        let register = render(|w| write_register(w, &endpoint(""), EXTENSION_NAME)).unwrap();
        assert_eq!(
            register,
            format!(
                "POST /2020-01-01/extension/register HTTP/1.1\r\nHost: 127.0.0.1:9001\r\n{ua}\
                 Lambda-Extension-Name: lambda-zero\r\nContent-Type: application/json\r\n\
                 Content-Length: 13\r\n\r\n{{\"events\":[]}}"
            )
        );
        let next = render(|w| write_event_next(w, &endpoint("/emu"), b"ab-12")).unwrap();
        assert_eq!(
            next,
            format!(
                "GET /emu/2020-01-01/extension/event/next HTTP/1.1\r\nHost: 127.0.0.1:9001\r\n\
                 {ua}Lambda-Extension-Identifier: ab-12\r\n\r\n"
            )
        );
    }

    #[test]
    fn unsafe_names_and_identifiers_are_refused() {
        assert_eq!(
            render(|w| write_register(w, &endpoint(""), "a\r\nX: y")),
            Err(Full)
        );
        assert_eq!(
            render(|w| write_event_next(w, &endpoint(""), b"id\n")),
            Err(Full)
        );
        // Too small a buffer is refused too, never cut.
        let mut small = [0u8; 40];
        let mut w = Writer::new(&mut small);
        assert_eq!(
            write_register(&mut w, &endpoint(""), EXTENSION_NAME),
            Err(Full)
        );
    }

    /// Reads one answer fed in two parts split at `at`, as the extension thread does.
    fn read_split(answer: &[u8], at: usize) -> Result<(u16, Option<Vec<u8>>), ProtoError> {
        let mut buf = vec![0u8; 1024];
        let mut reader = Reader::new(1024, false);
        let mut filled = 0;
        for part in [&answer[..at], &answer[at..]] {
            buf[filled..filled + part.len()].copy_from_slice(part);
            filled += part.len();
            let done = filled == answer.len();
            if let Some(message) = reader.advance(&mut buf, &mut filled, done)? {
                let id = registered_identifier(&buf, &message.head)?;
                return Ok((message.head.status, id.map(<[u8]>::to_vec)));
            }
        }
        Err(ProtoError::Truncated)
    }

    #[test]
    fn the_identifier_is_read_at_every_split_point() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                   lambda-extension-identifier:  7f3c-11 \r\nContent-Length: 62\r\n\r\n\
                   {\"functionName\":\"f\",\"functionVersion\":\"$LATEST\",\"handler\":\"h\"}";
        let chunked = b"HTTP/1.1 200 OK\r\nLambda-Extension-Identifier: 7f3c-11\r\n\
                        Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
        for answer in [&ok[..], &chunked[..]] {
            for at in 0..=answer.len() {
                assert_eq!(
                    read_split(answer, at),
                    Ok((200, Some(b"7f3c-11".to_vec()))),
                    "split at {at}"
                );
            }
        }
    }

    #[test]
    fn refusals_and_bad_identifiers() {
        let refused = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(read_split(refused, 10), Ok((403, None)));
        let missing = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(read_split(missing, 5), Err(ProtoError::BadHead));
        let empty =
            b"HTTP/1.1 200 OK\r\nLambda-Extension-Identifier: \r\nContent-Length: 0\r\n\r\n";
        assert_eq!(read_split(empty, 5), Err(ProtoError::BadHead));
    }
}
