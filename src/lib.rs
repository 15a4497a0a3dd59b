//! HMAC-SHA256 request signing for server-to-server HTTP, as Tower middleware.
//!
//! [`HmacVerifyLayer`] checks that a request comes from a service that has
//! the shared secret, that its body was not changed on the way, and that it
//! is fresh. [`HmacSigner`] produces the headers on the sending side, and
//! [`HmacSignLayer`] signs every request of a tower based HTTP client.
//!
//! # Cargo features
//!
//! * `axum` (default): the verifier's integration with axum.
//! * `json`: [`to_canonical_json`], JSON bytes equal to Python's
//!   `json.dumps(data, sort_keys=True, separators=(",", ":"))`.
//! * `reqwest`: signing of reqwest requests and [`HmacJsonClient`]. It
//!   turns on no TLS backend, so the application's own reqwest dependency
//!   picks one; `reqwest-rustls` turns on rustls.
//! * `redis`: [`replay::RedisReplayStore`], replay protection shared by
//!   several replicas through Redis.
//! * `cli`: the `tower-hmac` command-line tool (sign, verify, keygen).
//!
//! # Wire format
//!
//! The default scheme is the one common in Django REST framework services:
//!
//! * `X-HMAC-Timestamp`: unix time in whole seconds, ASCII digits.
//! * `X-HMAC-Signature`: lowercase hex of HMAC-SHA256 over
//!   `<timestamp>.<raw body bytes>`, keyed with the UTF-8 bytes of the secret.
//!   A request without a body signs `<timestamp>.`.
//!
//! A request is accepted when its timestamp is within 60 seconds of the
//! server's clock in either direction (configurable).
//!
//! Two standard schemes are also supported, chosen with
//! [`HmacVerifierBuilder::scheme`]: Standard Webhooks and RFC 9421 HTTP
//! Message Signatures with `hmac-sha256` and RFC 9530 `Content-Digest`. See
//! [`Scheme`].
//!
//! # What the layer does
//!
//! For each request, in this order, and before reading any body byte:
//!
//! 1. Both headers must be present exactly once, in visible ASCII. The
//!    timestamp must be 1 to 10 digits and the signature 64 hex characters.
//! 2. The timestamp must be inside the window.
//! 3. A declared `Content-Length` over the body limit (2 MiB by default)
//!    gets `413` at once.
//!
//! Then the body is read up to the limit while the MAC is computed over each
//! chunk. The MAC is compared with the signature in constant time, with the
//! `subtle` crate. On success the inner service receives the request with all
//! its original parts and exactly the bytes received, plus a
//! [`VerifiedCaller`] extension. On failure the inner service is not called
//! and the client gets `401` (`413` for a large body, `400` for a body that
//! failed to read) with a body such as `{"detail":"Invalid HMAC signature"}`.
//!
//! # Example
//!
//! ```
//! use axum::{routing::post, Router};
//! use tower_hmac::{HmacSecret, HmacVerifyLayer};
//!
//! # fn secret() -> HmacSecret { HmacSecret::generate() }
//! let app: Router = Router::new()
//!     .route("/v1/infer", post(|body: String| async move { body }))
//!     .layer(HmacVerifyLayer::new(secret()));
//! ```
//!
//! # When HMAC is the wrong tool
//!
//! A shared secret proves that the sender holds it, so it only works between
//! servers that can keep it. Never ship it in a browser or mobile app: anyone
//! can read it there. HMAC signs and does not encrypt, so run it over TLS.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod body;
mod caller;
mod clock;
mod error;
mod future;
mod headers;
#[cfg(feature = "json")]
mod json;
#[cfg(feature = "reqwest")]
mod json_client;
mod key_env;
mod keys;
mod layer;
mod message;
pub mod replay;
#[cfg(feature = "reqwest")]
mod reqwest_client;
mod response;
mod scheme;
mod secret;
mod service;
mod sign_error;
mod sign_future;
mod sign_layer;
mod sign_service;
mod signer;
mod timestamp;
mod verifier;

pub use caller::VerifiedCaller;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::VerifyError;
pub use future::ResponseFuture;
pub use headers::HeaderNames;
#[cfg(feature = "json")]
pub use json::to_canonical_json;
#[cfg(feature = "reqwest")]
pub use json_client::{HmacJsonClient, PostJsonError, DEFAULT_JSON_TIMEOUT_SECONDS, MAX_ERROR_BODY_LEN};
pub use key_env::{KeyEnvError, DEFAULT_KEY_ID_ENV_VAR, KEYS_ENV_VAR};
pub use keys::{
    is_valid_key_id, AllowRule, KeyEntry, KeyProvider, KeyProviderError, KeyRing, KeyRingError, KeyVersion,
    LookupFuture, DEFAULT_KEY_ID, MAX_KEY_ID_LEN,
};
pub use layer::HmacVerifyLayer;
pub use message::{decode_signature, HmacSha256, MessagePrefix, SIGNATURE_LEN};
pub use response::{JsonRejection, Rejection};
pub use scheme::{HttpSignatureOptions, HttpSignaturePolicy, Scheme};
pub use secret::{HmacSecret, SecretError, RECOMMENDED_SECRET_LEN, SECRET_ENV_VAR};
pub use service::HmacVerify;
pub use sign_error::SignError;
pub use sign_future::SignFuture;
pub use sign_layer::HmacSignLayer;
pub use sign_service::HmacSign;
pub use signer::{HmacSigner, SignedHeaders, SigningScheme};
pub use timestamp::{check_window, parse_unix_seconds};
pub use verifier::{
    BuildError, HmacVerifier, HmacVerifierBuilder, DEFAULT_BODY_LIMIT, DEFAULT_WINDOW_SECONDS, MAX_NONCE_LEN,
    MIN_NONCE_LEN,
};

/// Boxed error type used for body errors.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

// Compiles and runs the Rust examples of the README as doctests, so the
// README cannot drift from the API. Some examples need the `reqwest` and
// `redis` features.
#[cfg(all(doctest, feature = "reqwest", feature = "redis"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
