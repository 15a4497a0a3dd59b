//! Replay protection: refusing a second copy of an accepted request.
//!
//! A signed request captured inside the timestamp window verifies again when
//! it is resent. With replay protection on, the verifier records each
//! accepted request in a [`ReplayStore`] and rejects a request it has
//! already recorded with 401 "Request already processed".
//!
//! The check runs only after the signature has verified, so unauthenticated
//! traffic can never fill the store. Entries live for twice the timestamp
//! window plus one second: by then the request's timestamp is outside the
//! window and the timestamp check rejects it on its own.
//!
//! In the default scheme the replay id is the signature itself. A sender
//! that repeats an identical body within the same second produces the same
//! signature, so the second request is treated as a replay. Senders that
//! need to repeat identical requests turn on the nonce option
//! ([`crate::HmacVerifierBuilder::require_nonce`]), which makes each
//! signature unique.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Outcome of recording a replay id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayStatus {
    /// The id was not recorded before and is now.
    Fresh,
    /// The id was already recorded and has not expired: a replay.
    AlreadySeen,
}

/// Error a [`ReplayStore`] returns when it cannot tell whether an id is new.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayStoreError {
    /// The store could not be reached or failed to answer in time.
    #[error("replay store unavailable: {0}")]
    Unavailable(String),

    /// The store holds its maximum number of unexpired entries.
    #[error("replay store is full of unexpired entries")]
    Full,
}

/// Future returned by [`ReplayStore::check_and_record`].
pub type ReplayFuture<'a> = Pin<Box<dyn Future<Output = Result<ReplayStatus, ReplayStoreError>> + Send + 'a>>;

/// A set of recently accepted request ids with expiry.
pub trait ReplayStore: Send + Sync + fmt::Debug + 'static {
    /// Records `key` for `ttl` unless it is already recorded, atomically,
    /// and returns whether it was fresh.
    fn check_and_record<'a>(&'a self, key: &'a str, ttl: Duration) -> ReplayFuture<'a>;
}

/// Replay protection settings of a verifier: a store, a key prefix and the
/// policy when the store fails.
#[derive(Debug, Clone)]
pub struct ReplayProtection {
    pub(crate) store: Arc<dyn ReplayStore>,
    pub(crate) prefix: String,
    pub(crate) fail_open: bool,
}

impl ReplayProtection {
    /// Creates replay protection backed by `store`, with the key prefix
    /// `tower-hmac:replay:` and failing closed.
    pub fn new(store: impl ReplayStore) -> Self {
        Self::from_arc(Arc::new(store))
    }

    /// Creates replay protection backed by a shared store.
    pub fn from_arc(store: Arc<dyn ReplayStore>) -> Self {
        Self {
            store,
            prefix: "tower-hmac:replay:".to_owned(),
            fail_open: false,
        }
    }

    /// Sets the prefix of every store key, so several services can share
    /// one Redis without their ids colliding.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Accepts requests when the store fails, logging a warning for each.
    ///
    /// The default is to fail closed with 503, because accepting unchecked
    /// requests reopens replay for as long as the store is down. Choose this
    /// only when availability matters more than replay protection.
    pub fn fail_open(mut self, fail_open: bool) -> Self {
        self.fail_open = fail_open;
        self
    }

    /// Returns the store key of `replay_id` sent under `key_id`.
    pub(crate) fn store_key(&self, key_id: &str, replay_id: &str) -> String {
        let mut key = String::with_capacity(self.prefix.len() + key_id.len() + replay_id.len() + 1);
        key.push_str(&self.prefix);
        key.push_str(key_id);
        key.push(':');
        key.push_str(replay_id);
        key
    }
}

/// Returns how long a replay id must be kept for a timestamp window of
/// `window_seconds`: twice the window, plus one second for the inclusive edge.
pub(crate) fn replay_ttl(window_seconds: u64) -> Duration {
    Duration::from_secs(window_seconds.saturating_mul(2).saturating_add(1))
}
