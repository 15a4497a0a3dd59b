//! The layer behind a real TCP listener, called with a hyper client.

mod common;

use std::net::SocketAddr;

use bytes::Bytes;
use common::*;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower_hmac::HmacVerifier;

/// Starts the echo app with `verifier` on an ephemeral loopback port.
async fn serve(verifier: HmacVerifier) -> (SocketAddr, CallCount) {
    let (app, calls) = echo_app(verifier);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, calls)
}

async fn send<B>(request: Request<B>) -> (StatusCode, Bytes)
where
    B: http_body::Body + Send + 'static + Unpin,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let client = Client::builder(TokioExecutor::new()).build_http::<B>();
    let response = client.request(request).await.expect("request failed");
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, body)
}

#[tokio::test]
async fn signed_request_over_tcp() {
    let (address, calls) = serve(verifier()).await;
    let body = "{\"text\":\"안녕\"}";
    let signed = signer().sign_at(NOW, body.as_bytes());
    let request = Request::post(format!("http://{address}/v1/infer"))
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let (status, echoed) = send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&echoed[..], body.as_bytes());
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn chunked_body_without_length() {
    let (address, calls) = serve(verifier()).await;
    let chunks: [&[u8]; 3] = [b"{\"text\":", b"\"chunked", b"\"}"];
    let signed = signer().sign_at(NOW, &chunks.concat());
    let request = Request::post(format!("http://{address}/echo"))
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(ScriptedBody::new(&chunks))
        .unwrap();
    assert!(request.headers().get("content-length").is_none());
    let (status, echoed) = send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&echoed[..], chunks.concat().as_slice());
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn chunked_body_over_limit() {
    let (address, calls) = serve(limited_verifier(1024)).await;
    let chunk = [b'a'; 512];
    let chunks: [&[u8]; 3] = [&chunk, &chunk, &chunk];
    let signed = signer().sign_at(NOW, &chunks.concat());
    let request = Request::post(format!("http://{address}/echo"))
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(ScriptedBody::new(&chunks))
        .unwrap();
    let (status, body) = send(request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(detail(&body), "Request body too large");
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn declared_length_over_limit_over_tcp() {
    let (address, calls) = serve(limited_verifier(1024)).await;
    let body = vec![b'a'; 2048];
    let signed = signer().sign_at(NOW, &body);
    let request = Request::post(format!("http://{address}/echo"))
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let (status, body) = send(request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(detail(&body), "Request body too large");
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn tampered_request_over_tcp() {
    let (address, calls) = serve(verifier()).await;
    let signed = signer().sign_at(NOW, b"{\"amount\":1}");
    let request = Request::post(format!("http://{address}/echo"))
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(Full::new(Bytes::from_static(b"{\"amount\":9}")))
        .unwrap();
    let (status, body) = send(request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), "Invalid HMAC signature");
    assert_eq!(calls.get(), 0);
}
