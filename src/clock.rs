//! Time sources for timestamp checks, replaceable in tests.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current unix time in whole seconds.
///
/// The verifier and the signer read the time through this trait so that
/// tests can pin it with [`ManualClock`].
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Returns the number of seconds since 1970-01-01T00:00:00Z.
    fn now_unix(&self) -> i64;
}

/// The operating system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
            // A clock set before 1970 is broken. A negative time makes every
            // real timestamp look like it is in the future, so requests fail
            // closed instead of passing.
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        }
    }
}

/// A clock that stays where it is set, for tests.
///
/// Clones share one time, so a test can keep a handle and move the clock
/// while a verifier holds another.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    seconds: Arc<AtomicI64>,
}

impl ManualClock {
    /// Creates a clock that reads `unix_seconds`.
    pub fn new(unix_seconds: i64) -> Self {
        Self {
            seconds: Arc::new(AtomicI64::new(unix_seconds)),
        }
    }

    /// Sets the time to `unix_seconds`.
    pub fn set(&self, unix_seconds: i64) {
        self.seconds.store(unix_seconds, Ordering::SeqCst);
    }

    /// Moves the time forward by `seconds` (backward when negative).
    pub fn advance(&self, seconds: i64) {
        self.seconds.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_unix(&self) -> i64 {
        self.seconds.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_clones_share_time() {
        let clock = ManualClock::new(1_700_000_000);
        let handle = clock.clone();
        handle.advance(61);
        assert_eq!(clock.now_unix(), 1_700_000_061);
        handle.set(5);
        assert_eq!(clock.now_unix(), 5);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_unix() > 1_577_836_800);
    }
}
