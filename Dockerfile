# A provided.al2023 container image of a lambda-zero function (docs/deploy.md, "Container image").
#
#   docker build -t lambda-zero-echo .                                          # examples/echo
#   docker build -t lambda-zero-snapstart --build-arg EXAMPLE=snapstart \
#       --build-arg FEATURES=graceful-shutdown .                                # with SnapStart hooks
#
# The build stage is Amazon Linux 2023 itself, so the bootstrap links against the glibc the
# function runs on; it builds for the architecture docker builds for (`--platform linux/arm64`
# or `linux/amd64`). The bootstrap answers SnapStart's `GET /runtime/restore/next` itself, with
# or without hooks, so the image needs no `com.amazonaws.lambda.feature.snapstart` label.
ARG RUST_VERSION=1.91.0

FROM public.ecr.aws/amazonlinux/amazonlinux:2023 AS build
ARG RUST_VERSION
RUN dnf install -y gcc tar gzip && dnf clean all
RUN curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
      | sh -s -- -y --profile minimal --default-toolchain "${RUST_VERSION}"
ENV PATH=/root/.cargo/bin:$PATH
WORKDIR /src
COPY . .
# Which example to package, and the crate features it needs (comma-separated).
ARG EXAMPLE=echo
ARG FEATURES=
RUN cargo build --release --locked --example "${EXAMPLE}" ${FEATURES:+--features "${FEATURES}"} \
    && cp "target/release/examples/${EXAMPLE}" /bootstrap

FROM public.ecr.aws/lambda/provided:al2023
COPY --from=build /bootstrap ${LAMBDA_RUNTIME_DIR}/bootstrap
# provided.al2023's entry point runs ${LAMBDA_RUNTIME_DIR}/bootstrap; CMD is the handler name
# the function sees in _HANDLER.
CMD ["bootstrap"]
