//! Signature schemes: the default `X-HMAC-*` scheme, Standard Webhooks and
//! RFC 9421 HTTP Message Signatures.
//!
//! | | Default | Standard Webhooks | RFC 9421 |
//! | --- | --- | --- | --- |
//! | Headers | `X-HMAC-Timestamp`, `X-HMAC-Signature` | `webhook-id`, `webhook-timestamp`, `webhook-signature` | `Signature-Input`, `Signature`, `Content-Digest` |
//! | Signed | timestamp, body | message id, timestamp, body | method, authority, path, query, chosen headers, body through `Content-Digest` |
//! | Replay id | the signature (or the nonce) | `webhook-id` | the `nonce` parameter, else the signature |
//!
//! A verifier accepts one or more schemes. With several, it picks the scheme
//! from the headers present, and rejects a request that carries the headers
//! of two of them, so a migration can run both at once without ambiguity.

pub(crate) mod digest;
pub(crate) mod httpsig;
pub(crate) mod webhooks;

pub use httpsig::{HttpSignatureOptions, HttpSignaturePolicy};

use http::{HeaderMap, HeaderName};

/// A signature scheme the verifier accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scheme {
    /// `X-HMAC-Timestamp` and `X-HMAC-Signature` over `<timestamp>.<body>`,
    /// with the header names and nonce option of the verifier.
    Default,

    /// Standard Webhooks: `webhook-id`, `webhook-timestamp` and
    /// `webhook-signature` over `<id>.<timestamp>.<body>`.
    ///
    /// The headers carry no key id, so the key named here verifies, or the
    /// key ring's default key when `key_id` is `None`.
    StandardWebhooks {
        /// The key id whose secrets verify these requests.
        key_id: Option<String>,
    },

    /// RFC 9421 HTTP Message Signatures with `hmac-sha256`, and RFC 9530
    /// `Content-Digest` for the body.
    HttpSignatures(HttpSignaturePolicy),
}

impl Scheme {
    /// Returns Standard Webhooks verified with the key ring's default key.
    pub fn standard_webhooks() -> Self {
        Self::StandardWebhooks { key_id: None }
    }

    /// Returns RFC 9421 with the default policy.
    pub fn http_signatures() -> Self {
        Self::HttpSignatures(HttpSignaturePolicy::default())
    }

    /// Returns a short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::StandardWebhooks { .. } => "standard-webhooks",
            Self::HttpSignatures(_) => "rfc9421",
        }
    }

    /// Returns whether any header of this scheme is present.
    pub(crate) fn is_present(&self, headers: &HeaderMap, default_names: &crate::HeaderNames) -> bool {
        let present = |name: &HeaderName| headers.contains_key(name);
        match self {
            Self::Default => present(&default_names.signature) || present(&default_names.timestamp),
            Self::StandardWebhooks { .. } => webhooks::HEADER_NAMES.iter().any(present),
            Self::HttpSignatures(_) => httpsig::HEADER_NAMES.iter().any(present),
        }
    }
}
