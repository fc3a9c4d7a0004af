//! Request headers: a view over the event's header objects, looked up case-insensitively,
//! every value of a name kept.
//!
//! Nothing is copied and there is no capacity: lookups walk the event's parsed objects (tens
//! of members). Where a source sends both forms, as API Gateway REST does (`headers` holds the
//! last value of each name, `multiValueHeaders` all of them), a name's values come from
//! `multiValueHeaders`, and `headers` adds the names it alone has. VPC Lattice sends arrays in
//! `headers`; HTTP APIs send one string per name (repeated headers joined by commas, which is
//! one value here, as there). For HTTP APIs and function URLs, the `cookie` header is the
//! request's cookie array joined with `"; "`, as `lambda_http` makes it.

use crate::json::{Kind, Members, Value};

/// The headers of a request.
#[derive(Clone, Copy)]
pub struct Headers<'a> {
    /// An object of strings (or null).
    single: Value<'a, 'a>,
    /// An object of arrays of strings (or null).
    multi: Value<'a, 'a>,
    /// The `cookie` header made from a cookie array, which replaces any in the objects.
    cookie: Option<&'a str>,
}

/// The `null` a missing header object reads as.
pub(crate) fn null<'a>() -> Value<'a, 'a> {
    Value::from_tape(&[])
}

impl<'a> Headers<'a> {
    pub(crate) fn new(
        single: Value<'a, 'a>,
        multi: Value<'a, 'a>,
        cookie: Option<&'a str>,
    ) -> Headers<'a> {
        Headers {
            single,
            multi,
            cookie,
        }
    }

    /// No headers at all.
    pub fn empty() -> Headers<'a> {
        Headers::new(null(), null(), None)
    }

    /// The first value of `name` (ASCII case-insensitive).
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.get_all(name).next()
    }

    /// Every value of `name` (ASCII case-insensitive), in the event's order.
    pub fn get_all<'n>(&self, name: &'n str) -> HeaderValues<'a, 'n> {
        if let Some(cookie) = self.cookie {
            if name.eq_ignore_ascii_case("cookie") {
                return HeaderValues {
                    name,
                    cookie: Some(cookie),
                    multi: null().members(),
                    values: None,
                    single: null().members(),
                    found: true,
                };
            }
        }
        HeaderValues {
            name,
            cookie: None,
            multi: self.multi.members(),
            values: None,
            single: self.single.members(),
            found: false,
        }
    }

    /// True when `name` has at least one value.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every `(name, value)` pair, a name once per value, names as the event spells them.
    pub fn iter(&self) -> HeaderIter<'a> {
        HeaderIter {
            headers: *self,
            multi: self.multi.members(),
            values: None,
            single: self.single.members(),
            cookie: self.cookie,
        }
    }

    /// The number of `(name, value)` pairs [`Headers::iter`] yields.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True when there are no headers.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// True when the event sent the multi-value form (`multiValueHeaders`): API Gateway REST
    /// and WebSocket events, and ALB targets with multi-value headers enabled.
    pub(crate) fn multi_value(&self) -> bool {
        self.multi.kind() == Kind::Object
    }

    /// True when `name` is one of the multi-value object's names.
    fn in_multi(&self, name: &str) -> bool {
        self.multi
            .members()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

impl core::fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The string values of a header member: one string, or the strings of an array (other
/// values are skipped).
#[derive(Clone)]
enum MemberValues<'a> {
    One(Option<&'a str>),
    Many(crate::json::Elements<'a, 'a>),
}

impl<'a> MemberValues<'a> {
    fn of(v: Value<'a, 'a>) -> MemberValues<'a> {
        match v.kind() {
            Kind::Array => MemberValues::Many(v.elements()),
            _ => MemberValues::One(v.as_str()),
        }
    }
}

impl<'a> Iterator for MemberValues<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            MemberValues::One(v) => v.take(),
            MemberValues::Many(elements) => elements.find_map(|e| e.as_str()),
        }
    }
}

/// The values of one header name (see [`Headers::get_all`]).
#[derive(Clone)]
pub struct HeaderValues<'a, 'n> {
    name: &'n str,
    cookie: Option<&'a str>,
    multi: Members<'a, 'a>,
    values: Option<MemberValues<'a>>,
    single: Members<'a, 'a>,
    /// A member of the multi-value object matched: `single` is not consulted.
    found: bool,
}

impl<'a> Iterator for HeaderValues<'a, '_> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if let Some(cookie) = self.cookie.take() {
            return Some(cookie);
        }
        loop {
            if let Some(v) = self.values.as_mut().and_then(Iterator::next) {
                return Some(v);
            }
            if let Some((_, v)) = self
                .multi
                .by_ref()
                .find(|(n, _)| n.eq_ignore_ascii_case(self.name))
            {
                self.found = true;
                self.values = Some(MemberValues::of(v));
                continue;
            }
            if self.found {
                return None;
            }
            let (_, v) = self
                .single
                .by_ref()
                .find(|(n, _)| n.eq_ignore_ascii_case(self.name))?;
            self.values = Some(MemberValues::of(v));
        }
    }
}

/// Every `(name, value)` pair of a request's headers (see [`Headers::iter`]).
#[derive(Clone)]
pub struct HeaderIter<'a> {
    headers: Headers<'a>,
    multi: Members<'a, 'a>,
    values: Option<(&'a str, MemberValues<'a>)>,
    single: Members<'a, 'a>,
    cookie: Option<&'a str>,
}

impl<'a> Iterator for HeaderIter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        loop {
            if let Some((name, values)) = self.values.as_mut() {
                if let Some(v) = values.next() {
                    return Some((*name, v));
                }
                self.values = None;
            }
            let skip_cookie = self.headers.cookie.is_some();
            let hidden = |n: &str| skip_cookie && n.eq_ignore_ascii_case("cookie");
            if let Some((n, v)) = self.multi.by_ref().find(|(n, _)| !hidden(n)) {
                self.values = Some((n, MemberValues::of(v)));
                continue;
            }
            let headers = self.headers;
            if let Some((n, v)) = self
                .single
                .by_ref()
                .find(|(n, _)| !hidden(n) && !headers.in_multi(n))
            {
                self.values = Some((n, MemberValues::of(v)));
                continue;
            }
            return self.cookie.take().map(|c| ("cookie", c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_headers(json: &str, cookie: Option<&str>, check: impl FnOnce(Headers<'_>)) {
        let mut bytes = json.as_bytes().to_vec();
        let tape = simd_json::to_tape(&mut bytes).unwrap();
        let root = Value::from_tape(&tape.0);
        let single = root.get("headers").unwrap_or_else(null);
        let multi = root.get("multiValueHeaders").unwrap_or_else(null);
        check(Headers::new(single, multi, cookie));
    }

    #[test]
    fn multi_value_headers_win_and_single_ones_add_their_own_names() {
        with_headers(
            r#"{"headers":{"Accept":"a","X-Only":"single","headerName":"v2"},
                "multiValueHeaders":{"Accept":["a"],"headerName":["v1","v2"],"x-multi":["m1","m2"],"Odd":[1,"s"]}}"#,
            None,
            |h| {
                assert_eq!(h.get("accept"), Some("a"));
                assert_eq!(h.get_all("HEADERNAME").collect::<Vec<_>>(), ["v1", "v2"]);
                assert_eq!(h.get_all("x-only").collect::<Vec<_>>(), ["single"]);
                assert_eq!(h.get_all("X-Multi").collect::<Vec<_>>(), ["m1", "m2"]);
                assert_eq!(
                    h.get_all("odd").collect::<Vec<_>>(),
                    ["s"],
                    "non-strings are skipped"
                );
                assert_eq!(h.get("missing"), None);
                let all: Vec<(&str, &str)> = h.iter().collect();
                assert_eq!(
                    all,
                    [
                        ("Accept", "a"),
                        ("headerName", "v1"),
                        ("headerName", "v2"),
                        ("x-multi", "m1"),
                        ("x-multi", "m2"),
                        ("Odd", "s"),
                        ("X-Only", "single"),
                    ]
                );
                assert_eq!(h.len(), 7);
                assert!(h.multi_value());
            },
        );
    }

    #[test]
    fn names_repeated_in_other_cases_keep_every_value() {
        with_headers(
            r#"{"multiValueHeaders":{"X-A":["1"],"x-a":["2"]},"headers":{"X-A":"2"}}"#,
            None,
            |h| assert_eq!(h.get_all("x-A").collect::<Vec<_>>(), ["1", "2"]),
        );
        with_headers(r#"{"headers":{"X-A":"1","x-a":"2, 3"}}"#, None, |h| {
            assert_eq!(h.get_all("x-a").collect::<Vec<_>>(), ["1", "2, 3"]);
            assert!(!h.multi_value());
        });
    }

    #[test]
    fn a_joined_cookie_array_replaces_the_cookie_header() {
        with_headers(
            r#"{"headers":{"cookie":"old=1","host":"h"}}"#,
            Some("a=1; b=2"),
            |h| {
                assert_eq!(h.get_all("Cookie").collect::<Vec<_>>(), ["a=1; b=2"]);
                let all: Vec<(&str, &str)> = h.iter().collect();
                assert_eq!(all, [("host", "h"), ("cookie", "a=1; b=2")]);
            },
        );
        with_headers(r#"{}"#, None, |h| {
            assert!(h.is_empty());
            assert_eq!(h.get("x"), None);
        });
        assert!(Headers::empty().is_empty());
    }
}
