//! The axum app of `lambda_zero_compare_http::axum_app` on lambda-zero's tower bridge.

fn main() {
    lambda_zero::tower::run(lambda_zero_compare_http::axum_app::router())
}
