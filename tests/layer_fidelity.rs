//! The handler behind the layer must see exactly what the client sent: body
//! bytes, method, URI, version, headers and extensions.

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::Request as AxumRequest;
use axum::routing::any;
use axum::Router;
use bytes::Bytes;
use common::*;
use http::{Method, Request, StatusCode, Version};
use http_body_util::BodyExt;
use tower::ServiceExt;
use tower_hmac::{HmacVerifyLayer, VerifiedCaller};

#[derive(Clone, Debug, PartialEq)]
struct OuterMarker(&'static str);

#[derive(Debug, Default)]
struct Seen {
    method: Option<Method>,
    uri: Option<String>,
    version: Option<Version>,
    custom_header: Option<String>,
    marker: Option<OuterMarker>,
    caller: Option<VerifiedCaller>,
    body: Option<Bytes>,
}

fn recording_app(seen: Arc<Mutex<Seen>>) -> Router {
    Router::new()
        .route(
            "/{*path}",
            any(move |request: AxumRequest| {
                let seen = seen.clone();
                async move {
                    let (parts, body) = request.into_parts();
                    let body = body.collect().await.unwrap().to_bytes();
                    let mut seen = seen.lock().unwrap();
                    seen.method = Some(parts.method.clone());
                    seen.uri = Some(parts.uri.to_string());
                    seen.version = Some(parts.version);
                    seen.custom_header = parts
                        .headers
                        .get("x-request-id")
                        .map(|value| value.to_str().unwrap().to_owned());
                    seen.marker = parts.extensions.get::<OuterMarker>().cloned();
                    seen.caller = parts.extensions.get::<VerifiedCaller>().cloned();
                    seen.body = Some(body.clone());
                    body
                }
            }),
        )
        .layer(HmacVerifyLayer::from_verifier(verifier()))
        // Runs before the HMAC layer, like an auth or tracing layer would.
        .layer(axum::middleware::map_request(
            |mut request: AxumRequest| async move {
                request.extensions_mut().insert(OuterMarker("outer"));
                request
            },
        ))
}

#[tokio::test]
async fn body_bytes_reach_handler_unchanged() {
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        (
            "raw UTF-8 Korean",
            r#"{"text":"안녕하세요, 세계"}"#.as_bytes().to_vec(),
        ),
        ("escaped Korean", br#"{"text":"\uc548\ub155"}"#.to_vec()),
        (
            "odd spacing",
            b"{ \"text\" :\t\"a\" ,\n  \"n\" : 1 }\r\n".to_vec(),
        ),
        ("float zero", br#"{"score":0.0,"neg":-0.0,"exp":1e+16}"#.to_vec()),
        ("emoji", "{\"text\":\"🦀\"}".as_bytes().to_vec()),
        ("non-UTF-8 bytes", vec![0xff, 0xfe, 0x00, 0x80, b'.', 0x0a]),
        ("empty", Vec::new()),
    ];
    for (name, body) in bodies {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let app = recording_app(seen.clone());
        let (status, echoed, _) = read(app.oneshot(signed_post(&body, NOW)).await.unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(&echoed[..], body.as_slice(), "{name}: echoed body");
        assert_eq!(
            seen.lock().unwrap().body.as_deref(),
            Some(body.as_slice()),
            "{name}: handler body"
        );
    }
}

#[tokio::test]
async fn request_parts_are_kept() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let app = recording_app(seen.clone());
    let body = br#"{"text":"parts"}"#;
    let signed = signer().sign_at(NOW, body);
    let request = Request::builder()
        .method(Method::PUT)
        .uri("/v1/items/7?lang=ko&q=%ED%95%9C")
        .version(Version::HTTP_11)
        .header("x-request-id", "req-42")
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(Body::from(&body[..]))
        .unwrap();

    let (status, _, _) = read(app.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.method, Some(Method::PUT));
    assert_eq!(seen.uri.as_deref(), Some("/v1/items/7?lang=ko&q=%ED%95%9C"));
    assert_eq!(seen.version, Some(Version::HTTP_11));
    assert_eq!(seen.custom_header.as_deref(), Some("req-42"));
    assert_eq!(seen.marker, Some(OuterMarker("outer")));
    assert_eq!(seen.caller.as_ref().map(VerifiedCaller::key_id), Some("default"));
}

#[tokio::test]
async fn reserialized_json_is_rejected() {
    // The sender signed compact JSON but sent it pretty-printed: the bytes
    // differ, so the signature must fail even though the data is equal.
    let signed = signer().sign_at(NOW, br#"{"text":"hi"}"#);
    let request = Request::post("/echo")
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(Body::from("{\"text\": \"hi\"}"))
        .unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (status, body, _) = read(recording_app(seen.clone()).oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), "Invalid HMAC signature");
    assert!(seen.lock().unwrap().body.is_none());
}
