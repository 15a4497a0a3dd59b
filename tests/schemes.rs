//! Standard Webhooks and RFC 9421 through the verifier and the layer:
//! published test vectors, policy rejections and multi-scheme migration.

mod common;

use axum::body::Body;
use axum::routing::any;
use axum::Router;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bytes::Bytes;
use common::{detail, read};
use http::{HeaderValue, Method, Request, StatusCode};
use tower::ServiceExt;
use tower_hmac::replay::{MemoryReplayStore, ReplayProtection};
use tower_hmac::{
    HmacSecret, HmacSigner, HmacVerifier, HmacVerifyLayer, HttpSignatureOptions, HttpSignaturePolicy,
    KeyRing, ManualClock, Scheme, SigningScheme, VerifyError,
};

// Standard Webhooks test vector, published with its reference libraries.
const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const WEBHOOK_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const WEBHOOK_TIMESTAMP: i64 = 1_614_265_330;
const WEBHOOK_BODY: &str = r#"{"test": 2432232314}"#;
const WEBHOOK_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
const WEBHOOK_WRONG_SIGNATURE: &str = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

// RFC 9421, Appendix B.1.5 (key) and B.2.5 (signed request).
const RFC_KEY: &str =
    "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==";
const RFC_CREATED: i64 = 1_618_884_473;

const NOW: i64 = 1_700_000_000;
const SHARED: &str = "shared-secret-for-scheme-tests-0123456789";

fn webhook_verifier(now: i64) -> HmacVerifier {
    let ring = KeyRing::single(HmacSecret::from_standard_webhooks(WEBHOOK_SECRET).unwrap());
    HmacVerifier::builder()
        .key_ring(ring)
        .scheme(Scheme::standard_webhooks())
        .clock(ManualClock::new(now))
        .build()
        .unwrap()
}

fn webhook_request(signature: &str) -> Request<&'static [u8]> {
    Request::post("/webhooks")
        .header("webhook-id", WEBHOOK_ID)
        .header("webhook-timestamp", WEBHOOK_TIMESTAMP.to_string())
        .header("webhook-signature", signature)
        .body(WEBHOOK_BODY.as_bytes())
        .unwrap()
}

#[tokio::test]
async fn webhooks_published_vector_verifies() {
    let caller = webhook_verifier(WEBHOOK_TIMESTAMP)
        .verify(&webhook_request(WEBHOOK_SIGNATURE))
        .await;
    assert_eq!(caller.unwrap().key_id(), "default");
}

#[tokio::test]
async fn webhooks_published_negative_fails() {
    let result = webhook_verifier(WEBHOOK_TIMESTAMP)
        .verify(&webhook_request(WEBHOOK_WRONG_SIGNATURE))
        .await;
    assert_eq!(result.unwrap_err(), VerifyError::SignatureMismatch);
}

#[tokio::test]
async fn webhooks_any_v1_entry_may_match() {
    let list = format!(
        "v1a,xyz v2,{} {WEBHOOK_WRONG_SIGNATURE} {WEBHOOK_SIGNATURE}",
        &WEBHOOK_SIGNATURE[3..]
    );
    let result = webhook_verifier(WEBHOOK_TIMESTAMP)
        .verify(&webhook_request(&list))
        .await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn webhooks_window_and_tampering() {
    let late = webhook_verifier(WEBHOOK_TIMESTAMP + 61)
        .verify(&webhook_request(WEBHOOK_SIGNATURE))
        .await;
    assert!(
        matches!(late, Err(VerifyError::TimestampTooOld { .. })),
        "{late:?}"
    );

    let mut tampered = webhook_request(WEBHOOK_SIGNATURE);
    *tampered.body_mut() = br#"{"test": 2432232315}"#;
    let result = webhook_verifier(WEBHOOK_TIMESTAMP).verify(&tampered).await;
    assert_eq!(result.unwrap_err(), VerifyError::SignatureMismatch);

    let mut other_id = webhook_request(WEBHOOK_SIGNATURE);
    other_id
        .headers_mut()
        .insert("webhook-id", HeaderValue::from_static("msg_other"));
    let result = webhook_verifier(WEBHOOK_TIMESTAMP).verify(&other_id).await;
    assert_eq!(result.unwrap_err(), VerifyError::SignatureMismatch);

    let mut spaced_id = webhook_request(WEBHOOK_SIGNATURE);
    spaced_id
        .headers_mut()
        .insert("webhook-id", HeaderValue::from_static("msg a"));
    let result = webhook_verifier(WEBHOOK_TIMESTAMP).verify(&spaced_id).await;
    assert_eq!(result.unwrap_err(), VerifyError::InvalidMessageId);
}

#[tokio::test]
async fn webhooks_missing_header_named() {
    let mut request = webhook_request(WEBHOOK_SIGNATURE);
    request.headers_mut().remove("webhook-id");
    let result = webhook_verifier(WEBHOOK_TIMESTAMP).verify(&request).await;
    assert!(
        matches!(&result, Err(VerifyError::MissingHeader { header }) if header == "webhook-id"),
        "{result:?}"
    );
}

#[tokio::test]
async fn webhooks_id_is_replay_key() {
    let ring = KeyRing::single(HmacSecret::from_standard_webhooks(WEBHOOK_SECRET).unwrap());
    let verifier = HmacVerifier::builder()
        .key_ring(ring)
        .scheme(Scheme::standard_webhooks())
        .clock(ManualClock::new(NOW))
        .replay_protection(ReplayProtection::new(MemoryReplayStore::new(100)))
        .build()
        .unwrap();
    let signer = HmacSigner::new(HmacSecret::from_standard_webhooks(WEBHOOK_SECRET).unwrap())
        .clock(ManualClock::new(NOW))
        .scheme(SigningScheme::StandardWebhooks);

    let mut first = Request::post("/webhooks").body(&b"{}"[..]).unwrap();
    signer.sign_request(&mut first).unwrap();
    assert!(verifier.verify(&first).await.is_ok());
    assert_eq!(verifier.verify(&first).await.unwrap_err(), VerifyError::Replayed);

    // A new signature over another body under the same id is still a replay,
    // because the id names the message.
    let mut resent = Request::post("/webhooks").body(&b"{\"again\":1}"[..]).unwrap();
    signer.sign_request(&mut resent).unwrap();
    let id = first.headers()["webhook-id"].clone();
    let timestamp = NOW.to_string();
    let body = resent.body().to_vec();
    let signature = {
        use hmac::{Hmac, Mac};
        let key = HmacSecret::from_standard_webhooks(WEBHOOK_SECRET).unwrap();
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.expose_bytes()).unwrap();
        mac.update(format!("{}.{timestamp}.", id.to_str().unwrap()).as_bytes());
        mac.update(&body);
        format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
    };
    resent.headers_mut().insert("webhook-id", id);
    resent
        .headers_mut()
        .insert("webhook-signature", signature.parse().unwrap());
    assert_eq!(verifier.verify(&resent).await.unwrap_err(), VerifyError::Replayed);
}

fn rfc_ring() -> KeyRing {
    let mut ring = KeyRing::new();
    let key = HmacSecret::from_bytes(BASE64.decode(RFC_KEY).unwrap()).unwrap();
    ring.add_secret("test-shared-secret", "rfc", key, None).unwrap();
    ring
}

fn rfc_b25_request() -> Request<&'static [u8]> {
    Request::post("/foo?param=Value&Pet=dog")
        .header("host", "example.com")
        .header("date", "Tue, 20 Apr 2021 02:07:55 GMT")
        .header("content-type", "application/json")
        .header(
            "content-digest",
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
        )
        .header("content-length", "18")
        .header(
            "signature-input",
            r#"sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret""#,
        )
        .header("signature", "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:")
        .body(&br#"{"hello": "world"}"#[..])
        .unwrap()
}

/// Returns the policy under which the RFC's own example verifies. It covers neither
/// the path nor the body digest, which the default policy requires.
fn rfc_example_policy() -> HttpSignaturePolicy {
    HttpSignaturePolicy {
        required_components: Vec::new(),
        require_content_digest: false,
        ..HttpSignaturePolicy::default()
    }
}

fn rfc_verifier(policy: HttpSignaturePolicy, now: i64) -> HmacVerifier {
    HmacVerifier::builder()
        .key_ring(rfc_ring())
        .scheme(Scheme::HttpSignatures(policy))
        .clock(ManualClock::new(now))
        .build()
        .unwrap()
}

#[tokio::test]
async fn rfc_9421_b_2_5_verifies() {
    let caller = rfc_verifier(rfc_example_policy(), RFC_CREATED)
        .verify(&rfc_b25_request())
        .await
        .unwrap();
    assert_eq!(caller.key_id(), "test-shared-secret");
}

#[tokio::test]
async fn rfc_9421_b_2_5_under_default_policy() {
    // The default policy requires @method, @authority, @path and @query.
    let result = rfc_verifier(HttpSignaturePolicy::default(), RFC_CREATED)
        .verify(&rfc_b25_request())
        .await;
    assert_eq!(
        result.unwrap_err(),
        VerifyError::MissingCoveredComponent {
            component: "@method".into()
        }
    );
}

#[tokio::test]
async fn rfc_9421_changed_header_fails() {
    let mut request = rfc_b25_request();
    request
        .headers_mut()
        .insert("date", HeaderValue::from_static("Tue, 20 Apr 2021 02:07:56 GMT"));
    let result = rfc_verifier(rfc_example_policy(), RFC_CREATED)
        .verify(&request)
        .await;
    assert_eq!(result.unwrap_err(), VerifyError::SignatureMismatch);
}

#[tokio::test]
async fn rfc_9421_body_must_match_digest() {
    // The B.2.5 signature does not cover Content-Digest, so it still
    // verifies, but the digest sent no longer matches the body.
    let mut request = rfc_b25_request();
    *request.body_mut() = br#"{"hello": "World"}"#;
    let result = rfc_verifier(rfc_example_policy(), RFC_CREATED)
        .verify(&request)
        .await;
    assert_eq!(result.unwrap_err(), VerifyError::ContentDigestMismatch);
}

fn signer(options: HttpSignatureOptions) -> HmacSigner {
    HmacSigner::new(HmacSecret::from_utf8(SHARED).unwrap())
        .key_id("billing-service")
        .unwrap()
        .clock(ManualClock::new(NOW))
        .scheme(SigningScheme::HttpSignatures(options))
}

fn shared_ring() -> KeyRing {
    let mut ring = KeyRing::new();
    ring.add_secret(
        "billing-service",
        "v1",
        HmacSecret::from_utf8(SHARED).unwrap(),
        None,
    )
    .unwrap();
    ring
}

fn policy_verifier(policy: HttpSignaturePolicy) -> HmacVerifier {
    HmacVerifier::builder()
        .key_ring(shared_ring())
        .scheme(Scheme::HttpSignatures(policy))
        .clock(ManualClock::new(NOW))
        .build()
        .unwrap()
}

fn signed(
    method: Method,
    uri: &str,
    body: &'static [u8],
    options: HttpSignatureOptions,
) -> Request<&'static [u8]> {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "api.internal")
        .body(body)
        .unwrap();
    signer(options).sign_request(&mut request).unwrap();
    request
}

#[tokio::test]
async fn rfc_9421_signed_request_verifies() {
    let request = signed(
        Method::POST,
        "/v1/infer?lang=ko",
        b"{\"text\":\"hi\"}",
        HttpSignatureOptions::default(),
    );
    let caller = policy_verifier(HttpSignaturePolicy::default())
        .verify(&request)
        .await
        .unwrap();
    assert_eq!(caller.key_id(), "billing-service");
}

#[tokio::test]
async fn rfc_9421_replay_elsewhere_fails() {
    let request = signed(
        Method::POST,
        "/v1/infer?lang=ko",
        b"{}",
        HttpSignatureOptions::default(),
    );
    let verifier = policy_verifier(HttpSignaturePolicy::default());

    let mut other_path = request.clone();
    *other_path.uri_mut() = "/v1/admin/delete?lang=ko".parse().unwrap();
    assert_eq!(
        verifier.verify(&other_path).await.unwrap_err(),
        VerifyError::SignatureMismatch
    );

    let mut other_method = request.clone();
    *other_method.method_mut() = Method::PUT;
    assert_eq!(
        verifier.verify(&other_method).await.unwrap_err(),
        VerifyError::SignatureMismatch
    );

    let mut other_query = request.clone();
    *other_query.uri_mut() = "/v1/infer?lang=en".parse().unwrap();
    assert_eq!(
        verifier.verify(&other_query).await.unwrap_err(),
        VerifyError::SignatureMismatch
    );

    let mut other_host = request.clone();
    other_host
        .headers_mut()
        .insert("host", HeaderValue::from_static("other.internal"));
    assert_eq!(
        verifier.verify(&other_host).await.unwrap_err(),
        VerifyError::SignatureMismatch
    );
}

#[tokio::test]
async fn rfc_9421_changed_digest_fails() {
    let request = signed(
        Method::POST,
        "/v1/infer",
        b"{\"amount\":1}",
        HttpSignatureOptions::default(),
    );
    let verifier = policy_verifier(HttpSignaturePolicy::default());

    // A digest that matches a new body, but is not the one signed.
    let mut new_digest = request.clone();
    *new_digest.body_mut() = b"{\"amount\":9}";
    let digest = format!(
        "sha-256=:{}:",
        BASE64.encode(<sha2::Sha256 as sha2::Digest>::digest(b"{\"amount\":9}"))
    );
    new_digest
        .headers_mut()
        .insert("content-digest", digest.parse().unwrap());
    assert_eq!(
        verifier.verify(&new_digest).await.unwrap_err(),
        VerifyError::SignatureMismatch
    );

    // The body alone changed: the signature holds, the digest does not.
    let mut new_body = request.clone();
    *new_body.body_mut() = b"{\"amount\":9}";
    assert_eq!(
        verifier.verify(&new_body).await.unwrap_err(),
        VerifyError::ContentDigestMismatch
    );
}

#[tokio::test]
async fn rfc_9421_policy_rejections() {
    let verifier = policy_verifier(HttpSignaturePolicy::default());

    let without_path = HttpSignatureOptions {
        components: ["@method", "@authority", "@query"].map(String::from).to_vec(),
        ..HttpSignatureOptions::default()
    };
    let request = signed(Method::POST, "/v1/infer", b"{}", without_path);
    assert_eq!(
        verifier.verify(&request).await.unwrap_err(),
        VerifyError::MissingCoveredComponent {
            component: "@path".into()
        }
    );

    let expired = HttpSignatureOptions {
        expires_in_seconds: Some(0),
        ..HttpSignatureOptions::default()
    };
    let request = signed(Method::POST, "/v1/infer", b"{}", expired);
    let later = HmacVerifier::builder()
        .key_ring(shared_ring())
        .scheme(Scheme::http_signatures())
        .clock(ManualClock::new(NOW + 1))
        .build()
        .unwrap();
    assert_eq!(
        later.verify(&request).await.unwrap_err(),
        VerifyError::SignatureExpired
    );

    let stale = HmacVerifier::builder()
        .key_ring(shared_ring())
        .scheme(Scheme::http_signatures())
        .clock(ManualClock::new(NOW + 61))
        .build()
        .unwrap();
    let request = signed(Method::POST, "/v1/infer", b"{}", HttpSignatureOptions::default());
    assert!(matches!(
        stale.verify(&request).await,
        Err(VerifyError::TimestampTooOld { .. })
    ));
}

#[tokio::test]
async fn rfc_9421_wire_alg_must_match() {
    let request = signed(Method::POST, "/v1/infer", b"{}", HttpSignatureOptions::default());
    let mut other_alg = request.clone();
    let input = request.headers()["signature-input"].to_str().unwrap();
    assert!(input.contains(r#"alg="hmac-sha256""#), "{input}");
    let replaced = input.replace(r#"alg="hmac-sha256""#, r#"alg="rsa-pss-sha512""#);
    other_alg
        .headers_mut()
        .insert("signature-input", replaced.parse().unwrap());
    let result = policy_verifier(HttpSignaturePolicy::default())
        .verify(&other_alg)
        .await;
    assert_eq!(result.unwrap_err(), VerifyError::AlgorithmNotAllowed);
}

#[tokio::test]
async fn rfc_9421_body_needs_signed_digest() {
    let without_digest = HttpSignatureOptions::default();
    let mut request = signed(Method::POST, "/v1/infer", b"", without_digest);
    // Signed with no body, then sent with one.
    *request.body_mut() = b"{\"smuggled\":true}";
    let result = policy_verifier(HttpSignaturePolicy::default())
        .verify(&request)
        .await;
    assert_eq!(result.unwrap_err(), VerifyError::ContentDigestNotCovered);
}

#[tokio::test]
async fn rfc_9421_required_tag_and_labels() {
    let tagged = HttpSignatureOptions {
        tag: Some("billing-api".into()),
        label: "billing".into(),
        ..HttpSignatureOptions::default()
    };
    let request = signed(Method::POST, "/v1/infer", b"{}", tagged);

    let wants_tag = HttpSignaturePolicy {
        required_tag: Some("billing-api".into()),
        ..HttpSignaturePolicy::default()
    };
    assert!(policy_verifier(wants_tag).verify(&request).await.is_ok());
    let wants_other_tag = HttpSignaturePolicy {
        required_tag: Some("search-api".into()),
        ..HttpSignaturePolicy::default()
    };
    assert_eq!(
        policy_verifier(wants_other_tag)
            .verify(&request)
            .await
            .unwrap_err(),
        VerifyError::TagNotAllowed
    );

    let wants_label = HttpSignaturePolicy {
        labels: vec!["proxy".into(), "billing".into()],
        ..HttpSignaturePolicy::default()
    };
    assert!(policy_verifier(wants_label).verify(&request).await.is_ok());
    let wants_other_label = HttpSignaturePolicy {
        labels: vec!["proxy".into()],
        ..HttpSignaturePolicy::default()
    };
    assert_eq!(
        policy_verifier(wants_other_label)
            .verify(&request)
            .await
            .unwrap_err(),
        VerifyError::SignatureLabelNotFound
    );
}

#[tokio::test]
async fn rfc_9421_two_signatures_need_labels() {
    let mut request = signed(Method::POST, "/v1/infer", b"{}", HttpSignatureOptions::default());
    let input = request.headers()["signature-input"].to_str().unwrap().to_owned();
    let signature = request.headers()["signature"].to_str().unwrap().to_owned();
    let proxy_input = format!(r#"{input}, proxy=("@method");created={NOW}"#);
    let proxy_signature = format!("{signature}, proxy=:{}:", BASE64.encode([0u8; 32]));
    request
        .headers_mut()
        .insert("signature-input", proxy_input.parse().unwrap());
    request
        .headers_mut()
        .insert("signature", proxy_signature.parse().unwrap());

    let unlabelled = policy_verifier(HttpSignaturePolicy::default())
        .verify(&request)
        .await;
    assert_eq!(unlabelled.unwrap_err(), VerifyError::SignatureLabelNotFound);
    let labelled = HttpSignaturePolicy {
        labels: vec!["sig1".into()],
        ..HttpSignaturePolicy::default()
    };
    assert!(policy_verifier(labelled).verify(&request).await.is_ok());
}

#[tokio::test]
async fn rfc_9421_malformed_inputs_rejected() {
    let verifier = policy_verifier(HttpSignaturePolicy::default());
    let base = signed(Method::POST, "/v1/infer", b"{}", HttpSignatureOptions::default());
    let cases: [(&str, &str, VerifyError); 5] = [
        ("signature-input", "sig1=(", VerifyError::InvalidSignatureInput),
        (
            "signature-input",
            "sig1=\"not a list\"",
            VerifyError::InvalidSignatureInput,
        ),
        ("signature", "sig1=:AAAA:", VerifyError::MalformedSignature),
        ("signature", "other=:AAAA:", VerifyError::SignatureLabelNotFound),
        (
            "content-digest",
            "sha-256=:AAAA:",
            VerifyError::InvalidContentDigest,
        ),
    ];
    for (header, value, expected) in cases {
        let mut request = base.clone();
        request.headers_mut().insert(header, value.parse().unwrap());
        assert_eq!(
            verifier.verify(&request).await.unwrap_err(),
            expected,
            "{header}: {value}"
        );
    }
}

/// Builds a router that echoes the body, behind a verifier that accepts the
/// default scheme and RFC 9421, as during a migration.
fn migration_app() -> Router {
    let verifier = HmacVerifier::builder()
        .key_ring(shared_ring())
        .schemes(vec![Scheme::Default, Scheme::http_signatures()])
        .clock(ManualClock::new(NOW))
        .build()
        .unwrap();
    Router::new()
        .route("/{*path}", any(|body: Bytes| async move { body }))
        .layer(HmacVerifyLayer::from_verifier(verifier))
}

#[tokio::test]
async fn migration_accepts_both_schemes() {
    let app = migration_app();

    let rfc = signed(
        Method::POST,
        "/v1/infer",
        b"{\"via\":\"rfc9421\"}",
        HttpSignatureOptions::default(),
    );
    let (status, body, _) = read(app.clone().oneshot(rfc.map(Body::from)).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..], b"{\"via\":\"rfc9421\"}");

    let legacy_signer = HmacSigner::new(HmacSecret::from_utf8(SHARED).unwrap())
        .key_id("billing-service")
        .unwrap()
        .clock(ManualClock::new(NOW));
    let mut legacy = Request::post("/v1/infer")
        .body(&b"{\"via\":\"default\"}"[..])
        .unwrap();
    legacy_signer.sign_request(&mut legacy).unwrap();
    let (status, _, _) = read(app.clone().oneshot(legacy.map(Body::from)).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);

    let (status, body, _) = read(
        app.oneshot(Request::post("/v1/infer").body(Body::empty()).unwrap())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), "Missing HMAC headers");
}

#[tokio::test]
async fn migration_rejects_mixed_headers() {
    let mut request = signed(Method::POST, "/v1/infer", b"{}", HttpSignatureOptions::default());
    let legacy = HmacSigner::new(HmacSecret::from_utf8(SHARED).unwrap())
        .clock(ManualClock::new(NOW))
        .sign_at(NOW, b"{}");
    legacy.apply(request.headers_mut());
    let (status, body, _) = read(migration_app().oneshot(request.map(Body::from)).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), "Multiple signature schemes");
}

#[tokio::test]
async fn rfc_9421_digest_checked_in_layer() {
    // Through the layer the digest is computed as the body streams in.
    let app = migration_app();
    let mut request = signed(
        Method::POST,
        "/v1/infer",
        b"{\"amount\":1}",
        HttpSignatureOptions::default(),
    );
    *request.body_mut() = b"{\"amount\":2}";
    let (status, body, _) = read(app.oneshot(request.map(Body::from)).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), "Content digest mismatch");
}

#[tokio::test]
async fn rfc_9421_noncanonical_base64_rejected() {
    // The last base64 character of a 32-byte tag carries two unused bits.
    // Setting one spells the same tag differently, which is rejected.
    let request = signed(Method::POST, "/v1/infer", b"{}", HttpSignatureOptions::default());
    let signature = request.headers()["signature"].to_str().unwrap().to_owned();
    let encoded = signature.trim_start_matches("sig1=:").trim_end_matches(':');
    let last = encoded.as_bytes()[encoded.len() - 2] as char;
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let position = alphabet.find(last).unwrap();
    let respelled_char = alphabet.as_bytes()[position ^ 1] as char;
    let respelled = format!("{}{respelled_char}=", &encoded[..encoded.len() - 2]);
    assert_eq!(
        BASE64.decode(&respelled).ok(),
        None,
        "the strict decoder rejects the respelling"
    );

    let mut tampered = request.clone();
    tampered
        .headers_mut()
        .insert("signature", format!("sig1=:{respelled}:").parse().unwrap());
    let verifier = policy_verifier(HttpSignaturePolicy::default());
    assert_eq!(
        verifier.verify(&tampered).await.unwrap_err(),
        VerifyError::MalformedSignature
    );
    assert!(verifier.verify(&request).await.is_ok());
}
