//! Helpers shared by the layer tests: a counting inner service, signed
//! request builders and response readers.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::routing::{any, post};
use axum::Router;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use tower_hmac::{HmacSecret, HmacSigner, HmacVerifier, HmacVerifyLayer, ManualClock};

/// Fixed "now" of the tests' clocks: 2023-11-14T22:13:20Z.
pub const NOW: i64 = 1_700_000_000;

pub const SECRET: &str = "test-secret-0123456789abcdef0123456789";

pub fn secret() -> HmacSecret {
    HmacSecret::from_utf8(SECRET).unwrap()
}

pub fn signer() -> HmacSigner {
    HmacSigner::new(secret()).clock(ManualClock::new(NOW))
}

pub fn verifier() -> HmacVerifier {
    HmacVerifier::builder()
        .secret(secret())
        .clock(ManualClock::new(NOW))
        .build()
        .unwrap()
}

/// Returns a verifier like [`verifier`] with a body limit of `limit` bytes.
pub fn limited_verifier(limit: usize) -> HmacVerifier {
    HmacVerifier::builder()
        .secret(secret())
        .clock(ManualClock::new(NOW))
        .body_limit(limit)
        .build()
        .unwrap()
}

/// Counts how often the handler behind the layer runs.
#[derive(Clone, Default)]
pub struct CallCount(Arc<AtomicUsize>);

impl CallCount {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Builds an axum router whose every path echoes the body it received, behind the
/// layer built from `verifier`.
pub fn echo_app(verifier: HmacVerifier) -> (Router, CallCount) {
    let calls = CallCount::default();
    let counter = calls.clone();
    let app = Router::new()
        .route(
            "/{*path}",
            any(move |body: Bytes| {
                let counter = counter.clone();
                async move {
                    counter.bump();
                    body
                }
            }),
        )
        .route("/", post(|| async { StatusCode::NO_CONTENT }))
        .layer(HmacVerifyLayer::from_verifier(verifier));
    (app, calls)
}

/// Builds a POST to `/echo` signed over `body` at `timestamp`.
pub fn signed_post(body: &[u8], timestamp: i64) -> Request<Body> {
    let signed = signer().sign_at(timestamp, body);
    Request::post("/echo")
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(Body::from(body.to_vec()))
        .unwrap()
}

/// Reads a response into its status, body bytes and headers.
pub async fn read<B>(response: Response<B>) -> (StatusCode, Bytes, http::HeaderMap)
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (parts.status, bytes, parts.headers)
}

/// Returns the `detail` of a `{"detail": ...}` body.
pub fn detail(body: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(body)
        .unwrap_or_else(|error| panic!("body is not JSON ({error}): {}", String::from_utf8_lossy(body)));
    value["detail"]
        .as_str()
        .expect("body has a string detail")
        .to_owned()
}

/// A request body of preset chunks that records whether it was polled, and
/// can fail after its chunks instead of ending.
pub struct ScriptedBody {
    chunks: std::collections::VecDeque<Bytes>,
    fail_at_end: bool,
    polled: Arc<std::sync::atomic::AtomicBool>,
    /// Whether each frame is preceded by one `Pending`.
    waiting: bool,
    /// Whether the `Pending` before the next frame was returned.
    waited: bool,
}

impl ScriptedBody {
    pub fn new(chunks: &[&[u8]]) -> Self {
        Self {
            chunks: chunks.iter().map(|chunk| Bytes::copy_from_slice(chunk)).collect(),
            fail_at_end: false,
            polled: Arc::default(),
            waiting: false,
            waited: false,
        }
    }

    /// Makes the body return an error once its chunks are sent.
    pub fn failing(mut self) -> Self {
        self.fail_at_end = true;
        self
    }

    /// Makes the body return `Pending` before each frame, waking its task,
    /// as a socket does when the next bytes have not arrived yet.
    pub fn waiting(mut self) -> Self {
        self.waiting = true;
        self
    }

    /// Returns a flag that turns true when the body is first polled.
    pub fn polled_flag(&self) -> Arc<std::sync::atomic::AtomicBool> {
        Arc::clone(&self.polled)
    }
}

impl http_body::Body for ScriptedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        self.polled.store(true, Ordering::SeqCst);
        if self.waiting && !self.waited {
            self.waited = true;
            cx.waker().wake_by_ref();
            return std::task::Poll::Pending;
        }
        self.waited = false;

        if let Some(chunk) = self.chunks.pop_front() {
            return std::task::Poll::Ready(Some(Ok(http_body::Frame::data(chunk))));
        }
        if self.fail_at_end {
            self.fail_at_end = false;
            let error = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset by peer");
            return std::task::Poll::Ready(Some(Err(error)));
        }
        std::task::Poll::Ready(None)
    }
}

/// Collects everything written by a `tracing` subscriber, for the tests that
/// check what is logged.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// Returns everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
