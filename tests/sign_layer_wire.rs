//! The signing layer in front of a real hyper client, against a recording
//! server on 127.0.0.1: the bytes on the wire are the bytes signed.

mod support;

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use hyper::body::Frame;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use support::{signer, verifier, Recorder, NOW};
use tower::{Service, ServiceBuilder, ServiceExt};
use tower_hmac::{HmacSignLayer, SignError};

fn signing_client(
    limit: usize,
) -> impl Service<
    Request<Full<Bytes>>,
    Response = http::Response<hyper::body::Incoming>,
    Error = tower_hmac::BoxError,
> + Clone {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    ServiceBuilder::new()
        .layer(HmacSignLayer::new(signer()).body_limit(limit))
        .service(client)
}

#[tokio::test]
async fn layer_sends_the_bytes_it_signed() {
    let server = Recorder::start().await;
    let body = Bytes::from_static(b"{\"text\":\"\xed\x95\x9c\"}\n\x00\xff");
    let request = Request::post(server.url("/v1/infer"))
        .body(Full::new(body.clone()))
        .unwrap();

    let response = signing_client(1024).oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);

    let received = server.single();
    let expected = signer().sign_at(NOW, &body);
    assert_eq!(received.body, body);
    assert_eq!(received.header("x-hmac-timestamp"), expected.timestamp());
    assert_eq!(received.header("x-hmac-signature"), expected.signature());
    assert_eq!(received.header("content-length"), body.len().to_string());
    verifier().verify(&received.to_request()).await.unwrap();
}

#[tokio::test]
async fn layer_signs_streamed_body_once_buffered() {
    let server = Recorder::start().await;
    let chunks = ["first,", "second,", "third"];
    let stream = ChunkedBody::new(&chunks);
    let request = Request::post(server.url("/v1/infer")).body(stream).unwrap();

    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let service = ServiceBuilder::new()
        .layer(HmacSignLayer::new(signer()))
        .service(client);
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);

    let received = server.single();
    assert_eq!(received.body, Bytes::from(chunks.concat()));
    assert_eq!(
        received.header("x-hmac-signature"),
        signer().sign_at(NOW, chunks.concat().as_bytes()).signature()
    );
    verifier().verify(&received.to_request()).await.unwrap();
}

#[tokio::test]
async fn layer_signs_empty_body() {
    let server = Recorder::start().await;
    let request = Request::get(server.url("/health"))
        .body(Full::new(Bytes::new()))
        .unwrap();

    let response = signing_client(1024).oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);

    let received = server.single();
    assert!(received.body.is_empty());
    assert_eq!(
        received.header("x-hmac-signature"),
        signer().sign_at(NOW, b"").signature()
    );
    verifier().verify(&received.to_request()).await.unwrap();
}

#[tokio::test]
async fn layer_rejects_over_limit_full_body() {
    let server = Recorder::start().await;
    let request = Request::post(server.url("/v1/infer"))
        .body(Full::new(Bytes::from(vec![b'a'; 1025])))
        .unwrap();

    let error = signing_client(1024).oneshot(request).await.unwrap_err();

    assert!(
        matches!(
            error.downcast_ref::<SignError>(),
            Some(SignError::BodyTooLarge { limit: 1024 })
        ),
        "unexpected error: {error:?}"
    );
    assert!(
        server.requests().is_empty(),
        "an over-limit request reached the server"
    );
}

#[tokio::test]
async fn layer_rejects_over_limit_streamed_body() {
    // No size hint or Content-Length: the limit is only found while reading.
    let server = Recorder::start().await;
    let chunks = ["0123456789"; 11];
    let request = Request::post(server.url("/v1/infer"))
        .body(ChunkedBody::new(&chunks))
        .unwrap();

    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let service = ServiceBuilder::new()
        .layer(HmacSignLayer::new(signer()).body_limit(100))
        .service(client);
    let error = service.oneshot(request).await.unwrap_err();

    assert!(
        matches!(
            error.downcast_ref::<SignError>(),
            Some(SignError::BodyTooLarge { limit: 100 })
        ),
        "unexpected error: {error:?}"
    );
    assert!(
        server.requests().is_empty(),
        "an over-limit request reached the server"
    );
}

#[tokio::test]
async fn layer_accepts_body_at_limit() {
    let server = Recorder::start().await;
    let request = Request::post(server.url("/v1/infer"))
        .body(Full::new(Bytes::from(vec![b'a'; 1024])))
        .unwrap();

    let response = signing_client(1024).oneshot(request).await.unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(server.single().body.len(), 1024);
}

#[tokio::test]
async fn layer_reports_body_read_error() {
    let server = Recorder::start().await;
    let body = ChunkedBody::failing_after("partial", std::io::Error::other("connection to upstream lost"));
    let request = Request::post(server.url("/v1/infer")).body(body).unwrap();

    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let service = ServiceBuilder::new()
        .layer(HmacSignLayer::new(signer()))
        .service(client);
    let error = service.oneshot(request).await.unwrap_err();

    assert!(
        matches!(error.downcast_ref::<SignError>(), Some(SignError::BodyRead(_))),
        "unexpected error: {error:?}"
    );
    assert!(
        server.requests().is_empty(),
        "a partly read request reached the server"
    );
}

/// A body of several data frames with no size hint, ending in an error
/// when one is given.
struct ChunkedBody {
    chunks: VecDeque<Result<Bytes, std::io::Error>>,
}

impl ChunkedBody {
    fn new(chunks: &[&'static str]) -> Self {
        Self {
            chunks: chunks
                .iter()
                .map(|chunk| Ok(Bytes::from_static(chunk.as_bytes())))
                .collect(),
        }
    }

    fn failing_after(chunk: &'static str, error: std::io::Error) -> Self {
        Self {
            chunks: VecDeque::from([Ok(Bytes::from_static(chunk.as_bytes())), Err(error)]),
        }
    }
}

impl http_body::Body for ChunkedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(self.chunks.pop_front().map(|chunk| chunk.map(Frame::data)))
    }
}
