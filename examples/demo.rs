//! Starts the example service on a loopback port and sends it real signed,
//! tampered and malformed requests over TCP, then prints what came back.
//!
//! ```text
//! cargo run --example demo
//! cargo run --example demo -- --scheme rfc9421
//! ```
//!
//! `--scheme` (or `HMAC_SCHEME`) is one of `default`, `standard-webhooks`,
//! `rfc9421` and `migration`. Exits with status 1 when any response differs
//! from what is expected.

#[path = "support/app.rs"]
mod app;
#[path = "support/schemes.rs"]
mod schemes;

use std::net::SocketAddr;
use std::process::ExitCode;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use schemes::ExampleScheme;
use tower_hmac::replay::{MemoryReplayStore, ReplayProtection};
use tower_hmac::{Clock as _, HmacSecret, HmacSigner, HmacVerifier, ManualClock, SigningScheme, SystemClock};

/// Body limit of the demo server, small so the oversized case is quick.
const BODY_LIMIT: usize = 64 * 1024;

/// One request of the demo and the status it should get.
struct Case {
    name: &'static str,
    method: Method,
    path: &'static str,
    headers: HeaderMap,
    body: Vec<u8>,
    expected: StatusCode,
}

#[tokio::main]
async fn main() -> ExitCode {
    let scheme = match ExampleScheme::from_args_or_env() {
        Ok(scheme) => scheme,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let secret = HmacSecret::generate();
    let verifier = HmacVerifier::builder()
        .secret(secret.clone())
        .schemes(scheme.accepted())
        .body_limit(BODY_LIMIT)
        .replay_protection(ReplayProtection::new(MemoryReplayStore::new(1_000)))
        .build()
        .expect("a generated secret is a valid key");

    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on 127.0.0.1: {error}");
            return ExitCode::FAILURE;
        }
    };
    let address = listener.local_addr().expect("a bound listener has an address");
    tokio::spawn(async move { axum::serve(listener, app::router(verifier)).await });
    println!("demo server listening on http://{address} with scheme {scheme:?}\n");

    let cases = build_cases(&Signers::new(&secret, scheme, address), scheme);
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut failures = 0;

    println!("{:<40} {:>8} {:>8}  response body", "case", "expected", "actual");
    for case in cases {
        let mut request = Request::builder()
            .method(case.method.clone())
            .uri(format!("http://{address}{}", case.path))
            .body(Full::new(Bytes::from(case.body)))
            .expect("demo requests are well formed");
        *request.headers_mut() = case.headers;

        let (status, body) = match client.request(request).await {
            Ok(response) => {
                let status = response.status();
                let body = match response.into_body().collect().await {
                    Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
                    Err(error) => format!("<body failed: {error}>"),
                };
                (Some(status), body)
            }
            Err(error) => (None, format!("<request failed: {error}>")),
        };

        let passed = status == Some(case.expected);
        if !passed {
            failures += 1;
        }
        let actual = status.map_or_else(|| "error".to_owned(), |s| s.as_u16().to_string());
        println!(
            "{:<40} {:>8} {:>8}  {}{}",
            case.name,
            case.expected.as_u16(),
            actual,
            truncate(&body, 70),
            if passed { "" } else { "   <-- MISMATCH" }
        );
    }

    println!();
    if failures == 0 {
        println!("all cases returned the expected status");
        ExitCode::SUCCESS
    } else {
        println!("{failures} case(s) returned an unexpected status");
        ExitCode::FAILURE
    }
}

/// The clients of the demo: the real one, one with another secret, and two
/// whose clocks are two minutes off.
struct Signers {
    valid: HmacSigner,
    wrong_secret: HmacSigner,
    stale: HmacSigner,
    future: HmacSigner,
    address: SocketAddr,
}

impl Signers {
    fn new(secret: &HmacSecret, scheme: ExampleScheme, address: SocketAddr) -> Self {
        let now = SystemClock.now_unix();
        let signer = |secret: &HmacSecret, clock: Option<i64>| {
            let signer = HmacSigner::new(secret.clone()).scheme(scheme.signing());
            match clock {
                Some(unix_seconds) => signer.clock(ManualClock::new(unix_seconds)),
                None => signer,
            }
        };
        Self {
            valid: signer(secret, None),
            wrong_secret: signer(&HmacSecret::generate(), None),
            stale: signer(secret, Some(now - 120)),
            future: signer(secret, Some(now + 120)),
            address,
        }
    }

    /// Returns the headers `signer` sends for `body` to `path`, including a
    /// JSON content type.
    fn headers(&self, signer: &HmacSigner, method: &Method, path: &str, body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let uri: Uri = format!("http://{}{path}", self.address)
            .parse()
            .expect("demo URIs are valid");
        signer
            .sign_parts(method, &uri, &mut headers, body)
            .expect("demo requests can be signed");
        headers
    }
}

fn case(
    name: &'static str,
    method: Method,
    path: &'static str,
    headers: HeaderMap,
    body: &[u8],
    expected: StatusCode,
) -> Case {
    Case {
        name,
        method,
        path,
        headers,
        body: body.to_vec(),
        expected,
    }
}

fn build_cases(signers: &Signers, scheme: ExampleScheme) -> Vec<Case> {
    let json = br#"{"text":"hello from the demo"}"#.to_vec();
    let post = Method::POST;
    let infer = "/v1/infer";
    let headers = |signer: &HmacSigner, body: &[u8]| signers.headers(signer, &post, infer, body);

    let valid = headers(&signers.valid, &json);
    let mut tampered = json.clone();
    tampered[10] ^= 0x01;
    let oversized_body = format!(r#"{{"text":"{}"}}"#, "x".repeat(BODY_LIMIT)).into_bytes();
    let mut unsigned = HeaderMap::new();
    unsigned.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));

    let mut cases = vec![
        case(
            "valid signed POST",
            post.clone(),
            infer,
            valid.clone(),
            &json,
            StatusCode::OK,
        ),
        case(
            "replayed request (same copy)",
            post.clone(),
            infer,
            valid.clone(),
            &json,
            StatusCode::UNAUTHORIZED,
        ),
        case(
            "tampered body",
            post.clone(),
            infer,
            headers(&signers.valid, &json),
            &tampered,
            StatusCode::UNAUTHORIZED,
        ),
        case(
            "wrong secret",
            post.clone(),
            infer,
            headers(&signers.wrong_secret, &json),
            &json,
            StatusCode::UNAUTHORIZED,
        ),
        case(
            "stale timestamp (-120 s)",
            post.clone(),
            infer,
            headers(&signers.stale, &json),
            &json,
            StatusCode::UNAUTHORIZED,
        ),
        case(
            "future timestamp (+120 s)",
            post.clone(),
            infer,
            headers(&signers.future, &json),
            &json,
            StatusCode::UNAUTHORIZED,
        ),
        case(
            "missing headers",
            post.clone(),
            infer,
            unsigned.clone(),
            &json,
            StatusCode::UNAUTHORIZED,
        ),
    ];

    // Each scheme has its own way for a request to be signed twice over.
    match scheme.signing() {
        SigningScheme::HttpSignatures(_) => {
            let for_status = signers.headers(&signers.valid, &post, "/v1/status", &json);
            cases.push(case(
                "signed for another path",
                post.clone(),
                infer,
                for_status,
                &json,
                StatusCode::UNAUTHORIZED,
            ));
        }
        _ => {
            let mut duplicated = headers(&signers.valid, &json);
            let name = match scheme {
                ExampleScheme::StandardWebhooks => "webhook-signature",
                _ => "x-hmac-signature",
            };
            let copy = duplicated[name].clone();
            duplicated.append(name, copy);
            cases.push(case(
                "duplicate signature header",
                post.clone(),
                infer,
                duplicated,
                &json,
                StatusCode::UNAUTHORIZED,
            ));
        }
    }

    cases.extend([
        case(
            "oversized body (limit + 14 bytes)",
            post.clone(),
            infer,
            headers(&signers.valid, &oversized_body),
            &oversized_body,
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        case(
            "empty-body GET, signed",
            Method::GET,
            "/v1/status",
            signers.headers(&signers.valid, &Method::GET, "/v1/status", b""),
            b"",
            StatusCode::OK,
        ),
        case(
            "open health check, unsigned",
            Method::GET,
            "/healthz",
            HeaderMap::new(),
            b"",
            StatusCode::OK,
        ),
    ]);

    if scheme == ExampleScheme::Migration {
        let legacy = signers.valid.clone().scheme(SigningScheme::Default);
        let body = br#"{"text":"from a default-scheme sender"}"#;
        let legacy_headers = headers(&legacy, body);
        cases.push(case(
            "default scheme during migration",
            post.clone(),
            infer,
            legacy_headers.clone(),
            body,
            StatusCode::OK,
        ));

        let mut mixed = headers(&signers.valid, &json);
        mixed.extend(legacy_headers);
        cases.push(case(
            "headers of two schemes",
            post,
            infer,
            mixed,
            &json,
            StatusCode::UNAUTHORIZED,
        ));
    }
    cases
}

fn truncate(text: &str, max_chars: usize) -> String {
    let mut shortened: String = text.chars().take(max_chars).collect();
    if text.chars().count() > max_chars {
        shortened.push('…');
    }
    shortened
}
