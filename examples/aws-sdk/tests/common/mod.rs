//! Test support shared by the package's tests.

pub mod fake_dynamodb;
