//! A recording HTTP server on 127.0.0.1 for the signing tests: it stores
//! every request exactly as received and responds with 200, or with the
//! status named in a `/status/<code>` path. A `/sleep/<seconds>` path waits
//! that long before it responds.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http_body_util::BodyExt;
use tokio::net::TcpListener;
use tower_hmac::{HmacSecret, HmacSigner, HmacVerifier, ManualClock};

/// Fixed "now" of the tests' clocks: 2023-11-14T22:13:20Z.
pub const NOW: i64 = 1_700_000_000;

pub const SECRET: &str = "signing-test-secret-0123456789abcdef";

pub fn signer() -> HmacSigner {
    HmacSigner::new(HmacSecret::from_utf8(SECRET).unwrap()).clock(ManualClock::new(NOW))
}

pub fn verifier() -> HmacVerifier {
    HmacVerifier::builder()
        .secret(HmacSecret::from_utf8(SECRET).unwrap())
        .clock(ManualClock::new(NOW))
        .build()
        .unwrap()
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("request has no {name} header: {:?}", self.headers))
            .to_str()
            .unwrap()
    }

    /// Rebuilds the request for [`HmacVerifier::verify`].
    pub fn to_request(&self) -> http::Request<Bytes> {
        let mut request = http::Request::new(self.body.clone());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.path.parse().unwrap();
        *request.headers_mut() = self.headers.clone();
        request
    }
}

/// The running server and what it has recorded.
pub struct Recorder {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Recorder {
    /// Starts the server on an ephemeral port of 127.0.0.1.
    pub async fn start() -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new().fallback(record).with_state(requests.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            base_url: format!("http://{address}"),
            requests,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Returns the only request received, failing when there were more or none.
    pub fn single(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request, got {requests:?}"
        );
        requests.into_iter().next().unwrap()
    }
}

async fn record(State(requests): State<Arc<Mutex<Vec<Recorded>>>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    let path = parts.uri.path().to_owned();
    requests.lock().unwrap().push(Recorded {
        method: parts.method,
        path: path.clone(),
        headers: parts.headers,
        body,
    });

    if let Some(seconds) = path.strip_prefix("/sleep/") {
        tokio::time::sleep(Duration::from_secs(seconds.parse().unwrap())).await;
    }
    match path.strip_prefix("/status/") {
        Some(code) => {
            let status = StatusCode::from_u16(code.parse().unwrap()).unwrap();
            (status, format!("rejected with {code}")).into_response()
        }
        None => (StatusCode::OK, "ok").into_response(),
    }
}

/// Returns the Python interpreter that scripts/test.sh set up, failing the
/// test when it is not configured.
pub fn python() -> String {
    std::env::var("TOWER_HMAC_PYTHON").unwrap_or_else(|_| {
        panic!(
            "TOWER_HMAC_PYTHON is not set; run scripts/test.sh, or create a virtualenv from \
             tests/python/requirements.txt and set TOWER_HMAC_PYTHON to its python"
        )
    })
}

/// Runs the configured Python with `arguments`, feeding `input` on standard
/// input, and returns its output whatever its exit status.
pub fn python_output(arguments: &[&str], input: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let mut child = Command::new(python())
        .args(arguments)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("failed to start the Python in TOWER_HMAC_PYTHON");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// Runs `script` with the configured Python, feeding `input` on standard
/// input, and returns standard output. Fails the test when Python fails.
pub fn run_python(script: &str, input: &[u8]) -> Vec<u8> {
    let output = python_output(&["-c", script], input);
    assert!(
        output.status.success(),
        "Python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}
