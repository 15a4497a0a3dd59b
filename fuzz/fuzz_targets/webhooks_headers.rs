//! Fuzzes the Standard Webhooks headers through `HmacVerifier::verify`.
//!
//! Input: header lines `name: value` separated by `\n`, an empty line, then
//! the body. The verifier accepts Standard Webhooks only, with
//! `fuzz_support::SECRET` as the default key, at `fuzz_support::NOW` with a
//! 60 s window and replay protection.
//!
//! An accepted request must carry one `webhook-id` of visible ASCII (at
//! most 256 bytes), one canonical timestamp in the window, and a
//! `webhook-signature` whose first 16 entries include `v1,<base64>` of the
//! HMAC of `<id>.<timestamp>.<body>`. A request with such headers must be
//! accepted, and its second copy must be rejected as a replay.

#![no_main]

use fuzz_support::{
    canonical_timestamp, only_value, parse_header_lines, split_head, webhook_signature, within_window, NOW,
    SECRET,
};
use http::{HeaderMap, Request};
use libfuzzer_sys::fuzz_target;
use tower_hmac::{HmacVerifier, KeyRing, ManualClock, Scheme, VerifyError};

const WINDOW: u64 = 60;

fuzz_target!(|data: &[u8]| {
    let (head, body) = split_head(data);
    let mut headers = HeaderMap::new();
    parse_header_lines(head, &mut headers);
    let mut request = Request::post("/hook")
        .body(body)
        .expect("static request parts are valid");
    *request.headers_mut() = headers;

    let verifier: HmacVerifier = HmacVerifier::builder()
        .key_ring(KeyRing::single(
            tower_hmac::HmacSecret::from_bytes(SECRET).expect("non-empty"),
        ))
        .scheme(Scheme::standard_webhooks())
        .window_seconds(WINDOW)
        .clock(ManualClock::new(NOW))
        .replay_protection(tower_hmac::replay::ReplayProtection::new(
            tower_hmac::replay::MemoryReplayStore::new(4),
        ))
        .build()
        .expect("valid configuration");

    let first = futures_executor::block_on(verifier.verify(&request));
    let genuine = is_genuine(request.headers(), body);
    match &first {
        Ok(_) => assert!(genuine, "accepted a request that is not genuine"),
        Err(error) => assert!(!genuine, "rejected a genuine request: {error}"),
    }
    let second = futures_executor::block_on(verifier.verify(&request));
    match first {
        Ok(_) => assert_eq!(second.map(|_| ()), Err(VerifyError::Replayed)),
        Err(error) => assert_eq!(second.map(|_| ()), Err(error)),
    }
});

/// Restates the acceptance rule of Standard Webhooks for this verifier.
fn is_genuine(headers: &HeaderMap, body: &[u8]) -> bool {
    let (Some(id), Some(timestamp), Some(list)) = (
        only_value(headers, "webhook-id"),
        only_value(headers, "webhook-timestamp"),
        only_value(headers, "webhook-signature"),
    ) else {
        return false;
    };
    if id.len() > 256 || !id.bytes().all(|byte| byte.is_ascii_graphic()) {
        return false;
    }
    let Some(value) = canonical_timestamp(timestamp) else {
        return false;
    };
    if !within_window(value, NOW, WINDOW) {
        return false;
    }
    let expected = webhook_signature(SECRET, id, timestamp, body);
    list.split(' ')
        .filter(|entry| !entry.is_empty())
        .take(16)
        .any(|entry| entry == expected)
}
