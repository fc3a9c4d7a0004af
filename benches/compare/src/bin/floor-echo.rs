//! The floor reference: the least an echo bootstrap can do over the Runtime API.
//!
//! Blocking `std::net`, one keep-alive connection, one buffer allocated at start. Per invocation:
//! one `writev` (response POST and the next `GET /next` together) and, when the acknowledgement
//! and the next event arrive together, one `read`. It handles only what the echo needs:
//! `Content-Length` framing, the request id, a `500` (exit). No retries, no error reporting, no
//! chunked bodies, no context: it is a yardstick for the benchmarks, not a runtime.

use std::io::{self, IoSlice, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

/// Room for the largest event (6 MiB + 100 B), its head, and an acknowledgement in front of it.
const BUF: usize = 6 * 1024 * 1024 + 100 + 64 * 1024;

/// A parsed response head.
struct Head {
    status: u16,
    len: usize,
    content_length: usize,
    /// The request id as a range of the buffer.
    id: (usize, usize),
}

/// Parses the response head in `buf[at..]`, if complete.
fn parse_head(buf: &[u8], at: usize) -> Option<Head> {
    let b = &buf[at..];
    let end = b.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let mut lines = b[..end - 4].split(|&c| c == b'\n');
    let status_line = lines.next()?;
    let status = status_line
        .get(9..12)
        .and_then(|d| std::str::from_utf8(d).ok()?.parse().ok())?;
    let mut head = Head {
        status,
        len: end,
        content_length: 0,
        id: (0, 0),
    };
    for line in lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let colon = line.iter().position(|&c| c == b':')?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let skip = value.iter().take_while(|c| **c == b' ').count();
        let value = &value[skip..];
        if name.eq_ignore_ascii_case(b"content-length") {
            head.content_length = std::str::from_utf8(value).ok()?.parse().ok()?;
        } else if name.eq_ignore_ascii_case(b"lambda-runtime-aws-request-id") {
            let start = at + (value.as_ptr() as usize - b.as_ptr() as usize);
            head.id = (start, start + value.len());
        }
    }
    Some(head)
}

/// Reads until `buf[at..]` holds a whole response; returns its head.
fn read_response(
    s: &mut TcpStream,
    buf: &mut [u8],
    at: usize,
    filled: &mut usize,
) -> io::Result<Head> {
    loop {
        if let Some(head) = parse_head(&buf[..*filled], at) {
            if *filled >= at + head.len + head.content_length {
                return Ok(head);
            }
        }
        if *filled == buf.len() {
            return Err(io::Error::other("response too large"));
        }
        match s.read(&mut buf[*filled..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => *filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn write_all(s: &mut TcpStream, mut bufs: &mut [IoSlice<'_>]) -> io::Result<()> {
    while !bufs.is_empty() {
        match s.write_vectored(bufs) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut bufs, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn serve(host: &str) -> io::Result<()> {
    let mut s = TcpStream::connect(host)?;
    s.set_nodelay(true)?;
    let next = format!("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {host}\r\n\r\n");
    let post_tail = format!("/response HTTP/1.1\r\nHost: {host}\r\nContent-Length: ");
    let mut buf = vec![0u8; BUF];
    let mut head_buf = [0u8; 1024];
    write_all(&mut s, &mut [IoSlice::new(next.as_bytes())])?;
    // The next response starts at `at`; `filled` bytes have arrived.
    let (mut at, mut filled) = (0, 0);
    loop {
        let event = read_response(&mut s, &mut buf, at, &mut filled)?;
        if event.status != 200 {
            return Err(io::Error::other(format!(
                "GET /next answered {}",
                event.status
            )));
        }
        let body = at + event.len..at + event.len + event.content_length;
        let id = &buf[event.id.0..event.id.1];
        let mut w = &mut head_buf[..];
        w.write_all(b"POST /2018-06-01/runtime/invocation/")?;
        w.write_all(id)?;
        w.write_all(post_tail.as_bytes())?;
        write!(w, "{}\r\n\r\n", body.len())?;
        let head_len = 1024 - w.len();
        let mut slices = [
            IoSlice::new(&head_buf[..head_len]),
            IoSlice::new(&buf[body.clone()]),
            IoSlice::new(next.as_bytes()),
        ];
        write_all(&mut s, &mut slices)?;
        // The event is answered: whatever came after it moves to the front (normally nothing).
        buf.copy_within(body.end..filled, 0);
        filled -= body.end;
        let ack = read_response(&mut s, &mut buf, 0, &mut filled)?;
        if !(200..300).contains(&ack.status) {
            return Err(io::Error::other(format!(
                "POST /response answered {}",
                ack.status
            )));
        }
        at = ack.len + ack.content_length;
    }
}

fn main() -> ExitCode {
    let Ok(host) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        eprintln!("floor-echo: AWS_LAMBDA_RUNTIME_API is not set");
        return ExitCode::FAILURE;
    };
    match serve(&host) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("floor-echo: {e}");
            ExitCode::FAILURE
        }
    }
}
