//! A small JSON API on the HTTP request view, the same for every HTTP source (API Gateway
//! REST or HTTP API, function URL, ALB, VPC Lattice), to copy from:
//!
//! ```text
//! GET  /health                        200 {"ok":true}
//! GET  /users/{id}                    200 {"id":1,"name":"Ada"}            404 if no such user
//! POST /users/{id}/greetings          201 {"to":"Ada","text":"Hello"}      body {"text":"Hello"}
//!                                     400 if the body is not that JSON, 415 if not JSON at all
//! anything else on those paths        405 with `allow`
//! any other path                      404 {"error":"no route for GET /x"}
//! ```
//!
//! Routes match on [`Request::path_without_stage`], so the stage of an API Gateway API does
//! not get in the way; path parameters come from the path itself (API Gateway's
//! `pathParameters` is there too, as `Request::path_parameter`). The JSON body is parsed with
//! a [`JsonBody`] the handler keeps: no allocation per request.
//!
//! Run it against a Runtime API, e.g. the mock one:
//! `AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 cargo run --features http --example http_router`.

// `lambda_zero::Error` keeps its message inline (no heap), so results carrying it are large.
#![allow(clippy::result_large_err)]

use lambda_zero::http::{Http, HttpHandler, JsonBody, Request, Response};
use lambda_zero::{Context, Error, Runtime, RuntimeError};
use serde::Deserialize;

/// The users this API knows.
const USERS: &[(u32, &str)] = &[(1, "Ada"), (2, "Grace"), (3, "Barbara")];

/// The body of `POST /users/{id}/greetings`.
#[derive(Deserialize)]
struct NewGreeting<'a> {
    text: &'a str,
}

/// The API: its state is the body parser, made once.
pub struct Api {
    bodies: JsonBody,
}

impl Api {
    /// An API taking JSON bodies up to 64 KiB.
    pub fn new() -> Api {
        Api {
            bodies: JsonBody::new(64 * 1024),
        }
    }
}

impl Default for Api {
    fn default() -> Api {
        Api::new()
    }
}

/// The route a path leads to.
enum Route<'a> {
    Health,
    User(&'a str),
    Greetings(&'a str),
    None,
}

fn route(path: &str) -> Route<'_> {
    let mut segments = path.trim_matches('/').split('/');
    match (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) {
        (Some("health"), None, _, _) => Route::Health,
        (Some("users"), Some(id), None, _) if !id.is_empty() => Route::User(id),
        (Some("users"), Some(id), Some("greetings"), None) if !id.is_empty() => {
            Route::Greetings(id)
        }
        _ => Route::None,
    }
}

fn user(id: &str) -> Option<(u32, &'static str)> {
    let id: u32 = id.parse().ok()?;
    USERS.iter().copied().find(|(n, _)| *n == id)
}

/// A JSON error answer: `{"error": message}`.
fn error(
    res: &mut Response<'_>,
    status: u16,
    message: &dyn core::fmt::Display,
) -> Result<(), Error> {
    res.status(status).json(|w| {
        w.object(|w| {
            w.key("error")?;
            w.display(message)
        })
    })?;
    Ok(())
}

fn method_not_allowed(res: &mut Response<'_>, allow: &str) -> Result<(), Error> {
    res.header("allow", allow);
    error(res, 405, &format_args!("use {allow}"))
}

impl HttpHandler for Api {
    fn handle(
        &mut self,
        req: &Request<'_>,
        res: &mut Response<'_>,
        _ctx: &Context<'_>,
    ) -> Result<(), Error> {
        let method = req.method();
        match route(req.path_without_stage()) {
            Route::Health => match method {
                "GET" | "HEAD" => {
                    res.json(|w| w.object(|w| w.field("ok", true)))?;
                    Ok(())
                }
                _ => method_not_allowed(res, "GET, HEAD"),
            },
            Route::User(id) => match (method, user(id)) {
                ("GET", Some((id, name))) => {
                    res.json(|w| {
                        w.object(|w| {
                            w.field("id", id)?;
                            w.field("name", name)
                        })
                    })?;
                    Ok(())
                }
                ("GET", None) => error(res, 404, &format_args!("no user {id}")),
                _ => method_not_allowed(res, "GET"),
            },
            Route::Greetings(id) => {
                if method != "POST" {
                    return method_not_allowed(res, "POST");
                }
                let Some((_, name)) = user(id) else {
                    return error(res, 404, &format_args!("no user {id}"));
                };
                let json = req
                    .content_type()
                    .is_some_and(|ct| ct.starts_with("application/json"));
                if !json {
                    return error(res, 415, &"send application/json");
                }
                match self.bodies.parse::<NewGreeting<'_>>(req.body()) {
                    Ok(greeting) => {
                        res.status(201).json(|w| {
                            w.object(|w| {
                                w.field("to", name)?;
                                w.field("text", greeting.text)
                            })
                        })?;
                        Ok(())
                    }
                    Err(e) => error(res, 400, &e),
                }
            }
            Route::None => error(
                res,
                404,
                &format_args!("no route for {method} {}", req.path()),
            ),
        }
    }
}

/// The function: [`Api`] behind the HTTP adapter.
pub fn handler() -> Http<Api> {
    Http::new(Api::new())
}

#[allow(dead_code)] // The tests include this file for `handler`.
fn main() -> Result<(), RuntimeError> {
    Runtime::from_env()?.run(handler())
}
