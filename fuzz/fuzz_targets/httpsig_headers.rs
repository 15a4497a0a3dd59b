//! Fuzzes RFC 9421 `Signature-Input`, `Signature` and `Content-Digest`
//! through `HmacVerifier::verify`.
//!
//! Input: a request line `METHOD /path?query`, header lines `name: value`,
//! all separated by `\n`, an empty line, then the body. The verifier accepts
//! RFC 9421 only, with the default policy (method, authority, path and query
//! covered, `Content-Digest` required for a body), `fuzz_support::SECRET`
//! as the default key, at `fuzz_support::NOW` with a 60 s window and replay
//! protection.
//!
//! Restating the signature base here would copy the crate, so the oracle is
//! differential: once a request is accepted, the same request with another
//! method, another path, another host or one body byte changed must be
//! rejected, and a second copy must be rejected as a replay.

#![no_main]

use fuzz_support::{parse_header_lines, split_head, NOW, SECRET};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};
use libfuzzer_sys::fuzz_target;
use tower_hmac::replay::{MemoryReplayStore, ReplayProtection};
use tower_hmac::{HmacSecret, HmacVerifier, KeyRing, ManualClock, Scheme, VerifyError};

fuzz_target!(|data: &[u8]| {
    let (head, body) = split_head(data);
    let (request_line, header_lines) = match head.iter().position(|&byte| byte == b'\n') {
        Some(end) => (&head[..end], &head[end + 1..]),
        None => (head, &[][..]),
    };
    let Some((method, uri)) = parse_request_line(request_line) else {
        return;
    };
    let mut headers = HeaderMap::new();
    parse_header_lines(header_lines, &mut headers);
    let request = build(method.clone(), uri.clone(), headers.clone(), body.to_vec());

    let verifier = HmacVerifier::builder()
        .key_ring(KeyRing::single(
            HmacSecret::from_bytes(SECRET).expect("non-empty"),
        ))
        .scheme(Scheme::http_signatures())
        .clock(ManualClock::new(NOW))
        .replay_protection(ReplayProtection::new(MemoryReplayStore::new(4)))
        .build()
        .expect("valid configuration");

    // Checked on a verifier without replay protection first, so the
    // variants below are judged on their signatures alone.
    let stateless = HmacVerifier::builder()
        .key_ring(KeyRing::single(
            HmacSecret::from_bytes(SECRET).expect("non-empty"),
        ))
        .scheme(Scheme::http_signatures())
        .clock(ManualClock::new(NOW))
        .build()
        .expect("valid configuration");

    let first = futures_executor::block_on(verifier.verify(&request));
    let second = futures_executor::block_on(verifier.verify(&request));
    let Ok(_) = first else {
        assert_eq!(
            second.map(|_| ()),
            first.map(|_| ()),
            "the same rejected request got another result"
        );
        return;
    };
    assert_eq!(
        second.map(|_| ()),
        Err(VerifyError::Replayed),
        "a replay was accepted"
    );

    let other_method = if method == Method::PATCH {
        Method::PUT
    } else {
        Method::PATCH
    };
    let mut variants = vec![
        (
            "method",
            build(other_method, uri.clone(), headers.clone(), body.to_vec()),
        ),
        (
            "host",
            build(
                method.clone(),
                uri.clone(),
                with_other_host(&headers),
                body.to_vec(),
            ),
        ),
    ];
    if let Some(longer) = with_path_suffix(&uri) {
        variants.push((
            "path",
            build(method.clone(), longer, headers.clone(), body.to_vec()),
        ));
    }
    for (name, variant) in variants {
        let result = futures_executor::block_on(stateless.verify(&variant));
        assert!(result.is_err(), "accepted with another {name}");
    }
    if let Some((first_byte, rest)) = body.split_first() {
        let changed = [&[first_byte ^ 0x01][..], rest].concat();
        let variant = build(method, uri, headers, changed);
        let result = futures_executor::block_on(stateless.verify(&variant));
        assert!(result.is_err(), "accepted with another body");
    }
});

fn parse_request_line(line: &[u8]) -> Option<(Method, Uri)> {
    let text = std::str::from_utf8(line).ok()?;
    let (method, target) = text.split_once(' ')?;
    let method = Method::from_bytes(method.as_bytes()).ok()?;
    let uri: Uri = target.parse().ok()?;
    // Only origin-form targets, as a server receives them from a client.
    uri.path_and_query()?;
    if uri.scheme().is_some() {
        return None;
    }
    Some((method, uri))
}

fn build(method: Method, uri: Uri, headers: HeaderMap, body: Vec<u8>) -> Request<Vec<u8>> {
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    request
}

/// Returns `uri` with `x` appended to its path, when that is a valid URI.
fn with_path_suffix(uri: &Uri) -> Option<Uri> {
    let path = format!("{}x", uri.path());
    let target = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    target.parse().ok()
}

/// Returns `headers` with `Host` replaced by a host name no input can equal
/// after lowercasing.
fn with_other_host(headers: &HeaderMap) -> HeaderMap {
    let mut changed = headers.clone();
    changed.insert(
        http::header::HOST,
        HeaderValue::from_static("OTHER-HOST.invalid.x"),
    );
    changed
}
