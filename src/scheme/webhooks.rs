//! Standard Webhooks: headers, signed message and signatures.
//!
//! The signed message is `<webhook-id>.<webhook-timestamp>.<raw body>`. The
//! `webhook-signature` header is a space-separated list of
//! `<version>,<base64 signature>` entries, and a request verifies when any
//! `v1` entry matches. Entries of other versions are ignored, so senders can
//! add new signature kinds without breaking older receivers.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::headers::{required_header, required_value, trimmed_text};
use crate::message::{HmacSha256, SignatureList, SIGNATURE_LEN};
use crate::timestamp::parse_unix_seconds;
use crate::{HmacSecret, VerifyError};

/// Header with the message id, which is also the replay id.
pub const WEBHOOK_ID: HeaderName = HeaderName::from_static("webhook-id");
/// Header with the unix timestamp in seconds.
pub const WEBHOOK_TIMESTAMP: HeaderName = HeaderName::from_static("webhook-timestamp");
/// Header with the space-separated signature list.
pub const WEBHOOK_SIGNATURE: HeaderName = HeaderName::from_static("webhook-signature");

pub(crate) const HEADER_NAMES: [HeaderName; 3] = [WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE];

/// Maximum length of a message id, in bytes.
const MAX_ID_LEN: usize = 256;

/// Maximum number of entries read from `webhook-signature`, so a huge list
/// cannot multiply the comparison work.
const MAX_SIGNATURES: usize = 16;

/// The parsed headers of a Standard Webhooks request. The id and timestamp
/// are kept as header values, whose clones share the bytes, so parsing
/// copies no text.
#[derive(Debug, Clone)]
pub(crate) struct WebhookHeaders {
    pub(crate) id: HeaderValue,
    timestamp_value: HeaderValue,
    pub(crate) timestamp: i64,
    pub(crate) signatures: SignatureList,
}

impl WebhookHeaders {
    /// Returns the message id as signed.
    pub(crate) fn id(&self) -> &str {
        trimmed_text(&self.id)
    }

    /// Returns the timestamp as signed.
    pub(crate) fn timestamp_text(&self) -> &str {
        trimmed_text(&self.timestamp_value)
    }
}

/// Parses and checks the three headers, without the timestamp window.
pub(crate) fn parse_headers(headers: &HeaderMap) -> Result<WebhookHeaders, VerifyError> {
    let (id_value, id) = required_header(headers, &WEBHOOK_ID)?;
    let (timestamp_value, timestamp_text) = required_header(headers, &WEBHOOK_TIMESTAMP)?;
    let signature_list = required_value(headers, &WEBHOOK_SIGNATURE)?;

    // The id is part of the signed message, so a separator or space in it
    // could make two different messages look alike.
    let id_is_valid = id.len() <= MAX_ID_LEN && id.bytes().all(|byte| byte.is_ascii_graphic());
    if !id_is_valid {
        return Err(VerifyError::InvalidMessageId);
    }
    let timestamp = parse_unix_seconds(timestamp_text)?;
    let signatures = parse_signature_list(signature_list)?;

    Ok(WebhookHeaders {
        id: id_value.clone(),
        timestamp_value: timestamp_value.clone(),
        timestamp,
        signatures,
    })
}

/// Returns the `v1` signatures of a `webhook-signature` value.
///
/// # Errors
///
/// Returns [`VerifyError::MalformedSignature`] when no `v1` entry contains a
/// base64 value of 32 bytes.
pub(crate) fn parse_signature_list(list: &str) -> Result<SignatureList, VerifyError> {
    let mut signatures = SignatureList::new();
    for entry in list
        .split(' ')
        .filter(|entry| !entry.is_empty())
        .take(MAX_SIGNATURES)
    {
        let Some(("v1", encoded)) = entry.split_once(',') else {
            continue;
        };
        let mut signature = [0u8; SIGNATURE_LEN];
        match BASE64.decode_slice(encoded, &mut signature) {
            Ok(SIGNATURE_LEN) => signatures.push(signature),
            _ => continue,
        }
    }
    if signatures.is_empty() {
        return Err(VerifyError::MalformedSignature);
    }
    Ok(signatures)
}

/// Starts a MAC over `<id>.<timestamp>.`, ready for the body bytes. This is
/// the one definition of the signed message, used to sign and to verify.
pub(crate) fn start_mac(secret: &HmacSecret, id: &str, timestamp: &str) -> HmacSha256 {
    use hmac::Mac as _;
    let mut mac = secret.start_mac();
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac
}

/// Returns the `webhook-signature` value for `body`: `v1,<base64>`.
pub(crate) fn sign(secret: &HmacSecret, id: &str, timestamp: &str, body: &[u8]) -> String {
    use hmac::Mac as _;
    let mut mac = start_mac(secret, id, timestamp);
    mac.update(body);
    format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
}

/// Returns a new message id: `msg_` followed by 24 random alphanumerics.
pub(crate) fn generate_id() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    format!("msg_{}", Alphanumeric.sample_string(&mut rand::rng(), 24))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Published with the Standard Webhooks reference libraries.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: &str = "1614265330";
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const EXPECTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn published_vector_signs() {
        let secret = HmacSecret::from_standard_webhooks(SECRET).unwrap();
        assert_eq!(sign(&secret, ID, TIMESTAMP, BODY), EXPECTED);
    }

    #[test]
    fn other_versions_are_ignored() {
        let list = format!("v2,abc v1a,xyz {EXPECTED} v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=");
        assert_eq!(parse_signature_list(&list).unwrap().len(), 2);
    }

    #[test]
    fn list_without_v1_is_malformed() {
        for list in [
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "v1,",
            "v1,not-base64!",
            "v1,AAAA",
            "junk",
        ] {
            assert_eq!(
                parse_signature_list(list),
                Err(VerifyError::MalformedSignature),
                "{list}"
            );
        }
    }
}
