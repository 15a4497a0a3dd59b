//! Replay protection settings of a verifier.

use std::sync::Arc;
use std::time::Duration;

use super::ReplayStore;

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

    /// Returns the store key `<prefix><key_id>:<tag><replay_id>` of a
    /// replay id sent under `key_id`.
    pub(crate) fn store_key(&self, key_id: &str, tag: &str, replay_id: &str) -> String {
        let length = self.prefix.len() + key_id.len() + 1 + tag.len() + replay_id.len();
        let mut key = String::with_capacity(length);
        key.push_str(&self.prefix);
        key.push_str(key_id);
        key.push(':');
        key.push_str(tag);
        key.push_str(replay_id);
        key
    }
}

/// Returns how long a replay id must be kept for a timestamp window of
/// `window_seconds`: twice the window, plus one second for the inclusive edge.
pub(crate) fn replay_ttl(window_seconds: u64) -> Duration {
    Duration::from_secs(window_seconds.saturating_mul(2).saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::MemoryReplayStore;

    #[test]
    fn store_key_has_prefix_and_key_id() {
        let replay = ReplayProtection::new(MemoryReplayStore::new(10)).prefix("billing:");
        assert_eq!(
            replay.store_key("partner-a", "s:", "abc"),
            "billing:partner-a:s:abc"
        );
    }

    #[test]
    fn default_prefix_is_crate_name() {
        let replay = ReplayProtection::new(MemoryReplayStore::new(10));
        assert_eq!(
            replay.store_key("default", "n:", "xyz"),
            "tower-hmac:replay:default:n:xyz"
        );
    }

    #[test]
    fn ttl_is_twice_window_plus_one() {
        assert_eq!(replay_ttl(60), Duration::from_secs(121));
        assert_eq!(replay_ttl(0), Duration::from_secs(1));
        assert_eq!(replay_ttl(u64::MAX), Duration::from_secs(u64::MAX));
    }
}
