//! Standard Webhooks and RFC 9421 against the reference Python packages
//! (`standardwebhooks` and `http-message-signatures`), in both directions.
//!
//! These tests need the virtualenv that scripts/test.sh creates.

mod support;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use http::{HeaderMap, Request};
use serde_json::{json, Value};
use support::python_output;
use tower_hmac::{
    HmacSecret, HmacSigner, HmacVerifier, HttpSignatureOptions, KeyRing, Scheme, SigningScheme, SystemClock,
    VerifyError,
};

const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const KEY_ID: &str = "billing-service";
const KEY_BYTES: &[u8] = b"rfc9421-shared-key-for-cross-language-tests";

/// Runs `scheme_peer.py` with `arguments` and `input`, returning whether it
/// succeeded and its standard output as JSON.
fn peer(arguments: &[&str], input: &[u8]) -> (bool, Value) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/scheme_peer.py");
    let mut all_arguments = vec![script];
    all_arguments.extend_from_slice(arguments);
    let output = python_output(&all_arguments, input);
    let parsed = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "scheme_peer.py printed no JSON ({error}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.success(), parsed)
}

fn now() -> i64 {
    use tower_hmac::Clock as _;
    SystemClock.now_unix()
}

fn headers_json(headers: &HeaderMap) -> Value {
    let map: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), json!(value.to_str().unwrap())))
        .collect();
    Value::Object(map)
}

fn request_with_headers(uri: &str, headers: &Value, body: &'static [u8]) -> Request<&'static [u8]> {
    let mut request = Request::post(uri).body(body).unwrap();
    for (name, value) in headers.as_object().unwrap() {
        request.headers_mut().append(
            name.to_ascii_lowercase().parse::<http::HeaderName>().unwrap(),
            value.as_str().unwrap().parse().unwrap(),
        );
    }
    request
}

fn webhook_verifier() -> HmacVerifier {
    HmacVerifier::builder()
        .key_ring(KeyRing::single(
            HmacSecret::from_standard_webhooks(WEBHOOK_SECRET).unwrap(),
        ))
        .scheme(Scheme::standard_webhooks())
        .build()
        .unwrap()
}

#[tokio::test]
#[ignore = "needs Python; run by scripts/test.sh"]
async fn python_webhook_accepted_by_rust() {
    let body: &'static [u8] = "{\"event\":\"invoice.paid\",\"note\":\"결제 완료\"}".as_bytes();
    let timestamp = now().to_string();
    let (ok, headers) = peer(
        &["webhooks-sign", WEBHOOK_SECRET, "msg_2Kx9cross", &timestamp],
        body,
    );
    assert!(ok, "{headers}");

    let request = request_with_headers("/webhooks", &headers, body);
    let caller = webhook_verifier().verify(&request).await.unwrap();
    assert_eq!(caller.key_id(), "default");

    let tampered = request_with_headers("/webhooks", &headers, b"{\"event\":\"invoice.void\"}");
    assert_eq!(
        webhook_verifier().verify(&tampered).await.unwrap_err(),
        VerifyError::SignatureMismatch
    );
}

#[tokio::test]
#[ignore = "needs Python; run by scripts/test.sh"]
async fn rust_webhook_accepted_by_python() {
    let signer = HmacSigner::new(HmacSecret::from_standard_webhooks(WEBHOOK_SECRET).unwrap())
        .scheme(SigningScheme::StandardWebhooks);
    let mut request = Request::post("/webhooks")
        .body(&b"{\"event\":\"user.created\"}"[..])
        .unwrap();
    signer.sign_request(&mut request).unwrap();

    let message = json!({"headers": headers_json(request.headers()), "body": BASE64.encode(request.body())});
    let (ok, result) = peer(
        &["webhooks-verify", WEBHOOK_SECRET],
        message.to_string().as_bytes(),
    );
    assert!(ok, "Python rejected the Rust signature: {result}");

    let tampered = json!({"headers": headers_json(request.headers()), "body": BASE64.encode(b"{\"event\":\"user.deleted\"}")});
    let (ok, result) = peer(
        &["webhooks-verify", WEBHOOK_SECRET],
        tampered.to_string().as_bytes(),
    );
    assert!(!ok, "Python accepted a tampered body: {result}");
}

fn http_signature_verifier() -> HmacVerifier {
    let mut ring = KeyRing::new();
    ring.add_secret(KEY_ID, "v1", HmacSecret::from_bytes(KEY_BYTES).unwrap(), None)
        .unwrap();
    HmacVerifier::builder()
        .key_ring(ring)
        .scheme(Scheme::http_signatures())
        .build()
        .unwrap()
}

#[tokio::test]
#[ignore = "needs Python; run by scripts/test.sh"]
async fn python_http_signature_accepted_by_rust() {
    let body: &'static [u8] = b"{\"text\":\"hello\"}";
    let key = BASE64.encode(KEY_BYTES);
    let url = "https://api.internal/v1/infer?lang=ko";
    let (ok, headers) = peer(&["httpsig-sign", &key, KEY_ID, "POST", url], body);
    assert!(ok, "{headers}");
    let input = headers["Signature-Input"].as_str().unwrap();
    assert!(input.contains("\"content-digest\""), "{input}");

    // The request as a server behind TLS termination receives it: an
    // origin-form URI and a Host header.
    let mut request = request_with_headers("/v1/infer?lang=ko", &headers, body);
    request
        .headers_mut()
        .insert("host", "api.internal".parse().unwrap());
    let caller = http_signature_verifier().verify(&request).await.unwrap();
    assert_eq!(caller.key_id(), KEY_ID);

    let mut moved = request_with_headers("/v1/admin?lang=ko", &headers, body);
    moved
        .headers_mut()
        .insert("host", "api.internal".parse().unwrap());
    assert_eq!(
        http_signature_verifier().verify(&moved).await.unwrap_err(),
        VerifyError::SignatureMismatch
    );

    let mut tampered = request_with_headers("/v1/infer?lang=ko", &headers, b"{\"text\":\"HELLO\"}");
    tampered
        .headers_mut()
        .insert("host", "api.internal".parse().unwrap());
    assert_eq!(
        http_signature_verifier().verify(&tampered).await.unwrap_err(),
        VerifyError::ContentDigestMismatch
    );
}

#[tokio::test]
#[ignore = "needs Python; run by scripts/test.sh"]
async fn rust_http_signature_accepted_by_python() {
    let signer = HmacSigner::new(HmacSecret::from_bytes(KEY_BYTES).unwrap())
        .key_id(KEY_ID)
        .unwrap()
        .scheme(SigningScheme::HttpSignatures(HttpSignatureOptions::default()));
    let url = "https://api.internal/v1/infer?lang=ko";
    let mut request = Request::post(url).body(&b"{\"text\":\"from rust\"}"[..]).unwrap();
    signer.sign_request(&mut request).unwrap();
    let key = BASE64.encode(KEY_BYTES);

    let message = json!({"headers": headers_json(request.headers()), "body": BASE64.encode(request.body())});
    let (ok, result) = peer(
        &["httpsig-verify", &key, KEY_ID, "POST", url],
        message.to_string().as_bytes(),
    );
    assert!(ok, "Python rejected the Rust signature: {result}");

    let (ok, result) = peer(
        &[
            "httpsig-verify",
            &key,
            KEY_ID,
            "POST",
            "https://api.internal/v1/other?lang=ko",
        ],
        message.to_string().as_bytes(),
    );
    assert!(!ok, "Python accepted the signature on another path: {result}");

    let tampered =
        json!({"headers": headers_json(request.headers()), "body": BASE64.encode(b"{\"text\":\"changed\"}")});
    let (ok, result) = peer(
        &["httpsig-verify", &key, KEY_ID, "POST", url],
        tampered.to_string().as_bytes(),
    );
    assert!(!ok, "Python accepted a changed body: {result}");
}
