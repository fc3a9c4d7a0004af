//! Every HTTP sample event (and generated ones) read by lambda-zero's `http::Request` and by
//! `lambda_http`'s `LambdaRequest` (converted as `lambda_http::run` converts it), compared
//! field by field: method, paths, query, headers, cookies, body; and the echo answered by
//! both, compared as JSON.
//!
//! Where the two differ by design, the test asserts the difference exactly (see
//! `known_differences`): anything else that differs fails it.

use lambda_zero::http::Source;
use lambda_zero_compare_http::{
    events, lambda_http_fields, lambda_zero_fields, Fields, LambdaHttpEcho, LambdaZeroEcho,
};
use serde_json::Value;

/// The one sample `lambda_http` cannot read.
const REFUSED_BY_LAMBDA_HTTP: &str = "example-apigw-v2-custom-authorizer-v2-request.json";

/// `lambda_http`'s origin for each of lambda-zero's sources.
fn origin_of(source: Source) -> &'static str {
    match source {
        Source::ApiGatewayRest => "ApiGatewayV1",
        Source::HttpApi | Source::FunctionUrl => "ApiGatewayV2",
        Source::Alb => "Alb",
        Source::WebSocket => "WebSocket",
        Source::VpcLattice => "VpcLatticeV2",
    }
}

/// Applies the differences that are by design to lambda-zero's fields, checking each against
/// the event, so that what remains must equal `lambda_http`'s fields exactly.
fn known_differences(event: &Value, ours: &mut Fields, theirs: &Fields) -> Vec<String> {
    let mut notes = Vec::new();
    // REST and ALB send a name in both `headers` (its last value) and `multiValueHeaders` (all
    // of them). lambda_http's HeaderMap::extend replaces the multi-value list with the single
    // value; lambda-zero keeps every value.
    if let (Some(single), Some(multi)) = (
        event["headers"].as_object(),
        event["multiValueHeaders"].as_object(),
    ) {
        for (name, values) in ours.headers.iter_mut() {
            let last = single
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_str());
            let in_multi = multi.keys().any(|k| k.eq_ignore_ascii_case(name));
            let (Some(last), true) = (last, in_multi) else {
                continue;
            };
            if values.as_slice() != [last] {
                assert_eq!(
                    theirs.headers.get(name),
                    Some(&vec![last.to_string()]),
                    "lambda_http kept `headers`' value of {name}"
                );
                notes.push(format!("{name}: lambda-zero {values:?} (multiValueHeaders), lambda_http [{last:?}] (headers)"));
                *values = vec![last.to_string()];
            }
        }
    }
    notes
}

#[test]
fn every_event_reads_the_same_as_lambda_http() {
    let mut compared = 0;
    let mut refused = 0;
    let mut all_notes = Vec::new();
    for (name, event, source) in events() {
        let (ours_source, mut ours) =
            lambda_zero_fields(&event).unwrap_or_else(|e| panic!("{name}: lambda-zero: {e}"));
        let (origin, theirs) = match lambda_http_fields(&event) {
            Ok(read) => read,
            Err(e) if name == REFUSED_BY_LAMBDA_HTTP => {
                // An HTTP API Lambda authorizer's input: its `identitySource` is an array, which
                // aws_lambda_events reads as a string, so no shape matches. lambda-zero reads it
                // as the HTTP API request it describes (both read the REST authorizer sample).
                assert!(
                    e.contains("doesn't match any of those services"),
                    "{name}: {e}"
                );
                assert_eq!(ours_source, Source::HttpApi);
                all_notes.push(format!("{name}: lambda_http refuses it: {e}"));
                refused += 1;
                continue;
            }
            Err(e) => panic!("{name}: lambda_http: {e}"),
        };
        assert_eq!(ours_source, source, "{name}: lambda-zero's source");
        if source == Source::WebSocket && origin == "ApiGatewayV1" {
            // lambda_http tries the REST shape first and takes any event with an `httpMethod`:
            // the WebSocket sample, which has one, is a REST request for it.
            all_notes.push(format!("{name}: lambda_http reads it as ApiGatewayV1"));
        } else {
            assert_eq!(origin, origin_of(source), "{name}: lambda_http's origin");
        }
        let json: Value = serde_json::from_slice(&event).unwrap();
        for note in known_differences(&json, &mut ours, &theirs) {
            all_notes.push(format!("{name}: {note}"));
        }
        assert_eq!(ours.method, theirs.method, "{name}: method");
        assert_eq!(ours.path, theirs.path, "{name}: path");
        assert_eq!(ours.raw_path, theirs.raw_path, "{name}: raw path");
        assert_eq!(ours.query, theirs.query, "{name}: query");
        assert_eq!(ours.headers, theirs.headers, "{name}: headers");
        assert_eq!(ours.cookies, theirs.cookies, "{name}: cookies");
        assert_eq!(ours.body, theirs.body, "{name}: body");
        compared += 1;
    }
    for note in &all_notes {
        eprintln!("known difference: {note}");
    }
    assert_eq!(
        (compared, refused),
        (20, 1),
        "16 samples and 5 generated events"
    );
    assert!(
        all_notes.iter().any(|n| n.contains("headername")),
        "the multi-value sample shows lambda_http's dropped value: {all_notes:?}"
    );
}

#[test]
fn the_echo_answers_the_same_with_both() {
    let mut zero = LambdaZeroEcho::default();
    let mut http = LambdaHttpEcho::default();
    for (name, event, source) in events() {
        if name == REFUSED_BY_LAMBDA_HTTP {
            continue;
        }
        let ours: Value = serde_json::from_slice(&zero.respond(&event)).unwrap();
        let theirs: Value = serde_json::from_slice(&http.respond(&event)).unwrap();
        assert_eq!(ours["statusCode"], 200, "{name}");
        assert_eq!(ours["statusCode"], theirs["statusCode"], "{name}");
        let mut ours_body: Value = serde_json::from_str(ours["body"].as_str().unwrap()).unwrap();
        let theirs_body: Value = serde_json::from_str(theirs["body"].as_str().unwrap()).unwrap();
        if source == Source::WebSocket {
            // lambda_http answers it as the REST request it took it for.
            assert_eq!(theirs_body["source"], "apigw-rest", "{name}");
            ours_body["source"] = "apigw-rest".into();
        }
        assert_eq!(ours_body, theirs_body, "{name}: the echo");
    }
}
