//! Answers any HTTP event, whichever service sent it, with what the request held:
//!
//! ```text
//! 200, content-type: application/json,
//! {"source":S,"method":M,"path":P,"query":{name: first value},"cookies":[...],"body":B}
//! ```
//!
//! `S` is the source's name (`apigw-rest`, `apigw-http`, `function-url`, `alb`, `websocket`,
//! `vpc-lattice`), `P` the path the client sent, `B` the request body as text (decoded when
//! the event carried it in base64; bytes that are not UTF-8 read as U+FFFD), all in the
//! response shape of that source. Nothing is allocated per invocation.
//!
//! Run it against a Runtime API, e.g. the mock one:
//! `AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 cargo run --features http --example http_echo`.

// `lambda_zero::Error` keeps its message inline (no heap), so results carrying it are large.
#![allow(clippy::result_large_err)]

use core::fmt;

use lambda_zero::http::{self, Request, Response};
use lambda_zero::{Context, Error, Handler, Runtime, RuntimeError};

/// The echo: the request's parts as one JSON object.
pub fn echo(req: &Request<'_>, res: &mut Response<'_>, _ctx: &Context<'_>) -> Result<(), Error> {
    res.status(200).content_type("application/json");
    res.json(|w| {
        w.object(|w| {
            w.field("source", req.source().name())?;
            w.field("method", req.method())?;
            w.field("path", req.path())?;
            w.field_object("query", |w| {
                let query = req.query();
                for (i, (name, value)) in query.iter().enumerate() {
                    // The first value of each name.
                    if !query.iter().take(i).any(|(n, _)| n == name) {
                        w.field(name, value)?;
                    }
                }
                Ok(())
            })?;
            w.field_array("cookies", |w| {
                req.cookies().iter().try_for_each(|c| w.str(c.as_str()))
            })?;
            w.key("body")?;
            w.display(&Lossy(req.body()))
        })
    })?;
    Ok(())
}

/// Bytes as UTF-8 text, each invalid sequence as U+FFFD, without a `String`.
struct Lossy<'a>(&'a [u8]);

impl fmt::Display for Lossy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_str("\u{fffd}")?;
            }
        }
        Ok(())
    }
}

/// The function: [`echo`] behind the HTTP adapter.
pub fn handler() -> impl Handler {
    http::http_fn(echo)
}

#[allow(dead_code)] // The tests include this file for `handler` and `echo`.
fn main() -> Result<(), RuntimeError> {
    Runtime::from_env()?.run(handler())
}
