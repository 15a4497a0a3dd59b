//! Reasons for rejecting a request.

use http::{HeaderName, StatusCode};

/// Reason a request failed verification.
///
/// Each variant maps to one HTTP status ([`VerifyError::status`]) and one
/// short client-facing message ([`VerifyError::detail`]) in the manner of
/// Django REST framework's `{"detail": "..."}` bodies. Several variants share
/// a detail on purpose: a client learns that its signature is invalid, not
/// whether the hex was malformed or the MAC differed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A required header is absent or empty.
    #[error("header {header} is missing or empty")]
    MissingHeader {
        /// The header that was expected.
        header: HeaderName,
    },

    /// A header that must appear once appears more than once.
    #[error("header {header} appears more than once")]
    DuplicateHeader {
        /// The repeated header.
        header: HeaderName,
    },

    /// A header value contains bytes other than visible ASCII, space and tab.
    #[error("header {header} contains bytes that are not visible ASCII")]
    NonAsciiHeader {
        /// The header whose value was rejected.
        header: HeaderName,
    },

    /// The timestamp is not 1 to 10 decimal digits without a leading zero.
    #[error("timestamp is not unix seconds as 1 to 10 decimal digits")]
    InvalidTimestamp,

    /// The timestamp is older than the accepted window.
    #[error("timestamp is {age_seconds} s old, more than the {window_seconds} s window")]
    TimestampTooOld {
        /// How far the timestamp lies behind the verifier's clock, in seconds.
        age_seconds: i64,
        /// The accepted window, in seconds.
        window_seconds: u64,
    },

    /// The timestamp is further in the future than the accepted window.
    #[error("timestamp is {ahead_seconds} s ahead, more than the {window_seconds} s window")]
    TimestampInFuture {
        /// How far the timestamp lies ahead of the verifier's clock, in seconds.
        ahead_seconds: i64,
        /// The accepted window, in seconds.
        window_seconds: u64,
    },

    /// The signature header is not 64 hexadecimal characters.
    #[error("signature is not 64 hexadecimal characters")]
    MalformedSignature,

    /// The signature is well formed but does not match the request.
    #[error("signature does not match the request")]
    SignatureMismatch,

    /// No key id was sent and the key ring has no default key.
    #[error("key id header is missing and no default key is configured")]
    MissingKeyId,

    /// The key id is not 1 to 64 characters of `[A-Za-z0-9_.-]`.
    #[error("key id is not 1 to 64 characters of [A-Za-z0-9_.-]")]
    InvalidKeyId,

    /// The key id names no key in the key ring.
    #[error("key id is not known")]
    UnknownKeyId,

    /// The verified caller may not call this method and path.
    #[error("key id {key_id} may not call this endpoint")]
    EndpointNotAllowed {
        /// The caller whose allow-list excludes the request.
        key_id: String,
    },

    /// The nonce option is on and the request carries no nonce.
    #[error("nonce header is missing")]
    MissingNonce,

    /// The nonce is not 16 to 128 characters of `[A-Za-z0-9_-]`.
    #[error("nonce is not 16 to 128 characters of [A-Za-z0-9_-]")]
    InvalidNonce,

    /// The same signed request was already accepted.
    #[error("request was already processed")]
    Replayed,

    /// The replay store could not be reached, so freshness is unknown.
    #[error("replay store failed: {reason}")]
    ReplayStoreUnavailable {
        /// The error message of the store.
        reason: String,
    },

    /// The replay store is full of unexpired entries.
    #[error("replay store is full")]
    ReplayStoreFull,

    /// The key provider failed, so no key could be looked up.
    #[error("key provider failed: {reason}")]
    KeyProviderUnavailable {
        /// The error message of the provider.
        reason: String,
    },

    /// A request carries the headers of two accepted signature schemes.
    #[error("request carries headers of more than one signature scheme")]
    AmbiguousScheme,

    /// A Standard Webhooks `webhook-id` is empty, too long or not visible ASCII.
    #[error("webhook-id is not 1 to 256 visible ASCII characters")]
    InvalidMessageId,

    /// `Signature-Input` or `Signature` is not a valid structured-field
    /// dictionary, or names a component or parameter that cannot be used.
    #[error("Signature-Input or Signature is malformed or unsupported")]
    InvalidSignatureInput,

    /// No signature with an accepted label is present.
    #[error("no signature with an accepted label")]
    SignatureLabelNotFound,

    /// The signature does not cover a component the policy requires.
    #[error("signature does not cover the required component {component}")]
    MissingCoveredComponent {
        /// The component identifier that is not covered.
        component: String,
    },

    /// A covered component is absent from the request, such as a header.
    #[error("covered component {component} is absent from the request")]
    MissingSignedComponent {
        /// The component identifier.
        component: String,
    },

    /// The `alg` parameter names another algorithm than the key's.
    #[error("signature algorithm is not hmac-sha256")]
    AlgorithmNotAllowed,

    /// The `tag` parameter is not the one the policy requires.
    #[error("signature tag is not the required one")]
    TagNotAllowed,

    /// The `expires` parameter is in the past.
    #[error("signature has expired")]
    SignatureExpired,

    /// `Content-Digest` is malformed or names no supported algorithm.
    #[error("Content-Digest is malformed or has no sha-256 or sha-512 digest")]
    InvalidContentDigest,

    /// The body does not match `Content-Digest`.
    #[error("body does not match Content-Digest")]
    ContentDigestMismatch,

    /// The request has a body but the signature does not cover `Content-Digest`.
    #[error("request has a body but the signature does not cover content-digest")]
    ContentDigestNotCovered,

    /// The body is longer than the configured limit.
    #[error("body is larger than the {limit} byte limit")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },

    /// The body could not be read from the connection.
    #[error("body could not be read: {reason}")]
    BodyRead {
        /// The error reported by the body.
        reason: String,
    },
}

impl VerifyError {
    /// Returns the HTTP status the default response uses for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::EndpointNotAllowed { .. } => StatusCode::FORBIDDEN,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyRead { .. } => StatusCode::BAD_REQUEST,
            Self::ReplayStoreUnavailable { .. }
            | Self::ReplayStoreFull
            | Self::KeyProviderUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// Returns the message the default response puts in `{"detail": ...}`.
    ///
    /// The text never contains the secret, the signature or any value the
    /// client sent, so it is safe to return to untrusted callers.
    pub fn detail(&self) -> &'static str {
        match self {
            Self::MissingHeader { .. } => "Missing HMAC headers",
            Self::DuplicateHeader { .. } => "Duplicate HMAC headers",
            Self::NonAsciiHeader { .. } => "Invalid HMAC headers",
            Self::InvalidTimestamp => "Invalid timestamp",
            Self::TimestampTooOld { .. } => "Request timestamp too old",
            Self::TimestampInFuture { .. } => "Request timestamp too far in the future",
            Self::MalformedSignature | Self::SignatureMismatch => "Invalid HMAC signature",
            Self::MissingKeyId => "Missing key id",
            Self::InvalidKeyId => "Invalid key id",
            Self::UnknownKeyId => "Unknown key id",
            Self::EndpointNotAllowed { .. } => "Key id not allowed for this endpoint",
            Self::MissingNonce => "Missing nonce",
            Self::InvalidNonce => "Invalid nonce",
            Self::Replayed => "Request already processed",
            Self::ReplayStoreUnavailable { .. } | Self::ReplayStoreFull => "Replay protection unavailable",
            Self::KeyProviderUnavailable { .. } => "Key lookup unavailable",
            Self::AmbiguousScheme => "Multiple signature schemes",
            Self::InvalidMessageId => "Invalid webhook id",
            Self::InvalidSignatureInput => "Invalid signature input",
            Self::SignatureLabelNotFound => "Signature label not found",
            Self::MissingCoveredComponent { .. } => "Required component not signed",
            Self::MissingSignedComponent { .. } => "Signed component missing",
            Self::AlgorithmNotAllowed => "Signature algorithm not allowed",
            Self::TagNotAllowed => "Signature tag not allowed",
            Self::SignatureExpired => "Signature expired",
            Self::InvalidContentDigest => "Invalid content digest",
            Self::ContentDigestMismatch => "Content digest mismatch",
            Self::ContentDigestNotCovered => "Content digest not signed",
            Self::BodyTooLarge { .. } => "Request body too large",
            Self::BodyRead { .. } => "Failed to read request body",
        }
    }
}
