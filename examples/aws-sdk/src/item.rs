//! A DynamoDB item as plain JSON: each attribute value written as the JSON value it stands
//! for, without DynamoDB's type descriptors.
//!
//! | DynamoDB | JSON |
//! | --- | --- |
//! | `S` | string |
//! | `N` | number, its digits as DynamoDB sent them (no rounding through `f64`) |
//! | `BOOL` | `true` / `false` |
//! | `NULL` | `null` |
//! | `B` | string, standard base64 |
//! | `M` | object, members sorted by name |
//! | `L` | array |
//! | `SS`, `NS`, `BS` | arrays of strings, numbers, base64 strings |

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_zero::json::{JsonWriter, WriteError};
use lambda_zero::Error;

/// Writes `item` as one JSON object. Members are sorted by attribute name, so that the same
/// item always reads the same.
pub fn write_item(
    w: &mut JsonWriter<'_>,
    item: &HashMap<String, AttributeValue>,
) -> Result<(), Error> {
    write_map(w, item)
}

/// `{"name":value,...}`, sorted by name.
fn write_map(w: &mut JsonWriter<'_>, map: &HashMap<String, AttributeValue>) -> Result<(), Error> {
    let mut members: Vec<(&String, &AttributeValue)> = map.iter().collect();
    members.sort_unstable_by(|a, b| a.0.cmp(b.0));
    w.begin_object().map_err(response_error)?;
    for (name, value) in members {
        w.key(name).map_err(response_error)?;
        write_value(w, name, value)?;
    }
    w.end_object().map_err(response_error)
}

/// One attribute value; `name` is the member or list it sits in, for error messages.
fn write_value(w: &mut JsonWriter<'_>, name: &str, value: &AttributeValue) -> Result<(), Error> {
    let written = match value {
        AttributeValue::S(s) => w.str(s),
        AttributeValue::N(n) => return write_number(w, name, n),
        AttributeValue::Bool(b) => w.bool(*b),
        AttributeValue::Null(_) => w.null(),
        AttributeValue::B(blob) => w.base64(blob.as_ref()),
        AttributeValue::M(map) => return write_map(w, map),
        AttributeValue::L(list) => {
            w.begin_array().map_err(response_error)?;
            for element in list {
                write_value(w, name, element)?;
            }
            w.end_array()
        }
        AttributeValue::Ss(strings) => w.array(|w| strings.iter().try_for_each(|s| w.str(s))),
        AttributeValue::Ns(numbers) => {
            w.begin_array().map_err(response_error)?;
            for n in numbers {
                write_number(w, name, n)?;
            }
            w.end_array()
        }
        AttributeValue::Bs(blobs) => {
            w.array(|w| blobs.iter().try_for_each(|b| w.base64(b.as_ref())))
        }
        _ => {
            return Err(Error::function(
                "UnsupportedAttributeValue",
                format_args!(
                    "attribute `{name}` holds a DynamoDB type this function does not know"
                ),
            ))
        }
    };
    written.map_err(response_error)
}

/// A DynamoDB number (a decimal string of up to 38 digits) as a JSON number, digit for digit.
/// DynamoDB sends numbers in canonical form; anything that is not a JSON number is refused
/// rather than guessed at.
fn write_number(w: &mut JsonWriter<'_>, name: &str, n: &str) -> Result<(), Error> {
    if !is_json_number(n) {
        return Err(Error::function(
            "InvalidNumber",
            format_args!("attribute `{name}` holds the number {n:?}, which is not a JSON number"),
        ));
    }
    w.raw(n).map_err(response_error)
}

/// Whether `s` is a number in JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
pub fn is_json_number(s: &str) -> bool {
    fn digits(b: &[u8]) -> usize {
        b.iter().take_while(|c| c.is_ascii_digit()).count()
    }
    let mut b = s.as_bytes();
    if let [b'-', rest @ ..] = b {
        b = rest;
    }
    match b {
        [b'0', rest @ ..] => b = rest,
        [b'1'..=b'9', ..] => b = &b[digits(b)..],
        _ => return false,
    }
    if let [b'.', rest @ ..] = b {
        let n = digits(rest);
        if n == 0 {
            return false;
        }
        b = &rest[n..];
    }
    if let [b'e' | b'E', rest @ ..] = b {
        let rest = match rest {
            [b'+' | b'-', rest @ ..] => rest,
            _ => rest,
        };
        let n = digits(rest);
        if n == 0 {
            return false;
        }
        b = &rest[n..];
    }
    b.is_empty()
}

/// The invocation error for a response that could not be written.
pub fn response_error(e: WriteError) -> Error {
    match e {
        WriteError::Full { .. } => Error::function("ResponseTooLarge", e),
        WriteError::Misuse(_) => Error::function("InvalidResponse", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::primitives::Blob;

    fn json(item: &HashMap<String, AttributeValue>, capacity: usize) -> Result<String, Error> {
        let mut buf = vec![0; capacity];
        let mut w = JsonWriter::new(&mut buf);
        write_item(&mut w, item)?;
        let len = w.finish().map_err(response_error)?;
        Ok(String::from_utf8(buf[..len].to_vec()).unwrap())
    }

    fn item(members: &[(&str, AttributeValue)]) -> HashMap<String, AttributeValue> {
        members
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn every_attribute_type_is_written_as_plain_json_sorted_by_name() {
        use AttributeValue::*;
        let nested = item(&[("z", N("-0.5e10".into())), ("a", S("x".into()))]);
        let all = item(&[
            ("s", S("tab\t\"quote\" é".into())),
            ("n", N("12345678901234567890123456789012345678".into())),
            ("yes", Bool(true)),
            ("no", Bool(false)),
            ("nothing", Null(true)),
            ("bytes", B(Blob::new(b"hi!\x00".to_vec()))),
            ("map", M(nested)),
            (
                "list",
                L(vec![
                    S("a".into()),
                    N("1".into()),
                    L(vec![]),
                    M(HashMap::new()),
                ]),
            ),
            ("strings", Ss(vec!["b".into(), "a".into()])),
            ("numbers", Ns(vec!["1".into(), "2.5".into()])),
            (
                "blobs",
                Bs(vec![Blob::new(b"a".to_vec()), Blob::new(Vec::new())]),
            ),
        ]);
        assert_eq!(
            json(&all, 4096).unwrap(),
            concat!(
                r#"{"blobs":["YQ==",""],"bytes":"aGkhAA==","list":["a",1,[],{}],"#,
                r#""map":{"a":"x","z":-0.5e10},"n":12345678901234567890123456789012345678,"#,
                r#""no":false,"nothing":null,"numbers":[1,2.5],"s":"tab\t\"quote\" é","#,
                r#""strings":["b","a"],"yes":true}"#
            )
        );
        assert_eq!(json(&HashMap::new(), 16).unwrap(), "{}");
    }

    #[test]
    fn a_number_that_is_not_json_is_a_clear_error() {
        for bad in [
            "", "+1", ".5", "1.", "01", "1e", "1e+", "NaN", "1 ", "--1", "0x10",
        ] {
            assert!(!is_json_number(bad), "{bad:?}");
            let e = json(&item(&[("n", AttributeValue::N(bad.into()))]), 64).unwrap_err();
            assert_eq!(e.error_type(), "Function.InvalidNumber", "{bad:?}");
            assert!(e.message().contains("attribute `n`"), "{}", e.message());
        }
        for good in ["0", "-0", "7", "-12.50", "1e5", "1E-5", "0.1e+3", "100"] {
            assert!(is_json_number(good), "{good:?}");
        }
        let e = json(
            &item(&[("set", AttributeValue::Ns(vec!["1".into(), "x".into()]))]),
            64,
        )
        .unwrap_err();
        assert_eq!(e.error_type(), "Function.InvalidNumber");
    }

    #[test]
    fn an_item_larger_than_the_buffer_is_function_response_too_large() {
        let big = item(&[("s", AttributeValue::S("x".repeat(100)))]);
        let e = json(&big, 64).unwrap_err();
        assert_eq!(e.error_type(), "Function.ResponseTooLarge");
    }
}
