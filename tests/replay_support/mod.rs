//! Helpers shared by the replay protection tests: an app behind the layer
//! that counts handler calls, signed request builders, response readers and
//! a throwaway `redis-server`.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::net::{SocketAddr, TcpListener as StdTcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use tower_hmac::{HmacSecret, HmacSigner, HmacVerifier, HmacVerifyLayer};

pub const SECRET: &str = "replay-test-secret-0123456789abcdef";

pub const REPLAYED: &str = "Request already processed";
pub const STORE_UNAVAILABLE: &str = "Replay protection unavailable";

pub fn secret() -> HmacSecret {
    HmacSecret::from_utf8(SECRET).unwrap()
}

pub fn signer() -> HmacSigner {
    HmacSigner::new(secret())
}

/// Counts how often the handler behind the layer runs.
#[derive(Clone, Default)]
pub struct CallCount(Arc<AtomicUsize>);

impl CallCount {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Returns a router with a `POST /echo` handler behind the layer built from
/// `verifier`, and the counter of handler calls.
pub fn echo_app(verifier: HmacVerifier) -> (Router, CallCount) {
    let calls = CallCount::default();
    let counter = calls.clone();
    let app = Router::new()
        .route(
            "/echo",
            post(move |body: Bytes| {
                let counter = counter.clone();
                async move {
                    counter.0.fetch_add(1, Ordering::SeqCst);
                    body
                }
            }),
        )
        .layer(HmacVerifyLayer::from_verifier(verifier));
    (app, calls)
}

/// Builds a `POST /echo` carrying `body` and the headers signed by `signer`
/// at `timestamp`.
pub fn signed_post(signer: &HmacSigner, body: &[u8], timestamp: i64) -> Request<Body> {
    let signed = signer.sign_at(timestamp, body);
    let mut request = Request::post("/echo").body(Body::from(body.to_vec())).unwrap();
    signed.apply(request.headers_mut());
    request
}

/// Returns a copy of a request whose body is in memory.
pub async fn copy_request(request: Request<Body>) -> (Request<Body>, Request<Body>) {
    let (parts, body) = request.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let first = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
    let second = Request::from_parts(parts, Body::from(bytes));
    (first, second)
}

/// Reads a response into its status and body.
pub async fn read<B>(response: Response<B>) -> (StatusCode, Bytes)
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let (parts, body) = response.into_parts();
    (parts.status, body.collect().await.unwrap().to_bytes())
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

/// Returns the current unix time in seconds.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Returns `REDIS_URL`, panicking with the way to run the test when unset.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| {
        panic!("REDIS_URL is not set; run scripts/test.sh, which starts a throwaway redis-server")
    })
}

/// Returns a loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    StdTcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `redis-server` child process on 127.0.0.1 without persistence, killed
/// on drop.
pub struct RedisProcess {
    port: u16,
    child: Option<Child>,
}

impl RedisProcess {
    /// Starts `redis-server` from `PATH` on a free port.
    pub fn start() -> Self {
        let mut process = Self {
            port: free_port(),
            child: None,
        };
        process.restart();
        process
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Kills the server and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("failed to kill redis-server");
            child.wait().expect("failed to wait for redis-server");
        }
    }

    /// Starts the server again on the same port and waits until it accepts
    /// connections, for at most 10 seconds.
    pub fn restart(&mut self) {
        self.stop();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("failed to start redis-server from PATH ({error}); scripts/test.sh installs it")
            });
        self.child = Some(child);

        let address = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not accept connections on port {} within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
