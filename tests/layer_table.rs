//! Malformed header table: each row must be rejected with its status and
//! detail, and the handler must never run.

mod common;

use axum::body::Body;
use common::*;
use http::{HeaderValue, Request, StatusCode};
use tower::ServiceExt;

/// One way of spoiling an otherwise valid request.
struct Row {
    name: &'static str,
    /// Header values to send: `(name, raw bytes)`. Replaces the signed ones.
    headers: Vec<(&'static str, Vec<u8>)>,
    status: StatusCode,
    detail: &'static str,
}

fn valid_pair() -> (String, String) {
    let signed = signer().sign_at(NOW, BODY);
    (signed.timestamp().to_owned(), signed.signature().to_owned())
}

const BODY: &[u8] = br#"{"text":"table"}"#;

fn row(
    name: &'static str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    status: StatusCode,
    detail: &'static str,
) -> Row {
    let mut headers = Vec::new();
    if let Some(timestamp) = timestamp {
        headers.push(("x-hmac-timestamp", timestamp.as_bytes().to_vec()));
    }
    if let Some(signature) = signature {
        headers.push(("x-hmac-signature", signature.as_bytes().to_vec()));
    }
    Row {
        name,
        headers,
        status,
        detail,
    }
}

fn rows() -> Vec<Row> {
    let (ts, sig) = valid_pair();
    let unauthorized = StatusCode::UNAUTHORIZED;
    let sig_upper_g = format!("{}g", &sig[..63]);
    let other_sig = "0".repeat(64);
    let old = (NOW - 61).to_string();
    let future = (NOW + 61).to_string();
    let millis = (NOW * 1000).to_string();
    let leading_zero = format!("0{ts}");
    let plus = format!("+{ts}");
    let minus = format!("-{ts}");
    let fraction = format!("{ts}.0");
    let inner_space = format!("{} {}", &ts[..5], &ts[5..]);
    let sha_prefix = format!("sha256={sig}");
    let v1_prefix = format!("v1,{sig}");
    let doubled = format!("{sig}{sig}");
    let truncated = sig[..63].to_owned();
    let with_comma = format!("{sig},{sig}");

    let mut rows = vec![
        row("no headers", None, None, unauthorized, "Missing HMAC headers"),
        row(
            "timestamp only",
            Some(&ts),
            None,
            unauthorized,
            "Missing HMAC headers",
        ),
        row(
            "signature only",
            None,
            Some(&sig),
            unauthorized,
            "Missing HMAC headers",
        ),
        row(
            "empty timestamp",
            Some(""),
            Some(&sig),
            unauthorized,
            "Missing HMAC headers",
        ),
        row(
            "empty signature",
            Some(&ts),
            Some(""),
            unauthorized,
            "Missing HMAC headers",
        ),
        row(
            "blank signature",
            Some(&ts),
            Some("   "),
            unauthorized,
            "Missing HMAC headers",
        ),
        row(
            "timestamp 61 s old",
            Some(&old),
            Some(&sig),
            unauthorized,
            "Request timestamp too old",
        ),
        row(
            "timestamp 61 s ahead",
            Some(&future),
            Some(&sig),
            unauthorized,
            "Request timestamp too far in the future",
        ),
        row(
            "timestamp in milliseconds",
            Some(&millis),
            Some(&sig),
            unauthorized,
            "Invalid timestamp",
        ),
        row(
            "timestamp with leading zero",
            Some(&leading_zero),
            Some(&sig),
            unauthorized,
            "Invalid timestamp",
        ),
        row(
            "timestamp with plus sign",
            Some(&plus),
            Some(&sig),
            unauthorized,
            "Invalid timestamp",
        ),
        row(
            "negative timestamp",
            Some(&minus),
            Some(&sig),
            unauthorized,
            "Invalid timestamp",
        ),
        row(
            "fractional timestamp",
            Some(&fraction),
            Some(&sig),
            unauthorized,
            "Invalid timestamp",
        ),
        row(
            "timestamp with inner space",
            Some(&inner_space),
            Some(&sig),
            unauthorized,
            "Invalid timestamp",
        ),
        row(
            "timestamp as words",
            Some("yesterday"),
            Some(&sig),
            unauthorized,
            "Invalid timestamp",
        ),
        row(
            "timestamp i64 max",
            Some("9223372036854775807"),
            Some(&sig),
            unauthorized,
            "Invalid timestamp",
        ),
        row(
            "timestamp in hex",
            Some("0x6553f100"),
            Some(&sig),
            unauthorized,
            "Invalid timestamp",
        ),
        row(
            "signature of zeros",
            Some(&ts),
            Some(&other_sig),
            unauthorized,
            "Invalid HMAC signature",
        ),
        row(
            "signature non-hex char",
            Some(&ts),
            Some(&sig_upper_g),
            unauthorized,
            "Invalid HMAC signature",
        ),
        row(
            "signature truncated",
            Some(&ts),
            Some(&truncated),
            unauthorized,
            "Invalid HMAC signature",
        ),
        row(
            "signature doubled",
            Some(&ts),
            Some(&doubled),
            unauthorized,
            "Invalid HMAC signature",
        ),
        row(
            "signature with sha256= prefix",
            Some(&ts),
            Some(&sha_prefix),
            unauthorized,
            "Invalid HMAC signature",
        ),
        row(
            "signature with v1, prefix",
            Some(&ts),
            Some(&v1_prefix),
            unauthorized,
            "Invalid HMAC signature",
        ),
        row(
            "two signatures in one value",
            Some(&ts),
            Some(&with_comma),
            unauthorized,
            "Invalid HMAC signature",
        ),
        row(
            "signature in base64",
            Some(&ts),
            Some("q83vEjRWeJA="),
            unauthorized,
            "Invalid HMAC signature",
        ),
    ];

    rows.push(Row {
        name: "signature header twice",
        headers: vec![
            ("x-hmac-timestamp", ts.clone().into_bytes()),
            ("x-hmac-signature", sig.clone().into_bytes()),
            ("x-hmac-signature", sig.clone().into_bytes()),
        ],
        status: unauthorized,
        detail: "Duplicate HMAC headers",
    });
    rows.push(Row {
        name: "timestamp header twice",
        headers: vec![
            ("x-hmac-timestamp", ts.clone().into_bytes()),
            ("x-hmac-timestamp", ts.clone().into_bytes()),
            ("x-hmac-signature", sig.clone().into_bytes()),
        ],
        status: unauthorized,
        detail: "Duplicate HMAC headers",
    });
    rows.push(Row {
        name: "signature with UTF-8 bytes",
        headers: vec![
            ("x-hmac-timestamp", ts.clone().into_bytes()),
            ("x-hmac-signature", format!("{}é", &sig[..62]).into_bytes()),
        ],
        status: unauthorized,
        detail: "Invalid HMAC headers",
    });
    rows.push(Row {
        name: "timestamp with obs-text byte",
        headers: vec![
            ("x-hmac-timestamp", [ts.as_bytes(), b"\xff"].concat()),
            ("x-hmac-signature", sig.clone().into_bytes()),
        ],
        status: unauthorized,
        detail: "Invalid HMAC headers",
    });
    rows
}

#[tokio::test]
async fn malformed_headers_are_rejected() {
    let rows = rows();
    assert!(rows.len() >= 20, "the table should cover at least 20 cases");

    for row in rows {
        let mut request = Request::post("/echo").body(Body::from(BODY)).unwrap();
        for (name, value) in &row.headers {
            let value = HeaderValue::from_bytes(value).unwrap();
            request.headers_mut().append(*name, value);
        }

        let (app, calls) = echo_app(verifier());
        let (status, body, _) = read(app.oneshot(request).await.unwrap()).await;
        assert_eq!(status, row.status, "{}", row.name);
        assert_eq!(detail(&body), row.detail, "{}", row.name);
        assert_eq!(calls.get(), 0, "{}: handler ran", row.name);
    }
}

#[tokio::test]
async fn table_base_request_is_valid() {
    // The rows above spoil this request; it must pass untouched, or every
    // row would pass for the wrong reason.
    let (ts, sig) = valid_pair();
    let request = Request::post("/echo")
        .header("x-hmac-timestamp", ts)
        .header("x-hmac-signature", sig)
        .body(Body::from(BODY))
        .unwrap();
    let (app, calls) = echo_app(verifier());
    let (status, _, _) = read(app.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(calls.get(), 1);
}
