//! The web app both adapters serve in `benches/adapter_process.rs`: a small HTTP/1.1 server on
//! `127.0.0.1:<port>` (its only argument), a thread per connection, keep-alive. Every request
//! gets `200` with `content-type: application/json` and
//! `{"method":M,"target":T,"body_bytes":N}` (`T` the request target as received), so the
//! bench can check that each adapter forwarded the request it was given. Requests with a
//! chunked body are answered `411`; a request it cannot read closes the connection.
//!
//! It is the same binary, the same process, for both adapters: what differs between their
//! round trips is the adapter.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

fn main() {
    let port: u16 = match std::env::args().nth(1).and_then(|p| p.parse().ok()) {
        Some(p) => p,
        None => {
            eprintln!("usage: web_app PORT");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("web_app: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            let _ = serve(stream);
        });
    }
}

/// One connection: requests answered in order until the client closes or asks to.
fn serve(stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let mut line = String::new();
    let mut body = Vec::new();
    let mut answer = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_ascii_whitespace();
        let (method, target) = match (parts.next(), parts.next(), parts.next()) {
            (Some(m), Some(t), Some(v)) if v.starts_with("HTTP/1.") => {
                (m.to_string(), t.to_string())
            }
            _ => return Ok(()),
        };
        let http10 = line.contains("HTTP/1.0");
        let mut length = 0usize;
        let mut chunked = false;
        let mut close = http10;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                return Ok(());
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                match value.parse() {
                    Ok(n) => length = n,
                    Err(_) => return Ok(()),
                }
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = true;
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close")
                    || (http10 && !value.eq_ignore_ascii_case("keep-alive"));
            }
        }
        if chunked {
            writer.write_all(
                b"HTTP/1.1 411 Length Required\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            )?;
            return Ok(());
        }
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
        let json = format!(
            "{{\"method\":\"{}\",\"target\":\"{}\",\"body_bytes\":{}}}",
            escape(&method),
            escape(&target),
            length
        );
        answer.clear();
        write!(
            answer,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{}\r\n{}",
            json.len(),
            if close { "connection: close\r\n" } else { "" },
            json
        )?;
        writer.write_all(&answer)?;
        if close {
            return Ok(());
        }
    }
}

/// `s` as the inside of a JSON string.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
