//! What the tests that run real bootstrap processes share.

use std::path::PathBuf;
use std::process::Command;

/// Builds `examples/<name>` with the `panic-abort` profile (`panic = "abort"`, as deployed),
/// default features off and `features` on, into one target directory for every such test
/// (cargo serialises concurrent builds on its lock); returns the executable's path.
pub fn build_bootstrap(name: &str, features: &[&str]) -> PathBuf {
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("panic-abort");
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args([
        "build",
        "--quiet",
        "--profile",
        "panic-abort",
        "--example",
        name,
        "--no-default-features",
    ]);
    if !features.is_empty() {
        cargo.args(["--features", &features.join(",")]);
    }
    let status = cargo
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building examples/{name}");
    target.join("panic-abort/examples").join(name)
}
