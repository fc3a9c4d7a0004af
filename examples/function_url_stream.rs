//! A function URL that streams its answer: an HTTP integration response, written in pieces.
//!
//! With `InvokeMode: RESPONSE_STREAM`, a function URL reads the streamed response as a JSON
//! prelude (`statusCode`, `headers`, `cookies`), eight NUL bytes, then the body, passed on to
//! the client as it arrives. [`ResponseStream::write_http_prelude`] sends the prelude and the
//! separator (as chunks of their own, and sets the content type
//! `application/vnd.awslambda.http-integration-response`); each line of the body is then one
//! [`ResponseStream::write`]. Nothing is allocated per invocation.
//!
//! Deploy: build the bootstrap (`scripts/build-arm64.sh --example function_url_stream` gives
//! `dist/function_url_stream-arm64-*.zip`), create the function from it (runtime
//! `provided.al2023`, architecture arm64), then a function URL that streams:
//!
//! ```text
//! aws lambda create-function-url-config --function-name NAME \
//!     --auth-type NONE --invoke-mode RESPONSE_STREAM
//! curl -i https://<url-id>.lambda-url.<region>.on.aws/
//! ```
//!
//! (`--auth-type NONE` also needs a resource policy allowing `lambda:InvokeFunctionUrl`.) With
//! `InvokeMode: BUFFERED` the prelude would reach the client as part of the body. Locally,
//! `cargo lambda watch` serves it at `http://127.0.0.1:9000/lambda-url/NAME/`
//! (`scripts/emulators.sh` checks that).

use lambda_zero::{Context, Error, ResponseStream, StreamingHandler};

/// Status, headers and cookies of the answer.
const PRELUDE: &[u8] = br#"{"statusCode":200,"headers":{"content-type":"text/plain; charset=utf-8","x-streamed-by":"lambda-zero"},"cookies":["visited=1; Path=/"]}"#;

/// The body, one write per line.
const LINES: [&[u8]; 4] = [
    b"streamed by lambda-zero\n",
    b"line 2 of 4\n",
    b"line 3 of 4\n",
    b"done\n",
];

struct FunctionUrlStream;

impl StreamingHandler for FunctionUrlStream {
    fn handle(
        &mut self,
        _event: &mut [u8],
        _ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        out.write_http_prelude(PRELUDE)?;
        for line in LINES {
            out.write(line)?;
        }
        Ok(())
    }
}

fn main() -> Result<(), lambda_zero::RuntimeError> {
    lambda_zero::Runtime::from_env()?.run(FunctionUrlStream)
}
