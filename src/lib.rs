//! placeholder
pub mod handler;
pub mod proto;
pub use handler::*;
