//! The web adapter behind the `lambda-zero-adapter` executable: every HTTP event becomes an
//! HTTP/1.1 request to a web app on localhost, and the app's answer becomes the Lambda
//! response, with the Lambda Web Adapter's configuration (`AWS_LWA_*`). See `docs/adapter.md`.
//!
//! The protocol pieces are sans-IO and tested on their own: [`request::HeadWriter`] writes the
//! request head, [`response::parse_head`] and [`response::ChunkedDecoder`] read the answer,
//! [`config::AdapterConfig`] reads the variables through a lookup function. Around them:
//! [`app::AppClient`] (the keep-alive connection to the app), [`readiness::Readiness`] (the
//! readiness checks), [`forward::Buffered`] and [`forward::Streaming`] (the handlers the
//! executable runs), [`extension`] (the registration as a Lambda extension), and with the
//! feature `compression`, `compress` (gzip of buffered answers).

pub mod app;
#[cfg(feature = "compression")]
pub mod compress;
pub mod config;
pub mod extension;
pub mod forward;
pub mod readiness;
pub mod request;
pub mod response;
