//! The axum app of `lambda_zero_compare_http::axum_app` on `lambda_http` + `lambda_runtime`,
//! as their documentation runs an axum app.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::run(lambda_zero_compare_http::axum_app::router()).await
}
