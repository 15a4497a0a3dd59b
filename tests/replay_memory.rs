//! Replay protection with the in-memory store, through the layer.

mod replay_support;

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use replay_support::*;
use tower::ServiceExt;
use tower_hmac::replay::{MemoryReplayStore, ReplayFuture, ReplayProtection, ReplayStore, ReplayStoreError};
use tower_hmac::{HmacVerifier, ManualClock};

const NOW: i64 = 1_700_000_000;

fn verifier_with(replay: ReplayProtection) -> HmacVerifier {
    HmacVerifier::builder()
        .secret(secret())
        .clock(ManualClock::new(NOW))
        .replay_protection(replay)
        .build()
        .unwrap()
}

fn memory_verifier(max_entries: usize) -> HmacVerifier {
    verifier_with(ReplayProtection::new(MemoryReplayStore::new(max_entries)))
}

#[tokio::test]
async fn replay_is_rejected_after_first_succeeds() {
    let (app, calls) = echo_app(memory_verifier(100));
    let (first, second) = copy_request(signed_post(&signer(), b"{\"n\":1}", NOW)).await;

    let (status, body) = read(app.clone().oneshot(first).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..], b"{\"n\":1}");
    assert_eq!(calls.get(), 1);

    let (status, body) = read(app.oneshot(second).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), REPLAYED);
    assert_eq!(calls.get(), 1, "the handler must not run for a replay");
}

#[tokio::test]
async fn distinct_requests_are_all_accepted() {
    let (app, calls) = echo_app(memory_verifier(100));
    for n in 0..10 {
        let body = format!("{{\"n\":{n}}}");
        let response = app
            .clone()
            .oneshot(signed_post(&signer(), body.as_bytes(), NOW))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "request {n}");
    }
    assert_eq!(calls.get(), 10);
}

#[tokio::test]
async fn same_body_same_second_is_replay() {
    // Without nonces the signature is the replay id, and the same body
    // signed in the same second gives the same signature.
    let (app, _) = echo_app(memory_verifier(100));
    let first = signed_post(&signer(), b"same", NOW);
    let second = signed_post(&signer(), b"same", NOW);

    assert_eq!(app.clone().oneshot(first).await.unwrap().status(), StatusCode::OK);
    let (status, body) = read(app.oneshot(second).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), REPLAYED);
}

#[tokio::test]
async fn same_body_next_second_is_accepted() {
    let (app, _) = echo_app(memory_verifier(100));
    let first = signed_post(&signer(), b"same", NOW);
    let second = signed_post(&signer(), b"same", NOW + 1);

    assert_eq!(app.clone().oneshot(first).await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.oneshot(second).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn unsigned_request_is_not_recorded() {
    let store = Arc::new(MemoryReplayStore::new(100));
    let (app, _) = echo_app(verifier_with(ReplayProtection::from_arc(store.clone())));

    let mut forged = signed_post(&signer(), b"body", NOW);
    forged
        .headers_mut()
        .insert("x-hmac-signature", "0".repeat(64).parse().unwrap());
    let (status, body) = read(app.oneshot(forged).await.unwrap()).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), "Invalid HMAC signature");
    assert!(
        store.is_empty(),
        "a request that failed verification must not enter the store"
    );
}

#[tokio::test]
async fn key_expires_after_ttl() {
    // A 0 s window gives a 1 s TTL. The clock stays put, so the timestamp
    // stays valid and only the store decides.
    let store = Arc::new(MemoryReplayStore::new(100));
    let verifier = HmacVerifier::builder()
        .secret(secret())
        .clock(ManualClock::new(NOW))
        .window_seconds(0)
        .replay_protection(ReplayProtection::from_arc(store.clone()))
        .build()
        .unwrap();
    let (app, calls) = echo_app(verifier);
    let (first, second) = copy_request(signed_post(&signer(), b"ttl", NOW)).await;
    let (_, third) = copy_request(signed_post(&signer(), b"ttl", NOW)).await;

    assert_eq!(app.clone().oneshot(first).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        app.clone().oneshot(second).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(store.len(), 1);

    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(store.len(), 0, "the entry must be gone after its 1 s TTL");
    assert_eq!(app.oneshot(third).await.unwrap().status(), StatusCode::OK);
    assert_eq!(calls.get(), 2);
}

#[tokio::test]
async fn full_store_returns_503() {
    let (app, calls) = echo_app(memory_verifier(2));
    for n in 0..2 {
        let body = format!("fill {n}");
        let response = app
            .clone()
            .oneshot(signed_post(&signer(), body.as_bytes(), NOW))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "request {n}");
    }

    let (status, body) = read(
        app.clone()
            .oneshot(signed_post(&signer(), b"third", NOW))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(detail(&body), STORE_UNAVAILABLE);
    assert_eq!(calls.get(), 2);

    // The entries already recorded are kept, so their replays are still caught.
    let (status, body) = read(app.oneshot(signed_post(&signer(), b"fill 0", NOW)).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), REPLAYED);
}

#[tokio::test]
async fn shared_store_spans_two_verifiers() {
    let store: Arc<dyn ReplayStore> = Arc::new(MemoryReplayStore::new(100));
    let (app_a, _) = echo_app(verifier_with(ReplayProtection::from_arc(store.clone())));
    let (app_b, calls_b) = echo_app(verifier_with(ReplayProtection::from_arc(store)));
    let (first, second) = copy_request(signed_post(&signer(), b"spans", NOW)).await;

    assert_eq!(app_a.oneshot(first).await.unwrap().status(), StatusCode::OK);
    let (status, body) = read(app_b.oneshot(second).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), REPLAYED);
    assert_eq!(calls_b.get(), 0);
}

#[tokio::test]
async fn prefixes_separate_services() {
    let store: Arc<dyn ReplayStore> = Arc::new(MemoryReplayStore::new(100));
    let billing = ReplayProtection::from_arc(store.clone()).prefix("billing:");
    let search = ReplayProtection::from_arc(store).prefix("search:");
    let (app_a, _) = echo_app(verifier_with(billing));
    let (app_b, _) = echo_app(verifier_with(search));
    let (first, second) = copy_request(signed_post(&signer(), b"prefix", NOW)).await;

    assert_eq!(app_a.oneshot(first).await.unwrap().status(), StatusCode::OK);
    assert_eq!(app_b.oneshot(second).await.unwrap().status(), StatusCode::OK);
}

/// A store that always fails, standing in for an unreachable backend.
#[derive(Debug)]
struct BrokenStore;

impl ReplayStore for BrokenStore {
    fn check_and_record<'a>(&'a self, _key: &'a str, _ttl: Duration) -> ReplayFuture<'a> {
        Box::pin(async { Err(ReplayStoreError::Unavailable("connection refused".into())) })
    }
}

#[tokio::test]
async fn failing_store_fails_closed() {
    let (app, calls) = echo_app(verifier_with(ReplayProtection::new(BrokenStore)));
    let (status, body) = read(app.oneshot(signed_post(&signer(), b"x", NOW)).await.unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(detail(&body), STORE_UNAVAILABLE);
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn failing_store_fail_open_accepts() {
    let (app, calls) = echo_app(verifier_with(ReplayProtection::new(BrokenStore).fail_open(true)));
    let response = app.oneshot(signed_post(&signer(), b"x", NOW)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn fail_open_still_rejects_bad_signature() {
    let (app, calls) = echo_app(verifier_with(ReplayProtection::new(BrokenStore).fail_open(true)));
    let mut forged = signed_post(&signer(), b"x", NOW);
    forged
        .headers_mut()
        .insert("x-hmac-signature", "f".repeat(64).parse().unwrap());
    let (status, body) = read(app.oneshot(forged).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), "Invalid HMAC signature");
    assert_eq!(calls.get(), 0);
}
