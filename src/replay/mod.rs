//! Replay protection: rejecting a second copy of an accepted request.
//!
//! A signed request captured inside the timestamp window verifies again when
//! it is resent. With replay protection on, the verifier records each
//! accepted request in a [`ReplayStore`] and rejects a request it has
//! already recorded with 401 "Request already processed".
//!
//! The check runs only after the signature has verified (and after the
//! key's endpoint allow-list), so unauthenticated traffic can never fill the
//! store. Entries live for twice the timestamp window plus one second: by
//! then the request's timestamp is outside the window and the timestamp
//! check rejects it on its own.
//!
//! # What identifies a request
//!
//! In the default scheme the replay id is the signature itself. A sender
//! that repeats an identical body within the same second produces the same
//! signature, so the second request is treated as a replay. Senders that
//! need to repeat identical requests turn on the nonce option
//! ([`crate::HmacVerifierBuilder::require_nonce`] on the verifier,
//! [`crate::HmacSigner::with_nonce`] on the signer). The replay id is then
//! the nonce, so each nonce is accepted once per key id, whatever the body.
//!
//! Store keys are `<prefix><key id>:<replay id>`, with the prefix set by
//! [`ReplayProtection::prefix`] (`tower-hmac:replay:` by default) and the
//! key id `default` for requests without one.
//!
//! # Stores
//!
//! * [`MemoryReplayStore`] protects one process. It is bounded and rejects
//!   new requests with 503 when full, rather than forgetting entries.
//! * `RedisReplayStore` (feature `redis`) is shared by every replica behind
//!   a load balancer and records each request with one atomic `SET NX PX`.
//!
//! When a store fails, the request gets 503 ("Replay protection
//! unavailable"). [`ReplayProtection::fail_open`] accepts it instead, with a
//! warning per request.
//!
//! # Example
//!
//! ```
//! use axum::{routing::post, Router};
//! use tower_hmac::replay::{MemoryReplayStore, ReplayProtection};
//! use tower_hmac::{HmacSecret, HmacVerifier, HmacVerifyLayer};
//!
//! # fn secret() -> HmacSecret { HmacSecret::generate() }
//! let verifier = HmacVerifier::builder()
//!     .secret(secret())
//!     .replay_protection(ReplayProtection::new(MemoryReplayStore::new(100_000)))
//!     .build()?;
//! let app: Router = Router::new()
//!     .route("/v1/infer", post(|body: String| async move { body }))
//!     .layer(HmacVerifyLayer::from_verifier(verifier));
//! # Ok::<(), tower_hmac::BuildError>(())
//! ```

mod memory;
mod protection;
#[cfg(feature = "redis")]
mod redis_store;
mod store;

pub use memory::MemoryReplayStore;
pub(crate) use protection::replay_ttl;
pub use protection::ReplayProtection;
#[cfg(feature = "redis")]
pub use redis_store::{RedisReplayStore, DEFAULT_REDIS_TIMEOUT};
pub use store::{ReplayFuture, ReplayStatus, ReplayStore, ReplayStoreError};
