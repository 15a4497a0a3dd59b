//! Bad-input matrix: headers, signatures, timestamps and bodies that an
//! attacker controls, one row each, with the status and detail each gets.
//!
//! Most rows go through the layer in process. Rows whose input only exists
//! on a real connection (a `Content-Length` that disagrees with the bytes
//! sent, chunked transfer coding, bytes that `http::HeaderValue` refuses to
//! hold) are written as raw HTTP/1.1 to the echo app on 127.0.0.1. There
//! hyper responds to some rows itself before the layer runs. Those rows expect
//! hyper's status and an empty body, and their names say so.
//!
//! Every row checks how often the handler ran: never for a rejected
//! request, and exactly once for the valid rows.

mod common;

use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use common::*;
use http::{HeaderName, HeaderValue, Request, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

/// Body limit of the verifier under test, in bytes.
const LIMIT: usize = 1024;

/// The body most rows send.
const BODY: &[u8] = br#"{"text":"matrix"}"#;

/// Upper bound on one TCP exchange. It only stops a hung row; no row
/// expects to come near it.
const TCP_DEADLINE: Duration = Duration::from_secs(20);

/// How a row reaches the layer.
enum Input {
    /// A request sent through the router in process.
    InProcess(Box<Request<Body>>),
    /// Raw bytes written to a TCP connection. With `half_close` the client
    /// then shuts its write side, as a client that stops sending does.
    Tcp { bytes: Vec<u8>, half_close: bool },
}

/// One matrix row.
struct Row {
    name: &'static str,
    input: Input,
    status: StatusCode,
    /// The expected `detail`, or `None` when hyper responds with an empty
    /// body before the layer runs.
    detail: Option<&'static str>,
    /// How often the handler must run: 1 for valid rows, else 0.
    calls: usize,
}

/// Builds a row that the layer must reject.
fn rejected(name: &'static str, input: Input, status: StatusCode, detail: &'static str) -> Row {
    Row {
        name,
        input,
        status,
        detail: Some(detail),
        calls: 0,
    }
}

/// Builds a row that hyper rejects before the layer is called.
fn rejected_by_hyper(name: &'static str, bytes: Vec<u8>, status: StatusCode) -> Row {
    Row {
        name,
        input: Input::Tcp {
            bytes,
            half_close: false,
        },
        status,
        detail: None,
        calls: 0,
    }
}

/// Builds a row that must reach the handler once.
fn accepted(name: &'static str, input: Input) -> Row {
    Row {
        name,
        input,
        status: StatusCode::OK,
        detail: None,
        calls: 1,
    }
}

/// Returns the timestamp and signature of `body` signed at `timestamp`.
fn sign(body: &[u8], timestamp: i64) -> (String, String) {
    let signed = signer().sign_at(timestamp, body);
    (signed.timestamp().to_owned(), signed.signature().to_owned())
}

/// Builds an in-process POST with the given header values (raw bytes) and body.
fn post(headers: &[(&str, &[u8])], body: Body) -> Input {
    let mut request = Request::post("/echo").body(body).unwrap();
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
        let value = HeaderValue::from_bytes(value).unwrap();
        request.headers_mut().append(name, value);
    }
    Input::InProcess(Box::new(request))
}

/// Builds an in-process POST of `BODY` with a timestamp and a signature.
fn with_pair(timestamp: &str, signature: &str) -> Input {
    post(
        &[
            ("x-hmac-timestamp", timestamp.as_bytes()),
            ("x-hmac-signature", signature.as_bytes()),
        ],
        Body::from(BODY),
    )
}

/// Builds an in-process POST of `body` signed over `signed_body` at `NOW`,
/// with its `Content-Length` set to the length of `body`.
fn signed_body(body: &[u8], signed_body: &[u8]) -> Input {
    let (timestamp, signature) = sign(signed_body, NOW);
    let length = body.len().to_string();
    post(
        &[
            ("x-hmac-timestamp", timestamp.as_bytes()),
            ("x-hmac-signature", signature.as_bytes()),
            ("content-length", length.as_bytes()),
        ],
        Body::from(body.to_vec()),
    )
}

/// Builds an in-process POST whose body is streamed as `chunks`, with no
/// `Content-Length`, signed over their concatenation.
fn streamed(chunks: &[&[u8]], failing: bool) -> Input {
    let (timestamp, signature) = sign(&chunks.concat(), NOW);
    let mut body = ScriptedBody::new(chunks);
    if failing {
        body = body.failing();
    }
    post(
        &[
            ("x-hmac-timestamp", timestamp.as_bytes()),
            ("x-hmac-signature", signature.as_bytes()),
        ],
        Body::new(body),
    )
}

/// Builds a raw HTTP/1.1 POST to `/echo` with `Connection: close`, the given
/// header lines and the body bytes that follow the head.
fn raw(header_lines: &[&[u8]], body: &[u8]) -> Vec<u8> {
    let mut bytes = b"POST /echo HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n".to_vec();
    for line in header_lines {
        bytes.extend_from_slice(line);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(body);
    bytes
}

/// Returns the two signing header lines for `body` at `NOW`.
fn raw_signature_lines(body: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (timestamp, signature) = sign(body, NOW);
    (
        format!("x-hmac-timestamp: {timestamp}").into_bytes(),
        format!("x-hmac-signature: {signature}").into_bytes(),
    )
}

fn header_rows() -> Vec<Row> {
    let unauthorized = StatusCode::UNAUTHORIZED;
    let (ts, sig) = sign(BODY, NOW);
    let tsb = ts.as_bytes();
    let sigb = sig.as_bytes();
    let long_signature = "ab".repeat(4096);
    let long_timestamp = "1".repeat(8192);
    let utf8_signature = format!("{}é", &sig[..62]);
    let obs_text_timestamp = [tsb, b"\xff"].concat();
    let (raw_ts, raw_sig) = raw_signature_lines(BODY);
    let big_header = [b"x-padding: ".as_slice(), &vec![b'a'; 512 * 1024]].concat();
    let many_headers: Vec<Vec<u8>> = (0..200)
        .map(|i| format!("x-extra-{i}: {i}").into_bytes())
        .collect();
    let mut many_lines: Vec<&[u8]> = vec![&raw_ts, &raw_sig];
    many_lines.extend(many_headers.iter().map(Vec::as_slice));

    vec![
        rejected(
            "no HMAC headers",
            post(&[], Body::from(BODY)),
            unauthorized,
            "Missing HMAC headers",
        ),
        rejected(
            "timestamp missing",
            post(&[("x-hmac-signature", sigb)], Body::from(BODY)),
            unauthorized,
            "Missing HMAC headers",
        ),
        rejected(
            "signature missing",
            post(&[("x-hmac-timestamp", tsb)], Body::from(BODY)),
            unauthorized,
            "Missing HMAC headers",
        ),
        rejected(
            "timestamp empty",
            with_pair("", &sig),
            unauthorized,
            "Missing HMAC headers",
        ),
        rejected(
            "signature of spaces and tabs",
            with_pair(&ts, " \t "),
            unauthorized,
            "Missing HMAC headers",
        ),
        rejected(
            "signature header twice with one value",
            post(
                &[
                    ("x-hmac-timestamp", tsb),
                    ("x-hmac-signature", sigb),
                    ("x-hmac-signature", sigb),
                ],
                Body::from(BODY),
            ),
            unauthorized,
            "Duplicate HMAC headers",
        ),
        rejected(
            "timestamp header twice",
            post(
                &[
                    ("x-hmac-timestamp", tsb),
                    ("x-hmac-timestamp", tsb),
                    ("x-hmac-signature", sigb),
                ],
                Body::from(BODY),
            ),
            unauthorized,
            "Duplicate HMAC headers",
        ),
        rejected(
            "key id header twice",
            post(
                &[
                    ("x-hmac-timestamp", tsb),
                    ("x-hmac-signature", sigb),
                    ("x-hmac-key-id", b"default"),
                    ("x-hmac-key-id", b"default"),
                ],
                Body::from(BODY),
            ),
            unauthorized,
            "Duplicate HMAC headers",
        ),
        rejected(
            "signature of 8 KiB",
            with_pair(&ts, &long_signature),
            unauthorized,
            "Invalid HMAC signature",
        ),
        rejected(
            "timestamp of 8 KiB digits",
            with_pair(&long_timestamp, &sig),
            unauthorized,
            "Invalid timestamp",
        ),
        rejected_by_hyper(
            "header of 512 KiB, hyper answers 431",
            raw(&[&raw_ts, &raw_sig, &big_header], BODY),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        ),
        rejected_by_hyper(
            "200 extra headers, hyper answers 431",
            raw(&many_lines, BODY),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        ),
        rejected(
            "signature with UTF-8 bytes",
            post(
                &[
                    ("x-hmac-timestamp", tsb),
                    ("x-hmac-signature", utf8_signature.as_bytes()),
                ],
                Body::from(BODY),
            ),
            unauthorized,
            "Invalid HMAC headers",
        ),
        rejected(
            "timestamp with obs-text byte",
            post(
                &[
                    ("x-hmac-timestamp", &obs_text_timestamp),
                    ("x-hmac-signature", sigb),
                ],
                Body::from(BODY),
            ),
            unauthorized,
            "Invalid HMAC headers",
        ),
        rejected(
            "key id with UTF-8 bytes",
            post(
                &[
                    ("x-hmac-timestamp", tsb),
                    ("x-hmac-signature", sigb),
                    ("x-hmac-key-id", "기본".as_bytes()),
                ],
                Body::from(BODY),
            ),
            unauthorized,
            "Invalid HMAC headers",
        ),
        rejected_by_hyper(
            "control byte in timestamp, hyper answers 400",
            raw(&[&[raw_ts.as_slice(), b"\x01"].concat(), &raw_sig], BODY),
            StatusCode::BAD_REQUEST,
        ),
        rejected_by_hyper(
            "NUL byte in signature, hyper answers 400",
            raw(&[&raw_ts, &[raw_sig.as_slice(), b"\x00"].concat()], BODY),
            StatusCode::BAD_REQUEST,
        ),
        rejected_by_hyper(
            "DEL byte in signature, hyper answers 400",
            raw(&[&raw_ts, &[raw_sig.as_slice(), b"\x7f"].concat()], BODY),
            StatusCode::BAD_REQUEST,
        ),
        rejected(
            "key id that names no key",
            post(
                &[
                    ("x-hmac-timestamp", tsb),
                    ("x-hmac-signature", sigb),
                    ("x-hmac-key-id", b"nobody"),
                ],
                Body::from(BODY),
            ),
            unauthorized,
            "Unknown key id",
        ),
        rejected(
            "key id with a space",
            post(
                &[
                    ("x-hmac-timestamp", tsb),
                    ("x-hmac-signature", sigb),
                    ("x-hmac-key-id", b"de fault"),
                ],
                Body::from(BODY),
            ),
            unauthorized,
            "Invalid key id",
        ),
        accepted(
            "malformed nonce ignored while the nonce option is off",
            post(
                &[
                    ("x-hmac-timestamp", tsb),
                    ("x-hmac-signature", sigb),
                    ("x-hmac-nonce", b"!"),
                ],
                Body::from(BODY),
            ),
        ),
    ]
}

fn signature_rows() -> Vec<Row> {
    let unauthorized = StatusCode::UNAUTHORIZED;
    let invalid = "Invalid HMAC signature";
    let (ts, sig) = sign(BODY, NOW);
    let mut last_changed = sig.clone().into_bytes();
    last_changed[63] = if last_changed[63] == b'0' { b'1' } else { b'0' };
    let last_changed = String::from_utf8(last_changed).unwrap();
    let mixed_case: String = sig
        .chars()
        .enumerate()
        .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c })
        .collect();
    let tag = hex::decode(&sig).unwrap();
    let base64 = base64_encode(&tag);

    vec![
        rejected(
            "signature of 62 characters",
            with_pair(&ts, &sig[..62]),
            unauthorized,
            invalid,
        ),
        rejected(
            "signature of 63 characters",
            with_pair(&ts, &sig[..63]),
            unauthorized,
            invalid,
        ),
        rejected(
            "signature of 66 characters",
            with_pair(&ts, &format!("{sig}00")),
            unauthorized,
            invalid,
        ),
        rejected(
            "signature doubled",
            with_pair(&ts, &format!("{sig}{sig}")),
            unauthorized,
            invalid,
        ),
        rejected(
            "two signatures separated by a comma",
            with_pair(&ts, &format!("{sig},{sig}")),
            unauthorized,
            invalid,
        ),
        rejected(
            "signature with sha256= prefix",
            with_pair(&ts, &format!("sha256={sig}")),
            unauthorized,
            invalid,
        ),
        rejected(
            "signature with v1, prefix",
            with_pair(&ts, &format!("v1,{sig}")),
            unauthorized,
            invalid,
        ),
        rejected(
            "signature in base64",
            with_pair(&ts, &base64),
            unauthorized,
            invalid,
        ),
        rejected(
            "signature with last digit changed",
            with_pair(&ts, &last_changed),
            unauthorized,
            invalid,
        ),
        rejected(
            "signature over another timestamp",
            with_pair(&(NOW - 1).to_string(), &sig),
            unauthorized,
            invalid,
        ),
        // Hex of either case decodes to the same tag, and replay protection
        // stores the tag, not the text, so the case does not make a new request.
        accepted("signature in uppercase hex", with_pair(&ts, &sig.to_uppercase())),
        accepted("signature in mixed-case hex", with_pair(&ts, &mixed_case)),
        accepted(
            "signature with surrounding spaces and tabs",
            with_pair(&ts, &format!(" \t{sig} ")),
        ),
    ]
}

fn timestamp_rows() -> Vec<Row> {
    let unauthorized = StatusCode::UNAUTHORIZED;
    let (ts, sig) = sign(BODY, NOW);
    let edge = NOW - 60;
    let (edge_ts, edge_sig) = sign(BODY, edge);
    let far_past = 1;
    let (past_ts, past_sig) = sign(BODY, far_past);

    vec![
        rejected(
            "timestamp negative",
            with_pair(&format!("-{ts}"), &sig),
            unauthorized,
            "Invalid timestamp",
        ),
        rejected(
            "timestamp fractional",
            with_pair(&format!("{ts}.5"), &sig),
            unauthorized,
            "Invalid timestamp",
        ),
        rejected(
            "timestamp in milliseconds",
            with_pair(&(NOW * 1000).to_string(), &sig),
            unauthorized,
            "Invalid timestamp",
        ),
        rejected(
            "timestamp with leading plus",
            with_pair(&format!("+{ts}"), &sig),
            unauthorized,
            "Invalid timestamp",
        ),
        rejected(
            "timestamp with leading zeros",
            with_pair(&format!("00{ts}"), &sig),
            unauthorized,
            "Invalid timestamp",
        ),
        rejected(
            "timestamp at i64::MAX",
            with_pair(&i64::MAX.to_string(), &sig),
            unauthorized,
            "Invalid timestamp",
        ),
        rejected(
            "timestamp in exponent notation",
            with_pair("1.7e9", &sig),
            unauthorized,
            "Invalid timestamp",
        ),
        rejected(
            "timestamp far past, correctly signed",
            with_pair(&past_ts, &past_sig),
            unauthorized,
            "Request timestamp too old",
        ),
        rejected(
            "timestamp 61 s old",
            with_pair(&(NOW - 61).to_string(), &sig),
            unauthorized,
            "Request timestamp too old",
        ),
        rejected(
            "timestamp far future, largest ten digits",
            with_pair("9999999999", &sig),
            unauthorized,
            "Request timestamp too far in the future",
        ),
        accepted("timestamp at the window edge", with_pair(&edge_ts, &edge_sig)),
    ]
}

fn body_rows() -> Vec<Row> {
    let unauthorized = StatusCode::UNAUTHORIZED;
    let too_large = StatusCode::PAYLOAD_TOO_LARGE;
    let at_limit = vec![b'a'; LIMIT];
    let over_limit = vec![b'a'; LIMIT + 1];
    let half: &[u8] = &over_limit[..LIMIT / 2];
    let mut tampered = BODY.to_vec();
    tampered[3] ^= 0x01;
    let twenty = b"0123456789abcdefghij";

    // Declared 100 bytes, sent 50, then the client stops sending.
    let fifty = [b'b'; 50];
    let (short_ts, short_sig) = raw_signature_lines(&fifty);
    let declared_larger = raw(&[&short_ts, &short_sig, b"content-length: 100"], &fifty);

    // Declared 10 bytes, sent 20 signed as a whole: hyper hands the layer
    // the first 10 bytes and reads the rest as the next request.
    let (long_ts, long_sig) = raw_signature_lines(twenty);
    let declared_smaller = raw(&[&long_ts, &long_sig, b"content-length: 10"], twenty);

    let (chunked_ts, chunked_sig) = raw_signature_lines(b"hello world");
    let chunked = raw(
        &[&chunked_ts, &chunked_sig, b"transfer-encoding: chunked"],
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    );
    let bad_chunk = raw(
        &[&chunked_ts, &chunked_sig, b"transfer-encoding: chunked"],
        b"5\r\nhello\r\nzz\r\n world\r\n0\r\n\r\n",
    );
    let both_lengths = raw(
        &[
            &chunked_ts,
            &chunked_sig,
            b"content-length: 11",
            b"content-length: 12",
        ],
        b"hello world",
    );

    vec![
        accepted("body empty, signed as timestamp and dot", signed_body(b"", b"")),
        rejected(
            "body empty, signed over another body",
            signed_body(b"", BODY),
            unauthorized,
            "Invalid HMAC signature",
        ),
        rejected(
            "body with one byte changed",
            signed_body(&tampered, BODY),
            unauthorized,
            "Invalid HMAC signature",
        ),
        accepted("body exactly at the limit", signed_body(&at_limit, &at_limit)),
        rejected(
            "body one byte over, declared",
            signed_body(&over_limit, &over_limit),
            too_large,
            "Request body too large",
        ),
        rejected(
            "body one byte over, streamed without length",
            streamed(&[half, half, b"a"], false),
            too_large,
            "Request body too large",
        ),
        rejected(
            "declared length over the limit, short body",
            post(
                &[
                    ("x-hmac-timestamp", sign(BODY, NOW).0.as_bytes()),
                    ("x-hmac-signature", sign(BODY, NOW).1.as_bytes()),
                    ("content-length", b"1000000"),
                ],
                Body::from(BODY),
            ),
            too_large,
            "Request body too large",
        ),
        rejected(
            "body failing mid-stream",
            streamed(&[b"{\"text\":", b"\"cut"], true),
            StatusCode::BAD_REQUEST,
            "Failed to read request body",
        ),
        accepted(
            "body streamed in three chunks",
            streamed(&[b"{\"a\":", b"1", b"}"], false),
        ),
        rejected(
            "declared length larger than sent over TCP",
            Input::Tcp {
                bytes: declared_larger,
                half_close: true,
            },
            StatusCode::BAD_REQUEST,
            "Failed to read request body",
        ),
        rejected(
            "declared length smaller than sent over TCP",
            Input::Tcp {
                bytes: declared_smaller,
                half_close: false,
            },
            unauthorized,
            "Invalid HMAC signature",
        ),
        accepted(
            "chunked transfer coding over TCP",
            Input::Tcp {
                bytes: chunked,
                half_close: false,
            },
        ),
        rejected(
            "invalid chunk size mid-stream over TCP",
            Input::Tcp {
                bytes: bad_chunk,
                half_close: false,
            },
            StatusCode::BAD_REQUEST,
            "Failed to read request body",
        ),
        rejected_by_hyper(
            "two different Content-Length values, hyper answers 400",
            both_lengths,
            StatusCode::BAD_REQUEST,
        ),
    ]
}

/// Encodes `bytes` as standard base64 with padding.
fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::new();
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                text.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                text.push('=');
            }
        }
    }
    text
}

/// Sends `bytes` to a fresh echo app on 127.0.0.1 and returns the status
/// and body of the first response.
async fn send_raw(bytes: &[u8], half_close: bool) -> (StatusCode, Bytes, CallCount) {
    let (app, calls) = echo_app(limited_verifier(LIMIT));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    // The server may respond and close before all bytes are written (431 on
    // an oversized head), so a failed write is not an error here.
    let _ = stream.write_all(bytes).await;
    if half_close {
        stream.shutdown().await.unwrap();
    }
    let mut received = Vec::new();
    let read = tokio::time::timeout(TCP_DEADLINE, stream.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "no response within {TCP_DEADLINE:?}");
    server.abort();

    let (status, body) = parse_first_response(&received);
    (status, body, calls)
}

/// Parses the status and the `Content-Length` body of the first response in
/// `received`.
fn parse_first_response(received: &[u8]) -> (StatusCode, Bytes) {
    let text = String::from_utf8_lossy(received);
    let head_end = text
        .find("\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete response head in {text:?}"));
    let head = &text[..head_end];
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())
                .flatten()
        })
        .unwrap_or(0);
    let body_start = head_end + 4;
    let body = &received[body_start..(body_start + length).min(received.len())];
    (
        StatusCode::from_u16(status).unwrap(),
        Bytes::copy_from_slice(body),
    )
}

#[tokio::test]
async fn bad_input_matrix() {
    let rows: Vec<Row> = [header_rows(), signature_rows(), timestamp_rows(), body_rows()]
        .into_iter()
        .flatten()
        .collect();
    assert!(rows.len() >= 40, "the matrix has only {} rows", rows.len());

    for row in rows {
        let (status, body, calls) = match row.input {
            Input::InProcess(request) => {
                let (app, calls) = echo_app(limited_verifier(LIMIT));
                let (status, body, _) = read(app.oneshot(*request).await.unwrap()).await;
                (status, body, calls)
            }
            Input::Tcp { bytes, half_close } => send_raw(&bytes, half_close).await,
        };

        assert_eq!(status, row.status, "{}: status", row.name);
        assert_eq!(calls.get(), row.calls, "{}: handler calls", row.name);
        match (row.calls, row.detail) {
            (0, Some(expected)) => assert_eq!(detail(&body), expected, "{}: detail", row.name),
            (0, None) => assert!(body.is_empty(), "{}: hyper's body {body:?}", row.name),
            _ => {}
        }
    }
}

#[test]
fn base64_helper_matches_known_values() {
    assert_eq!(base64_encode(b""), "");
    assert_eq!(base64_encode(b"f"), "Zg==");
    assert_eq!(base64_encode(b"fo"), "Zm8=");
    assert_eq!(base64_encode(b"foo"), "Zm9v");
    assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
}
