//! A replay store in process memory, for a single instance.

use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{ReplayFuture, ReplayStatus, ReplayStore, ReplayStoreError};

/// Shortest time between two "store full" warnings.
const FULL_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Maximum entry lifetime: longer TTLs are cut to this, so that adding the
/// TTL to an `Instant` cannot overflow. 100 years, in seconds.
const MAX_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// Maximum number of expiry queues, one per distinct TTL. A verifier always
/// passes the same TTL, so eight verifiers with different windows can share
/// one store before any entry goes to the slower overflow heap.
const MAX_QUEUES: usize = 8;

/// A replay store in process memory, bounded to a maximum number of entries.
///
/// It protects one process only: replicas behind a load balancer each keep
/// their own set, so a request replayed to another replica is accepted. Use
/// `RedisReplayStore` (feature `redis`) for those.
///
/// Expired entries are removed on each call, oldest first. When the store
/// contains `max_entries` unexpired entries it rejects new ids with
/// [`ReplayStoreError::Full`] (503 from the layer) and logs a warning at most
/// once every 10 seconds. It never drops an unexpired entry to make room,
/// because the dropped request could then be replayed.
///
/// Size `max_entries` for the peak rate of accepted requests times the entry
/// lifetime, which is twice the timestamp window plus one second (121 s for
/// the default 60 s window). Each entry costs its key (about 90 bytes with
/// the default prefix), 32 bytes in its expiry queue and map slots of 33
/// bytes. Slots of removed entries stay taken until the map is rebuilt. A
/// rebuild doubles the map while more than half its capacity is live, so
/// under steady traffic the map settles at 2.3 to 4.6 slots per live entry
/// and then stops growing.
///
/// All calls take one mutex for a few map and queue operations and never hold
/// it across an `.await`.
#[derive(Debug)]
pub struct MemoryReplayStore {
    max_entries: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Unexpired keys and their expiry instants.
    entries: HashMap<Arc<str>, Instant>,
    /// The same keys in insertion order, one queue per TTL.
    queues: Vec<ExpiryQueue>,
    /// Keys whose TTL found no queue, ordered by expiry, earliest on top.
    overflow: BinaryHeap<Reverse<(Instant, Arc<str>)>>,
    full_warnings: FullWarnings,
}

/// Rate limit of the "store full" warning.
#[derive(Debug, Default)]
struct FullWarnings {
    /// When the last warning was logged.
    last: Option<Instant>,
    /// Ids rejected as full since that warning.
    rejected_since_last: u64,
}

/// Keys recorded with one TTL, oldest first.
///
/// Entries are added under the lock with the current instant plus the same
/// TTL, so their expiries only grow and the expired ones are always at the
/// front. Removing them costs no search, unlike a heap whose every removal
/// walks a path of random memory through a large store.
#[derive(Debug)]
struct ExpiryQueue {
    ttl: Duration,
    keys: VecDeque<(Instant, Arc<str>)>,
}

impl MemoryReplayStore {
    /// Creates an empty store that keeps at most `max_entries` unexpired ids.
    ///
    /// A `max_entries` of zero rejects every request with 503.
    pub fn new(max_entries: usize) -> Self {
        Self {
            max_entries,
            state: Mutex::new(State::default()),
        }
    }

    /// Returns the maximum number of unexpired entries.
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// Removes expired entries and returns how many remain.
    pub fn len(&self) -> usize {
        let mut state = self.lock();
        state.purge(Instant::now());
        state.entries.len()
    }

    /// Removes expired entries and returns whether none remain.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Every update leaves the map, queues and heap consistent before any
        // call that could panic, so a poisoned lock still guards valid data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, key: &str, ttl: Duration) -> Result<ReplayStatus, ReplayStoreError> {
        let ttl = ttl.min(MAX_TTL);
        let mut state = self.lock();
        // Read the clock under the lock, so that entries are queued in the
        // order of their expiry.
        let now = Instant::now();
        state.purge(now);

        // The key is hashed once, through the entry API. Most ids are fresh,
        // and a fresh id needs the shared copy of its key anyway.
        let expires = now + ttl;
        let key: Arc<str> = Arc::from(key);
        let State {
            entries,
            queues,
            overflow,
            full_warnings,
        } = &mut *state;
        let full = entries.len() >= self.max_entries;
        match entries.entry(key) {
            // The purge above removed every expired entry, so a key still in
            // the map is within its TTL.
            Entry::Occupied(_) => return Ok(ReplayStatus::AlreadySeen),
            Entry::Vacant(_) if full => {
                full_warnings.record(now, self.max_entries);
                return Err(ReplayStoreError::Full);
            }
            Entry::Vacant(slot) => {
                let queued = Arc::clone(slot.key());
                slot.insert(expires);
                match queue_for(queues, ttl) {
                    Some(queue) => queue.keys.push_back((expires, queued)),
                    None => overflow.push(Reverse((expires, queued))),
                }
            }
        }
        Ok(ReplayStatus::Fresh)
    }
}

impl State {
    /// Removes every entry whose expiry is at or before `now`.
    fn purge(&mut self, now: Instant) {
        for queue in &mut self.queues {
            while queue.keys.front().is_some_and(|(expires, _)| *expires <= now) {
                let Some((expires, key)) = queue.keys.pop_front() else {
                    break;
                };
                remove_if_expiring(&mut self.entries, key, expires);
            }
        }
        while self
            .overflow
            .peek()
            .is_some_and(|Reverse((expires, _))| *expires <= now)
        {
            let Some(Reverse((expires, key))) = self.overflow.pop() else {
                break;
            };
            remove_if_expiring(&mut self.entries, key, expires);
        }
    }
}

/// Removes `key` from the map if `expires` is still its expiry.
///
/// Each map entry has exactly one queue or heap item, with the same instant.
/// The instants are compared anyway, so that a slip elsewhere cannot remove
/// a live entry and let its request be replayed.
fn remove_if_expiring(entries: &mut HashMap<Arc<str>, Instant>, key: Arc<str>, expires: Instant) {
    if let Entry::Occupied(slot) = entries.entry(key) {
        if *slot.get() == expires {
            slot.remove();
        }
    }
}

impl FullWarnings {
    /// Counts one id rejected as full, and logs a warning unless one was
    /// logged in the last [`FULL_LOG_INTERVAL`].
    fn record(&mut self, now: Instant, max_entries: usize) {
        self.rejected_since_last += 1;
        let due = match self.last {
            None => true,
            Some(last) => now.duration_since(last) >= FULL_LOG_INTERVAL,
        };
        if due {
            tracing::warn!(
                max_entries,
                rejected = self.rejected_since_last,
                "in-memory replay store is full of unexpired entries; rejecting new requests with 503. \
                 Raise max_entries or shorten the timestamp window"
            );
            self.last = Some(now);
            self.rejected_since_last = 0;
        }
    }
}

/// Returns the queue of entries with `ttl`, adding it if there is room, or
/// `None` when every queue is in use for another TTL.
fn queue_for(queues: &mut Vec<ExpiryQueue>, ttl: Duration) -> Option<&mut ExpiryQueue> {
    let index = match queues.iter().position(|queue| queue.ttl == ttl) {
        Some(index) => index,
        None if queues.len() < MAX_QUEUES => {
            queues.push(ExpiryQueue {
                ttl,
                keys: VecDeque::new(),
            });
            queues.len() - 1
        }
        None => return None,
    };
    Some(&mut queues[index])
}

impl ReplayStore for MemoryReplayStore {
    fn check_and_record<'a>(&'a self, key: &'a str, ttl: Duration) -> ReplayFuture<'a> {
        Box::pin(std::future::ready(self.record(key, ttl)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(store: &MemoryReplayStore, key: &str, ttl: Duration) -> Result<ReplayStatus, ReplayStoreError> {
        store.record(key, ttl)
    }

    const MINUTE: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn trait_call_records_the_key() {
        let store = MemoryReplayStore::new(10);
        let first = store.check_and_record("a", MINUTE).await;
        let second = store.check_and_record("a", MINUTE).await;
        assert_eq!(first, Ok(ReplayStatus::Fresh));
        assert_eq!(second, Ok(ReplayStatus::AlreadySeen));
    }

    #[test]
    fn huge_ttl_does_not_overflow() {
        let store = MemoryReplayStore::new(10);
        assert_eq!(record(&store, "a", Duration::MAX), Ok(ReplayStatus::Fresh));
        assert_eq!(record(&store, "a", Duration::MAX), Ok(ReplayStatus::AlreadySeen));
    }

    #[test]
    fn first_id_is_fresh_second_is_seen() {
        let store = MemoryReplayStore::new(10);
        assert_eq!(record(&store, "a", MINUTE), Ok(ReplayStatus::Fresh));
        assert_eq!(record(&store, "a", MINUTE), Ok(ReplayStatus::AlreadySeen));
        assert_eq!(record(&store, "b", MINUTE), Ok(ReplayStatus::Fresh));
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn expired_id_is_fresh_again() {
        let store = MemoryReplayStore::new(10);
        let ttl = Duration::from_millis(50);
        assert_eq!(record(&store, "a", ttl), Ok(ReplayStatus::Fresh));
        assert_eq!(record(&store, "a", ttl), Ok(ReplayStatus::AlreadySeen));

        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(store.len(), 0);
        assert_eq!(record(&store, "a", ttl), Ok(ReplayStatus::Fresh));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn full_store_rejects_without_forgetting() {
        let store = MemoryReplayStore::new(2);
        assert_eq!(record(&store, "a", MINUTE), Ok(ReplayStatus::Fresh));
        assert_eq!(record(&store, "b", MINUTE), Ok(ReplayStatus::Fresh));
        assert_eq!(record(&store, "c", MINUTE), Err(ReplayStoreError::Full));

        // The old entries are still there, so their replays are still caught.
        assert_eq!(record(&store, "a", MINUTE), Ok(ReplayStatus::AlreadySeen));
        assert_eq!(record(&store, "b", MINUTE), Ok(ReplayStatus::AlreadySeen));
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn full_store_accepts_after_expiry() {
        let store = MemoryReplayStore::new(1);
        assert_eq!(
            record(&store, "a", Duration::from_millis(50)),
            Ok(ReplayStatus::Fresh)
        );
        assert_eq!(record(&store, "b", MINUTE), Err(ReplayStoreError::Full));

        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(record(&store, "b", MINUTE), Ok(ReplayStatus::Fresh));
    }

    #[test]
    fn zero_capacity_rejects_everything() {
        let store = MemoryReplayStore::new(0);
        assert_eq!(record(&store, "a", MINUTE), Err(ReplayStoreError::Full));
        assert!(store.is_empty());
    }

    #[test]
    fn purge_keeps_unexpired_entries() {
        let store = MemoryReplayStore::new(10);
        assert_eq!(
            record(&store, "short", Duration::from_millis(30)),
            Ok(ReplayStatus::Fresh)
        );
        assert_eq!(record(&store, "long", MINUTE), Ok(ReplayStatus::Fresh));

        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(store.len(), 1);
        assert_eq!(record(&store, "long", MINUTE), Ok(ReplayStatus::AlreadySeen));
        assert_eq!(record(&store, "short", MINUTE), Ok(ReplayStatus::Fresh));
    }

    #[test]
    fn mixed_ttls_expire_independently() {
        let store = MemoryReplayStore::new(10);
        assert_eq!(record(&store, "long", MINUTE), Ok(ReplayStatus::Fresh));
        assert_eq!(
            record(&store, "short", Duration::from_millis(30)),
            Ok(ReplayStatus::Fresh)
        );

        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(store.len(), 1);
        assert_eq!(record(&store, "short", MINUTE), Ok(ReplayStatus::Fresh));
        assert_eq!(record(&store, "long", MINUTE), Ok(ReplayStatus::AlreadySeen));
    }

    #[test]
    fn ttls_beyond_queue_limit_expire_on_time() {
        let store = MemoryReplayStore::new(20);
        for index in 0..MAX_QUEUES {
            let ttl = MINUTE + Duration::from_secs(index as u64);
            assert_eq!(
                record(&store, &format!("key-{index}"), ttl),
                Ok(ReplayStatus::Fresh)
            );
        }
        // A ninth TTL finds no queue, and a long one arrives after it.
        let short = Duration::from_millis(30);
        assert_eq!(record(&store, "late", short), Ok(ReplayStatus::Fresh));
        assert_eq!(record(&store, "later", MINUTE * 60), Ok(ReplayStatus::Fresh));
        assert_eq!(record(&store, "late", short), Ok(ReplayStatus::AlreadySeen));

        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(store.len(), MAX_QUEUES + 1);
        assert_eq!(record(&store, "late", short), Ok(ReplayStatus::Fresh));
        assert_eq!(record(&store, "later", MINUTE), Ok(ReplayStatus::AlreadySeen));
    }

    #[test]
    fn distinct_ttl_per_call_frees_capacity() {
        // A caller that passes a new TTL on every call fills the queues,
        // then a long-lived id and more short ones go past them. Expired
        // entries must not keep the store full behind the long-lived one.
        let store = MemoryReplayStore::new(30);
        for index in 0..MAX_QUEUES as u64 {
            let ttl = Duration::from_millis(30 + index);
            assert_eq!(
                record(&store, &format!("queued-{index}"), ttl),
                Ok(ReplayStatus::Fresh)
            );
        }
        assert_eq!(record(&store, "long", MINUTE), Ok(ReplayStatus::Fresh));
        for index in 0..21u64 {
            let ttl = Duration::from_millis(40 + index);
            assert_eq!(
                record(&store, &format!("short-{index}"), ttl),
                Ok(ReplayStatus::Fresh)
            );
        }
        assert_eq!(
            record(&store, "one-too-many", MINUTE),
            Err(ReplayStoreError::Full)
        );

        std::thread::sleep(Duration::from_millis(150));
        assert_eq!(store.len(), 1);
        assert_eq!(record(&store, "after", MINUTE), Ok(ReplayStatus::Fresh));
        assert_eq!(record(&store, "long", MINUTE), Ok(ReplayStatus::AlreadySeen));
    }

    #[test]
    fn concurrent_callers_see_one_fresh_per_id() {
        let store = Arc::new(MemoryReplayStore::new(10_000));
        let fresh_counts: Vec<usize> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let store = Arc::clone(&store);
                    scope.spawn(move || {
                        (0..1000)
                            .filter(|i| record(&store, &format!("id-{i}"), MINUTE) == Ok(ReplayStatus::Fresh))
                            .count()
                    })
                })
                .collect();
            handles.into_iter().map(|handle| handle.join().unwrap()).collect()
        });
        assert_eq!(fresh_counts.iter().sum::<usize>(), 1000);
        assert_eq!(store.len(), 1000);
    }
}
