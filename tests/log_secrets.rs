//! No secret may appear in log output or `Debug` strings.
//!
//! This is its own test binary because `tracing` caches per call site
//! whether anyone listens, and tests running in parallel with no subscriber
//! in the same process could make this test miss events.

mod common;

use axum::body::Body;
use axum::routing::post;
use axum::Router;
use common::{read, CapturedLogs, NOW};
use http::{Request, StatusCode};
use tower::ServiceExt;
use tower_hmac::{HmacSecret, HmacSigner, HmacVerifier, HmacVerifyLayer, KeyRing, ManualClock};

const BILLING: &str = "billing-secret-2026-12-bbbbbbbbbbbbbbbb";
const SEARCH: &str = "search-secret-cccccccccccccccccccccccc";
const WEAK: &str = "short-weak-key";

fn secret(text: &str) -> HmacSecret {
    HmacSecret::from_utf8(text).unwrap()
}

fn signed(secret_text: &str, key_id: &str) -> Request<Body> {
    let signer = HmacSigner::new(secret(secret_text))
        .clock(ManualClock::new(NOW))
        .key_id(key_id)
        .unwrap();
    let mut request = Request::post("/v1/infer").body(&b"{}"[..]).unwrap();
    signer.sign_request(&mut request).unwrap();
    request.map(Body::from)
}

#[tokio::test]
async fn secrets_never_appear_in_logs_or_debug() {
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let mut ring = KeyRing::new();
    ring.add_secret("billing-service", "v1", secret(BILLING), None)
        .unwrap();
    ring.add_secret("search-service", "v1", secret(SEARCH), None)
        .unwrap();
    ring.add_secret("legacy-service", "v1", secret(WEAK), None)
        .unwrap();
    let verifier = HmacVerifier::builder()
        .key_ring(ring.clone())
        .clock(ManualClock::new(NOW))
        .build()
        .unwrap();
    let app = Router::new()
        .route("/v1/infer", post(|| async { "ok" }))
        .layer(HmacVerifyLayer::from_verifier(verifier.clone()));

    let accepted = signed(SEARCH, "search-service");
    assert_eq!(
        read(app.clone().oneshot(accepted).await.unwrap()).await.0,
        StatusCode::OK
    );
    let wrong_secret = signed(BILLING, "search-service");
    assert_eq!(
        read(app.clone().oneshot(wrong_secret).await.unwrap()).await.0,
        StatusCode::UNAUTHORIZED
    );
    let unknown = signed(SEARCH, "nobody");
    assert_eq!(
        read(app.oneshot(unknown).await.unwrap()).await.0,
        StatusCode::UNAUTHORIZED
    );

    let logged = logs.text();
    assert!(
        logged.contains("shorter than 32 bytes"),
        "weak secret warning missing: {logged}"
    );
    assert!(
        logged.contains("request rejected"),
        "rejections were not logged: {logged}"
    );

    let debug_strings = [
        format!("{ring:?}"),
        format!("{verifier:?}"),
        format!("{:?}", HmacSigner::new(secret(SEARCH))),
        format!("{:?}", secret(SEARCH)),
    ];
    for text in [BILLING, SEARCH, WEAK] {
        assert!(!logged.contains(text), "secret in logs: {logged}");
        for printed in &debug_strings {
            assert!(!printed.contains(text), "secret in Debug output: {printed}");
        }
    }
}
