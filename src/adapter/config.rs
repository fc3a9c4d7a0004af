//! The adapter's configuration: the Lambda Web Adapter's `AWS_LWA_*` variables (and the older
//! names it still reads), with its defaults, read through a lookup function so that tests pass
//! a table instead of the process environment.

use core::fmt;

/// How the adapter answers Lambda.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvokeMode {
    /// One JSON proxy response per invocation, the app's body read whole first.
    Buffered,
    /// The response streamed to Lambda as the app sends it (function URLs in
    /// `RESPONSE_STREAM` mode, REST streaming integrations).
    ResponseStream,
}

/// How readiness is checked before the first invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadinessProtocol {
    /// `GET <path>` until the status is one of the healthy ones.
    Http,
    /// A TCP connection that opens.
    Tcp,
}

/// A set of HTTP status codes (100 to 999), kept as a bit set: no allocation to test one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct StatusSet {
    bits: [u64; 16],
}

impl StatusSet {
    /// No status.
    pub const fn empty() -> StatusSet {
        StatusSet { bits: [0; 16] }
    }

    /// Every status from `from` to `to`, both included (codes above 999 are left out).
    pub fn range(from: u16, to: u16) -> StatusSet {
        let mut set = StatusSet::empty();
        set.insert_range(from, to);
        set
    }

    fn insert_range(&mut self, from: u16, to: u16) {
        for code in from..=to.min(1023) {
            self.bits[usize::from(code / 64)] |= 1 << (code % 64);
        }
    }

    /// Whether `code` is in the set.
    pub fn contains(&self, code: u16) -> bool {
        code < 1024 && self.bits[usize::from(code / 64)] & (1 << (code % 64)) != 0
    }

    /// Whether the set holds no status.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&b| b == 0)
    }

    /// Parses the Lambda Web Adapter's list syntax: codes and ranges separated by commas,
    /// `500,502-504`. A part that is not a code or a range is an error naming it (the Lambda
    /// Web Adapter skips it with a warning; a typo here should not go unnoticed).
    pub fn parse(text: &str) -> Result<StatusSet, String> {
        let mut set = StatusSet::empty();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let code = |s: &str| {
                s.trim()
                    .parse::<u16>()
                    .ok()
                    .filter(|c| (100..=999).contains(c))
            };
            let parsed = match part.split_once('-') {
                Some((a, b)) => code(a).zip(code(b)).filter(|(a, b)| a <= b),
                None => code(part).map(|c| (c, c)),
            };
            match parsed {
                Some((a, b)) => set.insert_range(a, b),
                None => {
                    return Err(format!(
                        "`{part}` is not a status code (100-999) or a range `a-b`"
                    ))
                }
            }
        }
        Ok(set)
    }
}

impl fmt::Debug for StatusSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries((100..1000).filter(|&c| self.contains(c)))
            .finish()
    }
}

/// The adapter's settings. See `docs/adapter.md` for each variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterConfig {
    /// `AWS_LWA_HOST` (or `HOST`): the app's host, `127.0.0.1` by default.
    pub host: String,
    /// `AWS_LWA_PORT` (or `PORT`): the app's port, 8080 by default.
    pub port: u16,
    /// `AWS_LWA_READINESS_CHECK_PORT` (or `READINESS_CHECK_PORT`): the port checked for
    /// readiness, `port` by default.
    pub readiness_check_port: u16,
    /// `AWS_LWA_READINESS_CHECK_PATH` (or `READINESS_CHECK_PATH`): `/` by default.
    pub readiness_check_path: String,
    /// `AWS_LWA_READINESS_CHECK_PROTOCOL` (or `READINESS_CHECK_PROTOCOL`): `http` (by default)
    /// or `tcp`, in any case; anything else reads as `http`, as in the Lambda Web Adapter.
    pub readiness_check_protocol: ReadinessProtocol,
    /// `AWS_LWA_READINESS_CHECK_HEALTHY_STATUS` (`100-499` by default), or below
    /// `AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS` when only that one is set.
    pub readiness_check_healthy_status: StatusSet,
    /// `AWS_LWA_ASYNC_INIT` (or `ASYNC_INIT`): give up waiting for readiness at init after
    /// 9.8 s and wait again at the first invocation. `false` by default.
    pub async_init: bool,
    /// `AWS_LWA_REMOVE_BASE_PATH` (or `REMOVE_BASE_PATH`): a prefix taken off request paths.
    pub remove_base_path: Option<String>,
    /// `AWS_LWA_ENABLE_COMPRESSION`: gzip buffered answers for clients that take it (with the
    /// feature `compression`; see `adapter::compress`).
    pub enable_compression: bool,
    /// `AWS_LWA_INVOKE_MODE`: `buffered` (by default) or `response_stream`.
    pub invoke_mode: InvokeMode,
    /// `AWS_LWA_PASS_THROUGH_PATH`: where events that are not HTTP events are posted,
    /// `/events` by default.
    pub pass_through_path: String,
    /// `AWS_LWA_AUTHORIZATION_SOURCE`: a request header sent to the app as `Authorization`.
    pub authorization_source: Option<String>,
    /// `AWS_LWA_ERROR_STATUS_CODES`: app statuses that fail the invocation instead of being
    /// answered (none by default).
    pub error_status_codes: StatusSet,
    /// `AWS_LWA_LAMBDA_RUNTIME_API_PROXY`: the Runtime API address to use instead of
    /// `AWS_LAMBDA_RUNTIME_API`.
    pub runtime_api_proxy: Option<String>,
    /// `LAMBDA_ZERO_APP_ERROR_STATUS` (lambda-zero's own): when the app cannot be reached or
    /// answers something that is not HTTP, answer the client with this status instead of
    /// failing the invocation (which API Gateway turns into a 502 of its own).
    pub app_error_status: Option<u16>,
}

/// A variable with a value the adapter cannot use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The variable.
    pub variable: &'static str,
    /// Its value.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={:?}: {}", self.variable, self.value, self.reason)
    }
}

impl std::error::Error for ConfigError {}

impl AdapterConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<AdapterConfig, ConfigError> {
        AdapterConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a variable's value, `None` when unset).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<AdapterConfig, ConfigError> {
        // The first of `names` that is set, with its name.
        let first = |names: &[&'static str]| names.iter().find_map(|&n| lookup(n).map(|v| (n, v)));
        let port = |names: &[&'static str], default: u16| match first(names) {
            None => Ok(default),
            Some((variable, value)) => match value.trim().parse::<u16>() {
                Ok(p) if p != 0 => Ok(p),
                _ => Err(ConfigError {
                    variable,
                    value,
                    reason: "not a port number (1-65535)".into(),
                }),
            },
        };
        let flag = |names: &[&'static str]| {
            first(names).is_some_and(|(_, v)| v.trim().parse::<bool>().unwrap_or(false))
        };
        let statuses = |variable: &'static str| match lookup(variable) {
            None => Ok(None),
            Some(value) => match StatusSet::parse(&value) {
                Ok(set) => Ok(Some(set)),
                Err(reason) => Err(ConfigError {
                    variable,
                    value,
                    reason,
                }),
            },
        };

        let host = first(&["AWS_LWA_HOST", "HOST"])
            .map(|(_, v)| v)
            .unwrap_or_else(|| "127.0.0.1".to_string());
        let app_port = port(&["AWS_LWA_PORT", "PORT"], 8080)?;
        let readiness_check_port = port(
            &["AWS_LWA_READINESS_CHECK_PORT", "READINESS_CHECK_PORT"],
            app_port,
        )?;
        let readiness_check_path = first(&["AWS_LWA_READINESS_CHECK_PATH", "READINESS_CHECK_PATH"])
            .map(|(_, v)| v)
            .unwrap_or_else(|| "/".to_string());
        check_path("AWS_LWA_READINESS_CHECK_PATH", &readiness_check_path)?;
        let readiness_check_protocol = match first(&[
            "AWS_LWA_READINESS_CHECK_PROTOCOL",
            "READINESS_CHECK_PROTOCOL",
        ]) {
            Some((_, v)) if v.trim().eq_ignore_ascii_case("tcp") => ReadinessProtocol::Tcp,
            _ => ReadinessProtocol::Http,
        };
        let healthy = match statuses("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS")? {
            Some(set) if !set.is_empty() => set,
            Some(_) => {
                return Err(ConfigError {
                    variable: "AWS_LWA_READINESS_CHECK_HEALTHY_STATUS",
                    value: lookup("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS").unwrap_or_default(),
                    reason: "no status code in the list".into(),
                })
            }
            None => match lookup("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS") {
                Some(v) => match v.trim().parse::<u16>() {
                    Ok(min) if min > 100 => StatusSet::range(100, min - 1),
                    _ => {
                        return Err(ConfigError {
                            variable: "AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS",
                            value: v,
                            reason: "not a status code above 100".into(),
                        })
                    }
                },
                None => StatusSet::range(100, 499),
            },
        };
        let remove_base_path = first(&["AWS_LWA_REMOVE_BASE_PATH", "REMOVE_BASE_PATH"])
            .map(|(_, v)| v)
            .filter(|v| !v.is_empty());
        let invoke_mode = match lookup("AWS_LWA_INVOKE_MODE") {
            Some(v) if v.trim().eq_ignore_ascii_case("response_stream") => {
                InvokeMode::ResponseStream
            }
            _ => InvokeMode::Buffered,
        };
        let pass_through_path =
            lookup("AWS_LWA_PASS_THROUGH_PATH").unwrap_or_else(|| "/events".to_string());
        check_path("AWS_LWA_PASS_THROUGH_PATH", &pass_through_path)?;
        let authorization_source = lookup("AWS_LWA_AUTHORIZATION_SOURCE")
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        let error_status_codes =
            statuses("AWS_LWA_ERROR_STATUS_CODES")?.unwrap_or(StatusSet::empty());
        let app_error_status = match lookup("LAMBDA_ZERO_APP_ERROR_STATUS") {
            None => None,
            Some(v) => match v.trim().parse::<u16>() {
                Ok(s) if (100..=999).contains(&s) => Some(s),
                _ => {
                    return Err(ConfigError {
                        variable: "LAMBDA_ZERO_APP_ERROR_STATUS",
                        value: v,
                        reason: "not a status code (100-999)".into(),
                    })
                }
            },
        };
        Ok(AdapterConfig {
            host,
            port: app_port,
            readiness_check_port,
            readiness_check_path,
            readiness_check_protocol,
            readiness_check_healthy_status: healthy,
            async_init: flag(&["AWS_LWA_ASYNC_INIT", "ASYNC_INIT"]),
            remove_base_path,
            enable_compression: flag(&["AWS_LWA_ENABLE_COMPRESSION"]),
            invoke_mode,
            pass_through_path,
            authorization_source,
            error_status_codes,
            runtime_api_proxy: lookup("AWS_LWA_LAMBDA_RUNTIME_API_PROXY")
                .filter(|v| !v.trim().is_empty()),
            app_error_status,
        })
    }
}

/// A path the adapter writes into a request line: it starts with `/` and has no byte that
/// cannot appear there.
fn check_path(variable: &'static str, path: &str) -> Result<(), ConfigError> {
    if path.starts_with('/') && path.bytes().all(|b| b > b' ' && b != 0x7f) {
        return Ok(());
    }
    Err(ConfigError {
        variable,
        value: path.to_string(),
        reason: "a path starting with `/`, without spaces or control characters".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<AdapterConfig, ConfigError> {
        AdapterConfig::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_are_the_lambda_web_adapters() {
        let c = config(&[]).unwrap();
        assert_eq!(c.host, "127.0.0.1");
        assert_eq!((c.port, c.readiness_check_port), (8080, 8080));
        assert_eq!(c.readiness_check_path, "/");
        assert_eq!(c.readiness_check_protocol, ReadinessProtocol::Http);
        assert_eq!(c.readiness_check_healthy_status, StatusSet::range(100, 499));
        assert!(!c.async_init && !c.enable_compression);
        assert_eq!(c.remove_base_path, None);
        assert_eq!(c.invoke_mode, InvokeMode::Buffered);
        assert_eq!(c.pass_through_path, "/events");
        assert_eq!(c.authorization_source, None);
        assert!(c.error_status_codes.is_empty());
        assert_eq!(c.runtime_api_proxy, None);
        assert_eq!(c.app_error_status, None);
    }

    #[test]
    fn every_variable_is_read() {
        let c = config(&[
            ("AWS_LWA_HOST", "localhost"),
            ("AWS_LWA_PORT", "3000"),
            ("AWS_LWA_READINESS_CHECK_PORT", "3001"),
            ("AWS_LWA_READINESS_CHECK_PATH", "/health"),
            ("AWS_LWA_READINESS_CHECK_PROTOCOL", "TCP"),
            ("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "200-299, 301"),
            ("AWS_LWA_ASYNC_INIT", "true"),
            ("AWS_LWA_REMOVE_BASE_PATH", "/api"),
            ("AWS_LWA_ENABLE_COMPRESSION", "true"),
            ("AWS_LWA_INVOKE_MODE", "RESPONSE_STREAM"),
            ("AWS_LWA_PASS_THROUGH_PATH", "/sqs"),
            ("AWS_LWA_AUTHORIZATION_SOURCE", "x-token"),
            ("AWS_LWA_ERROR_STATUS_CODES", "500,502-504"),
            ("AWS_LWA_LAMBDA_RUNTIME_API_PROXY", "127.0.0.1:9009"),
            ("LAMBDA_ZERO_APP_ERROR_STATUS", "503"),
        ])
        .unwrap();
        assert_eq!(c.host, "localhost");
        assert_eq!((c.port, c.readiness_check_port), (3000, 3001));
        assert_eq!(c.readiness_check_path, "/health");
        assert_eq!(c.readiness_check_protocol, ReadinessProtocol::Tcp);
        let healthy: Vec<u16> = (100..1000)
            .filter(|&s| c.readiness_check_healthy_status.contains(s))
            .collect();
        assert_eq!(healthy, (200..300).chain([301]).collect::<Vec<u16>>());
        assert!(c.async_init && c.enable_compression);
        assert_eq!(c.remove_base_path.as_deref(), Some("/api"));
        assert_eq!(c.invoke_mode, InvokeMode::ResponseStream);
        assert_eq!(c.pass_through_path, "/sqs");
        assert_eq!(c.authorization_source.as_deref(), Some("x-token"));
        let errors: Vec<u16> = (100..1000)
            .filter(|&s| c.error_status_codes.contains(s))
            .collect();
        assert_eq!(errors, [500, 502, 503, 504]);
        assert_eq!(c.runtime_api_proxy.as_deref(), Some("127.0.0.1:9009"));
        assert_eq!(c.app_error_status, Some(503));
    }

    #[test]
    fn older_names_and_fallbacks() {
        let c = config(&[
            ("HOST", "0.0.0.0"),
            ("PORT", "9000"),
            ("READINESS_CHECK_PATH", "/ready"),
            ("ASYNC_INIT", "true"),
            ("REMOVE_BASE_PATH", "/v1"),
        ])
        .unwrap();
        assert_eq!(c.host, "0.0.0.0");
        assert_eq!(
            (c.port, c.readiness_check_port),
            (9000, 9000),
            "check port follows PORT"
        );
        assert_eq!(c.readiness_check_path, "/ready");
        assert!(c.async_init);
        assert_eq!(c.remove_base_path.as_deref(), Some("/v1"));
        let c = config(&[("AWS_LWA_PORT", "3000"), ("PORT", "9000")]).unwrap();
        assert_eq!(
            (c.port, c.readiness_check_port),
            (3000, 3000),
            "AWS_LWA_ wins"
        );
        let c = config(&[("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "400")]).unwrap();
        assert_eq!(c.readiness_check_healthy_status, StatusSet::range(100, 399));
        let c = config(&[
            ("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "400"),
            ("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "200"),
        ])
        .unwrap();
        assert_eq!(c.readiness_check_healthy_status, StatusSet::range(200, 200));
    }

    #[test]
    fn lenient_where_the_lambda_web_adapter_is() {
        for (name, value) in [
            ("AWS_LWA_ASYNC_INIT", "yes"),
            ("AWS_LWA_ENABLE_COMPRESSION", "1"),
        ] {
            let c = config(&[(name, value)]).unwrap();
            assert!(
                !c.async_init && !c.enable_compression,
                "{name}={value} reads as false"
            );
        }
        let c = config(&[("AWS_LWA_INVOKE_MODE", "streaming")]).unwrap();
        assert_eq!(c.invoke_mode, InvokeMode::Buffered);
        let c = config(&[("AWS_LWA_READINESS_CHECK_PROTOCOL", "grpc")]).unwrap();
        assert_eq!(c.readiness_check_protocol, ReadinessProtocol::Http);
        let c = config(&[("AWS_LWA_REMOVE_BASE_PATH", "")]).unwrap();
        assert_eq!(c.remove_base_path, None);
    }

    #[test]
    fn unusable_values_are_errors_naming_the_variable() {
        for (name, value) in [
            ("AWS_LWA_PORT", "http"),
            ("AWS_LWA_PORT", "0"),
            ("PORT", "70000"),
            ("AWS_LWA_READINESS_CHECK_PORT", "-1"),
            ("AWS_LWA_READINESS_CHECK_PATH", "health"),
            ("AWS_LWA_READINESS_CHECK_PATH", "/a b"),
            ("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "2xx"),
            ("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", ","),
            ("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "many"),
            ("AWS_LWA_ERROR_STATUS_CODES", "504-502"),
            ("AWS_LWA_ERROR_STATUS_CODES", "5000"),
            ("AWS_LWA_PASS_THROUGH_PATH", "/a\nb"),
            ("LAMBDA_ZERO_APP_ERROR_STATUS", "42"),
        ] {
            let e = config(&[(name, value)]).unwrap_err();
            assert_eq!(e.value, value);
            let shown = e.to_string();
            assert!(shown.contains(e.variable), "{shown}");
        }
    }

    #[test]
    fn status_sets() {
        let s = StatusSet::parse(" 500 , 502-504,422,").unwrap();
        assert!(s.contains(500) && s.contains(503) && s.contains(422));
        assert!(!s.contains(501) && !s.contains(505) && !s.contains(0) && !s.contains(u16::MAX));
        assert_eq!(format!("{s:?}"), "{422, 500, 502, 503, 504}");
        assert!(StatusSet::parse("").unwrap().is_empty());
        assert!(StatusSet::parse("99").is_err());
        assert!(StatusSet::parse("1-2-3").is_err());
    }
}
