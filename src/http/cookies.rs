//! Request cookies, from wherever the source puts them: the `cookies` array of HTTP APIs and
//! function URLs, the `Cookie` header(s) everywhere else. Borrowed, split on demand.

use super::headers::{HeaderValues, Headers};
use crate::json::{Elements, Value};

/// One cookie of the request: `name=value` as the client sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cookie<'a> {
    pair: &'a str,
}

impl<'a> Cookie<'a> {
    fn new(pair: &'a str) -> Cookie<'a> {
        Cookie {
            pair: pair.trim_matches(' '),
        }
    }

    /// `name=value`, trimmed of surrounding spaces.
    pub fn as_str(&self) -> &'a str {
        self.pair
    }

    /// The name: the text before the first `=` (empty when there is no `=`, as browsers read
    /// such a cookie).
    pub fn name(&self) -> &'a str {
        match self.pair.split_once('=') {
            Some((name, _)) => name.trim_end_matches(' '),
            None => "",
        }
    }

    /// The value: the text after the first `=` (the whole text when there is none).
    pub fn value(&self) -> &'a str {
        match self.pair.split_once('=') {
            Some((_, value)) => value.trim_start_matches(' '),
            None => self.pair,
        }
    }
}

/// The cookies of a request.
#[derive(Clone, Copy)]
pub struct Cookies<'a> {
    /// The payload 2.0 array, when the event has one.
    array: Option<Value<'a, 'a>>,
    headers: Headers<'a>,
}

impl<'a> Cookies<'a> {
    pub(crate) fn new(array: Option<Value<'a, 'a>>, headers: Headers<'a>) -> Cookies<'a> {
        Cookies { array, headers }
    }

    /// Every cookie, in order.
    pub fn iter(&self) -> CookieIter<'a> {
        match self.array {
            Some(array) => CookieIter::Array(array.elements()),
            None => CookieIter::Header {
                values: self.headers.get_all("cookie"),
                current: None,
            },
        }
    }

    /// The value of the first cookie named `name` (case-sensitive).
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.iter().find(|c| c.name() == name).map(|c| c.value())
    }

    /// The number of cookies.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True when the request has no cookies.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

impl core::fmt::Debug for Cookies<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|c| c.as_str()))
            .finish()
    }
}

/// The cookies of a request, one at a time (see [`Cookies::iter`]).
#[derive(Clone)]
pub enum CookieIter<'a> {
    /// From a payload 2.0 `cookies` array.
    #[doc(hidden)]
    Array(Elements<'a, 'a>),
    /// From `Cookie` headers, split at `;`.
    #[doc(hidden)]
    Header {
        values: HeaderValues<'a, 'static>,
        current: Option<core::str::Split<'a, char>>,
    },
}

impl<'a> Iterator for CookieIter<'a> {
    type Item = Cookie<'a>;

    fn next(&mut self) -> Option<Cookie<'a>> {
        match self {
            CookieIter::Array(elements) => elements
                .by_ref()
                .filter_map(|e| e.as_str())
                .map(Cookie::new)
                .find(|c| !c.as_str().is_empty()),
            CookieIter::Header { values, current } => loop {
                if let Some(pieces) = current.as_mut() {
                    if let Some(c) = pieces.map(Cookie::new).find(|c| !c.as_str().is_empty()) {
                        return Some(c);
                    }
                }
                *current = Some(values.next()?.split(';'));
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::headers::null;

    fn with_event(json: &str, check: impl FnOnce(Cookies<'_>)) {
        let mut bytes = json.as_bytes().to_vec();
        let tape = simd_json::to_tape(&mut bytes).unwrap();
        let root = Value::from_tape(&tape.0);
        let headers = Headers::new(root.get("headers").unwrap_or_else(null), null(), None);
        check(Cookies::new(root.get("cookies"), headers));
    }

    #[test]
    fn cookie_headers_split_at_semicolons() {
        with_event(
            r#"{"headers":{"Cookie":"a=1; b = 2 ;;c=x=y; flag","cookie":"d=4"}}"#,
            |c| {
                let all: Vec<(&str, &str, &str)> = c
                    .iter()
                    .map(|c| (c.as_str(), c.name(), c.value()))
                    .collect();
                assert_eq!(
                    all,
                    [
                        ("a=1", "a", "1"),
                        ("b = 2", "b", "2"),
                        ("c=x=y", "c", "x=y"),
                        ("flag", "", "flag"),
                        ("d=4", "d", "4"),
                    ]
                );
                assert_eq!(c.get("c"), Some("x=y"));
                assert_eq!(c.get("z"), None);
                assert_eq!(c.len(), 5);
            },
        );
    }

    #[test]
    fn a_cookie_array_is_read_as_it_is() {
        with_event(
            r#"{"cookies":["cookie1","a=1","", 7],"headers":{"cookie":"ignored=1"}}"#,
            |c| {
                let all: Vec<&str> = c.iter().map(|c| c.as_str()).collect();
                assert_eq!(all, ["cookie1", "a=1"]);
                assert_eq!(c.get("a"), Some("1"));
                assert_eq!(c.get("ignored"), None);
            },
        );
        with_event(r#"{"headers":{}}"#, |c| assert!(c.is_empty()));
    }
}
