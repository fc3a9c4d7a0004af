//! Which AWS service sent an HTTP event, told from the event's own fields.
//!
//! Every HTTP front door of Lambda sends a JSON event of its own shape, and expects the
//! response in a shape of its own too. The shapes differ in a few fields that always appear:
//!
//! | source | told by |
//! |---|---|
//! | Application Load Balancer | `requestContext.elb` |
//! | API Gateway HTTP API (payload 2.0) | `"version": "2.0"` and `requestContext.http` |
//! | Lambda function URL | the same, with a `requestContext.domainName` under `.lambda-url.` |
//! | VPC Lattice (v2) | `"version": "2.0"`, a top-level `method`, no `requestContext.http` |
//! | API Gateway WebSocket API | `requestContext.connectionId` or `requestContext.eventType` |
//! | API Gateway REST API (payload 1.0, also HTTP APIs on payload 1.0) | `httpMethod` and `requestContext` |
//!
//! The checks run in that order, so a WebSocket event that carries an `httpMethod` (as some
//! do) is still a WebSocket event.

use core::fmt;

/// The AWS service an HTTP event came from; it decides the response shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// API Gateway REST API, Lambda proxy integration (payload format 1.0; HTTP APIs configured
    /// for payload 1.0 send this shape too).
    ApiGatewayRest,
    /// API Gateway HTTP API, payload format 2.0.
    HttpApi,
    /// A Lambda function URL (payload format 2.0, as HTTP APIs).
    FunctionUrl,
    /// An Application Load Balancer target group (single or multi-value headers).
    Alb,
    /// API Gateway WebSocket API (`$connect`, `$disconnect`, messages).
    WebSocket,
    /// Amazon VPC Lattice, event structure version 2.
    VpcLattice,
}

impl Source {
    /// Every source, in detection order.
    pub const ALL: [Source; 6] = [
        Source::Alb,
        Source::HttpApi,
        Source::FunctionUrl,
        Source::VpcLattice,
        Source::WebSocket,
        Source::ApiGatewayRest,
    ];

    /// A short stable name: `apigw-rest`, `apigw-http`, `function-url`, `alb`, `websocket`,
    /// `vpc-lattice`.
    pub const fn name(self) -> &'static str {
        match self {
            Source::ApiGatewayRest => "apigw-rest",
            Source::HttpApi => "apigw-http",
            Source::FunctionUrl => "function-url",
            Source::Alb => "alb",
            Source::WebSocket => "websocket",
            Source::VpcLattice => "vpc-lattice",
        }
    }

    /// The service in words, as error messages name it.
    pub const fn description(self) -> &'static str {
        match self {
            Source::ApiGatewayRest => "an API Gateway REST API event (payload 1.0)",
            Source::HttpApi => "an API Gateway HTTP API event (payload 2.0)",
            Source::FunctionUrl => "a Lambda function URL event",
            Source::Alb => "an Application Load Balancer event",
            Source::WebSocket => "an API Gateway WebSocket event",
            Source::VpcLattice => "a VPC Lattice event (version 2)",
        }
    }

    /// True for the payload 2.0 sources (HTTP APIs and function URLs), which take cookies as
    /// an array of their own, in the request and in the response.
    pub const fn is_payload_v2(self) -> bool {
        matches!(self, Source::HttpApi | Source::FunctionUrl)
    }

    /// True for the sources whose paths carry an API Gateway stage.
    pub const fn has_stage(self) -> bool {
        matches!(
            self,
            Source::ApiGatewayRest | Source::HttpApi | Source::FunctionUrl | Source::WebSocket
        )
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The facts detection looks at, gathered in one pass over the event's members.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Markers<'a> {
    /// The top-level `version`, when it is a string.
    pub version: Option<&'a str>,
    /// A top-level `httpMethod` member exists.
    pub http_method: bool,
    /// A top-level `method` member exists (VPC Lattice).
    pub method: bool,
    /// `requestContext` is an object.
    pub context: bool,
    /// `requestContext.elb` exists.
    pub elb: bool,
    /// `requestContext.http` exists.
    pub http: bool,
    /// `requestContext.connectionId` or `requestContext.eventType` exists.
    pub websocket: bool,
    /// `requestContext.serviceNetworkArn` or `requestContext.targetGroupArn` exists.
    pub lattice: bool,
    /// `requestContext.domainName`, when it is a string.
    pub domain_name: Option<&'a str>,
}

/// Why no source matched: the message of a `Runtime.NotAnHttpEvent` error.
pub(crate) const NOT_HTTP: &str = "the event is not an HTTP event: expected an API Gateway REST API \
event (`httpMethod` and `requestContext`), an HTTP API or function URL event (`\"version\": \"2.0\"` \
and `requestContext.http`), an Application Load Balancer event (`requestContext.elb`), a WebSocket \
event (`requestContext.connectionId`) or a VPC Lattice event (`\"version\": \"2.0\"` and `method`)";

impl Markers<'_> {
    /// The source these markers point to, if any.
    pub(crate) fn detect(&self) -> Option<Source> {
        if self.elb {
            return Some(Source::Alb);
        }
        if self.version == Some("2.0") {
            if self.http {
                let url = self
                    .domain_name
                    .is_some_and(|d| memchr::memmem::find(d.as_bytes(), b".lambda-url.").is_some());
                return Some(if url {
                    Source::FunctionUrl
                } else {
                    Source::HttpApi
                });
            }
            if self.method || self.lattice {
                return Some(Source::VpcLattice);
            }
            return None;
        }
        if self.context && self.websocket {
            return Some(Source::WebSocket);
        }
        if self.http_method && self.context {
            return Some(Source::ApiGatewayRest);
        }
        if self.lattice && self.method {
            return Some(Source::VpcLattice);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_pick_one_source_each() {
        let base = Markers::default();
        assert_eq!(base.detect(), None);
        let rest = Markers {
            http_method: true,
            context: true,
            ..base
        };
        assert_eq!(rest.detect(), Some(Source::ApiGatewayRest));
        let ws = Markers {
            websocket: true,
            ..rest
        };
        assert_eq!(ws.detect(), Some(Source::WebSocket));
        let alb = Markers { elb: true, ..ws };
        assert_eq!(alb.detect(), Some(Source::Alb));
        let v2 = Markers {
            version: Some("2.0"),
            http: true,
            context: true,
            domain_name: Some("id.execute-api.us-east-1.amazonaws.com"),
            ..base
        };
        assert_eq!(v2.detect(), Some(Source::HttpApi));
        let url = Markers {
            domain_name: Some("abc.lambda-url.eu-west-2.on.aws"),
            ..v2
        };
        assert_eq!(url.detect(), Some(Source::FunctionUrl));
        let lattice = Markers {
            version: Some("2.0"),
            method: true,
            context: true,
            lattice: true,
            ..base
        };
        assert_eq!(lattice.detect(), Some(Source::VpcLattice));
        let v2_without_http = Markers {
            version: Some("2.0"),
            context: true,
            ..base
        };
        assert_eq!(v2_without_http.detect(), None);
        let names: Vec<&str> = Source::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            [
                "alb",
                "apigw-http",
                "function-url",
                "vpc-lattice",
                "websocket",
                "apigw-rest"
            ]
        );
    }
}
