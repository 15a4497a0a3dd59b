//! Fuzzes the header parsers of the default scheme.
//!
//! Input: one flags byte (bit 0: nonce required, bit 1: key ring instead of
//! one secret), eight bytes of the verifier's clock (`i64`, little-endian),
//! eight bytes of its window in seconds (`u64`, little-endian), then header
//! lines `name: value` separated by `\n`.
//!
//! Each header value goes through the public parsers, whose results are
//! compared with the rules restated in `fuzz_support`. The header map then
//! goes through `HmacVerifier::verify` with an empty body: an accepted
//! request must be genuine, and a genuine one must be accepted.

#![no_main]

use fuzz_support::{
    assert_genuine, canonical_timestamp, must_accept, parse_header_lines, within_window, Config, Keys,
};
use http::{HeaderMap, Method, Request};
use libfuzzer_sys::fuzz_target;
use tower_hmac::{check_window, decode_signature, is_valid_key_id, parse_unix_seconds};

const PATH: &str = "/v1/infer";

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Some((now, rest)) = rest.split_first_chunk::<8>() else {
        return;
    };
    let Some((window, lines)) = rest.split_first_chunk::<8>() else {
        return;
    };
    let config = Config {
        keys: if flags & 0b10 == 0 {
            Keys::Single
        } else {
            Keys::Ring
        },
        require_nonce: flags & 0b1 != 0,
        body_limit: 1024,
        now: i64::from_le_bytes(*now),
        window_seconds: u64::from_le_bytes(*window),
        replay_entries: None,
    };

    let mut headers = HeaderMap::new();
    parse_header_lines(lines, &mut headers);
    for value in headers.values() {
        if let Ok(text) = value.to_str() {
            check_parsers(text, &config);
        }
    }

    let mut request = Request::post(PATH)
        .body(&b""[..])
        .expect("static request parts are valid");
    *request.headers_mut() = headers;
    let verifier = fuzz_support::verifier(&config);
    let result = futures_executor::block_on(verifier.verify(&request));
    let genuine = must_accept(&config, request.headers(), &Method::POST, PATH, b"");
    match result {
        Ok(_) => assert_genuine(&config, request.headers(), &Method::POST, PATH, b""),
        Err(error) => assert!(!genuine, "rejected a genuine request: {error}"),
    }
});

/// Compares each public parser with the rule it implements.
fn check_parsers(text: &str, config: &Config) {
    let parsed = parse_unix_seconds(text);
    assert_eq!(
        parsed.as_ref().ok().copied(),
        canonical_timestamp(text),
        "timestamp {text:?}"
    );
    if let Ok(timestamp) = parsed {
        let in_window = check_window(timestamp, config.now, config.window_seconds).is_ok();
        assert_eq!(
            in_window,
            within_window(timestamp, config.now, config.window_seconds),
            "window check of {timestamp} at {} with window {}",
            config.now,
            config.window_seconds
        );
    }

    let is_hex = text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit());
    match decode_signature(text) {
        Ok(bytes) => {
            assert!(
                is_hex,
                "decoded a signature that is not 64 hex characters: {text:?}"
            );
            assert_eq!(hex::encode(bytes), text.to_ascii_lowercase());
        }
        Err(_) => assert!(!is_hex, "rejected a signature of 64 hex characters: {text:?}"),
    }

    let key_id_rule = (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    assert_eq!(is_valid_key_id(text), key_id_rule, "key id {text:?}");
}
