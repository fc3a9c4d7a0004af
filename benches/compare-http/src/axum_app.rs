//! The axum app both bootstraps run, unchanged: `src/bin/axum_app.rs` on lambda-zero
//! (`lambda_zero::tower::run`), `src/bin/axum_app_lambda_http.rs` on `lambda_http::run`.
//!
//! - `/hello/{name}` (and under a stage prefix, `/{stage}/hello/{name}`), any method: a JSON greeting
//!   from the path and the `greeting` query parameter, with a cookie and a repeated header.
//! - anything else: a JSON echo of what the app received: method, path, query, a few headers
//!   (every value), the body (as text, or its length when it is not UTF-8).

use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::any;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The headers the echo reports (lower case), every value of each.
pub const ECHOED_HEADERS: &[&str] = &[
    "accept",
    "content-type",
    "cookie",
    "user-agent",
    "x-forwarded-proto",
];

/// The app.
pub fn router() -> Router {
    Router::new()
        .route("/hello/{name}", any(hello))
        .route("/{stage}/hello/{name}", any(hello_on_stage))
        .fallback(echo)
}

async fn hello(
    Path(name): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> impl IntoResponse {
    greet(&name, &query)
}

async fn hello_on_stage(
    Path((_stage, name)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> impl IntoResponse {
    greet(&name, &query)
}

fn greet(name: &str, query: &BTreeMap<String, String>) -> impl IntoResponse {
    let greeting = query.get("greeting").map_or("Hello", String::as_str);
    (
        StatusCode::OK,
        [
            ("set-cookie", "visited=1; Path=/; HttpOnly"),
            ("x-app", "axum"),
            ("x-app", "compare-http"),
        ],
        Json(json!({ "message": format!("{greeting}, {name}!"), "name": name })),
    )
}

async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    let mut echoed = serde_json::Map::new();
    for name in ECHOED_HEADERS {
        let values: Vec<Value> = headers
            .get_all(*name)
            .iter()
            .map(|v| Value::from(v.to_str().unwrap_or("<not text>")))
            .collect();
        if !values.is_empty() {
            echoed.insert(name.to_string(), Value::Array(values));
        }
    }
    let body = match std::str::from_utf8(&body) {
        Ok(text) => json!({ "text": text }),
        Err(_) => json!({ "bytes": body.len() }),
    };
    Json(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query(),
        "headers": echoed,
        "body": body,
    }))
}
