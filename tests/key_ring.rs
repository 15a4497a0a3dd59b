//! Key rings through the layer: key ids, rotation, default keys,
//! allow-lists, key providers and the caller extractor.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::routing::post;
use axum::Router;
use common::{detail, read, NOW};
use http::{Method, Request, StatusCode};
use tower::ServiceExt;
use tower_hmac::{
    AllowRule, HmacSecret, HmacSigner, HmacVerifier, HmacVerifyLayer, KeyEntry, KeyProvider,
    KeyProviderError, KeyRing, LookupFuture, ManualClock, VerifiedCaller,
};

const BILLING_OLD: &str = "billing-secret-2026-11-aaaaaaaaaaaaaaaa";
const BILLING_NEW: &str = "billing-secret-2026-12-bbbbbbbbbbbbbbbb";
const SEARCH: &str = "search-secret-cccccccccccccccccccccccc";

fn secret(text: &str) -> HmacSecret {
    HmacSecret::from_utf8(text).unwrap()
}

fn ring() -> KeyRing {
    let mut ring = KeyRing::new();
    ring.add_secret("billing-service", "2026-11", secret(BILLING_OLD), Some(NOW + 100))
        .unwrap();
    ring.add_secret("billing-service", "2026-12", secret(BILLING_NEW), None)
        .unwrap();
    ring.add_secret("search-service", "v1", secret(SEARCH), None)
        .unwrap();
    ring
}

fn verifier_for(ring: KeyRing, clock: &ManualClock) -> HmacVerifier {
    HmacVerifier::builder()
        .key_ring(ring)
        .clock(clock.clone())
        .build()
        .unwrap()
}

/// Builds a router that returns `<key id>/<secret label>` of the verified caller.
fn app(verifier: HmacVerifier) -> (Router, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let handler = move |caller: VerifiedCaller| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            format!("{}/{}", caller.key_id(), caller.secret_label())
        }
    };
    let router = Router::new()
        .route("/v1/infer", post(handler.clone()))
        .route("/v1/admin/reset", post(handler))
        .layer(HmacVerifyLayer::from_verifier(verifier));
    (router, calls)
}

fn request(secret_text: &str, key_id: Option<&str>, path: &str, body: &'static [u8]) -> Request<Body> {
    let mut signer = HmacSigner::new(secret(secret_text)).clock(ManualClock::new(NOW));
    if let Some(key_id) = key_id {
        signer = signer.key_id(key_id).unwrap();
    }
    let mut request = Request::post(path).body(body).unwrap();
    signer.sign_request(&mut request).unwrap();
    request.map(Body::from)
}

async fn call(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let (status, body, _) = read(app.clone().oneshot(request).await.unwrap()).await;
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn rotation_accepts_old_and_new() {
    let clock = ManualClock::new(NOW);
    let (app, _) = app(verifier_for(ring(), &clock));
    let old = request(BILLING_OLD, Some("billing-service"), "/v1/infer", b"{}");
    assert_eq!(
        call(&app, old).await,
        (StatusCode::OK, "billing-service/2026-11".into())
    );
    let new = request(BILLING_NEW, Some("billing-service"), "/v1/infer", b"{}");
    assert_eq!(
        call(&app, new).await,
        (StatusCode::OK, "billing-service/2026-12".into())
    );
}

#[tokio::test]
async fn old_secret_fails_after_not_after() {
    let clock = ManualClock::new(NOW);
    let verifier = HmacVerifier::builder()
        .key_ring(ring())
        .clock(clock.clone())
        .window_seconds(1000)
        .build()
        .unwrap();
    let (app, calls) = app(verifier);
    clock.set(NOW + 101);
    let old = request(BILLING_OLD, Some("billing-service"), "/v1/infer", b"{}");
    let (status, body) = call(&app, old).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(body.as_bytes()), "Invalid HMAC signature");
    let new = request(BILLING_NEW, Some("billing-service"), "/v1/infer", b"{}");
    assert_eq!(call(&app, new).await.0, StatusCode::OK);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn removed_secret_fails() {
    let clock = ManualClock::new(NOW);
    let mut ring = ring();
    assert!(ring.remove_secret("billing-service", "2026-11"));
    let (app, _) = app(verifier_for(ring, &clock));
    let old = request(BILLING_OLD, Some("billing-service"), "/v1/infer", b"{}");
    assert_eq!(call(&app, old).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn key_id_problems_are_rejected() {
    let clock = ManualClock::new(NOW);
    let (app, calls) = app(verifier_for(ring(), &clock));

    let unknown = request(SEARCH, Some("unknown-service"), "/v1/infer", b"{}");
    let (status, body) = call(&app, unknown).await;
    assert_eq!(
        (status, detail(body.as_bytes())),
        (StatusCode::UNAUTHORIZED, "Unknown key id".into())
    );

    let mut malformed = request(SEARCH, Some("search-service"), "/v1/infer", b"{}");
    malformed
        .headers_mut()
        .insert("x-hmac-key-id", "search service".parse().unwrap());
    let (status, body) = call(&app, malformed).await;
    assert_eq!(
        (status, detail(body.as_bytes())),
        (StatusCode::UNAUTHORIZED, "Invalid key id".into())
    );

    let mut too_long = request(SEARCH, Some("search-service"), "/v1/infer", b"{}");
    too_long
        .headers_mut()
        .insert("x-hmac-key-id", "k".repeat(65).parse().unwrap());
    let (status, body) = call(&app, too_long).await;
    assert_eq!(
        (status, detail(body.as_bytes())),
        (StatusCode::UNAUTHORIZED, "Invalid key id".into())
    );

    let mut duplicated = request(SEARCH, Some("search-service"), "/v1/infer", b"{}");
    duplicated
        .headers_mut()
        .append("x-hmac-key-id", "search-service".parse().unwrap());
    let (status, body) = call(&app, duplicated).await;
    assert_eq!(
        (status, detail(body.as_bytes())),
        (StatusCode::UNAUTHORIZED, "Duplicate HMAC headers".into())
    );

    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn swapped_key_id_fails_signature() {
    let clock = ManualClock::new(NOW);
    let (app, calls) = app(verifier_for(ring(), &clock));
    // Signed by search-service, then relabelled as billing-service.
    let mut swapped = request(SEARCH, Some("search-service"), "/v1/infer", b"{}");
    swapped
        .headers_mut()
        .insert("x-hmac-key-id", "billing-service".parse().unwrap());
    let (status, body) = call(&app, swapped).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(body.as_bytes()), "Invalid HMAC signature");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn missing_key_id_without_default() {
    let clock = ManualClock::new(NOW);
    let (app, calls) = app(verifier_for(ring(), &clock));
    let anonymous = request(SEARCH, None, "/v1/infer", b"{}");
    let (status, body) = call(&app, anonymous).await;
    assert_eq!(
        (status, detail(body.as_bytes())),
        (StatusCode::UNAUTHORIZED, "Missing key id".into())
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn missing_key_id_uses_default() {
    let clock = ManualClock::new(NOW);
    let mut ring = ring();
    ring.set_default_key("search-service").unwrap();
    let (app, _) = app(verifier_for(ring, &clock));
    let anonymous = request(SEARCH, None, "/v1/infer", b"{}");
    assert_eq!(
        call(&app, anonymous).await,
        (StatusCode::OK, "search-service/v1".into())
    );
    // The default only fills in a missing id; another key's secret fails.
    let wrong = request(BILLING_NEW, None, "/v1/infer", b"{}");
    assert_eq!(call(&app, wrong).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn allow_list_gates_endpoints() {
    let clock = ManualClock::new(NOW);
    let mut ring = ring();
    ring.allow(
        "search-service",
        AllowRule {
            method: Some(Method::POST),
            path_prefix: "/v1/infer".into(),
        },
    )
    .unwrap();
    let (app, calls) = app(verifier_for(ring, &clock));

    let inside = request(SEARCH, Some("search-service"), "/v1/infer", b"{}");
    assert_eq!(call(&app, inside).await.0, StatusCode::OK);
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let outside = request(SEARCH, Some("search-service"), "/v1/admin/reset", b"{}");
    let (status, body) = call(&app, outside).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(detail(body.as_bytes()), "Key id not allowed for this endpoint");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // A key without rules may call everything.
    let unrestricted = request(BILLING_NEW, Some("billing-service"), "/v1/admin/reset", b"{}");
    assert_eq!(call(&app, unrestricted).await.0, StatusCode::OK);
}

/// A provider backed by a ring that counts lookups and can be switched off.
#[derive(Debug)]
struct CountingProvider {
    ring: KeyRing,
    lookups: AtomicUsize,
    failing: std::sync::atomic::AtomicBool,
}

impl KeyProvider for CountingProvider {
    fn lookup<'a>(&'a self, key_id: &'a str) -> LookupFuture<'a> {
        Box::pin(async move {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            if self.failing.load(Ordering::SeqCst) {
                return Err(KeyProviderError {
                    reason: "database unreachable".into(),
                });
            }
            Ok::<Option<Arc<KeyEntry>>, _>(self.ring.get(key_id).cloned())
        })
    }
}

#[tokio::test]
async fn key_provider_is_consulted() {
    let provider = Arc::new(CountingProvider {
        ring: ring(),
        lookups: AtomicUsize::new(0),
        failing: false.into(),
    });
    let verifier = HmacVerifier::builder()
        .key_provider(provider.clone())
        .clock(ManualClock::new(NOW))
        .build()
        .unwrap();
    let (app, _) = app(verifier);

    let ok = request(SEARCH, Some("search-service"), "/v1/infer", b"{}");
    assert_eq!(call(&app, ok).await.0, StatusCode::OK);
    assert_eq!(provider.lookups.load(Ordering::SeqCst), 1);

    provider.failing.store(true, Ordering::SeqCst);
    let during_outage = request(SEARCH, Some("search-service"), "/v1/infer", b"{}");
    let (status, body) = call(&app, during_outage).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(detail(body.as_bytes()), "Key lookup unavailable");
}

#[tokio::test]
async fn extractor_without_layer_is_500() {
    let app = Router::new().route(
        "/v1/infer",
        post(|caller: VerifiedCaller| async move { caller.key_id().to_owned() }),
    );
    let request = Request::post("/v1/infer").body(Body::empty()).unwrap();
    let (status, body, _) = read(app.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.contains("without HmacVerifyLayer"), "{text}");
}

#[tokio::test]
async fn extractor_with_layer_reads_caller() {
    let clock = ManualClock::new(NOW);
    let (app, _) = app(verifier_for(ring(), &clock));
    let signed = request(BILLING_NEW, Some("billing-service"), "/v1/infer", b"{}");
    assert_eq!(call(&app, signed).await.1, "billing-service/2026-12");
}

#[tokio::test]
async fn unknown_key_id_still_reads_body() {
    // The unknown id is only reported after the body has gone through a
    // MAC, like a wrong signature, so timing does not reveal valid ids.
    let clock = ManualClock::new(NOW);
    let (app, _) = app(verifier_for(ring(), &clock));
    let body = common::ScriptedBody::new(&[b"{\"a\":", b"1}"]);
    let polled = body.polled_flag();
    let (parts, _) = request(SEARCH, Some("nobody-here"), "/v1/infer", b"{\"a\":1}").into_parts();
    let (status, response) = call(&app, Request::from_parts(parts, Body::new(body))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(response.as_bytes()), "Unknown key id");
    assert!(polled.load(Ordering::SeqCst));
}

#[test]
fn ring_from_environment() {
    // Only this test in this binary touches these variables.
    std::env::set_var(
        "HMAC_KEYS",
        "billing=bill-secret,search=search-secret,billing=bill-next",
    );
    std::env::remove_var("HMAC_SECRET_KEY");
    std::env::remove_var("HMAC_DEFAULT_KEY_ID");
    let ring = KeyRing::from_env().unwrap();
    assert_eq!(ring.key_ids().collect::<Vec<_>>(), ["billing", "search"]);
    assert_eq!(ring.get("billing").unwrap().versions().len(), 2);
    assert_eq!(ring.default_key_id(), None);

    let file = std::env::temp_dir().join(format!("tower-hmac-keys-{}.txt", std::process::id()));
    std::fs::write(
        &file,
        "# per-service keys\nbilling=file-secret\n\nsearch=file-search\n",
    )
    .unwrap();
    std::env::set_var("HMAC_KEYS", &file);
    std::env::set_var("HMAC_SECRET_KEY", "shared-secret");
    let ring = KeyRing::from_env().unwrap();
    assert_eq!(
        ring.key_ids().collect::<Vec<_>>(),
        ["billing", "default", "search"]
    );
    assert_eq!(ring.default_key_id(), Some("default"));
    assert_eq!(
        ring.get("billing").unwrap().versions()[0].secret().expose_bytes(),
        b"file-secret"
    );

    std::env::set_var("HMAC_DEFAULT_KEY_ID", "search");
    assert_eq!(KeyRing::from_env().unwrap().default_key_id(), Some("search"));
    std::env::set_var("HMAC_DEFAULT_KEY_ID", "missing");
    assert!(KeyRing::from_env().is_err());
    std::fs::remove_file(&file).unwrap();

    std::env::set_var("HMAC_KEYS", "/nonexistent/tower-hmac/keys");
    std::env::remove_var("HMAC_DEFAULT_KEY_ID");
    let error = KeyRing::from_env().unwrap_err().to_string();
    assert!(error.contains("cannot read the key file"), "{error}");

    std::env::remove_var("HMAC_KEYS");
    std::env::remove_var("HMAC_SECRET_KEY");
    assert!(KeyRing::from_env().is_err());
}
