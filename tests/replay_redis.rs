//! Replay protection with the Redis store, against a real `redis-server`.
//!
//! These tests are ignored by default; scripts/test.sh starts a throwaway
//! Redis, exports `REDIS_URL` and runs them. The fault tests start their own
//! `redis-server` so they can stop and restart it.

#![cfg(feature = "redis")]

mod replay_support;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use replay_support::*;
use tower::ServiceExt;
use tower_hmac::replay::{RedisReplayStore, ReplayProtection};
use tower_hmac::{HmacSigner, HmacVerifier};

/// Returns a key prefix no other test or earlier run uses.
fn unique_prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("tower-hmac-test:{test}:{}:{nanos}:", std::process::id())
}

async fn connect(url: &str) -> RedisReplayStore {
    RedisReplayStore::connect(url)
        .await
        .unwrap_or_else(|error| panic!("cannot reach Redis at {url}: {error}"))
}

fn redis_verifier(store: RedisReplayStore, prefix: &str) -> HmacVerifier {
    HmacVerifier::builder()
        .secret(secret())
        .replay_protection(ReplayProtection::new(store).prefix(prefix))
        .build()
        .unwrap()
}

/// Serves `verifier` behind the echo app on a free loopback port.
async fn serve(verifier: HmacVerifier) -> (SocketAddr, CallCount) {
    let (app, calls) = echo_app(verifier);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, calls)
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Sends `body` with the signed headers to `POST /echo` on `address` and
/// returns the status and the response body.
async fn send(
    client: &HttpClient,
    address: SocketAddr,
    body: &[u8],
    headers: &http::HeaderMap,
) -> (StatusCode, Bytes) {
    let mut request = Request::post(format!("http://{address}/echo"))
        .body(Full::new(Bytes::copy_from_slice(body)))
        .unwrap();
    request.headers_mut().extend(headers.clone());
    let response = client
        .request(request)
        .await
        .expect("HTTP request to the test server failed");
    read(response).await
}

fn signed_headers(signer: &HmacSigner, body: &[u8]) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    signer.sign(body).apply(&mut headers);
    headers
}

#[tokio::test]
#[ignore = "needs Redis; run by scripts/test.sh"]
async fn second_instance_rejects_replay() {
    let url = redis_url();
    let prefix = unique_prefix("two-instances");
    let (a, calls_a) = serve(redis_verifier(connect(&url).await, &prefix)).await;
    let (b, calls_b) = serve(redis_verifier(connect(&url).await, &prefix)).await;
    let client = http_client();
    let body = br#"{"order":42}"#;
    let headers = signed_headers(&signer(), body);

    let (status, echoed) = send(&client, a, body, &headers).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&echoed[..], body);

    let (status, response) = send(&client, b, body, &headers).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&response), REPLAYED);

    assert_eq!(calls_a.get(), 1);
    assert_eq!(
        calls_b.get(),
        0,
        "instance B must not run the handler for a replay"
    );
}

#[tokio::test]
#[ignore = "needs Redis; run by scripts/test.sh"]
async fn key_is_namespaced_with_ttl() {
    let url = redis_url();
    let prefix = unique_prefix("namespace");
    let verifier = redis_verifier(connect(&url).await, &prefix);
    let (app, _) = echo_app(verifier);
    let body = b"namespaced";
    let signed = signer().sign(body);
    let mut request = Request::post("/echo").body(Body::from(&body[..])).unwrap();
    signed.apply(request.headers_mut());
    assert_eq!(app.oneshot(request).await.unwrap().status(), StatusCode::OK);

    let client = redis::Client::open(url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let key = format!("{prefix}default:s:{}", signed.signature());
    let ttl_ms: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut connection)
        .await
        .unwrap();
    // Twice the default 60 s window plus one second, less the time since SET.
    assert!(
        ttl_ms > 110_000 && ttl_ms <= 121_000,
        "PTTL of {key} is {ttl_ms} ms"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis; run by scripts/test.sh"]
async fn simultaneous_copies_accept_exactly_one() {
    const REQUESTS: usize = 200;
    let url = redis_url();
    let prefix = unique_prefix("race");
    let (a, calls_a) = serve(redis_verifier(connect(&url).await, &prefix)).await;
    let (b, calls_b) = serve(redis_verifier(connect(&url).await, &prefix)).await;
    let client = http_client();
    let signer = signer();

    for n in 0..REQUESTS {
        let body = Bytes::from(format!("{{\"race\":{n}}}"));
        let headers = signed_headers(&signer, &body);
        let barrier = Arc::new(tokio::sync::Barrier::new(2));

        let tasks = [a, b].map(|address| {
            let (client, body, headers, barrier) =
                (client.clone(), body.clone(), headers.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                send(&client, address, &body, &headers).await
            })
        });
        let mut accepted = 0;
        let mut replayed = 0;
        for task in tasks {
            let (status, response) = task.await.unwrap();
            match status {
                StatusCode::OK => accepted += 1,
                StatusCode::UNAUTHORIZED if detail(&response) == REPLAYED => replayed += 1,
                other => panic!(
                    "request {n}: unexpected {other} {}",
                    String::from_utf8_lossy(&response)
                ),
            }
        }
        assert_eq!(accepted, 1, "request {n}: copies accepted");
        assert_eq!(replayed, 1, "request {n}: copies rejected as replays");
    }
    assert_eq!(calls_a.get() + calls_b.get(), REQUESTS);
}

/// Collects log output in memory so a test can look for a line.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() -> (LogBuffer, tracing::subscriber::DefaultGuard) {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}

fn signed_request(signer: &HmacSigner, body: &[u8]) -> Request<Body> {
    let mut request = Request::post("/echo").body(Body::from(body.to_vec())).unwrap();
    signer.sign(body).apply(request.headers_mut());
    request
}

// Runs on the current-thread runtime so the log capture, which is set per
// thread, receives the events of the layer and the store.
#[tokio::test]
#[ignore = "needs Redis; run by scripts/test.sh"]
async fn redis_outage_fails_closed_then_recovers() {
    let (logs, _guard) = capture_logs();
    let mut redis = RedisProcess::start();
    let store = RedisReplayStore::connect_with_timeout(&redis.url(), Duration::from_millis(300))
        .await
        .expect("cannot reach the test's own redis-server");
    let (app, calls) = echo_app(redis_verifier(store, &unique_prefix("outage")));
    let signer = signer();

    let (before, replay_during_outage) = copy_request(signed_request(&signer, b"before")).await;
    assert_eq!(
        app.clone().oneshot(before).await.unwrap().status(),
        StatusCode::OK
    );

    redis.stop();

    let (status, body) = read(
        app.clone()
            .oneshot(signed_request(&signer, b"during"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(detail(&body), STORE_UNAVAILABLE);

    let (status, body) = read(app.clone().oneshot(replay_during_outage).await.unwrap()).await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "an unchecked replay must not get 200"
    );
    assert_eq!(detail(&body), STORE_UNAVAILABLE);
    assert_eq!(calls.get(), 1);
    assert!(
        logs.text().contains("Redis replay store is unreachable"),
        "no outage log line in:\n{}",
        logs.text()
    );

    redis.restart();

    // The connection manager reconnects on its own: within a few attempts a
    // fresh request is accepted again, with the same store and app.
    let deadline = Instant::now() + Duration::from_secs(10);
    let accepted_body = loop {
        let body = format!("after {:?}", Instant::now());
        let (request, replay) = copy_request(signed_request(&signer, body.as_bytes())).await;
        let status = app.clone().oneshot(request).await.unwrap().status();
        if status == StatusCode::OK {
            break replay;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            Instant::now() < deadline,
            "service did not resume within 10 s of Redis restarting"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (status, body) = read(app.oneshot(accepted_body).await.unwrap()).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "replay protection must work again after reconnecting"
    );
    assert_eq!(detail(&body), REPLAYED);
    assert!(logs.text().contains("Redis replay store responds again"));
}

#[tokio::test]
#[ignore = "needs Redis; run by scripts/test.sh"]
async fn redis_outage_fail_open_accepts_with_warning() {
    let (logs, _guard) = capture_logs();
    let mut redis = RedisProcess::start();
    let store = RedisReplayStore::connect_with_timeout(&redis.url(), Duration::from_millis(300))
        .await
        .expect("cannot reach the test's own redis-server");
    let verifier = HmacVerifier::builder()
        .secret(secret())
        .replay_protection(
            ReplayProtection::new(store)
                .prefix(unique_prefix("fail-open"))
                .fail_open(true),
        )
        .build()
        .unwrap();
    let (app, calls) = echo_app(verifier);
    let signer = signer();

    let (first, replay) = copy_request(signed_request(&signer, b"first")).await;
    assert_eq!(app.clone().oneshot(first).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        app.clone().oneshot(replay).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    redis.stop();

    let response = app.oneshot(signed_request(&signer, b"during")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(calls.get(), 2);
    assert!(
        logs.text()
            .contains("accepting the request unchecked because fail_open is set"),
        "no fail-open warning in:\n{}",
        logs.text()
    );
}

#[tokio::test]
async fn connect_fails_when_redis_is_down() {
    // Needs no Redis: the URL names a port nothing listens on.
    let url = format!("redis://127.0.0.1:{}/0", free_port());
    let started = Instant::now();
    let result = RedisReplayStore::connect_with_timeout(&url, Duration::from_millis(300)).await;
    assert!(result.is_err(), "connecting to {url} should fail");
    assert!(started.elapsed() < Duration::from_secs(10));
}
