//! A replay store in Redis, shared by every replica of a service.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError, Value};

use super::{ReplayFuture, ReplayStatus, ReplayStore, ReplayStoreError};

/// Default time one Redis call may take before the request gets 503, in
/// milliseconds: 500.
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_millis(500);

/// A replay store in Redis, for services with several replicas.
///
/// Each request costs one `SET <key> 1 NX PX <ttl in ms>`, which records the
/// key and reports whether it already existed in a single atomic step, so two
/// replicas that receive the same request at the same moment cannot both
/// accept it. Keys expire in Redis after the TTL the verifier passes (twice
/// the timestamp window plus one second), so nothing needs cleaning up.
///
/// Every call is bounded by a timeout ([`DEFAULT_REDIS_TIMEOUT`] unless set
/// with [`RedisReplayStore::connect_with_timeout`]). A call that fails or
/// times out returns [`ReplayStoreError::Unavailable`]: the request gets 503
/// unless the verifier's replay protection is set to fail open. The store
/// logs an error when Redis stops responding and an info line when it
/// responds again, not one line per failed call.
///
/// The underlying [`ConnectionManager`] reconnects on its own, so service
/// resumes when Redis is back without restarting the process.
///
/// Requires the `redis` feature, which builds on the `redis` crate 1.x; its
/// 1.8 release declares Rust 1.88 as its minimum, above this crate's 1.80.
///
/// # Example
///
/// ```no_run
/// use tower_hmac::replay::{RedisReplayStore, ReplayProtection};
/// use tower_hmac::{HmacSecret, HmacVerifier};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisReplayStore::connect("redis://127.0.0.1:6379/0").await?;
/// let verifier = HmacVerifier::builder()
///     .secret(HmacSecret::from_env()?)
///     .replay_protection(ReplayProtection::new(store).prefix("billing-api:"))
///     .build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisReplayStore {
    connection: ConnectionManager,
    timeout: Duration,
    /// Whether the last call succeeded, so that outages are logged once.
    reachable: Arc<AtomicBool>,
}

impl fmt::Debug for RedisReplayStore {
    // The connection contains the URL, which may contain a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisReplayStore")
            .field("timeout", &self.timeout)
            .field("reachable", &self.reachable.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl RedisReplayStore {
    /// Connects to the Redis server at `url`, such as
    /// `redis://127.0.0.1:6379/0`, with the default per-call timeout.
    ///
    /// # Errors
    ///
    /// Returns the [`RedisError`] when the URL is invalid or the first
    /// connection fails, so a misconfigured service stops at start-up.
    pub async fn connect(url: &str) -> Result<Self, RedisError> {
        Self::connect_with_timeout(url, DEFAULT_REDIS_TIMEOUT).await
    }

    /// Connects to the Redis server at `url` and bounds each call, including
    /// any reconnection it waits for, by `timeout`.
    ///
    /// # Errors
    ///
    /// Returns the [`RedisError`] when the URL is invalid or the first
    /// connection fails.
    pub async fn connect_with_timeout(url: &str, timeout: Duration) -> Result<Self, RedisError> {
        let client = Client::open(url)?;
        // One retry per reconnection attempt: a caller waits at most
        // `timeout` anyway, and the next call starts a new attempt.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self::from_connection_manager(connection, timeout))
    }

    /// Wraps a connection manager configured by the caller, bounding each
    /// call by `timeout`.
    pub fn from_connection_manager(connection: ConnectionManager, timeout: Duration) -> Self {
        Self {
            connection,
            timeout,
            reachable: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Returns the time one call may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    async fn record(&self, key: &str, ttl: Duration) -> Result<ReplayStatus, ReplayStoreError> {
        // Redis rejects a PX of 0, and PX is a signed 64-bit count.
        let ttl_ms = u64::try_from(ttl.as_millis())
            .unwrap_or(u64::MAX)
            .clamp(1, i64::MAX as u64);
        let mut command = redis::cmd("SET");
        command.arg(key).arg(1).arg("NX").arg("PX").arg(ttl_ms);

        let mut connection = self.connection.clone();
        let reply = tokio::time::timeout(self.timeout, command.query_async::<Value>(&mut connection)).await;
        let result = match reply {
            Ok(Ok(Value::Okay)) => Ok(ReplayStatus::Fresh),
            Ok(Ok(Value::SimpleString(text))) if text == "OK" => Ok(ReplayStatus::Fresh),
            Ok(Ok(Value::Nil)) => Ok(ReplayStatus::AlreadySeen),
            Ok(Ok(other)) => Err(format!("unexpected reply to SET NX: {other:?}")),
            Ok(Err(error)) => Err(format!("Redis command failed: {error}")),
            Err(_) => Err(format!(
                "Redis did not respond within {} ms",
                self.timeout.as_millis()
            )),
        };
        self.note_outcome(result.as_ref().err());
        result.map_err(ReplayStoreError::Unavailable)
    }

    /// Logs the change when Redis stops or starts responding.
    fn note_outcome(&self, error: Option<&String>) {
        let reachable = error.is_none();
        if self.reachable.swap(reachable, Ordering::Relaxed) == reachable {
            return;
        }
        match error {
            Some(error) => tracing::error!(
                %error,
                "Redis replay store is unreachable; signed requests get 503 until it responds \
                 (or are accepted unchecked if replay protection fails open)"
            ),
            None => tracing::info!("Redis replay store responds again"),
        }
    }
}

impl ReplayStore for RedisReplayStore {
    fn check_and_record<'a>(&'a self, key: &'a str, ttl: Duration) -> ReplayFuture<'a> {
        Box::pin(self.record(key, ttl))
    }
}
