//! The signing side: header values for outgoing requests.

use std::sync::Arc;

use http::{HeaderMap, HeaderValue, Method, Request, Uri};

use crate::clock::{Clock, SystemClock};
use crate::keys::is_valid_key_id;
use crate::message::MessagePrefix;
use crate::scheme::httpsig::{self, ComponentError};
use crate::scheme::webhooks;
use crate::verifier::MIN_NONCE_LEN;
use crate::{HeaderNames, HmacSecret, HttpSignatureOptions, KeyRingError, SecretError, SignError};

/// Length of the nonces the signer generates, in characters.
const GENERATED_NONCE_LEN: usize = 32;

/// Signs request bodies for the default scheme.
///
/// It produces the `X-HMAC-Timestamp` and `X-HMAC-Signature` values (and
/// `X-HMAC-Key-Id` and `X-HMAC-Nonce` when configured) over the exact body
/// bytes given. Send those same bytes: re-serializing a JSON payload after
/// signing changes them and the signature fails.
///
/// # Example
///
/// ```
/// use tower_hmac::{HmacSecret, HmacSigner};
///
/// let signer = HmacSigner::new(HmacSecret::from_utf8("test-secret")?);
/// let signed = signer.sign_at(1_700_000_000, br#"{"text":"hi"}"#);
/// assert_eq!(signed.timestamp(), "1700000000");
/// assert_eq!(
///     signed.signature(),
///     "3336b16853d299a907f3fbe6d751c87d382bd06eb1aa61cec20fd0db48e28cf6"
/// );
/// # Ok::<(), tower_hmac::SecretError>(())
/// ```
#[derive(Debug, Clone)]
pub struct HmacSigner {
    secret: HmacSecret,
    key_id: Option<HeaderValue>,
    headers: HeaderNames,
    clock: Arc<dyn Clock>,
    nonce: bool,
    scheme: SigningScheme,
}

/// The signature scheme an [`HmacSigner`] writes in
/// [`HmacSigner::sign_parts`] and everything built on it: the request
/// signing layer and the reqwest helpers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigningScheme {
    /// `X-HMAC-Timestamp` and `X-HMAC-Signature` (and the key id and nonce
    /// headers when configured).
    #[default]
    Default,
    /// Standard Webhooks: a new `webhook-id` per request, `webhook-timestamp`
    /// and `webhook-signature`.
    StandardWebhooks,
    /// RFC 9421 `Signature-Input` and `Signature`, with `Content-Digest`
    /// for a non-empty body. The signer's key id is sent as `keyid`.
    HttpSignatures(HttpSignatureOptions),
}

/// Header values produced by [`HmacSigner`] for one body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    timestamp: String,
    signature: String,
    key_id: Option<HeaderValue>,
    nonce: Option<String>,
    names: HeaderNames,
}

impl SignedHeaders {
    /// Returns the timestamp, unix seconds in decimal.
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }

    /// Returns the signature, 64 lowercase hex characters.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// Returns the key id, when the signer has one.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_ref().and_then(|value| value.to_str().ok())
    }

    /// Returns the nonce, when the signer generates them.
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// Returns the header names and values to send, in a stable order.
    pub fn pairs(&self) -> Vec<(http::HeaderName, HeaderValue)> {
        let mut pairs = vec![
            (self.names.timestamp.clone(), ascii_value(&self.timestamp)),
            (self.names.signature.clone(), ascii_value(&self.signature)),
        ];
        if let Some(key_id) = &self.key_id {
            pairs.push((self.names.key_id.clone(), key_id.clone()));
        }
        if let Some(nonce) = &self.nonce {
            pairs.push((self.names.nonce.clone(), ascii_value(nonce)));
        }
        pairs
    }

    /// Writes the headers into `headers`, replacing any earlier values.
    pub fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in self.pairs() {
            headers.insert(name, value);
        }
    }
}

/// Converts text the signer built from digits, hex and nonce characters.
fn ascii_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("signer output is visible ASCII")
}

impl HmacSigner {
    /// Creates a signer for `secret` with the `X-HMAC-*` header names.
    pub fn new(secret: HmacSecret) -> Self {
        Self {
            secret,
            key_id: None,
            headers: HeaderNames::default(),
            clock: Arc::new(SystemClock),
            nonce: false,
            scheme: SigningScheme::Default,
        }
    }

    /// Creates a signer for the secret in the `HMAC_SECRET_KEY` environment
    /// variable.
    ///
    /// # Errors
    ///
    /// Returns [`SecretError`] when the variable is unset or empty.
    pub fn from_env() -> Result<Self, SecretError> {
        Ok(Self::new(HmacSecret::from_env()?))
    }

    /// Sends `key_id` in `X-HMAC-Key-Id`, so the receiver picks this key.
    ///
    /// # Errors
    ///
    /// Returns [`KeyRingError::InvalidKeyId`] unless the id is 1 to 64
    /// characters of `[A-Za-z0-9_.-]`.
    pub fn key_id(mut self, key_id: &str) -> Result<Self, KeyRingError> {
        if !is_valid_key_id(key_id) {
            return Err(KeyRingError::InvalidKeyId {
                key_id: key_id.to_owned(),
            });
        }
        self.key_id = Some(ascii_value(key_id));
        Ok(self)
    }

    /// Sets the header names, which must match the receiver's.
    pub fn header_names(mut self, headers: HeaderNames) -> Self {
        self.headers = headers;
        self
    }

    /// Replaces the system clock, for tests.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Generates a random nonce per request and signs
    /// `<timestamp>.<nonce>.<body>`, for receivers that require nonces.
    pub fn with_nonce(mut self, enabled: bool) -> Self {
        self.nonce = enabled;
        self
    }

    /// Signs `body` with the current time.
    pub fn sign(&self, body: &[u8]) -> SignedHeaders {
        self.sign_at(self.clock.now_unix(), body)
    }

    /// Signs `body` with the timestamp `unix_seconds`.
    pub fn sign_at(&self, unix_seconds: i64, body: &[u8]) -> SignedHeaders {
        let timestamp = unix_seconds.to_string();
        let nonce = self.nonce.then(generate_nonce);
        let prefix = match &nonce {
            Some(nonce) => MessagePrefix::with_nonce(&timestamp, nonce),
            None => MessagePrefix::new(&timestamp),
        };
        let signature = const_hex::encode(prefix.sign(&self.secret, body));

        SignedHeaders {
            timestamp,
            signature,
            key_id: self.key_id.clone(),
            nonce,
            names: self.headers.clone(),
        }
    }

    /// Selects the scheme that [`HmacSigner::sign_parts`] writes. The
    /// default is [`SigningScheme::Default`].
    pub fn scheme(mut self, scheme: SigningScheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Signs a request whose body is in memory with the configured scheme
    /// and adds the headers to it.
    ///
    /// # Errors
    ///
    /// The same as [`HmacSigner::sign_parts`].
    pub fn sign_request<B: AsRef<[u8]>>(&self, request: &mut Request<B>) -> Result<(), SignError> {
        // The headers are signed on a copy because the request cannot lend
        // its body and its headers mutably at the same time.
        let mut headers = request.headers().clone();
        self.sign_parts(
            request.method(),
            request.uri(),
            &mut headers,
            request.body().as_ref(),
        )?;
        *request.headers_mut() = headers;
        Ok(())
    }

    /// Signs a request given by its method, URI, headers and body with the
    /// configured scheme, and writes the signature headers into `headers`.
    ///
    /// Only RFC 9421 reads the method, the URI and the other headers; the
    /// other schemes sign the body alone.
    ///
    /// # Errors
    ///
    /// Returns [`SignError::Component`] when an RFC 9421 component cannot be
    /// taken from the request, such as a covered header that is absent.
    pub fn sign_parts(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &mut HeaderMap,
        body: &[u8],
    ) -> Result<(), SignError> {
        let now = self.clock.now_unix();
        match &self.scheme {
            SigningScheme::Default => {
                self.sign_at(now, body).apply(headers);
            }
            SigningScheme::StandardWebhooks => {
                let id = webhooks::generate_id();
                let timestamp = now.to_string();
                let signature = webhooks::sign(&self.secret, &id, &timestamp, body);
                headers.insert(webhooks::WEBHOOK_ID, ascii_value(&id));
                headers.insert(webhooks::WEBHOOK_TIMESTAMP, ascii_value(&timestamp));
                headers.insert(webhooks::WEBHOOK_SIGNATURE, ascii_value(&signature));
            }
            SigningScheme::HttpSignatures(options) => {
                let key_id = self.key_id.as_ref().and_then(|value| value.to_str().ok());
                let signing = httpsig::SigningKey {
                    secret: &self.secret,
                    key_id,
                    options,
                    now,
                };
                httpsig::sign_request(signing, method, uri, headers, body).map_err(|error| match error {
                    ComponentError::Invalid => SignError::Component {
                        reason: "a component or parameter is invalid or unsupported".to_owned(),
                    },
                    ComponentError::Missing(component) => SignError::Component {
                        reason: format!("the request has no {component}"),
                    },
                })?;
            }
        }
        Ok(())
    }
}

/// Returns a random nonce of URL-safe characters.
fn generate_nonce() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    const _: () = assert!(GENERATED_NONCE_LEN >= MIN_NONCE_LEN);
    Alphanumeric.sample_string(&mut rand::rng(), GENERATED_NONCE_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_lowercase_hex() {
        let signer = HmacSigner::new(HmacSecret::from_utf8("s").unwrap());
        let signed = signer.sign_at(1, b"\xff\x00");
        assert_eq!(signed.signature().len(), 64);
        assert!(signed
            .signature()
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }

    #[test]
    fn nonces_are_fresh_per_request() {
        let signer = HmacSigner::new(HmacSecret::from_utf8("s").unwrap()).with_nonce(true);
        let first = signer.sign_at(1, b"same");
        let second = signer.sign_at(1, b"same");
        assert_ne!(first.nonce(), second.nonce());
        assert_ne!(first.signature(), second.signature());
        assert_eq!(first.nonce().unwrap().len(), GENERATED_NONCE_LEN);
    }

    #[test]
    fn invalid_key_id_is_rejected() {
        let signer = HmacSigner::new(HmacSecret::from_utf8("s").unwrap());
        assert!(signer.clone().key_id("has space").is_err());
        let signed = signer.key_id("billing").unwrap().sign_at(1, b"");
        assert_eq!(signed.key_id(), Some("billing"));
        assert_eq!(signed.pairs().len(), 3);
    }
}
