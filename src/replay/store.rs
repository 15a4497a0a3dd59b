//! The store trait and its result types.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
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
    /// The store could not be reached or did not respond in time.
    #[error("replay store unavailable: {0}")]
    Unavailable(String),

    /// The store contains its maximum number of unexpired entries.
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
