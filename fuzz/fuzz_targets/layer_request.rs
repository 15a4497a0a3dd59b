//! Fuzzes whole requests through `HmacVerifyLayer`, in process.
//!
//! Input: one flags byte, then a raw HTTP/1.1 request. The head is parsed
//! with `httparse`, the parser under hyper, and inputs it rejects are
//! skipped because hyper would never pass them to the layer. Every byte
//! after the head is the body, whatever `Content-Length` declares.
//!
//! Flags: bits 0-2 pick the body chunk size, bit 3 makes the body fail after
//! its last chunk, bit 4 lowers the body limit from 1024 to 32 bytes, bit 5
//! requires a nonce and bit 6 selects the key ring instead of one secret.
//!
//! Each request is sent twice through one layer with a fresh replay store.
//! The target checks the statuses, that the inner service runs only for
//! genuine requests and receives them unchanged, that a genuine request is
//! accepted, and that its second copy is rejected as a replay.

#![no_main]

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use fuzz_support::{assert_genuine, must_accept, ChunkedBody, Config, Keys, NOW};
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use libfuzzer_sys::fuzz_target;
use tower::{Layer, Service, ServiceExt};
use tower_hmac::HmacVerifyLayer;

const CHUNK_LENGTHS: [usize; 8] = [usize::MAX, 1, 2, 3, 7, 16, 64, 512];
const MAX_HEADERS: usize = 32;
const REPLAYED: &[u8] = br#"{"detail":"Request already processed"}"#;

/// The parts of a request that survive `httparse`.
struct Parsed {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// The request the inner service received, and how often it ran.
#[derive(Default)]
struct Seen {
    calls: usize,
    method: Option<Method>,
    uri: Option<Uri>,
    headers: Option<HeaderMap>,
    body: Option<Bytes>,
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, raw)) = data.split_first() else {
        return;
    };
    let Some(parsed) = parse(raw) else {
        return;
    };
    let config = Config {
        keys: if flags & 0b100_0000 == 0 {
            Keys::Single
        } else {
            Keys::Ring
        },
        require_nonce: flags & 0b10_0000 != 0,
        body_limit: if flags & 0b1_0000 == 0 { 1024 } else { 32 },
        now: NOW,
        window_seconds: 60,
        replay_entries: Some(16),
    };
    let chunk_len = CHUNK_LENGTHS[usize::from(flags & 0b111)];
    let fails = flags & 0b1000 != 0;

    let seen = Arc::new(Mutex::new(Seen::default()));
    let recorder = Arc::clone(&seen);
    let inner = tower::service_fn(move |request: Request<Full<Bytes>>| {
        let recorder = Arc::clone(&recorder);
        async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await.expect("Full never fails").to_bytes();
            let mut seen = recorder.lock().unwrap();
            seen.calls += 1;
            seen.method = Some(parts.method);
            seen.uri = Some(parts.uri);
            seen.headers = Some(parts.headers);
            seen.body = Some(body);
            Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from_static(b"ok"))))
        }
    });
    let service = HmacVerifyLayer::from_verifier(fuzz_support::verifier(&config)).layer(inner);

    let (status, _) = send(service.clone(), &parsed, chunk_len, fails);
    let calls_after_first = seen.lock().unwrap().calls;
    check_first(&config, &parsed, status, &seen.lock().unwrap(), fails);

    let (second_status, second_body) = send(service, &parsed, chunk_len, fails);
    let calls_after_second = seen.lock().unwrap().calls;
    if status == StatusCode::OK {
        assert_eq!(second_status, StatusCode::UNAUTHORIZED, "a replay was accepted");
        assert_eq!(&second_body[..], REPLAYED);
        assert_eq!(
            calls_after_second, calls_after_first,
            "the inner service ran for a replay"
        );
    } else {
        assert_eq!(
            second_status, status,
            "the same rejected request got another status"
        );
        assert_eq!(calls_after_second, 0);
    }
});

/// Sends one copy of `parsed` through `service` and returns the status and
/// body of the response.
fn send<S, B>(service: S, parsed: &Parsed, chunk_len: usize, fails: bool) -> (StatusCode, Bytes)
where
    S: Service<Request<ChunkedBody>, Response = Response<B>, Error = std::convert::Infallible>,
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let mut request = Request::new(ChunkedBody::new(&parsed.body, chunk_len, fails));
    *request.method_mut() = parsed.method.clone();
    *request.uri_mut() = parsed.uri.clone();
    *request.headers_mut() = parsed.headers.clone();
    futures_executor::block_on(async move {
        let response = service
            .oneshot(request)
            .await
            .expect("the inner service is infallible");
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("response bodies never fail");
        (status, body.to_bytes())
    })
}

fn check_first(config: &Config, parsed: &Parsed, status: StatusCode, seen: &Seen, fails: bool) {
    let allowed = [
        StatusCode::OK,
        StatusCode::BAD_REQUEST,
        StatusCode::UNAUTHORIZED,
        StatusCode::FORBIDDEN,
        StatusCode::PAYLOAD_TOO_LARGE,
    ];
    assert!(allowed.contains(&status), "unexpected status {status}");

    let declared = declared_length(&parsed.headers);
    let too_large = parsed.body.len() > config.body_limit
        || declared.is_some_and(|length| length > config.body_limit as u64);
    if status == StatusCode::OK {
        assert_eq!(seen.calls, 1);
        assert!(!fails, "accepted a body that failed mid-stream");
        assert!(!too_large, "accepted a body over the limit");
        assert_eq!(seen.method.as_ref(), Some(&parsed.method));
        assert_eq!(seen.uri.as_ref(), Some(&parsed.uri));
        assert_eq!(seen.headers.as_ref(), Some(&parsed.headers));
        assert_eq!(seen.body.as_deref(), Some(&parsed.body[..]));
        assert_genuine(
            config,
            &parsed.headers,
            &parsed.method,
            parsed.uri.path(),
            &parsed.body,
        );
    } else {
        assert_eq!(seen.calls, 0, "the inner service ran for a rejected request");
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        assert!(too_large, "413 for a body within the limit");
    }
    if status == StatusCode::BAD_REQUEST {
        assert!(fails, "400 for a body that did not fail");
    }

    let honest_length = match parsed.headers.get_all(CONTENT_LENGTH).iter().count() {
        0 => true,
        1 => declared == Some(parsed.body.len() as u64),
        _ => false,
    };
    let genuine = must_accept(
        config,
        &parsed.headers,
        &parsed.method,
        parsed.uri.path(),
        &parsed.body,
    );
    if genuine && honest_length && !fails {
        assert_eq!(status, StatusCode::OK, "rejected a genuine request");
    }
}

/// Returns the declared `Content-Length` when there is exactly one value
/// that parses as a `u64` after trimming.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    let mut values = headers.get_all(CONTENT_LENGTH).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    value.to_str().ok()?.trim().parse().ok()
}

fn parse(raw: &[u8]) -> Option<Parsed> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut head = httparse::Request::new(&mut slots);
    let httparse::Status::Complete(head_len) = head.parse(raw).ok()? else {
        return None;
    };
    let method = Method::from_bytes(head.method?.as_bytes()).ok()?;
    let uri: Uri = head.path?.parse().ok()?;
    let mut headers = HeaderMap::new();
    for header in head.headers.iter() {
        let name = HeaderName::from_bytes(header.name.as_bytes()).ok()?;
        let value = HeaderValue::from_bytes(header.value).ok()?;
        headers.append(name, value);
    }
    Some(Parsed {
        method,
        uri,
        headers,
        body: raw[head_len..].to_vec(),
    })
}
