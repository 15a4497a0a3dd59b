//! The layer's response future when a step is not ready at once. The cases
//! use a body whose chunks arrive one poll apart, and a key provider and a
//! replay store that each return their result on a later poll. Each case
//! checks that the future resumes where it stopped and still accepts or
//! rejects as it would without waiting.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use http::{Request, StatusCode};
use tower::ServiceExt;
use tower_hmac::replay::{MemoryReplayStore, ReplayFuture, ReplayProtection, ReplayStore};
use tower_hmac::{HmacVerifier, KeyEntry, KeyProvider, KeyProviderError, KeyRing, LookupFuture, ManualClock};

use common::{detail, echo_app, read, secret, signed_post, ScriptedBody, NOW};

/// Returns a request signed over the concatenated `chunks`, whose body
/// sends them one poll apart.
fn waiting_request(chunks: &[&[u8]]) -> Request<Body> {
    let whole = chunks.concat();
    let (parts, _) = signed_post(&whole, NOW).into_parts();
    Request::from_parts(parts, Body::new(ScriptedBody::new(chunks).waiting()))
}

/// A key provider that yields to the runtime before it returns the key.
#[derive(Debug)]
struct YieldingProvider {
    ring: KeyRing,
    available: bool,
}

impl KeyProvider for YieldingProvider {
    fn lookup<'a>(&'a self, key_id: &'a str) -> LookupFuture<'a> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            if !self.available {
                return Err(KeyProviderError {
                    reason: "key service unreachable".into(),
                });
            }
            Ok::<Option<Arc<KeyEntry>>, _>(self.ring.get(key_id).cloned())
        })
    }

    fn default_key_id(&self) -> Option<&str> {
        self.ring.default_key_id()
    }
}

fn provider_verifier(available: bool) -> HmacVerifier {
    HmacVerifier::builder()
        .key_provider(YieldingProvider {
            ring: KeyRing::single(secret()),
            available,
        })
        .clock(ManualClock::new(NOW))
        .build()
        .unwrap()
}

/// A replay store that yields to the runtime before it records.
#[derive(Debug)]
struct YieldingStore(MemoryReplayStore);

impl ReplayStore for YieldingStore {
    fn check_and_record<'a>(&'a self, key: &'a str, ttl: Duration) -> ReplayFuture<'a> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            self.0.check_and_record(key, ttl).await
        })
    }
}

fn replay_verifier() -> HmacVerifier {
    HmacVerifier::builder()
        .secret(secret())
        .clock(ManualClock::new(NOW))
        .replay_protection(ReplayProtection::new(YieldingStore(MemoryReplayStore::new(100))))
        .build()
        .unwrap()
}

#[tokio::test]
async fn body_arriving_across_polls_verifies() {
    let (app, calls) = echo_app(common::verifier());
    let chunks: [&[u8]; 3] = [b"{\"text\":", b"\"\xec\x95\x88\xeb\x85\x95\"", b"}"];

    let response = app.oneshot(waiting_request(&chunks)).await.unwrap();
    let (status, body, _) = read(response).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, chunks.concat());
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn tampered_body_across_polls_is_rejected() {
    let (app, calls) = echo_app(common::verifier());
    let (parts, _) = signed_post(b"{\"amount\":1}", NOW).into_parts();
    let body = Body::new(ScriptedBody::new(&[b"{\"amount\":", b"9}"]).waiting());

    let response = app.oneshot(Request::from_parts(parts, body)).await.unwrap();
    let (status, body, _) = read(response).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), "Invalid HMAC signature");
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn body_failing_after_wait_gets_400() {
    let (app, calls) = echo_app(common::verifier());
    let (parts, _) = signed_post(b"{}", NOW).into_parts();
    let waiting = ScriptedBody::new(&[b"{"]).waiting().failing();

    let response = app
        .oneshot(Request::from_parts(parts, Body::new(waiting)))
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn body_over_limit_across_polls_gets_413() {
    let (app, calls) = echo_app(common::limited_verifier(8));
    let chunks: [&[u8]; 3] = [b"1234", b"5678", b"9"];

    let response = app.oneshot(waiting_request(&chunks)).await.unwrap();
    let (status, body, _) = read(response).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(detail(&body), "Request body too large");
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn waiting_key_provider_then_waiting_body() {
    let (app, calls) = echo_app(provider_verifier(true));
    let chunks: [&[u8]; 2] = [b"{\"a\":", b"1}"];

    let response = app.oneshot(waiting_request(&chunks)).await.unwrap();
    let (status, body, _) = read(response).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, chunks.concat());
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn key_provider_failing_after_wait_gets_503() {
    let (app, calls) = echo_app(provider_verifier(false));

    let response = app.oneshot(waiting_request(&[b"{}"])).await.unwrap();
    let (status, body, _) = read(response).await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(detail(&body), "Key lookup unavailable");
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn waiting_replay_store_accepts_once() {
    let (app, calls) = echo_app(replay_verifier());
    let chunks: [&[u8]; 2] = [b"{\"order\":", b"42}"];

    let first = app.clone().oneshot(waiting_request(&chunks)).await.unwrap();
    let (first_status, first_body, _) = read(first).await;
    let replayed = app.oneshot(waiting_request(&chunks)).await.unwrap();
    let (replayed_status, replayed_body, _) = read(replayed).await;

    assert_eq!(first_status, StatusCode::OK);
    assert_eq!(first_body, chunks.concat());
    assert_eq!(replayed_status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&replayed_body), "Request already processed");
    assert_eq!(calls.get(), 1);
}
