//! `parse_head` over arbitrary bytes.

use lambda_zero::__private::proto::extension::registered_identifier;
use lambda_zero::__private::proto::response::{
    parse_head, salvage_lambda_headers, Framing, LambdaHeaders, Span,
};
use lambda_zero::__private::proto::{ProtoError, MAX_HEAD};

/// The header name each Lambda span must come from, with the span.
fn lambda_spans(l: &LambdaHeaders) -> [(&'static str, Option<Span>); 8] {
    [
        ("lambda-runtime-aws-request-id", l.request_id),
        ("lambda-runtime-deadline-ms", l.deadline_ms),
        (
            "lambda-runtime-invoked-function-arn",
            l.invoked_function_arn,
        ),
        ("lambda-runtime-trace-id", l.trace_id),
        ("lambda-runtime-client-context", l.client_context),
        ("lambda-runtime-cognito-identity", l.cognito_identity),
        ("lambda-runtime-aws-tenant-id", l.tenant_id),
        ("lambda-runtime-invocation-id", l.invocation_id),
    ]
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Checks one span: inside the head (`head_len` bytes), non-empty, trimmed, no line break, and
/// exactly the value of a header line named `name` (found by looking at the bytes around it,
/// not via httparse).
fn check_span(data: &[u8], head_len: usize, name: &str, span: Span) {
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(start < end, "{name}: empty or inverted span {span:?}");
    assert!(
        end <= head_len,
        "{name}: span {span:?} runs past the head (len {head_len})"
    );
    let value = span.get(data);
    assert_eq!(
        value.len(),
        end - start,
        "{name}: span {span:?} does not fit the buffer"
    );
    assert!(
        !value.iter().any(|&b| b == b'\r' || b == b'\n'),
        "{name}: line break in value"
    );
    assert!(
        !is_ows(value[0]) && !is_ows(value[value.len() - 1]),
        "{name}: value not trimmed"
    );
    // The line it sits on: `name ":" OWS value OWS (CR)LF`.
    let line_start = data[..start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let before = &data[line_start..start];
    let colon = before.iter().position(|&b| b == b':');
    let colon = colon.unwrap_or_else(|| panic!("{name}: no colon before the value"));
    assert!(
        before[..colon].eq_ignore_ascii_case(name.as_bytes()),
        "{name}: span sits on another header's line"
    );
    assert!(
        before[colon + 1..].iter().all(|&b| is_ows(b)),
        "{name}: span starts inside the value"
    );
    let after = &data[end..];
    let ws = after.iter().take_while(|&&b| is_ows(b)).count();
    let after = &after[ws..];
    assert!(
        after.starts_with(b"\r\n") || after.starts_with(b"\n"),
        "{name}: span ends inside the value"
    );
}

/// `parse_head` over arbitrary bytes: never panics; on success the head length fits the input
/// and `MAX_HEAD`, every Lambda span (and an Extensions API identifier) is the trimmed value of
/// its own header line inside the head, parsing exactly the head gives the same result, and
/// every shorter prefix is incomplete.
pub fn next_head(data: &[u8]) {
    let parsed = match parse_head(data) {
        Ok(parsed) => parsed,
        Err(e) => return salvage(data, e),
    };
    let Some(head) = parsed else {
        assert!(
            data.len() < MAX_HEAD,
            "incomplete head of {} bytes not refused",
            data.len()
        );
        // A prefix of an incomplete head is incomplete too.
        let cut = data.len() / 2;
        assert_eq!(
            parse_head(&data[..cut]),
            Ok(None),
            "prefix {cut} of an incomplete head"
        );
        return;
    };
    assert!(
        head.len <= data.len(),
        "head len {} > input {}",
        head.len,
        data.len()
    );
    assert!(head.len <= MAX_HEAD);
    // httparse reads any three digits; `000`-`099` come through as they are (the runtime must
    // treat them like any other unexpected status).
    assert!((100..=999).contains(&head.status), "status {}", head.status);
    assert!(
        data[..head.len].ends_with(b"\n\n") || data[..head.len].ends_with(b"\n\r\n"),
        "head does not end with a blank line"
    );
    for (name, span) in lambda_spans(&head.lambda) {
        if let Some(span) = span {
            check_span(data, head.len, name, span);
        }
    }
    // The Extensions API identifier (the same parser reads register answers): only from a
    // 200, and then the trimmed value of a `Lambda-Extension-Identifier` line in the head.
    match registered_identifier(data, &head) {
        Ok(None) => assert_ne!(head.status, 200, "a 200 gave no identifier"),
        Ok(Some(id)) => {
            assert_eq!(head.status, 200, "an identifier from a {}", head.status);
            let start = id.as_ptr() as usize - data.as_ptr() as usize;
            let span = Span {
                start: start as u32,
                end: (start + id.len()) as u32,
            };
            check_span(data, head.len, "lambda-extension-identifier", span);
        }
        Err(e) => assert_eq!(
            (head.status, e),
            (200, ProtoError::BadHead),
            "only a 200 without a usable identifier is refused"
        ),
    }
    // A head `parse_head` accepts salvages to the same status and headers.
    assert_eq!(
        salvage_lambda_headers(data),
        Some((head.status, head.lambda)),
        "salvage differs from parse_head"
    );
    if (100..200).contains(&head.status) || head.status == 204 || head.status == 304 {
        assert_eq!(
            head.framing,
            Framing::Length(0),
            "status {} has no body",
            head.status
        );
    }
    if head.framing == Framing::UntilClose {
        assert!(
            !head.keep_alive,
            "a body framed by the close cannot keep the connection"
        );
    }
    // Idempotent on the prefix: the head alone parses the same, the body does not matter.
    assert_eq!(
        parse_head(&data[..head.len]),
        Ok(Some(head)),
        "head alone parses differently"
    );
    // Any cut inside the head is incomplete: a few cuts, picked by the input itself.
    let pick = data.iter().fold(0usize, |a, &b| {
        a.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    for cut in [head.len - 1, head.len / 2, pick % head.len] {
        assert_eq!(
            parse_head(&data[..cut]),
            Ok(None),
            "cut at {cut} of a {}-byte head",
            head.len
        );
    }
}

/// Headers httparse is given when salvaging (mirrors `SALVAGE_HEADERS` in the crate).
const SALVAGE_HEADERS: usize = 256;

/// `salvage_lambda_headers` on a head `parse_head` refused: whenever httparse reads a complete
/// head (within `MAX_HEAD`, at most 256 headers) it salvages it, with the same status and with
/// every span the trimmed value of its own header line inside that head; otherwise nothing.
fn salvage(data: &[u8], error: ProtoError) {
    let salvaged = salvage_lambda_headers(data);
    let window = &data[..data.len().min(MAX_HEAD)];
    let mut headers = [httparse::EMPTY_HEADER; SALVAGE_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let complete = match response.parse(window) {
        Ok(httparse::Status::Complete(n)) => response.code.map(|code| (n, code)),
        _ => None,
    };
    let Some((head_len, code)) = complete else {
        assert_eq!(
            salvaged, None,
            "salvaged a head httparse cannot read ({error:?})"
        );
        return;
    };
    let salvaged =
        salvaged.unwrap_or_else(|| panic!("a complete head ({error:?}) was not salvaged"));
    assert_eq!(salvaged.0, code, "salvaged status");
    for (name, span) in lambda_spans(&salvaged.1) {
        if let Some(span) = span {
            check_span(data, head_len, name, span);
        }
    }
}
