//! What the function knows: its static [`Config`], read once at start-up, and the
//! per-invocation [`Context`], borrowed from the `/next` response head.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The function's static configuration, read once from the environment at start-up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub function_name: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, in MB (0 when unset or not a number).
    pub memory_size_mb: u32,
    /// `AWS_LAMBDA_FUNCTION_VERSION`.
    pub function_version: String,
    /// `AWS_LAMBDA_LOG_GROUP_NAME`.
    pub log_group_name: String,
    /// `AWS_LAMBDA_LOG_STREAM_NAME`.
    pub log_stream_name: String,
    /// `_HANDLER`: the handler name configured for the function.
    pub handler: String,
    /// `AWS_LAMBDA_INITIALIZATION_TYPE`: `on-demand`, `provisioned-concurrency`, `snap-start`,
    /// `lambda-managed-instances`. With `snap-start` the runtime coordinates the snapshot
    /// ([`Config::is_snap_start`], [`crate::Runtime::after_restore`]).
    pub initialization_type: String,
    /// `AWS_LAMBDA_LOG_FORMAT`: `Text` or `JSON`.
    pub log_format: String,
    /// `AWS_LAMBDA_LOG_LEVEL`, when the function sets one.
    pub log_level: String,
    /// `AWS_LAMBDA_MAX_CONCURRENCY`: how many invocations Lambda may hand this execution
    /// environment at once (Lambda Managed Instances); 0 when unset, as on default Lambda,
    /// where there is one at a time. [`crate::Runtime::run_with_init`] runs that many.
    pub max_concurrency: u32,
}

impl Config {
    /// Reads the configuration from the process environment. Missing variables read as empty.
    ///
    /// This runs before the first request, so it counts in the cold start: ten lookups, each
    /// allocating only for a variable that is set (walking `vars_os` would allocate a pair of
    /// strings for every variable of the environment).
    pub fn from_env() -> Config {
        let var = |name: &str| {
            std::env::var_os(name)
                .and_then(|v| v.into_string().ok())
                .unwrap_or_default()
        };
        Config {
            function_name: var("AWS_LAMBDA_FUNCTION_NAME"),
            memory_size_mb: var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
                .trim()
                .parse()
                .unwrap_or(0),
            function_version: var("AWS_LAMBDA_FUNCTION_VERSION"),
            log_group_name: var("AWS_LAMBDA_LOG_GROUP_NAME"),
            log_stream_name: var("AWS_LAMBDA_LOG_STREAM_NAME"),
            handler: var("_HANDLER"),
            initialization_type: var("AWS_LAMBDA_INITIALIZATION_TYPE"),
            log_format: var("AWS_LAMBDA_LOG_FORMAT"),
            log_level: var("AWS_LAMBDA_LOG_LEVEL"),
            max_concurrency: var("AWS_LAMBDA_MAX_CONCURRENCY")
                .trim()
                .parse()
                .unwrap_or(0),
        }
    }
}

impl Config {
    /// The value of `AWS_LAMBDA_INITIALIZATION_TYPE` under Lambda SnapStart.
    pub const SNAP_START: &'static str = "snap-start";

    /// Whether this execution environment is being initialised for a SnapStart snapshot
    /// (`AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`): the runtime then runs the
    /// before-snapshot hooks, waits on `GET /runtime/restore/next` while Lambda takes the
    /// snapshot, and runs the after-restore hooks in every environment restored from it.
    pub fn is_snap_start(&self) -> bool {
        self.initialization_type.trim() == Config::SNAP_START
    }
}

/// Everything Lambda says about one invocation, borrowed from the `/next` response head.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub request_id: &'a str,
    /// `Lambda-Runtime-Deadline-Ms` as epoch milliseconds; `None` when absent or not a number
    /// (some local emulators send other things).
    pub deadline_ms: Option<u64>,
    /// `Lambda-Runtime-Invoked-Function-Arn` (empty when absent).
    pub invoked_function_arn: &'a str,
    /// `Lambda-Runtime-Trace-Id`: the X-Ray trace header, when tracing is on.
    pub trace_id: Option<&'a str>,
    /// `Lambda-Runtime-Client-Context`: JSON from mobile SDK callers.
    pub client_context: Option<&'a str>,
    /// `Lambda-Runtime-Cognito-Identity`: JSON from mobile SDK callers.
    pub identity: Option<&'a str>,
    /// `Lambda-Runtime-Aws-Tenant-Id`, for functions in tenant isolation mode.
    pub tenant_id: Option<&'a str>,
    /// `Lambda-Runtime-Invocation-Id`, echoed back on the response by the runtime.
    pub invocation_id: Option<&'a str>,
    /// The function's static configuration.
    pub config: &'a Config,
}

impl<'a> Context<'a> {
    /// A context for calling a handler directly in unit tests.
    pub fn for_test(request_id: &'a str, config: &'a Config) -> Context<'a> {
        Context {
            request_id,
            deadline_ms: None,
            invoked_function_arn: "",
            trace_id: None,
            client_context: None,
            identity: None,
            tenant_id: None,
            invocation_id: None,
            config,
        }
    }

    /// The deadline as a [`SystemTime`], when Lambda sent one. A value too small to be epoch
    /// milliseconds (before September 2001) reads as no deadline: `cargo lambda watch` sends
    /// the function timeout (`600000`) there, not a point in time.
    pub fn deadline(&self) -> Option<SystemTime> {
        self.deadline_ms
            .filter(|&ms| ms >= EARLIEST_DEADLINE_MS)
            .map(|ms| UNIX_EPOCH + Duration::from_millis(ms))
    }

    /// Time left before the deadline (zero once it has passed); `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        let deadline = self.deadline()?;
        Some(
            deadline
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO),
        )
    }

    /// Whether the deadline has passed; `false` without a deadline. One clock read (the vDSO
    /// `clock_gettime`, no system call) and a comparison: cheap enough to check on every pass
    /// of a loop and stop before Lambda times the invocation out.
    #[inline]
    pub fn deadline_passed(&self) -> bool {
        self.deadline()
            .is_some_and(|deadline| SystemTime::now() >= deadline)
    }
}

/// Deadlines below this many epoch milliseconds (2001-09-09) are not timestamps.
const EARLIEST_DEADLINE_MS: u64 = 1_000_000_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_is_read_from_the_lambda_environment() {
        // Only this test reads or writes these variables.
        let vars = [
            ("AWS_LAMBDA_FUNCTION_NAME", "fn-a"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1769"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/fn-a"),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/22/[$LATEST]abc"),
            ("_HANDLER", "bootstrap"),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
            ("AWS_LAMBDA_MAX_CONCURRENCY", "32"),
        ];
        for (k, v) in vars {
            std::env::set_var(k, v);
        }
        let config = Config::from_env();
        assert_eq!(
            config,
            Config {
                function_name: "fn-a".into(),
                memory_size_mb: 1769,
                function_version: "$LATEST".into(),
                log_group_name: "/aws/lambda/fn-a".into(),
                log_stream_name: "2026/11/22/[$LATEST]abc".into(),
                handler: "bootstrap".into(),
                initialization_type: "on-demand".into(),
                log_format: "JSON".into(),
                log_level: "DEBUG".into(),
                max_concurrency: 32,
            }
        );
        assert!(!config.is_snap_start());
        std::env::set_var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots");
        std::env::set_var("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start");
        let config = Config::from_env();
        assert_eq!(config.memory_size_mb, 0);
        assert!(config.is_snap_start());
        std::env::set_var("AWS_LAMBDA_INITIALIZATION_TYPE", "provisioned-concurrency");
        assert!(!Config::from_env().is_snap_start());
    }

    #[test]
    fn remaining_time_is_zero_after_the_deadline() {
        let config = Config::default();
        let mut ctx = Context::for_test("id", &config);
        assert_eq!(ctx.remaining(), None);
        ctx.deadline_ms = Some(1_500_000_000_000); // 2017
        assert_eq!(ctx.remaining(), Some(Duration::ZERO));
        ctx.deadline_ms = Some(600_000); // cargo lambda's "ten minutes"
        assert_eq!((ctx.deadline(), ctx.remaining()), (None, None));
        let far = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
            + 60_000;
        ctx.deadline_ms = Some(far);
        assert!(ctx.remaining().unwrap() > Duration::from_secs(50));
    }

    #[test]
    fn deadline_passed_only_once_a_real_deadline_is_behind() {
        let config = Config::default();
        let mut ctx = Context::for_test("id", &config);
        assert!(!ctx.deadline_passed(), "no deadline never passes");
        ctx.deadline_ms = Some(600_000); // cargo lambda's "ten minutes": not a point in time
        assert!(!ctx.deadline_passed());
        ctx.deadline_ms = Some(1_500_000_000_000); // 2017
        assert!(ctx.deadline_passed());
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        ctx.deadline_ms = Some(now_ms + 60_000);
        assert!(!ctx.deadline_passed(), "a minute ahead has not passed");
        ctx.deadline_ms = Some(now_ms - 1);
        assert!(ctx.deadline_passed(), "a millisecond ago has passed");
    }
}
