//! Starts the example service on a loopback port and sends it real signed,
//! tampered and malformed requests over TCP, then prints what came back.
//!
//! ```text
//! cargo run --example demo
//! ```
//!
//! Exits with status 1 when any response differs from what is expected.

#[path = "support/app.rs"]
mod app;

use std::process::ExitCode;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower_hmac::replay::{MemoryReplayStore, ReplayProtection};
use tower_hmac::Clock as _;
use tower_hmac::{HmacSecret, HmacSigner, HmacVerifier, SystemClock};

/// Body limit of the demo server, small so the oversized case is quick.
const BODY_LIMIT: usize = 64 * 1024;

/// One request of the demo and the status it should get.
struct Case {
    name: &'static str,
    method: Method,
    path: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    expected: StatusCode,
}

#[tokio::main]
async fn main() -> ExitCode {
    let secret = HmacSecret::generate();
    let verifier = HmacVerifier::builder()
        .secret(secret.clone())
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
    println!("demo server listening on http://{address}\n");

    let cases = build_cases(&secret);
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut failures = 0;

    println!("{:<34} {:>8} {:>8}  response body", "case", "expected", "actual");
    for case in cases {
        let mut builder = Request::builder()
            .method(case.method.clone())
            .uri(format!("http://{address}{}", case.path));
        for (name, value) in &case.headers {
            builder = builder.header(*name, value);
        }
        let request = builder
            .body(Full::new(Bytes::from(case.body)))
            .expect("demo requests are well formed");

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
            "{:<34} {:>8} {:>8}  {}{}",
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

fn build_cases(secret: &HmacSecret) -> Vec<Case> {
    let signer = HmacSigner::new(secret.clone());
    let wrong_signer = HmacSigner::new(HmacSecret::generate());
    let now = SystemClock.now_unix();
    let json = br#"{"text":"hello from the demo"}"#.to_vec();

    let valid = signer.sign(&json);
    let wrong = wrong_signer.sign(&json);
    let stale = signer.sign_at(now - 120, &json);
    let future = signer.sign_at(now + 120, &json);
    let oversized_body = format!(r#"{{"text":"{}"}}"#, "x".repeat(BODY_LIMIT)).into_bytes();
    let oversized = signer.sign(&oversized_body);
    let empty = signer.sign(b"");

    let headers = |signed: &tower_hmac::SignedHeaders| {
        vec![
            ("content-type", "application/json".to_owned()),
            ("x-hmac-timestamp", signed.timestamp().to_owned()),
            ("x-hmac-signature", signed.signature().to_owned()),
        ]
    };
    let mut duplicated = headers(&valid);
    duplicated.push(("x-hmac-signature", valid.signature().to_owned()));

    let mut tampered = json.clone();
    tampered[10] ^= 0x01;

    vec![
        Case {
            name: "valid signed POST",
            method: Method::POST,
            path: "/v1/infer",
            headers: headers(&valid),
            body: json.clone(),
            expected: StatusCode::OK,
        },
        Case {
            name: "replayed request (same copy)",
            method: Method::POST,
            path: "/v1/infer",
            headers: headers(&valid),
            body: json.clone(),
            expected: StatusCode::UNAUTHORIZED,
        },
        Case {
            name: "tampered body",
            method: Method::POST,
            path: "/v1/infer",
            headers: headers(&valid),
            body: tampered,
            expected: StatusCode::UNAUTHORIZED,
        },
        Case {
            name: "wrong secret",
            method: Method::POST,
            path: "/v1/infer",
            headers: headers(&wrong),
            body: json.clone(),
            expected: StatusCode::UNAUTHORIZED,
        },
        Case {
            name: "stale timestamp (-120 s)",
            method: Method::POST,
            path: "/v1/infer",
            headers: headers(&stale),
            body: json.clone(),
            expected: StatusCode::UNAUTHORIZED,
        },
        Case {
            name: "future timestamp (+120 s)",
            method: Method::POST,
            path: "/v1/infer",
            headers: headers(&future),
            body: json.clone(),
            expected: StatusCode::UNAUTHORIZED,
        },
        Case {
            name: "missing headers",
            method: Method::POST,
            path: "/v1/infer",
            headers: vec![("content-type", "application/json".to_owned())],
            body: json.clone(),
            expected: StatusCode::UNAUTHORIZED,
        },
        Case {
            name: "duplicate signature header",
            method: Method::POST,
            path: "/v1/infer",
            headers: duplicated,
            body: json.clone(),
            expected: StatusCode::UNAUTHORIZED,
        },
        Case {
            name: "oversized body (limit + 14 bytes)",
            method: Method::POST,
            path: "/v1/infer",
            headers: headers(&oversized),
            body: oversized_body,
            expected: StatusCode::PAYLOAD_TOO_LARGE,
        },
        Case {
            name: "empty-body GET, signed",
            method: Method::GET,
            path: "/v1/status",
            headers: headers(&empty)[1..].to_vec(),
            body: Vec::new(),
            expected: StatusCode::OK,
        },
        Case {
            name: "open health check, unsigned",
            method: Method::GET,
            path: "/healthz",
            headers: Vec::new(),
            body: Vec::new(),
            expected: StatusCode::OK,
        },
    ]
}

fn truncate(text: &str, max_chars: usize) -> String {
    let mut shortened: String = text.chars().take(max_chars).collect();
    if text.chars().count() > max_chars {
        shortened.push('…');
    }
    shortened
}
