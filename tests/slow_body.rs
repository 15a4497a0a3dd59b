//! A client that sends its headers and then trickles the body, one byte a
//! second, must get 408 from the request timeout, and the handler must not
//! run. Both tests use a real TCP socket on 127.0.0.1 and a 2 s timeout.

mod common;

#[allow(dead_code)] // The tests use the router, not every item of the example.
#[path = "../examples/support/app.rs"]
mod app;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use http::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower_hmac::replay::{MemoryReplayStore, ReplayProtection};
use tower_hmac::{HmacSecret, HmacSigner, HmacVerifier};
use tower_http::timeout::TimeoutLayer;

/// The request timeout of the servers under test.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// Pause between two body bytes.
const TRICKLE_INTERVAL: Duration = Duration::from_secs(1);

/// Length of the trickled body. At one byte a second it would take far
/// longer than the timeout to send.
const BODY_LEN: usize = 30;

/// Upper bound on waiting for the response head. It only stops a hung test.
const RESPONSE_DEADLINE: Duration = Duration::from_secs(60);

/// Returns a raw HTTP/1.1 head for a POST to `path` with `header_lines`
/// and a `Content-Length` of `BODY_LEN`.
fn head(path: &str, header_lines: &[(&str, &str)]) -> Vec<u8> {
    let mut text = format!("POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n");
    for (name, value) in header_lines {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("content-length: {BODY_LEN}\r\n\r\n"));
    text.into_bytes()
}

/// Returns a JSON body of exactly `BODY_LEN` bytes.
fn json_body() -> Vec<u8> {
    let filler = "x".repeat(BODY_LEN - r#"{"text":""}"#.len());
    let body = format!(r#"{{"text":"{filler}"}}"#).into_bytes();
    assert_eq!(body.len(), BODY_LEN);
    body
}

/// Sends `head` at once, then `body` one byte per interval until the server
/// responds. Returns the response status and how many body bytes were sent.
async fn trickle(address: SocketAddr, head: &[u8], body: &[u8]) -> (StatusCode, usize) {
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    writer.write_all(head).await.unwrap();

    let response = tokio::spawn(async move {
        let mut received = Vec::new();
        let mut buffer = [0u8; 1024];
        while !received.windows(4).any(|window| window == b"\r\n\r\n") {
            let read = reader.read(&mut buffer).await.unwrap();
            assert!(read > 0, "connection closed before a response head");
            received.extend_from_slice(&buffer[..read]);
        }
        received
    });

    let mut sent = 0;
    for byte in body {
        if response.is_finished() {
            break;
        }
        if writer.write_all(std::slice::from_ref(byte)).await.is_err() {
            break;
        }
        sent += 1;
        tokio::time::sleep(TRICKLE_INTERVAL).await;
    }

    let received = tokio::time::timeout(RESPONSE_DEADLINE, response)
        .await
        .expect("no response head")
        .unwrap();
    let status_line = String::from_utf8_lossy(&received);
    let code: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {status_line:?}"));
    (StatusCode::from_u16(code).unwrap(), sent)
}

async fn listen(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

#[tokio::test]
async fn trickled_body_gets_408_before_handler() {
    let (app, calls) = echo_app(verifier());
    let app = app.layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        REQUEST_TIMEOUT,
    ));
    let address = listen(app).await;

    let body = json_body();
    let signed = signer().sign_at(NOW, &body);
    let head = head(
        "/echo",
        &[
            ("x-hmac-timestamp", signed.timestamp()),
            ("x-hmac-signature", signed.signature()),
        ],
    );
    let (status, sent) = trickle(address, &head, &body).await;

    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert!(sent < body.len(), "the whole body was sent before the response");
    assert_eq!(calls.get(), 0, "the handler ran");
}

#[tokio::test]
async fn example_router_times_out_trickled_body() {
    // The example server's router with replay protection. A request whose
    // body never finished was never verified, so it was never recorded:
    // the same signed request sent whole afterwards is accepted once.
    let secret = HmacSecret::generate();
    let verifier = HmacVerifier::builder()
        .secret(secret.clone())
        .replay_protection(ReplayProtection::new(MemoryReplayStore::new(16)))
        .build()
        .unwrap();
    let address = listen(app::router_with_timeout(verifier, REQUEST_TIMEOUT)).await;

    let body = json_body();
    let signed = HmacSigner::new(secret).sign(&body);
    let head = head(
        "/v1/infer",
        &[
            ("x-hmac-timestamp", signed.timestamp()),
            ("x-hmac-signature", signed.signature()),
        ],
    );
    let (status, sent) = trickle(address, &head, &body).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert!(sent < body.len(), "the whole body was sent before the response");

    let mut whole = head.clone();
    whole.extend_from_slice(&body);
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(&whole).await.unwrap();
    let mut received = vec![0u8; 12];
    stream.read_exact(&mut received).await.unwrap();
    assert_eq!(
        &received[..],
        b"HTTP/1.1 200",
        "the complete request was not accepted"
    );
}
