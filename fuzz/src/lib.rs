//! Shared set-up and oracles of the fuzz targets.
//!
//! The targets check the crate against facts computed here without its
//! code: the HMAC comes from the `hmac` crate directly, and the header
//! syntax rules are restated from the README. A target that finds the crate
//! and this file disagree panics, which libFuzzer reports as a crash.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use sha2::Sha256;
use tower_hmac::replay::{MemoryReplayStore, ReplayProtection};
use tower_hmac::{AllowRule, HmacSecret, HmacVerifier, KeyRing, ManualClock};

/// The verifier's clock in every target: 2023-11-14T22:13:20Z, in unix seconds.
pub const NOW: i64 = 1_700_000_000;

/// Secret of the single-secret set-up. The seed corpus is signed with it.
pub const SECRET: &[u8] = b"fuzz-secret-0123456789abcdef0123456789";

/// Secrets of the key-ring set-up. `alpha` is the default key and has an
/// expired secret and an active one; `beta` may only `POST` to `/v1/infer`.
pub const ALPHA_OLD: &[u8] = b"fuzz-alpha-old-0123456789abcdef0123";
pub const ALPHA_NEW: &[u8] = b"fuzz-alpha-new-0123456789abcdef0123";
pub const BETA: &[u8] = b"fuzz-beta-0123456789abcdef0123456789";

/// Default key id of [`KeyRing::single`].
pub const DEFAULT_KEY_ID: &str = "default";

pub const TIMESTAMP: &str = "x-hmac-timestamp";
pub const SIGNATURE: &str = "x-hmac-signature";
pub const KEY_ID: &str = "x-hmac-key-id";
pub const NONCE: &str = "x-hmac-nonce";

/// Key set of the verifier under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    /// [`SECRET`] under the id `default`, which is also the default key.
    Single,
    /// `alpha` (default) and `beta`, see [`ALPHA_NEW`].
    Ring,
}

/// Returns the key ring of `keys`.
pub fn key_ring(keys: Keys) -> KeyRing {
    match keys {
        Keys::Single => KeyRing::single(secret(SECRET)),
        Keys::Ring => {
            let mut ring = KeyRing::new();
            ring.add_secret("alpha", "old", secret(ALPHA_OLD), Some(NOW - 1))
                .expect("valid key");
            ring.add_secret("alpha", "new", secret(ALPHA_NEW), None)
                .expect("valid key");
            ring.add_secret("beta", "v1", secret(BETA), None)
                .expect("valid key");
            ring.set_default_key("alpha").expect("alpha is in the ring");
            let rule = AllowRule {
                method: Some(Method::POST),
                path_prefix: "/v1/infer".into(),
            };
            ring.allow("beta", rule).expect("beta is in the ring");
            ring
        }
    }
}

fn secret(bytes: &[u8]) -> HmacSecret {
    HmacSecret::from_bytes(bytes).expect("non-empty secret")
}

/// Returns the secrets that may verify for `key_id` at [`NOW`], or none for
/// an unknown id.
pub fn active_secrets(keys: Keys, key_id: &str) -> &'static [&'static [u8]] {
    match (keys, key_id) {
        (Keys::Single, DEFAULT_KEY_ID) => &[SECRET],
        (Keys::Ring, "alpha") => &[ALPHA_NEW],
        (Keys::Ring, "beta") => &[BETA],
        _ => &[],
    }
}

/// Returns the default key id of `keys`.
pub fn default_key_id(keys: Keys) -> &'static str {
    match keys {
        Keys::Single => DEFAULT_KEY_ID,
        Keys::Ring => "alpha",
    }
}

/// Returns whether `key_id` may call `method` on `path`, restating the
/// allow rule of `beta` with segment matching.
pub fn endpoint_allowed(key_id: &str, method: &Method, path: &str) -> bool {
    if key_id != "beta" {
        return true;
    }
    *method == Method::POST && (path == "/v1/infer" || path.starts_with("/v1/infer/"))
}

/// Settings of one verifier under test.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub keys: Keys,
    pub require_nonce: bool,
    pub body_limit: usize,
    pub now: i64,
    pub window_seconds: u64,
    /// Capacity of a fresh in-memory replay store, or no replay protection.
    pub replay_entries: Option<usize>,
}

/// Builds the verifier for `config`.
pub fn verifier(config: &Config) -> HmacVerifier {
    let mut builder = HmacVerifier::builder()
        .key_ring(key_ring(config.keys))
        .require_nonce(config.require_nonce)
        .body_limit(config.body_limit)
        .window_seconds(config.window_seconds)
        .clock(ManualClock::new(config.now));
    if let Some(entries) = config.replay_entries {
        builder = builder.replay_protection(ReplayProtection::new(MemoryReplayStore::new(entries)));
    }
    builder.build().expect("the key ring is not empty")
}

/// Computes HMAC-SHA256 over the concatenation of `parts`.
pub fn hmac_sha256(secret: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Returns the lowercase hex signature of `<timestamp>.<body>`, or of
/// `<timestamp>.<nonce>.<body>` with a nonce, as a sender computes it.
pub fn sign(secret: &[u8], timestamp: &str, nonce: Option<&str>, body: &[u8]) -> String {
    let tag = match nonce {
        Some(nonce) => hmac_sha256(
            secret,
            &[timestamp.as_bytes(), b".", nonce.as_bytes(), b".", body],
        ),
        None => hmac_sha256(secret, &[timestamp.as_bytes(), b".", body]),
    };
    hex::encode(tag)
}

/// Returns the only value of `name` with spaces and tabs trimmed, when it
/// appears exactly once, is visible ASCII and is not blank.
pub fn only_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let text = value.to_str().ok()?.trim_matches([' ', '\t']);
    (!text.is_empty()).then_some(text)
}

/// Parses `text` as a canonical timestamp: 1 to 10 digits without a leading
/// zero (except `0` itself). Returns `None` for anything else.
pub fn canonical_timestamp(text: &str) -> Option<i64> {
    let digits = !text.is_empty() && text.len() <= 10 && text.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = text.len() > 1 && text.starts_with('0');
    if digits && !leading_zero {
        text.parse().ok()
    } else {
        None
    }
}

/// Returns whether `text` is a nonce the verifier accepts: 16 to 128
/// characters of `[A-Za-z0-9_-]`.
pub fn valid_nonce(text: &str) -> bool {
    (16..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Returns whether `timestamp` lies within `window` seconds of `now`, in
/// exact arithmetic.
pub fn within_window(timestamp: i64, now: i64, window: u64) -> bool {
    (i128::from(timestamp) - i128::from(now)).unsigned_abs() <= u128::from(window)
}

/// Returns the key id the request selects: the trimmed `x-hmac-key-id`
/// value, or the default key when the header is absent or blank. A repeated
/// or non-ASCII header selects none.
pub fn selected_key(headers: &HeaderMap, keys: Keys) -> Option<String> {
    let mut values = headers.get_all(KEY_ID).iter();
    let Some(value) = values.next() else {
        return Some(default_key_id(keys).to_owned());
    };
    if values.next().is_some() {
        return None;
    }
    let text = value.to_str().ok()?.trim_matches([' ', '\t']);
    if text.is_empty() {
        return Some(default_key_id(keys).to_owned());
    }
    Some(text.to_owned())
}

/// Panics unless an accepted request is one that only a holder of the
/// secret could have produced. It must have one signature and one timestamp
/// header, a timestamp in the window, and a signature equal to the HMAC of
/// the timestamp, the nonce (when required) and `body` under an active
/// secret of the selected key.
pub fn assert_genuine(config: &Config, headers: &HeaderMap, method: &Method, path: &str, body: &[u8]) {
    let timestamp = only_value(headers, TIMESTAMP).expect("accepted without one timestamp");
    let signature = only_value(headers, SIGNATURE).expect("accepted without one signature");
    let value = canonical_timestamp(timestamp).expect("accepted a non-canonical timestamp");
    assert!(
        within_window(value, config.now, config.window_seconds),
        "accepted a timestamp outside the window: {value} at {} with window {}",
        config.now,
        config.window_seconds
    );

    let nonce = if config.require_nonce {
        let nonce = only_value(headers, NONCE).expect("accepted without one nonce");
        assert!(valid_nonce(nonce), "accepted an invalid nonce {nonce:?}");
        Some(nonce)
    } else {
        None
    };

    let key_id = selected_key(headers, config.keys).expect("accepted with an ambiguous key id");
    let secrets = active_secrets(config.keys, &key_id);
    let matches = secrets
        .iter()
        .any(|secret| sign(secret, timestamp, nonce, body).eq_ignore_ascii_case(signature));
    assert!(
        matches,
        "accepted a signature that no active secret of {key_id:?} produced"
    );
    assert!(
        endpoint_allowed(&key_id, method, path),
        "accepted {key_id:?} on {method} {path} outside its allow rule"
    );
}

/// Splits `text` into header lines `name: value` and appends those that
/// form a valid header name and value. The value keeps every byte after the
/// colon, surrounding spaces included, so trimming is part of what is fuzzed.
pub fn parse_header_lines(text: &[u8], headers: &mut HeaderMap) {
    for line in text.split(|&byte| byte == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&byte| byte == b':') else {
            continue;
        };
        let Ok(name) = HeaderName::from_bytes(&line[..colon]) else {
            continue;
        };
        let Ok(value) = HeaderValue::from_bytes(&line[colon + 1..]) else {
            continue;
        };
        headers.append(name, value);
    }
}

/// A request body of preset chunks that can fail once they are sent, as a
/// connection reset mid-stream does.
pub struct ChunkedBody {
    chunks: VecDeque<Bytes>,
    fail_at_end: bool,
}

impl ChunkedBody {
    /// Splits `body` into chunks of `chunk_len` bytes.
    pub fn new(body: &[u8], chunk_len: usize, fail_at_end: bool) -> Self {
        let chunks = body
            .chunks(chunk_len.max(1))
            .map(Bytes::copy_from_slice)
            .collect();
        Self { chunks, fail_at_end }
    }
}

impl http_body::Body for ChunkedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        if let Some(chunk) = self.chunks.pop_front() {
            return Poll::Ready(Some(Ok(http_body::Frame::data(chunk))));
        }
        if self.fail_at_end {
            self.fail_at_end = false;
            let error = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset by peer");
            return Poll::Ready(Some(Err(error)));
        }
        Poll::Ready(None)
    }
}

/// Returns whether a request with these headers and `body` is genuine and
/// fresh, so the verifier must accept it. That takes one signature and one
/// timestamp, a canonical timestamp in the window and the right nonce when
/// required. The signature must be 64 hex characters (either case) from an
/// active secret of the selected key, on an allowed endpoint, with a body
/// within the limit.
pub fn must_accept(config: &Config, headers: &HeaderMap, method: &Method, path: &str, body: &[u8]) -> bool {
    let (Some(timestamp), Some(signature)) = (only_value(headers, TIMESTAMP), only_value(headers, SIGNATURE))
    else {
        return false;
    };
    let Some(value) = canonical_timestamp(timestamp) else {
        return false;
    };
    if !within_window(value, config.now, config.window_seconds) {
        return false;
    }
    let nonce = if config.require_nonce {
        match only_value(headers, NONCE) {
            Some(nonce) if valid_nonce(nonce) => Some(nonce),
            _ => return false,
        }
    } else {
        None
    };
    let Some(key_id) = selected_key(headers, config.keys) else {
        return false;
    };
    let signed = active_secrets(config.keys, &key_id)
        .iter()
        .any(|secret| sign(secret, timestamp, nonce, body).eq_ignore_ascii_case(signature));
    signed && endpoint_allowed(&key_id, method, path) && body.len() <= config.body_limit
}

/// Splits `data` at the first empty line into header lines and a body.
pub fn split_head(data: &[u8]) -> (&[u8], &[u8]) {
    match data.windows(2).position(|window| window == b"\n\n") {
        Some(end) => (&data[..end], &data[end + 2..]),
        None => (data, &[]),
    }
}

/// Returns the Standard Webhooks signature entry `v1,<base64>` of `body`.
pub fn webhook_signature(secret: &[u8], id: &str, timestamp: &str, body: &[u8]) -> String {
    use base64::Engine as _;
    let tag = hmac_sha256(secret, &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body]);
    format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(tag))
}
