//! Loopback HTTP load on the example service: the protected route against an
//! unprotected route with the same handler, then the replay stores, then the
//! server's peak memory under concurrent uploads at the body limit.
//!
//! A third route, `POST /inline/v1/infer`, checks the default scheme by hand
//! inside the handler, with no layer: the two headers, the window, the hex
//! signature and the HMAC of the body with a key state prepared once. That
//! is about the least work a verifier of the scheme can do, so its ratio to
//! the open route is the floor for the protected route's.
//!
//! ```text
//! cargo bench --all-features --bench load
//! REDIS_URL=redis://127.0.0.1:PORT/0 cargo bench --all-features --bench load
//! ```
//!
//! The bench starts the server as a child process (this same executable with
//! `TOWER_HMAC_LOAD_ROLE=server`) on an ephemeral `127.0.0.1` port, so the
//! server's CPU time and peak memory are its own. It serves with the example
//! server's connection loop (`examples/support/serve.rs`). The load generator is a
//! Tokio client with one HTTP/1.1 connection per concurrent caller. It signs
//! every request afresh with [`HmacSigner`], for the open route too, so the
//! client does the same work for both routes. Every phase is bounded in time
//! and in requests and stops by itself; the server exits when the bench
//! closes its standard input.
//!
//! Settings, from the environment:
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `LOAD_SECONDS` | 2 | length of one measured phase, in seconds |
//! | `LOAD_ROUNDS` | 5 | open/protected phase pairs per server |
//! | `LOAD_CONNECTIONS` | 16 | concurrent callers, one connection each |
//! | `LOAD_SERVER_THREADS` | 1 | Tokio worker threads of the server |
//! | `MEMORY_CLIENTS` | 32 | concurrent uploads in the memory run |
//! | `MEMORY_LIMIT` | 1048576 | body limit and upload size, in bytes |
//! | `REDIS_URL` | unset | adds the Redis store (needs `--features redis`) |

#[path = "../examples/support/app.rs"]
mod app;
#[path = "../examples/support/serve.rs"]
mod serve;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use hmac::Mac;
use http::StatusCode;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tower_hmac::replay::{MemoryReplayStore, ReplayProtection};
use tower_hmac::{HmacSecret, HmacSigner, HmacVerifier, HmacVerifyLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

const ROLE_VAR: &str = "TOWER_HMAC_LOAD_ROLE";
const REPLAY_VAR: &str = "TOWER_HMAC_LOAD_REPLAY";
const LIMIT_VAR: &str = "TOWER_HMAC_LOAD_LIMIT";
const SECRET_VAR: &str = "TOWER_HMAC_LOAD_SECRET";

/// Size of the JSON request body of the throughput runs, in bytes.
const JSON_BODY_LEN: usize = 1024;

/// Time a client has to send its request head: the example server's default.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Upper bound on requests per phase, whatever the duration.
const MAX_REQUESTS_PER_PHASE: usize = 2_000_000;

/// Time the upload handler keeps each body before it responds, in
/// milliseconds, so that the memory run has every client's body in memory at
/// the same time.
const UPLOAD_HOLD_MS: u64 = 50;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a valid value")),
        Err(_) => default,
    }
}

fn main() {
    if std::env::var(ROLE_VAR).as_deref() == Ok("server") {
        serve();
    } else {
        drive();
    }
}

// --- server -----------------------------------------------------------------

/// Handles `POST /open/v1/infer` like the example's `POST /v1/infer`, with a
/// fixed caller name because no verifier runs.
async fn open_infer(Json(request): Json<app::InferRequest>) -> Json<app::InferResponse> {
    tracing::info!(caller = "open", "inference request accepted");
    Json(app::respond(&request.text, "open"))
}

/// HMAC-SHA256 keyed once with the load secret, cloned for each request as
/// the layer's secrets are.
type KeyedMac = hmac::Hmac<sha2::Sha256>;

/// Handles `POST /inline/v1/infer` like [`open_infer`], after checking the
/// default scheme by hand with [`check_inline`].
async fn inline_infer(keyed: Arc<KeyedMac>, request: Request) -> Response {
    let body = match check_inline(&keyed, request).await {
        Ok(body) => body,
        Err(status) => {
            tracing::warn!(%status, "inline check rejected a load request");
            return status.into_response();
        }
    };
    // The same parser as the `Json` extractor of the other two routes.
    let request = match Json::<app::InferRequest>::from_bytes(&body) {
        Ok(Json(request)) => request,
        Err(rejection) => return rejection.into_response(),
    };
    tracing::info!(caller = "inline", "inference request accepted");
    Json(app::respond(&request.text, "inline")).into_response()
}

/// Checks the default scheme with about the least work a verifier of it can
/// do. It reads the two headers, checks the window, decodes the hex
/// signature and computes the HMAC of the body, with none of the layer's
/// other checks, and returns the body read.
async fn check_inline(keyed: &KeyedMac, request: Request) -> Result<Bytes, StatusCode> {
    let (parts, body) = request.into_parts();
    let header = |name: &str| parts.headers.get(name).and_then(|value| value.to_str().ok());
    let timestamp = header("x-hmac-timestamp").ok_or(StatusCode::UNAUTHORIZED)?;
    let signature = header("x-hmac-signature").ok_or(StatusCode::UNAUTHORIZED)?;
    let mut expected = [0u8; 32];
    hex::decode_to_slice(signature, &mut expected).map_err(|_| StatusCode::UNAUTHORIZED)?;

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let signed_at = timestamp.parse::<u64>().map_err(|_| StatusCode::UNAUTHORIZED)?;
    if signed_at.abs_diff(now) > tower_hmac::DEFAULT_WINDOW_SECONDS {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let body = axum::body::to_bytes(body, tower_hmac::DEFAULT_BODY_LIMIT)
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE)?;

    let mut mac = keyed.clone();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&body);
    mac.verify_slice(&expected)
        .map_err(|_| StatusCode::UNAUTHORIZED)?;
    Ok(body)
}

/// Keeps the uploaded body for [`UPLOAD_HOLD_MS`], then returns its length.
async fn upload(body: Bytes) -> String {
    tokio::time::sleep(Duration::from_millis(UPLOAD_HOLD_MS)).await;
    body.len().to_string()
}

/// Builds the example router plus the routes of the bench: the same
/// inference handler without the HMAC layer and with the check inline, and
/// an upload route with and without the layer. The added routes get the
/// example's timeout and trace layers too, because `app::router` applies
/// them only to its own routes.
fn bench_router(verifier: HmacVerifier, secret: &HmacSecret, limit: usize) -> Router {
    let keyed = Arc::new(KeyedMac::new_from_slice(secret.expose_bytes()).unwrap());
    let open = Router::new()
        .route("/open/v1/infer", post(open_infer))
        .route(
            "/inline/v1/infer",
            post(move |request: Request| inline_infer(keyed.clone(), request)),
        )
        .route("/open/upload", post(upload));
    let protected_upload = Router::new()
        .route("/upload", post(upload))
        .route_layer(HmacVerifyLayer::from_verifier(verifier.clone()));
    let added = open
        .merge(protected_upload)
        .layer(DefaultBodyLimit::max(limit))
        .layer(TimeoutLayer::with_status_code(
            http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(app::REQUEST_TIMEOUT_SECONDS),
        ))
        .layer(TraceLayer::new_for_http());
    app::router(verifier).merge(added)
}

fn serve() {
    let threads = env_or("LOAD_SERVER_THREADS", 1usize);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let secret = HmacSecret::from_utf8(&std::env::var(SECRET_VAR).unwrap()).unwrap();
        let limit: usize = env_or(LIMIT_VAR, tower_hmac::DEFAULT_BODY_LIMIT);
        let builder = HmacVerifier::builder().secret(secret.clone()).body_limit(limit);
        let builder = match std::env::var(REPLAY_VAR).as_deref() {
            Ok("none") | Err(_) => builder,
            Ok("memory") => {
                builder.replay_protection(ReplayProtection::new(MemoryReplayStore::new(4_000_000)))
            }
            Ok("redis") => builder.replay_protection(redis_replay().await),
            Ok(other) => panic!("invalid {REPLAY_VAR} {other:?}; expected none, memory or redis"),
        };
        let verifier = builder.build().unwrap();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("listening on http://{}", listener.local_addr().unwrap());
        std::io::stdout().flush().unwrap();

        // The bench closes standard input when it is done, or when it dies.
        let stdin_closed = tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        });
        // The example server's own connection loop, with its header timeout
        // and read buffer cap, so the figures are those of the example.
        let router = bench_router(verifier, &secret, limit);
        serve::serve(listener, router, HEADER_READ_TIMEOUT, async {
            let _ = stdin_closed.await;
        })
        .await;
    });
}

#[cfg(feature = "redis")]
async fn redis_replay() -> ReplayProtection {
    let url = std::env::var("REDIS_URL").expect("the Redis store needs REDIS_URL");
    let store = tower_hmac::replay::RedisReplayStore::connect(&url)
        .await
        .unwrap_or_else(|error| panic!("failed to connect to the Redis in REDIS_URL: {error}"));
    ReplayProtection::new(store).prefix(format!("tower-hmac-load:{}:", std::process::id()))
}

#[cfg(not(feature = "redis"))]
async fn redis_replay() -> ReplayProtection {
    panic!("the Redis store needs a build with --features redis")
}

// --- server process ---------------------------------------------------------

/// A server child process, stopped when dropped.
struct Server {
    child: Child,
    address: SocketAddr,
}

impl Server {
    fn start(secret: &str, replay: &str, limit: usize) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(ROLE_VAR, "server")
            .env(REPLAY_VAR, replay)
            .env(LIMIT_VAR, limit.to_string())
            .env(SECRET_VAR, secret)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("cannot start the server process");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"))
            .parse()
            .unwrap();
        Self { child, address }
    }

    fn status_field(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status
            .lines()
            .find(|line| line.starts_with(field))
            .unwrap_or_else(|| panic!("no {field} in /proc status"));
        let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib * 1024
    }

    /// Returns the resident set size now, in bytes.
    fn rss(&self) -> u64 {
        self.status_field("VmRSS:")
    }

    /// Returns the peak resident set size so far, in bytes.
    fn peak_rss(&self) -> u64 {
        self.status_field("VmHWM:")
    }

    /// Returns the user plus system CPU time used so far, in seconds.
    fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // Fields after the command name, which is in parentheses.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        // NOTE: assumes the usual 100 clock ticks per second of Linux on x86_64.
        ticks as f64 / 100.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// --- load generator ---------------------------------------------------------

/// Measurements of one phase.
struct PhaseResult {
    requests: usize,
    elapsed: Duration,
    latencies_us: Vec<u32>,
    server_cpu_seconds: f64,
}

impl PhaseResult {
    fn requests_per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile_us(&self, percent: f64) -> f64 {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() - 1) as f64 * percent / 100.0).round() as usize;
        f64::from(sorted[index])
    }

    fn cpu_us_per_request(&self) -> f64 {
        self.server_cpu_seconds * 1e6 / self.requests as f64
    }
}

/// Returns a JSON body of [`JSON_BODY_LEN`] bytes that differs for each
/// `serial`, so that replay protection accepts every request.
fn json_body(caller: usize, serial: usize) -> Bytes {
    let head = format!(r#"{{"text":"caller {caller} request {serial} "#);
    let mut body = head.into_bytes();
    body.resize(JSON_BODY_LEN - 2, b'x');
    body.extend_from_slice(br#""}"#);
    Bytes::from(body)
}

async fn connect(address: SocketAddr) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    sender
}

/// Sends signed POST requests to `path` from `connections` callers until
/// `duration` has passed, and returns the latency of each, in microseconds.
async fn run_phase(
    address: SocketAddr,
    signer: Arc<HmacSigner>,
    path: &'static str,
    connections: usize,
    duration: Duration,
    body_of: Arc<dyn Fn(usize, usize) -> Bytes + Send + Sync>,
) -> (usize, Duration, Vec<u32>) {
    let started = Instant::now();
    let deadline = started + duration;
    let per_caller_cap = MAX_REQUESTS_PER_PHASE / connections;
    let mut tasks = Vec::new();
    for caller in 0..connections {
        let signer = signer.clone();
        let body_of = body_of.clone();
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(address).await;
            let mut latencies = Vec::new();
            let mut serial = 0;
            while Instant::now() < deadline && latencies.len() < per_caller_cap {
                let body = body_of(caller, serial);
                serial += 1;
                let sent = Instant::now();
                let mut request = http::Request::post(path)
                    .header(http::header::HOST, "127.0.0.1")
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .body(Full::new(body.clone()))
                    .unwrap();
                signer.sign(&body).apply(request.headers_mut());
                sender.ready().await.unwrap();
                let response = sender.send_request(request).await.unwrap();
                let status = response.status();
                response.into_body().collect().await.unwrap();
                assert_eq!(status, http::StatusCode::OK, "{path} rejected a load request");
                latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    (latencies.len(), started.elapsed(), latencies)
}

/// Measures `path` for one phase, with the server's CPU time over it.
fn measure(
    runtime: &tokio::runtime::Runtime,
    server: &Server,
    signer: &Arc<HmacSigner>,
    path: &'static str,
    seconds: u64,
) -> PhaseResult {
    let connections = env_or("LOAD_CONNECTIONS", 16usize);
    let body_of: Arc<dyn Fn(usize, usize) -> Bytes + Send + Sync> = Arc::new(json_body);
    let cpu_before = server.cpu_seconds();
    let (requests, elapsed, latencies_us) = runtime.block_on(run_phase(
        server.address,
        signer.clone(),
        path,
        connections,
        Duration::from_secs(seconds),
        body_of,
    ));
    PhaseResult {
        requests,
        elapsed,
        latencies_us,
        server_cpu_seconds: server.cpu_seconds() - cpu_before,
    }
}

/// Merges the phases of one route into one result.
fn merge(phases: Vec<PhaseResult>) -> PhaseResult {
    let mut merged = PhaseResult {
        requests: 0,
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
        server_cpu_seconds: 0.0,
    };
    for phase in phases {
        merged.requests += phase.requests;
        merged.elapsed += phase.elapsed;
        merged.latencies_us.extend(phase.latencies_us);
        merged.server_cpu_seconds += phase.server_cpu_seconds;
    }
    merged
}

/// Results of the open route and the routes compared with it on one server.
struct Comparison {
    open: PhaseResult,
    others: Vec<Compared>,
}

/// One route's results against the open route.
struct Compared {
    result: PhaseResult,
    /// Median over the rounds of this route / open requests per second.
    rate_ratio: f64,
    /// Median over the rounds of this route / open server CPU per request.
    cpu_ratio: f64,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Alternates phases on the open route and each of `paths`, so that drift
/// in the machine's load affects all alike. The ratios are medians of the
/// per-round ratios, because a burst of load from another process skews one
/// round, not all of them.
fn compare_routes(
    runtime: &tokio::runtime::Runtime,
    secret: &str,
    replay: &str,
    paths: &[&'static str],
) -> Comparison {
    let seconds = env_or("LOAD_SECONDS", 2u64);
    let rounds = env_or("LOAD_ROUNDS", 5usize);
    let server = Server::start(secret, replay, tower_hmac::DEFAULT_BODY_LIMIT);
    let signer = Arc::new(HmacSigner::new(HmacSecret::from_utf8(secret).unwrap()));

    // Warm-up: connections, allocator and caches; discarded.
    measure(runtime, &server, &signer, "/open/v1/infer", 1);
    for path in paths {
        measure(runtime, &server, &signer, path, 1);
    }

    let mut open = Vec::new();
    let mut others: Vec<Vec<PhaseResult>> = paths.iter().map(|_| Vec::new()).collect();
    for _ in 0..rounds {
        open.push(measure(runtime, &server, &signer, "/open/v1/infer", seconds));
        for (path, results) in paths.iter().zip(&mut others) {
            results.push(measure(runtime, &server, &signer, path, seconds));
        }
    }

    let ratios = |results: &[PhaseResult], of: fn(&PhaseResult) -> f64| {
        median(
            results
                .iter()
                .zip(&open)
                .map(|(result, base)| of(result) / of(base))
                .collect(),
        )
    };
    let others = others
        .into_iter()
        .map(|results| Compared {
            rate_ratio: ratios(&results, PhaseResult::requests_per_second),
            cpu_ratio: ratios(&results, PhaseResult::cpu_us_per_request),
            result: merge(results),
        })
        .collect();
    Comparison {
        open: merge(open),
        others,
    }
}

fn print_row(label: &str, result: &PhaseResult, baseline: &PhaseResult, rate_ratio: f64, cpu_ratio: f64) {
    println!(
        "| {label} | {:.0} | {rate_ratio:.2}x | {:.0} µs | {:.2}x | {:.0} µs | {:.2}x | {:.1} µs | {cpu_ratio:.2}x |",
        result.requests_per_second(),
        result.percentile_us(50.0),
        result.percentile_us(50.0) / baseline.percentile_us(50.0),
        result.percentile_us(99.0),
        result.percentile_us(99.0) / baseline.percentile_us(99.0),
        result.cpu_us_per_request(),
    );
}

/// Uploads bodies of exactly `limit` bytes from `clients` callers for
/// `seconds`, and returns the server's resident memory before and its peak.
fn measure_memory(
    runtime: &tokio::runtime::Runtime,
    secret: &str,
    path: &'static str,
    clients: usize,
    limit: usize,
    seconds: u64,
) -> (u64, u64, usize) {
    let server = Server::start(secret, "none", limit);
    let signer = Arc::new(HmacSigner::new(HmacSecret::from_utf8(secret).unwrap()));
    let small: Arc<dyn Fn(usize, usize) -> Bytes + Send + Sync> =
        Arc::new(|_, _| Bytes::from_static(b"warm-up"));
    // One small request per connection first, so the base includes the
    // runtime, the connections and their buffers.
    runtime.block_on(run_phase(
        server.address,
        signer.clone(),
        path,
        clients,
        Duration::from_millis(200),
        small,
    ));
    let base = server.rss();

    let upload = Bytes::from(vec![b'u'; limit]);
    let body_of: Arc<dyn Fn(usize, usize) -> Bytes + Send + Sync> = Arc::new(move |_, _| upload.clone());
    let (requests, _, _) = runtime.block_on(run_phase(
        server.address,
        signer,
        path,
        clients,
        Duration::from_secs(seconds),
        body_of,
    ));
    (base, server.peak_rss(), requests)
}

fn drive() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let secret = HmacSecret::generate();
    let secret = hex_of(secret.expose_bytes());

    println!(
        "Loopback load, {} callers, {} B JSON bodies, {} s x {} rounds per route:\n",
        env_or("LOAD_CONNECTIONS", 16usize),
        JSON_BODY_LEN,
        env_or("LOAD_SECONDS", 2u64),
        env_or("LOAD_ROUNDS", 5usize)
    );
    println!("Ratios of requests/s and CPU are medians of the per-round ratios; latency ratios compare all rounds.\n");
    println!("| run | requests/s | ratio | p50 | ratio | p99 | ratio | server CPU per request | ratio |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");

    let mut stores = vec!["none", "memory"];
    if cfg!(feature = "redis") && std::env::var("REDIS_URL").is_ok() {
        stores.push("redis");
    } else {
        eprintln!("REDIS_URL is not set or the redis feature is off; skipping the Redis store");
    }
    for store in stores {
        // The inline check has no replay protection, so it runs only
        // beside the protected route without a store.
        let paths: &[&'static str] = if store == "none" {
            &["/v1/infer", "/inline/v1/infer"]
        } else {
            &["/v1/infer"]
        };
        let comparison = compare_routes(&runtime, &secret, store, paths);
        let open = &comparison.open;
        print_row(
            &format!("open route (baseline for store {store})"),
            open,
            open,
            1.0,
            1.0,
        );
        let labels = [
            format!("protected, replay store: {store}"),
            "checked inline in the handler, no layer (floor)".to_owned(),
        ];
        for (label, compared) in labels.iter().zip(&comparison.others) {
            print_row(
                label,
                &compared.result,
                open,
                compared.rate_ratio,
                compared.cpu_ratio,
            );
        }
    }

    let clients = env_or("MEMORY_CLIENTS", 32usize);
    let limit = env_or("MEMORY_LIMIT", 1024 * 1024usize);
    println!("\nPeak server memory, {clients} concurrent uploads of {limit} B (the body limit), 3 s:\n");
    println!("| route | RSS before | peak RSS | peak - before | (peak - before) / (N x limit) | uploads |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (label, path) in [("open (axum `Bytes`)", "/open/upload"), ("protected", "/upload")] {
        let (base, peak, uploads) = measure_memory(&runtime, &secret, path, clients, limit, 3);
        let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        println!(
            "| {label} | {:.1} MiB | {:.1} MiB | {:.1} MiB | {:.2} | {uploads} |",
            mib(base),
            mib(peak),
            mib(peak - base),
            (peak - base) as f64 / (clients * limit) as f64
        );
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
