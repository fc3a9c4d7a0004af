//! What the JSON writer emits parses back, with simd-json and with serde_json, to the values
//! it was given: generated documents (a small deterministic xorshift generator, so failures
//! reproduce from the printed seed), every escape, numbers at their edges, documents nested in
//! strings, proxy responses, and events copied through the adapter.
#![cfg(feature = "json")]
// `lambda_zero::Error` is inline by design (no heap), so results carrying it are large.
#![allow(clippy::result_large_err)]

use lambda_zero::json::{
    json_fn, JsonWriter, Kind, Limits, ProxyResponse, Text, Value, WriteError, WriteJson,
};
use lambda_zero::{Config, Context, Error, Handler};
use serde_json::{Map, Number, Value as Model};

// ----- generator -----

/// xorshift64*: deterministic, seedable, good enough to pick shapes and characters.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn char(&mut self) -> char {
        match self.below(10) {
            // Every ASCII byte, controls and DEL included.
            0..=3 => char::from(self.below(0x80) as u8),
            // The characters JSON escapes, often.
            4 => [
                '"', '\\', '\n', '\r', '\t', '\u{8}', '\u{c}', '\0', '\u{1f}', '/',
            ][self.below(10) as usize],
            // Two-, three- and four-byte UTF-8, including characters JSON tools trip over.
            5 => [
                'é',
                'ß',
                '€',
                '\u{2028}',
                '\u{2029}',
                '\u{feff}',
                '\u{fffd}',
                '\u{ffff}',
                '😀',
                '\u{10ffff}',
            ][self.below(10) as usize],
            // Any scalar value.
            _ => loop {
                if let Some(c) = char::from_u32(self.below(0x11_0000) as u32) {
                    break c;
                }
            },
        }
    }

    fn string(&mut self) -> String {
        let len = match self.below(8) {
            0 => 0,
            7 => self.below(300),
            _ => self.below(12),
        };
        (0..len).map(|_| self.char()).collect()
    }

    fn number(&mut self) -> Number {
        match self.below(8) {
            0 => Number::from(
                [0, -1, 1, i64::MIN, i64::MAX, -9_007_199_254_740_993][self.below(6) as usize],
            ),
            1 => Number::from(
                [u64::MAX, i64::MAX as u64 + 1, 9_007_199_254_740_993][self.below(3) as usize],
            ),
            2 => Number::from(self.next() as i64),
            3 => Number::from(self.next()),
            4 => {
                let edges = [
                    0.1,
                    -0.0,
                    1e-7,
                    1e21,
                    1e300,
                    5e-324,
                    f64::MAX,
                    f64::MIN_POSITIVE,
                    -1.5,
                    123456.789,
                    2.0,
                ];
                Number::from_f64(edges[self.below(edges.len() as u64) as usize]).unwrap()
            }
            _ => loop {
                if let Some(n) = Number::from_f64(f64::from_bits(self.next())) {
                    break n;
                }
            },
        }
    }

    fn model(&mut self, depth: u32) -> Model {
        let kinds = if depth >= 6 { 5 } else { 7 };
        match self.below(kinds) {
            0 => Model::Null,
            1 => Model::Bool(self.below(2) == 1),
            2 => Model::Number(self.number()),
            3 | 4 => Model::String(self.string()),
            5 => Model::Array((0..self.below(6)).map(|_| self.model(depth + 1)).collect()),
            _ => {
                let mut map = Map::new();
                for _ in 0..self.below(6) {
                    map.insert(self.string(), self.model(depth + 1));
                }
                Model::Object(map)
            }
        }
    }
}

// ----- writing and comparing -----

fn write_model(w: &mut JsonWriter<'_>, m: &Model) -> Result<(), WriteError> {
    match m {
        Model::Null => w.null(),
        Model::Bool(b) => w.bool(*b),
        Model::Number(n) => {
            if let Some(u) = n.as_u64() {
                w.int(u)
            } else if let Some(i) = n.as_i64() {
                w.int(i)
            } else {
                w.f64(n.as_f64().unwrap())
            }
        }
        Model::String(s) => w.str(s),
        Model::Array(items) => w.array(|w| items.iter().try_for_each(|m| write_model(w, m))),
        Model::Object(map) => w.object(|w| {
            map.iter().try_for_each(|(k, m)| {
                w.key(k)?;
                write_model(w, m)
            })
        }),
    }
}

fn write_to_vec(f: impl FnOnce(&mut JsonWriter<'_>) -> Result<(), WriteError>) -> Vec<u8> {
    let mut buf = vec![0u8; 1 << 20];
    let mut w = JsonWriter::new(&mut buf);
    f(&mut w).unwrap();
    let n = w.finish().unwrap();
    buf.truncate(n);
    buf
}

/// serde_json reads floats on a best-effort basis (a few units in the last place off) unless
/// its `float_roundtrip` feature is on; simd-json and Rust's `str::parse` are checked exactly.
fn serde_float_close(x: f64, y: f64) -> bool {
    x == y || (x - y).abs() <= 1e-14 * x.abs().max(y.abs())
}

/// Equal, with floats compared by [`serde_float_close`].
fn same_as_serde(a: &Model, b: &Model) -> bool {
    match (a, b) {
        (Model::Number(x), Model::Number(y)) if x.is_f64() || y.is_f64() => {
            serde_float_close(x.as_f64().unwrap(), y.as_f64().unwrap())
        }
        (Model::Array(x), Model::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_as_serde(a, b))
        }
        (Model::Object(x), Model::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, a)| y.get(k).is_some_and(|b| same_as_serde(a, b)))
        }
        _ => a == b,
    }
}

/// simd-json's reading must be exact: same strings, same integers, bit-identical floats.
fn same_as_simd(v: Value<'_, '_>, m: &Model) -> bool {
    match m {
        Model::Null => v.is_null(),
        Model::Bool(b) => v.as_bool() == Some(*b),
        Model::Number(n) => {
            if let Some(u) = n.as_u64() {
                v.as_u64() == Some(u)
            } else if let Some(i) = n.as_i64() {
                v.as_i64() == Some(i)
            } else {
                v.kind() == Kind::Number
                    && v.as_u64().is_none()
                    && v.as_i64().is_none()
                    && v.as_f64().map(f64::to_bits) == n.as_f64().map(f64::to_bits)
            }
        }
        Model::String(s) => v.as_str() == Some(s.as_str()),
        Model::Array(items) => {
            v.len() == items.len() && v.elements().zip(items).all(|(v, m)| same_as_simd(v, m))
        }
        Model::Object(map) => {
            v.len() == map.len()
                && v.members()
                    .all(|(k, v)| map.get(k).is_some_and(|m| same_as_simd(v, m)))
        }
    }
}

fn parse_simd<R>(bytes: &[u8], f: impl FnOnce(Value<'_, '_>) -> R) -> R {
    let mut copy = bytes.to_vec();
    let tape = simd_json::to_tape(&mut copy)
        .unwrap_or_else(|e| panic!("simd-json refuses {}: {e}", String::from_utf8_lossy(bytes)));
    f(Value::from_tape(&tape.0))
}

/// The checks every output passes: UTF-8, no raw control characters, and both parsers read
/// back the model.
fn check_output(out: &[u8], model: &Model, seed: u64) {
    let text = std::str::from_utf8(out).unwrap_or_else(|e| panic!("seed {seed}: not UTF-8: {e}"));
    assert!(
        !out.iter().any(|&b| b < 0x20),
        "seed {seed}: raw control character in {text:?}"
    );
    let serde: Model = serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("seed {seed}: serde_json: {e}: {text}"));
    assert!(
        same_as_serde(&serde, model),
        "seed {seed}: serde_json reads {serde} for {model}"
    );
    assert!(
        parse_simd(out, |v| same_as_simd(v, model)),
        "seed {seed}: simd-json reads {text} differently from {model}"
    );
}

// ----- the properties -----

#[test]
fn generated_documents_read_back_as_written() {
    for seed in 1..=3000u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let model = rng.model(0);
        let out = write_to_vec(|w| write_model(w, &model));
        check_output(&out, &model, seed);

        // The same document inside a string (a proxy `body`, an SQS message) reads back too.
        let nested = write_to_vec(|w| w.json_string(|w| write_model(w, &model)));
        let inner: String =
            serde_json::from_slice(&nested).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        check_output(inner.as_bytes(), &model, seed);
        let simd_inner = parse_simd(&nested, |v| v.as_str().map(str::to_owned)).unwrap();
        assert_eq!(simd_inner, inner, "seed {seed}");
    }
}

#[test]
fn every_character_class_round_trips_in_strings_and_keys() {
    let mut all: Vec<char> = (0u8..0x80).map(char::from).collect();
    all.extend([
        'é',
        '€',
        '\u{2028}',
        '\u{2029}',
        '\u{d7ff}',
        '\u{e000}',
        '\u{fffe}',
        '\u{ffff}',
        '😀',
        '\u{10ffff}',
    ]);
    for &c in &all {
        for s in [c.to_string(), format!("a{c}b"), format!("{c}{c}\"{c}\\")] {
            let model = serde_json::json!({ s.clone(): [s.clone(), {s.clone(): s.clone()}] });
            let out = write_to_vec(|w| write_model(w, &model));
            check_output(&out, &model, u64::from(c));
            let display = write_to_vec(|w| w.display(&s));
            check_output(&display, &Model::String(s.clone()), u64::from(c));
        }
    }
    // The escape forms themselves: short escapes where JSON has them, \u00XX otherwise.
    let out = write_to_vec(|w| w.str("\"\\\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}/é"));
    assert_eq!(
        std::str::from_utf8(&out).unwrap(),
        "\"\\\"\\\\\\n\\r\\t\\b\\f\\u0000\\u001f\u{7f}/é\""
    );
}

#[test]
fn numbers_at_their_edges_read_back_exactly() {
    let ints: [i64; 6] = [0, -1, i64::MIN, i64::MAX, -9_007_199_254_740_993, 42];
    for n in ints {
        let out = write_to_vec(|w| w.int(n));
        assert_eq!(std::str::from_utf8(&out).unwrap(), n.to_string());
        check_output(&out, &Model::from(n), 0);
    }
    let out = write_to_vec(|w| w.int(u64::MAX));
    check_output(&out, &Model::from(u64::MAX), 0);
    let out = write_to_vec(|w| w.int(u128::MAX));
    assert_eq!(std::str::from_utf8(&out).unwrap(), u128::MAX.to_string());

    let mut rng = Rng(7);
    let mut floats = vec![
        0.0,
        -0.0,
        0.1,
        0.3,
        1.0 / 3.0,
        1e-7,
        1e16,
        1e21,
        1e22,
        1e300,
        5e-324,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        f64::EPSILON,
    ];
    floats.extend(
        (0..20_000)
            .map(|_| f64::from_bits(rng.next()))
            .filter(|f| f.is_finite()),
    );
    for x in floats {
        let out = write_to_vec(|w| w.f64(x));
        let text = std::str::from_utf8(&out).unwrap();
        // Rust's own parser is correctly rounded: the text is the same number.
        assert_eq!(
            text.parse::<f64>().unwrap().to_bits(),
            x.to_bits(),
            "{x:e} written as {text}"
        );
        let simd = parse_simd(&out, |v| v.as_f64());
        assert_eq!(
            simd.map(f64::to_bits),
            Some(x.to_bits()),
            "simd-json reads {text} as {simd:?}"
        );
        let serde: f64 = serde_json::from_slice(&out).unwrap();
        assert!(
            serde_float_close(serde, x),
            "serde_json reads {text} as {serde:e}"
        );
        // A float stays a float (it keeps a `.` or an exponent).
        assert!(text.contains(['.', 'e']), "{text}");
    }
    for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(write_to_vec(|w| w.f64(x)), b"null");
    }
    let out = write_to_vec(|w| w.f32(0.1));
    assert_eq!(out, b"0.1");
}

#[test]
fn events_copied_through_the_adapter_read_back_unchanged() {
    let config = Config::default();
    let ctx = Context::for_test("id", &config);
    let mut echo = lambda_zero::json::Json::with_limits(
        lambda_zero::json::JsonFnHandler::new(
            |event: Value<'_, '_>, out: &mut JsonWriter<'_>, _: &Context<'_>| {
                out.value(event)?;
                Ok::<(), Error>(())
            },
        ),
        Limits::strict(1 << 20, 1 << 20),
    );
    let _ = json_fn(|_: Value<'_, '_>, _: &mut JsonWriter<'_>, _: &Context<'_>| Ok(()));
    for seed in 1..=1000u64 {
        let mut rng = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
        let model = rng.model(0);
        // serde_json's own text (different escaping choices, e.g. `\u001f`) as the event.
        let mut event = serde_json::to_vec(&model).unwrap();
        let out = echo
            .handle(&mut event, &ctx)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"))
            .to_vec();
        check_output(&out, &model, seed);
    }
}

#[test]
fn proxy_responses_read_back_with_their_fields() {
    for seed in 1..=500u64 {
        let mut rng = Rng(seed | 1);
        let headers: Vec<(String, String)> = (0..rng.below(5))
            .map(|i| (format!("h{i}-{}", rng.string()), rng.string()))
            .collect();
        let multi: Vec<(String, Vec<String>)> = (0..rng.below(3))
            .map(|i| {
                (
                    format!("m{i}"),
                    (0..rng.below(3)).map(|_| rng.string()).collect(),
                )
            })
            .collect();
        let cookies: Vec<String> = (0..rng.below(3)).map(|_| rng.string()).collect();
        let status = 200 + rng.below(400) as u16;
        let body_model = rng.model(0);
        let text_body = rng.string();
        let json_body = seed % 2 == 0;

        let out = write_to_vec(|w| {
            let mut r = ProxyResponse::new(w, status)?;
            for (k, v) in &headers {
                r.header(k, v)?;
            }
            for (k, vs) in &multi {
                r.multi_value_header(k, vs.iter().map(String::as_str))?;
            }
            for c in &cookies {
                r.cookie(c)?;
            }
            if json_body {
                r.body_json(|w| write_model(w, &body_model))
            } else {
                r.body(&text_body)
            }
        });
        let v: Model = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(v["statusCode"], status, "seed {seed}");
        assert_eq!(v["isBase64Encoded"], false);
        for (k, val) in &headers {
            assert_eq!(v["headers"][k], *val, "seed {seed}");
        }
        assert_eq!(v.get("headers").is_some(), !headers.is_empty());
        for (k, vals) in &multi {
            assert_eq!(
                v["multiValueHeaders"][k],
                serde_json::json!(vals),
                "seed {seed}"
            );
        }
        assert_eq!(
            v.get("cookies")
                .map(|c| c.as_array().unwrap().len())
                .unwrap_or(0),
            cookies.len()
        );
        let body = v["body"].as_str().unwrap();
        if json_body {
            check_output(body.as_bytes(), &body_model, seed);
        } else {
            assert_eq!(body, text_body, "seed {seed}");
        }
    }
}

#[test]
fn write_json_values_and_formatted_text() {
    struct Point {
        x: i32,
        y: i32,
    }
    impl WriteJson for Point {
        fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
            w.object(|w| {
                w.field("x", self.x)?;
                w.field("y", self.y)
            })
        }
    }
    let out = write_to_vec(|w| {
        w.object(|w| {
            w.field("points", [Point { x: 1, y: -2 }, Point { x: 3, y: 4 }])?;
            w.field("label", Text(format_args!("{}\"{}", "a", '\n')))?;
            w.field("none", None::<&str>)?;
            w.field("list", vec!["a".to_string(), "b\\".to_string()])
        })
    });
    let v: Model = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"points": [{"x": 1, "y": -2}, {"x": 3, "y": 4}], "label": "a\"\n", "none": null, "list": ["a", "b\\"]})
    );
}
