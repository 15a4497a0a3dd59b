//! A key whose secrets have all expired is logged when the verifier is built.
//!
//! This is its own test binary because it installs a global `tracing`
//! subscriber, which a process can do only once.

mod common;

use common::{CapturedLogs, NOW};
use tower_hmac::{HmacSecret, HmacVerifier, KeyRing, ManualClock};

fn secret(text: &str) -> HmacSecret {
    HmacSecret::from_utf8(text).unwrap()
}

#[test]
fn expired_key_is_logged_at_build() {
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let mut ring = KeyRing::new();
    ring.add_secret(
        "expired-service",
        "v1",
        secret("expired-secret-aaaaaaaaaaaaaaaaaaaaaa"),
        Some(NOW - 1),
    )
    .unwrap();
    // A rotation whose old secret expired still has a current one.
    ring.add_secret(
        "rotated-service",
        "old",
        secret("rotated-old-bbbbbbbbbbbbbbbbbbbbbbbbb"),
        Some(NOW - 1),
    )
    .unwrap();
    ring.add_secret(
        "rotated-service",
        "new",
        secret("rotated-new-ccccccccccccccccccccccccc"),
        None,
    )
    .unwrap();
    // A secret that expires at this very second is still active.
    ring.add_secret(
        "ending-service",
        "v1",
        secret("ending-secret-ddddddddddddddddddddddd"),
        Some(NOW),
    )
    .unwrap();
    HmacVerifier::builder()
        .key_ring(ring)
        .clock(ManualClock::new(NOW))
        .build()
        .unwrap();

    let logged = logs.text();
    let warnings: Vec<&str> = logged
        .lines()
        .filter(|line| line.contains("past its not_after time"))
        .collect();
    assert_eq!(warnings.len(), 1, "expected one warning: {logged}");
    assert!(warnings[0].contains("WARN"), "{}", warnings[0]);
    assert!(
        warnings[0].contains("key_id=\"expired-service\""),
        "{}",
        warnings[0]
    );
}
