//! Every request writer in `proto::request`, and `Error::new`, fed arbitrary values.

use lambda_zero::__private::proto::request::{
    write_chunk_size, write_error_body, write_error_head, write_error_trailers,
    write_init_error_head, write_next, write_response_head, write_streaming_head, Full, Writer,
    LAST_CHUNK,
};
use lambda_zero::__private::proto::Endpoint;
use lambda_zero::{Error, ErrorKind, MAX_ERROR_MESSAGE, MAX_ERROR_TYPE};

use crate::reference::{
    base64_decode, decode_chunked, is_lambda_error_type, percent_decode, Chunked,
};
use crate::Bytes;

/// The decoded form of a `request_writers` input.
///
/// Layout: `flags: u8`, `capacity: u16 LE`, `body_len: u64 LE`, `piece: u8`, then five fields
/// each prefixed by a one-byte length (request id, invocation id, error name, content type,
/// endpoint), then the message (lossy UTF-8). `flags`: bit 0 `Runtime` kind (else `Function`);
/// bit 1 an invocation id is given; bit 2 the endpoint field is used (else `127.0.0.1:9001`);
/// bit 3 the streamed response ends with error trailers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterInput<'a> {
    /// Kind handed to `Error::new`.
    pub runtime_kind: bool,
    /// `Lambda-Runtime-Aws-Request-Id` as the server sent it.
    pub request_id: &'a [u8],
    /// `Lambda-Runtime-Invocation-Id`, if any.
    pub invocation_id: Option<&'a [u8]>,
    /// The free-form error name given to `Error::new`.
    pub error_name: String,
    /// Content type of a streamed response.
    pub content_type: &'a [u8],
    /// `AWS_LAMBDA_RUNTIME_API`, if used.
    pub endpoint: Option<String>,
    /// Streamed responses end with error trailers.
    pub stream_error: bool,
    /// `Content-Length` of the response POST.
    pub body_len: usize,
    /// Size of a small buffer every writer is also run into.
    pub capacity: usize,
    /// Size of each chunk of a streamed response.
    pub piece: usize,
    /// The error message, also the streamed body.
    pub message: String,
}

impl<'a> WriterInput<'a> {
    /// Decodes the layout described on the type.
    pub fn decode(data: &'a [u8]) -> WriterInput<'a> {
        let mut b = Bytes::new(data);
        let flags = b.u8();
        let capacity = usize::from(b.u16()) % (BIG + 256);
        let body_len = b.u64() as usize;
        let piece = usize::from(b.u8()).max(1);
        let request_id = b.field();
        let invocation_id = b.field();
        let error_name = String::from_utf8_lossy(b.field()).into_owned();
        let content_type = b.field();
        let endpoint = String::from_utf8_lossy(b.field()).into_owned();
        let message = String::from_utf8_lossy(b.rest()).into_owned();
        WriterInput {
            runtime_kind: flags & 1 != 0,
            request_id,
            invocation_id: (flags & 2 != 0).then_some(invocation_id),
            error_name,
            content_type,
            endpoint: (flags & 4 != 0).then_some(endpoint),
            stream_error: flags & 8 != 0,
            body_len,
            capacity,
            piece,
            message,
        }
    }

    /// The inverse of [`WriterInput::decode`], for building seeds (fields longer than 255
    /// bytes are cut).
    pub fn encode(&self) -> Vec<u8> {
        let flags = u8::from(self.runtime_kind)
            | u8::from(self.invocation_id.is_some()) << 1
            | u8::from(self.endpoint.is_some()) << 2
            | u8::from(self.stream_error) << 3;
        let mut out = vec![flags];
        out.extend_from_slice(&(self.capacity as u16).to_le_bytes());
        out.extend_from_slice(&(self.body_len as u64).to_le_bytes());
        out.push(self.piece.min(255) as u8);
        let fields: [&[u8]; 5] = [
            self.request_id,
            self.invocation_id.unwrap_or(b""),
            self.error_name.as_bytes(),
            self.content_type,
            self.endpoint.as_deref().unwrap_or("").as_bytes(),
        ];
        for f in fields {
            let f = &f[..f.len().min(255)];
            out.push(f.len() as u8);
            out.extend_from_slice(f);
        }
        out.extend_from_slice(self.message.as_bytes());
        out
    }
}

/// A request parsed back with httparse.
struct Parsed {
    method: String,
    path: Vec<u8>,
    headers: Vec<(String, Vec<u8>)>,
    head_len: usize,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Parses `out` as one request head: complete, every line ended by CRLF.
fn parse_request(out: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut req = httparse::Request::new(&mut headers);
    let head_len = match req.parse(out) {
        Ok(httparse::Status::Complete(n)) => n,
        other => panic!("not a complete request ({other:?}): {:?}", text(out)),
    };
    let head = &out[..head_len];
    for (i, &b) in head.iter().enumerate() {
        if b == b'\n' {
            assert!(
                i > 0 && head[i - 1] == b'\r',
                "bare LF at {i}: {:?}",
                text(head)
            );
        }
        if b == b'\r' {
            assert_eq!(
                head.get(i + 1),
                Some(&b'\n'),
                "bare CR at {i}: {:?}",
                text(head)
            );
        }
    }
    let path = req.path.unwrap_or_default();
    // httparse hands out the path as a `&str` over the input: find it by its address.
    let start = path.as_ptr() as usize - out.as_ptr() as usize;
    Parsed {
        method: req.method.unwrap_or_default().to_string(),
        path: out[start..start + path.len()].to_vec(),
        headers: req
            .headers
            .iter()
            .map(|h| (h.name.to_string(), h.value.to_vec()))
            .collect(),
        head_len,
    }
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |i| i + 1);
    &v[start..end]
}

/// Checks the headers are exactly `want` (names as written, values as httparse reads them).
fn expect_headers(p: &Parsed, want: &[(&str, Vec<u8>)], out: &[u8]) {
    let got: Vec<(&str, &[u8])> = p
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let want: Vec<(&str, &[u8])> = want.iter().map(|(n, v)| (*n, trim(v))).collect();
    assert!(
        got == want,
        "headers {got:?}, want {want:?} in {:?}",
        text(out)
    );
}

/// The headers every request starts with.
fn common(ep: &Endpoint) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("Host", ep.host.as_bytes().to_vec()),
        (
            "User-Agent",
            format!("lambda-zero/{}", lambda_zero_version()).into_bytes(),
        ),
    ]
}

/// The main crate's version, read from the user agent it writes (the fuzz crate has its own).
fn lambda_zero_version() -> String {
    let mut buf = [0u8; 512];
    let mut w = Writer::new(&mut buf);
    let ep = Endpoint {
        host: "h:1".into(),
        path_prefix: String::new(),
    };
    if write_next(&mut w, &ep).is_err() {
        return String::new();
    }
    let s = text(w.written());
    s.split("User-Agent: lambda-zero/")
        .nth(1)
        .and_then(|r| r.split("\r\n").next())
        .unwrap_or("")
        .to_string()
}

/// True when the runtime may echo `v` as a header value (mirrors the documented rule: no
/// control characters but tab).
fn echoable(v: &[u8]) -> bool {
    !v.is_empty() && v.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// Checks `/invocation/{segment}/{what}` under the endpoint's prefix names `id` exactly.
fn expect_invocation_path(p: &Parsed, ep: &Endpoint, id: &[u8], what: &str) {
    let base = format!("{}/2018-06-01/runtime/invocation/", ep.path_prefix);
    let suffix = format!("/{what}");
    let path = &p.path;
    assert!(
        path.starts_with(base.as_bytes()) && path.ends_with(suffix.as_bytes()),
        "path {:?}",
        text(path)
    );
    let seg = path
        .get(base.len()..path.len() - suffix.len())
        .unwrap_or_default();
    assert!(
        seg.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
        "segment {:?} has bytes that are not unreserved",
        text(seg)
    );
    assert!(
        seg != b"." && seg != b"..",
        "segment {:?} is a dot segment",
        text(seg)
    );
    assert_eq!(
        percent_decode(seg).as_deref(),
        Some(id),
        "segment {:?} does not decode to the id",
        text(seg)
    );
}

/// A buffer every single write fits in: fields are at most 255 bytes (765 percent-encoded) and
/// `Error` keeps at most 1024 bytes of message (6 KiB escaped, 8 KiB more in base64).
const BIG: usize = 16 * 1024;

/// Runs `write` into a large buffer (must fit) and into one of `cap` bytes (must fail with
/// [`Full`] exactly when the output does not fit, else give the same bytes).
fn write_both<F: Fn(&mut Writer<'_>) -> Result<(), Full>>(cap: usize, write: F) -> Vec<u8> {
    let mut big = [0u8; BIG];
    let mut w = Writer::new(&mut big);
    assert_eq!(write(&mut w), Ok(()), "a {BIG}-byte buffer is too small");
    let full = w.written().to_vec();
    let mut small = vec![0u8; cap];
    let mut w = Writer::new(&mut small);
    match write(&mut w) {
        Ok(()) => assert_eq!(w.written(), &full[..], "output depends on the buffer size"),
        Err(Full) => assert!(
            full.len() > cap,
            "Full with {} bytes for {} bytes of output",
            cap,
            full.len()
        ),
    }
    full
}

/// Checks an error document: exactly the three keys, the type as given, the message a prefix
/// of `message`, an empty stack trace.
fn expect_error_json(body: &[u8], error_type: &str, message: &str) -> String {
    let v: serde_json::Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("error body is not JSON ({e}): {:?}", text(body)));
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("error body is not an object: {v}"));
    assert_eq!(obj.len(), 3, "keys of {v}");
    assert_eq!(
        obj.get("errorType").and_then(|t| t.as_str()),
        Some(error_type),
        "errorType of {v}"
    );
    assert_eq!(
        obj.get("stackTrace"),
        Some(&serde_json::json!([])),
        "stackTrace of {v}"
    );
    let got = obj.get("errorMessage").and_then(|m| m.as_str());
    let got = got.unwrap_or_else(|| panic!("errorMessage is not a string in {v}"));
    assert!(
        message.starts_with(got),
        "errorMessage {got:?} is not a prefix of {message:?}"
    );
    got.to_string()
}

/// The `request_writers` check; see the module and [`WriterInput`].
///
/// Every head parses with httparse as exactly one complete request whose head is the whole
/// output, with the expected method, path (the id segment percent-decodes back to the request
/// id) and exactly the expected headers; error bodies are valid JSON whose `errorMessage` is a
/// prefix of the message; streamed bodies decode back to the body and trailers;
/// `Error::new(..).error_type()` matches Lambda's pattern; and no writer's output depends on
/// the buffer size except by failing with `Full`.
pub fn request_writers(data: &[u8]) {
    let input = WriterInput::decode(data);
    let cap = input.capacity;

    // Error::new: the type always matches Lambda's pattern, the message is a prefix.
    let kind = if input.runtime_kind {
        ErrorKind::Runtime
    } else {
        ErrorKind::Function
    };
    let err = Error::new(kind, &input.error_name, &input.message);
    let error_type = err.error_type();
    assert!(
        is_lambda_error_type(error_type),
        "error type {error_type:?} from name {:?}",
        input.error_name
    );
    assert!(error_type.len() <= MAX_ERROR_TYPE);
    let message = err.message();
    assert!(
        input.message.starts_with(message),
        "message is not a prefix of the given one"
    );
    if input.message.len() <= MAX_ERROR_MESSAGE {
        assert_eq!(message, input.message, "a short message was cut");
    } else {
        assert!(
            message.len() > MAX_ERROR_MESSAGE - 4 && message.len() <= MAX_ERROR_MESSAGE,
            "cut to {}",
            message.len()
        );
    }

    let ep = input
        .endpoint
        .as_deref()
        .and_then(|s| Endpoint::parse(s).ok())
        .unwrap_or_else(|| Endpoint {
            host: "127.0.0.1:9001".into(),
            path_prefix: String::new(),
        });
    let id = input.request_id;
    let inv = input.invocation_id;
    let inv_header: Vec<(&str, Vec<u8>)> = match inv {
        Some(v) if echoable(v) => vec![("Lambda-Runtime-Invocation-Id", v.to_vec())],
        _ => vec![],
    };

    // GET next.
    let out = write_both(cap, |w| write_next(w, &ep));
    let p = parse_request(&out);
    assert_eq!(p.head_len, out.len(), "GET next has trailing bytes");
    assert_eq!(
        (p.method.as_str(), text(&p.path)),
        (
            "GET",
            format!("{}/2018-06-01/runtime/invocation/next", ep.path_prefix)
        )
    );
    expect_headers(&p, &common(&ep), &out);

    // POST response.
    let body_len = input.body_len;
    let out = write_both(cap, |w| write_response_head(w, &ep, id, inv, body_len));
    let p = parse_request(&out);
    assert_eq!(p.head_len, out.len(), "response head has trailing bytes");
    assert_eq!(p.method, "POST");
    expect_invocation_path(&p, &ep, id, "response");
    let mut want = common(&ep);
    want.extend(inv_header.iter().cloned());
    want.push(("Content-Length", body_len.to_string().into_bytes()));
    expect_headers(&p, &want, &out);

    // The error document, into a buffer of `cap` bytes: always JSON, or Full and untouched.
    let full_body = write_both(BIG, |w| write_error_body(w, error_type, message));
    assert_eq!(
        expect_error_json(&full_body, error_type, message),
        message,
        "message cut in a large buffer"
    );
    let empty_len = write_both(BIG, |w| write_error_body(w, error_type, "")).len();
    let mut small = vec![0u8; cap];
    let mut w = Writer::new(&mut small);
    match write_error_body(&mut w, error_type, message) {
        Ok(()) => {
            expect_error_json(w.written(), error_type, message);
            if full_body.len() <= cap {
                assert_eq!(w.written(), &full_body[..], "message cut although it fits");
            }
        }
        Err(Full) => {
            assert!(
                w.is_empty(),
                "a failed error body left {} bytes behind",
                w.len()
            );
            assert!(
                cap < empty_len,
                "Full although an empty message fits ({cap} >= {empty_len})"
            );
        }
    }

    // POST error: head and body together are one request.
    let mut out = write_both(cap, |w| {
        write_error_head(w, &ep, id, inv, error_type, full_body.len())
    });
    out.extend_from_slice(&full_body);
    let p = parse_request(&out);
    assert_eq!(&out[p.head_len..], &full_body[..], "error head length");
    assert_eq!(p.method, "POST");
    expect_invocation_path(&p, &ep, id, "error");
    let mut want = common(&ep);
    want.extend(inv_header.iter().cloned());
    want.push(("Content-Type", b"application/json".to_vec()));
    want.push((
        "Lambda-Runtime-Function-Error-Type",
        error_type.as_bytes().to_vec(),
    ));
    want.push(("Content-Length", full_body.len().to_string().into_bytes()));
    expect_headers(&p, &want, &out);

    // POST init/error.
    let out = write_both(cap, |w| {
        write_init_error_head(w, &ep, error_type, full_body.len())
    });
    let p = parse_request(&out);
    assert_eq!(p.head_len, out.len());
    assert_eq!(
        (p.method.as_str(), text(&p.path)),
        (
            "POST",
            format!("{}/2018-06-01/runtime/init/error", ep.path_prefix)
        )
    );
    let mut want = common(&ep);
    want.push(("Content-Type", b"application/json".to_vec()));
    want.push((
        "Lambda-Runtime-Function-Error-Type",
        error_type.as_bytes().to_vec(),
    ));
    want.push(("Content-Length", full_body.len().to_string().into_bytes()));
    expect_headers(&p, &want, &out);

    // A streamed response: head, the message in chunks (never an empty one: that would end the
    // body), then the last chunk with or without error trailers.
    let ct = input.content_type;
    let mut out = write_both(cap, |w| write_streaming_head(w, &ep, id, inv, ct));
    let p = parse_request(&out);
    assert_eq!(p.head_len, out.len());
    expect_invocation_path(&p, &ep, id, "response");
    let mut want = common(&ep);
    want.extend(inv_header.iter().cloned());
    want.push((
        "Lambda-Runtime-Function-Response-Mode",
        b"streaming".to_vec(),
    ));
    want.push(("Transfer-Encoding", b"chunked".to_vec()));
    want.push((
        "Trailer",
        b"Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body".to_vec(),
    ));
    if echoable(ct) {
        want.push(("Content-Type", ct.to_vec()));
    }
    expect_headers(&p, &want, &out);
    let streamed = input.message.as_bytes();
    for (i, piece) in streamed.chunks(input.piece).enumerate() {
        if i == 0 {
            write_both(cap, |w| write_chunk_size(w, piece.len()));
        }
        let mut size = [0u8; 24];
        let mut w = Writer::new(&mut size);
        assert_eq!(write_chunk_size(&mut w, piece.len()), Ok(()));
        out.extend_from_slice(w.written());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    if input.stream_error {
        out.extend(write_both(cap, |w| {
            write_error_trailers(w, error_type, &full_body)
        }));
    } else {
        out.extend_from_slice(LAST_CHUNK);
    }
    let rest = &out[p.head_len..];
    let Chunked::Done {
        body,
        consumed,
        trailers,
    } = decode_chunked(rest, u64::MAX)
    else {
        panic!("streamed body does not decode: {:?}", text(rest));
    };
    assert_eq!(consumed, rest.len(), "bytes after the streamed body");
    assert!(body == streamed, "streamed body differs");
    let trailers = &rest[trailers];
    if input.stream_error {
        let want_type = format!("Lambda-Runtime-Function-Error-Type: {error_type}\r\n");
        let tail = trailers.strip_prefix(want_type.as_bytes());
        let tail = tail.unwrap_or_else(|| panic!("trailers {:?}", text(trailers)));
        let b64 = tail
            .strip_prefix(b"Lambda-Runtime-Function-Error-Body: ")
            .and_then(|t| t.strip_suffix(b"\r\n"));
        let b64 = b64.unwrap_or_else(|| panic!("trailers {:?}", text(trailers)));
        assert_eq!(
            base64_decode(b64).as_deref(),
            Some(&full_body[..]),
            "error body trailer"
        );
    } else {
        assert!(trailers.is_empty(), "trailers after a clean stream");
    }
}
