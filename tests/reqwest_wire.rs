//! Signing reqwest requests and the JSON helper, against a recording server
//! on 127.0.0.1: the bytes on the wire are the bytes signed.

mod support;

use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use support::{signer, verifier, Recorder, NOW};
use tower_hmac::{to_canonical_json, HmacJsonClient, PostJsonError, SignError};

#[tokio::test]
async fn signed_reqwest_request_sends_signed_bytes() {
    let server = Recorder::start().await;
    let body = b"\x00binary\xff\xfe body".to_vec();
    let mut request = reqwest::Client::new()
        .put(server.url("/upload"))
        .body(body.clone())
        .build()
        .unwrap();

    signer().sign_reqwest(&mut request).unwrap();
    let signature = request.headers()["x-hmac-signature"].to_str().unwrap().to_owned();
    let response = reqwest::Client::new().execute(request).await.unwrap();
    assert_eq!(response.status(), 200);

    let received = server.single();
    assert_eq!(received.body, Bytes::from(body.clone()));
    assert_eq!(received.header("x-hmac-timestamp"), NOW.to_string());
    assert_eq!(received.header("x-hmac-signature"), signature);
    assert_eq!(signature, signer().sign_at(NOW, &body).signature());
    verifier().verify(&received.to_request()).await.unwrap();
}

#[tokio::test]
async fn signed_builder_sends_signed_bytes() {
    let server = Recorder::start().await;
    let builder = reqwest::Client::new()
        .post(server.url("/v1/infer"))
        .json(&serde_json::json!({"text": "안녕하세요 🌏"}));

    let response = signer()
        .sign_reqwest_builder(builder)
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let received = server.single();
    assert_eq!(received.body, Bytes::from("{\"text\":\"안녕하세요 🌏\"}"));
    assert_eq!(
        received.header("x-hmac-signature"),
        signer().sign_at(NOW, &received.body).signature()
    );
    verifier().verify(&received.to_request()).await.unwrap();
}

#[tokio::test]
async fn request_without_body_signs_empty_body() {
    let server = Recorder::start().await;
    let mut request = reqwest::Client::new().get(server.url("/health")).build().unwrap();

    signer().sign_reqwest(&mut request).unwrap();
    reqwest::Client::new().execute(request).await.unwrap();

    let received = server.single();
    assert!(received.body.is_empty());
    verifier().verify(&received.to_request()).await.unwrap();
}

#[test]
fn streaming_body_is_rejected() {
    let stream = http_body_util::Full::new(Bytes::from_static(b"streamed"));
    let mut request = reqwest::Client::new()
        .post("http://127.0.0.1:9/")
        .body(reqwest::Body::wrap(stream))
        .build()
        .unwrap();

    let error = signer().sign_reqwest(&mut request).unwrap_err();

    assert!(
        matches!(error, SignError::StreamingBody),
        "unexpected error: {error:?}"
    );
    assert!(!request.headers().contains_key("x-hmac-signature"));
    assert!(error.to_string().contains("in-memory body"), "{error}");
}

#[test]
fn invalid_builder_url_is_reported() {
    let builder = reqwest::Client::new().post("not a url");
    let error = signer().sign_reqwest_builder(builder).unwrap_err();
    assert!(
        matches!(error, SignError::InvalidRequest(_)),
        "unexpected error: {error:?}"
    );
}

#[derive(Serialize)]
struct InferRequest<'a> {
    text: &'a str,
    top_k: u32,
    temperature: f64,
    tags: Vec<&'a str>,
}

#[tokio::test]
async fn json_helper_sends_canonical_signed_bytes() {
    let server = Recorder::start().await;
    let payload = InferRequest {
        text: "한국어 텍스트 ✓",
        top_k: 5,
        temperature: 1e-7,
        tags: vec!["b", "a"],
    };

    let response = HmacJsonClient::new(signer())
        .post_json(server.url("/v1/infer"), &payload)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let received = server.single();
    let expected = to_canonical_json(&payload).unwrap();
    assert_eq!(
        received.body,
        Bytes::from(
            r#"{"tags":["b","a"],"temperature":1e-07,"text":"\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8 \u2713","top_k":5}"#
        )
    );
    assert_eq!(received.body, Bytes::from(expected.clone()));
    assert_eq!(received.header("content-type"), "application/json");
    assert_eq!(
        received.header("x-hmac-signature"),
        signer().sign_at(NOW, &expected).signature()
    );
    verifier().verify(&received.to_request()).await.unwrap();
}

#[tokio::test]
async fn json_helper_reports_error_status_and_body() {
    let server = Recorder::start().await;

    let error = HmacJsonClient::new(signer())
        .post_json(server.url("/status/422"), &serde_json::json!({"text": ""}))
        .await
        .unwrap_err();

    let PostJsonError::Status { status, body, url } = &error else {
        panic!("expected a status error, got {error:?}");
    };
    assert_eq!(status.as_u16(), 422);
    assert_eq!(body, "rejected with 422");
    assert_eq!(url, &server.url("/status/422"));
    assert!(error.to_string().contains("422"), "{error}");
}

#[tokio::test]
async fn json_helper_times_out() {
    let server = Recorder::start().await;

    let error = HmacJsonClient::new(signer())
        .timeout(Duration::from_millis(200))
        .post_json(server.url("/sleep/3"), &serde_json::json!({}))
        .await
        .unwrap_err();

    assert!(error.is_timeout(), "expected a timeout, got {error:?}");
}
