//! With `panic = "abort"` nothing can catch a panic in a handler future: the panic hook must
//! post `Function.Panic` before the process dies, on either driver. The examples are echoes
//! that never panic, so this builds a small function crate of its own (in the tests' target
//! directory, depending on this crate by path, `panic = "abort"`) whose async handler panics,
//! after having waited, on the event `panic`, and runs it as a real bootstrap process against
//! the mock Runtime API with each driver.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lambda_zero::testing::{MockRuntimeApi, Outcome};

const MAIN: &str = r#"
use std::future::poll_fn;
use std::task::Poll;
use lambda_zero::{async_handler_fn, Runtime, RuntimeError};

/// Pending once, waking itself: the panic comes after the future has waited.
async fn yield_once() {
    let mut yielded = false;
    poll_fn(move |cx| {
        if std::mem::replace(&mut yielded, true) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

fn main() -> Result<(), RuntimeError> {
    let handler = async_handler_fn(async |event, _ctx| {
        yield_once().await;
        if event == b"panic" {
            panic!("asked to panic in a future");
        }
        Ok(&*event)
    });
    let runtime = Runtime::from_env()?;
    match std::env::var("DRIVER").as_deref() {
        #[cfg(feature = "tokio")]
        Ok("tokio") => runtime.run_with_init(lambda_zero::asynchronous::tokio_init(async |_| {
            Ok(async_handler_fn(async |event, _ctx| {
                tokio::task::yield_now().await;
                if event == b"panic" {
                    panic!("asked to panic in a future");
                }
                Ok(&*event)
            }))
        })),
        _ => runtime.run(handler),
    }
}
"#;

/// Writes and builds the function crate (with the `tokio` feature when this test has it);
/// returns the executable.
fn build() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dir = root.join("async-panicking");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let tokio = cfg!(feature = "tokio");
    let manifest = format!(
        r#"[package]
name = "async-panicking"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[features]
tokio = ["lambda-zero/tokio", "dep:tokio"]

[dependencies]
lambda-zero = {{ path = {path:?}, default-features = false }}
tokio = {{ version = "1", optional = true, default-features = false, features = ["rt"] }}

[profile.dev]
panic = "abort"
"#,
        path = env!("CARGO_MANIFEST_DIR"),
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest);
    write_if_changed(&dir.join("src/main.rs"), MAIN);
    // The crate's own versions: this repository's lock file, so that nothing is resolved anew.
    let lock = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock"))
        .expect("Cargo.lock");
    if !dir.join("Cargo.lock").exists() {
        std::fs::write(dir.join("Cargo.lock"), lock).unwrap();
    }
    let target = root.join("panic-abort");
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(["build", "--quiet", "--manifest-path"]);
    cargo.arg(dir.join("Cargo.toml"));
    if tokio {
        cargo.args(["--features", "tokio"]);
    }
    let status = cargo
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the async-panicking function");
    target.join("debug/async-panicking")
}

fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap();
    }
}

fn a_panic_is_posted_before_the_process_aborts(driver: &str) {
    let bin = build();
    let server = MockRuntimeApi::start().unwrap();
    let fine = server.push_event("fine");
    let boom = server.push_event("panic");
    server.push_event("never reached");
    let mut child = Command::new(&bin)
        .env_clear()
        .envs(server.lambda_env(&bin))
        .env("DRIVER", driver)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the bootstrap starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the bootstrap did not abort");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.signal(), Some(6), "ended by SIGABRT: {status:?}");
    let outcomes = server.wait_outcomes(2, Duration::from_secs(5));
    assert_eq!(outcomes[0].request_id(), Some(fine.as_str()));
    assert_eq!(outcomes[0].body(), b"fine");
    let Outcome::Error {
        request_id,
        error_type,
        body,
    } = &outcomes[1]
    else {
        panic!("{outcomes:?}")
    };
    assert_eq!(
        (request_id.as_str(), error_type.as_str()),
        (boom.as_str(), "Function.Panic")
    );
    let doc: serde_json::Value = serde_json::from_slice(body).unwrap();
    let message = doc["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("asked to panic in a future") && message.contains("main.rs"),
        "{message}"
    );
    assert_eq!(server.pending(), 1, "the process stopped at the panic");
}

#[test]
fn a_future_panic_on_the_built_in_driver_is_posted_before_the_process_aborts() {
    a_panic_is_posted_before_the_process_aborts("built-in");
}

#[cfg(feature = "tokio")]
#[test]
fn a_future_panic_on_tokio_is_posted_before_the_process_aborts() {
    a_panic_is_posted_before_the_process_aborts("tokio");
}
