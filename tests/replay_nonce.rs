//! The nonce option: message format, nonce syntax and nonce reuse, through
//! the layer.

mod replay_support;

use axum::body::Body;
use http::{Request, StatusCode};
use replay_support::*;
use tower::ServiceExt;
use tower_hmac::replay::{MemoryReplayStore, ReplayProtection};
use tower_hmac::{HmacVerifier, ManualClock, MessagePrefix};

const NOW: i64 = 1_700_000_000;

fn nonce_verifier(require_nonce: bool) -> HmacVerifier {
    HmacVerifier::builder()
        .secret(secret())
        .clock(ManualClock::new(NOW))
        .require_nonce(require_nonce)
        .replay_protection(ReplayProtection::new(MemoryReplayStore::new(1_000)))
        .build()
        .unwrap()
}

/// Builds a `POST /echo` signed over `<timestamp>.<nonce>.<body>` when
/// `signed_nonce` is set (else `<timestamp>.<body>`), carrying `sent_nonce`
/// in `X-HMAC-Nonce` when set. Signing by hand lets a test send any nonce
/// with a signature that matches it.
fn post_with(body: &[u8], signed_nonce: Option<&str>, sent_nonce: Option<&str>) -> Request<Body> {
    let timestamp = NOW.to_string();
    let prefix = match signed_nonce {
        Some(nonce) => MessagePrefix::with_nonce(&timestamp, nonce),
        None => MessagePrefix::new(&timestamp),
    };
    let signature = hex::encode(prefix.sign(&secret(), body));

    let mut builder = Request::post("/echo")
        .header("x-hmac-timestamp", &timestamp)
        .header("x-hmac-signature", signature);
    if let Some(nonce) = sent_nonce {
        builder = builder.header("x-hmac-nonce", nonce);
    }
    builder.body(Body::from(body.to_vec())).unwrap()
}

fn signed_with_nonce(body: &[u8], nonce: &str) -> Request<Body> {
    post_with(body, Some(nonce), Some(nonce))
}

async fn status_and_detail(verifier: HmacVerifier, request: Request<Body>) -> (StatusCode, String) {
    let (app, _) = echo_app(verifier);
    let (status, body) = read(app.oneshot(request).await.unwrap()).await;
    let detail = if status == StatusCode::OK {
        String::new()
    } else {
        detail(&body)
    };
    (status, detail)
}

#[tokio::test]
async fn signer_nonce_is_accepted() {
    let (app, calls) = echo_app(nonce_verifier(true));
    let signer = signer().with_nonce(true);
    let response = app.oneshot(signed_post(&signer, b"hello", NOW)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn same_body_twice_with_nonces_is_accepted() {
    let (app, calls) = echo_app(nonce_verifier(true));
    let signer = signer().with_nonce(true);
    for _ in 0..2 {
        let response = app
            .clone()
            .oneshot(signed_post(&signer, b"same", NOW))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(calls.get(), 2);
}

#[tokio::test]
async fn replayed_nonce_request_is_rejected() {
    let (app, calls) = echo_app(nonce_verifier(true));
    let signer = signer().with_nonce(true);
    let (first, second) = copy_request(signed_post(&signer, b"once", NOW)).await;

    assert_eq!(app.clone().oneshot(first).await.unwrap().status(), StatusCode::OK);
    let (status, body) = read(app.oneshot(second).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), REPLAYED);
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn missing_nonce_is_rejected() {
    let request = post_with(b"body", Some("abcdefghijklmnop"), None);
    let (status, detail) = status_and_detail(nonce_verifier(true), request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail, "Missing nonce");
}

#[tokio::test]
async fn empty_nonce_is_missing() {
    let request = post_with(b"body", Some(""), Some(""));
    let (status, detail) = status_and_detail(nonce_verifier(true), request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail, "Missing nonce");
}

#[tokio::test]
async fn malformed_nonces_are_rejected() {
    let cases: [(&[u8], &str); 6] = [
        (b"abcdefghijklmno.", "Invalid nonce"),  // dot, the message separator
        (b"abcdefghijklmno!", "Invalid nonce"),  // punctuation
        (b"abcdefgh ijklmnop", "Invalid nonce"), // inner space
        (b"abcdefghijklmno/", "Invalid nonce"),  // slash
        (b"abcdefghijklmn+=", "Invalid nonce"),  // base64 plus and padding
        (b"abcdefghijklmno\xff", "Invalid HMAC headers"), // not visible ASCII
    ];
    for (nonce, expected) in cases {
        let printable = String::from_utf8_lossy(nonce);
        // Sign over the nonce itself, so only the nonce check can reject.
        let signed_nonce = std::str::from_utf8(nonce).unwrap_or("not-utf8");
        let mut request = post_with(b"body", Some(signed_nonce), None);
        request
            .headers_mut()
            .insert("x-hmac-nonce", http::HeaderValue::from_bytes(nonce).unwrap());
        let (status, detail) = status_and_detail(nonce_verifier(true), request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "nonce {printable:?}");
        assert_eq!(detail, expected, "nonce {printable:?}");
    }
}

#[tokio::test]
async fn nonce_length_bounds() {
    let cases = [
        (15, "Invalid nonce"),
        (16, ""),
        (128, ""),
        (129, "Invalid nonce"),
        (1_000, "Invalid nonce"),
    ];
    for (length, expected) in cases {
        let nonce = "a".repeat(length);
        let body = format!("length {length}");
        let request = signed_with_nonce(body.as_bytes(), &nonce);
        let (status, detail) = status_and_detail(nonce_verifier(true), request).await;
        let expected_status = if expected.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(status, expected_status, "nonce of {length} characters");
        assert_eq!(detail, expected, "nonce of {length} characters");
    }
}

#[tokio::test]
async fn all_allowed_characters_are_accepted() {
    let nonce = "ABCXYZabcxyz0189_-";
    let (status, detail) = status_and_detail(nonce_verifier(true), signed_with_nonce(b"chars", nonce)).await;
    assert_eq!(status, StatusCode::OK, "detail {detail:?}");
}

#[tokio::test]
async fn duplicate_nonce_header_is_rejected() {
    let mut request = signed_with_nonce(b"body", "abcdefghijklmnop");
    request
        .headers_mut()
        .append("x-hmac-nonce", "qrstuvwxyzabcdef".parse().unwrap());
    let (status, detail) = status_and_detail(nonce_verifier(true), request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail, "Duplicate HMAC headers");
}

#[tokio::test]
async fn nonce_moved_to_another_request_fails_signature() {
    // An attacker copies the nonce of one request onto another whose
    // signature was made with a different nonce.
    let first = signed_with_nonce(b"first", "nonce-of-the-first-request");
    let second_nonce = "nonce-of-the-second-request";
    let moved = post_with(b"second", Some(second_nonce), Some("nonce-of-the-first-request"));

    let (app, calls) = echo_app(nonce_verifier(true));
    assert_eq!(app.clone().oneshot(first).await.unwrap().status(), StatusCode::OK);
    let (status, body) = read(app.oneshot(moved).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), "Invalid HMAC signature");
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn reused_nonce_on_new_body_is_replay() {
    // With nonces the replay id is the nonce, so a sender that reuses one
    // is rejected even with a different body and a matching signature.
    let nonce = "reused-nonce-0123456789";
    let (app, calls) = echo_app(nonce_verifier(true));
    assert_eq!(
        app.clone()
            .oneshot(signed_with_nonce(b"first", nonce))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let (status, body) = read(app.oneshot(signed_with_nonce(b"second", nonce)).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), REPLAYED);
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn plain_format_rejected_when_nonce_required() {
    // The nonce header is there and valid, but the signature covers
    // `<timestamp>.<body>`: the verifier does not fall back to that format.
    let request = post_with(b"body", None, Some("abcdefghijklmnop"));
    let (status, detail) = status_and_detail(nonce_verifier(true), request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail, "Invalid HMAC signature");
}

#[tokio::test]
async fn nonce_header_ignored_when_option_off() {
    let request = post_with(b"body", None, Some("abcdefghijklmnop"));
    let (status, detail) = status_and_detail(nonce_verifier(false), request).await;
    assert_eq!(status, StatusCode::OK, "detail {detail:?}");
}

#[tokio::test]
async fn malformed_nonce_ignored_when_option_off() {
    let request = post_with(b"body", None, Some("bad.nonce"));
    let (status, detail) = status_and_detail(nonce_verifier(false), request).await;
    assert_eq!(status, StatusCode::OK, "detail {detail:?}");
}

#[tokio::test]
async fn nonce_format_rejected_when_option_off() {
    let request = signed_with_nonce(b"body", "abcdefghijklmnop");
    let (status, detail) = status_and_detail(nonce_verifier(false), request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail, "Invalid HMAC signature");
}
