//! Reasons an outgoing request could not be signed.

use crate::BoxError;

/// Reason an outgoing request was not signed and not sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The body is longer than the signing limit, so it was not sent rather
    /// than sent cut short.
    #[error("request body is larger than the {limit} byte signing limit; raise the limit with HmacSignLayer::body_limit or send a smaller body")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },

    /// The body reported an error while it was being read for signing.
    #[error("failed to read the request body for signing")]
    BodyRead(#[source] BoxError),

    /// An RFC 9421 component cannot be signed.
    #[error("cannot sign the request: {reason}; check HttpSignatureOptions::components")]
    Component {
        /// Description of the problem, without any secret.
        reason: String,
    },

    /// The body is a stream, which cannot be signed without reading it first.
    #[error("request body is a stream and cannot be signed; build the request with an in-memory body (bytes, a string or JSON)")]
    StreamingBody,

    /// The reqwest request builder held an invalid request, such as a URL
    /// that does not parse.
    #[cfg(feature = "reqwest")]
    #[error("failed to build the request: {0}")]
    InvalidRequest(#[source] reqwest::Error),
}
