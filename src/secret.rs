//! The shared secret that keys the HMAC.

use std::fmt;

use hmac::Mac;
use zeroize::Zeroizing;

use crate::HmacSha256;

/// Name of the environment variable that [`HmacSecret::from_env`] reads.
pub const SECRET_ENV_VAR: &str = "HMAC_SECRET_KEY";

/// Secrets shorter than this many bytes are accepted but logged as weak,
/// because HMAC-SHA256 keys shorter than the 32-byte output lower its strength.
pub const RECOMMENDED_SECRET_LEN: usize = 32;

/// Error returned when a secret cannot be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret has no bytes, which would let anyone compute a valid MAC.
    #[error("the HMAC secret is empty; set a random value of at least 32 bytes")]
    Empty,

    /// The environment variable that should contain the secret is not set.
    #[error("environment variable {name} is not set; set it to the shared HMAC secret")]
    MissingEnv {
        /// Name of the variable that was read.
        name: String,
    },

    /// A Standard Webhooks secret is not `whsec_` followed by base64.
    #[error("the secret is not valid base64 after the whsec_ prefix; copy it again from the sender")]
    InvalidBase64,

    /// The environment variable is set but its value is not valid Unicode.
    #[error("environment variable {name} is not valid Unicode")]
    NotUnicode {
        /// Name of the variable that was read.
        name: String,
    },
}

/// An HMAC key: the raw bytes of the shared secret.
///
/// The bytes are wiped from memory when the value is dropped, and neither
/// `Debug` nor any error message prints them. A secret given as a string is
/// used as its UTF-8 bytes, which is what Python's `secret.encode()` produces.
///
/// The secret also keeps an HMAC-SHA256 already keyed with it, so that each
/// request copies that state instead of hashing the padded key again (two
/// SHA-256 blocks).
/// NOTE: that keyed state is derived from the secret and, unlike the bytes,
/// is not wiped on drop, because `hmac` 0.12 and `sha2` 0.10 offer no way to
/// zeroize their state.
#[derive(Clone)]
pub struct HmacSecret {
    bytes: Zeroizing<Vec<u8>>,
    keyed: HmacSha256,
}

impl HmacSecret {
    /// Creates a secret from raw key bytes.
    ///
    /// # Errors
    ///
    /// Returns [`SecretError::Empty`] for an empty key.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self, SecretError> {
        let bytes = Zeroizing::new(bytes.into());
        if bytes.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self::keyed(bytes))
    }

    /// Creates a secret from the UTF-8 bytes of `secret`.
    ///
    /// # Errors
    ///
    /// Returns [`SecretError::Empty`] for an empty string.
    pub fn from_utf8(secret: &str) -> Result<Self, SecretError> {
        Self::from_bytes(secret.as_bytes())
    }

    /// Creates a secret from a Standard Webhooks secret: `whsec_` followed
    /// by the base64 of the key bytes. The prefix is optional.
    ///
    /// # Errors
    ///
    /// Returns [`SecretError::InvalidBase64`] when the rest is not base64,
    /// and [`SecretError::Empty`] when it decodes to no bytes.
    pub fn from_standard_webhooks(secret: &str) -> Result<Self, SecretError> {
        use base64::Engine as _;
        let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::InvalidBase64)?;
        Self::from_bytes(bytes)
    }

    /// Reads the secret from the `HMAC_SECRET_KEY` environment variable.
    ///
    /// # Errors
    ///
    /// Returns [`SecretError::MissingEnv`] when the variable is unset,
    /// [`SecretError::NotUnicode`] when it is not valid Unicode, and
    /// [`SecretError::Empty`] when it is set to an empty string.
    pub fn from_env() -> Result<Self, SecretError> {
        Self::from_env_var(SECRET_ENV_VAR)
    }

    /// Reads the secret from the environment variable `name`.
    ///
    /// # Errors
    ///
    /// The same as [`HmacSecret::from_env`].
    pub fn from_env_var(name: &str) -> Result<Self, SecretError> {
        match std::env::var(name) {
            Ok(value) => Self::from_utf8(&Zeroizing::new(value)),
            Err(std::env::VarError::NotPresent) => Err(SecretError::MissingEnv {
                name: name.to_owned(),
            }),
            Err(std::env::VarError::NotUnicode(_)) => Err(SecretError::NotUnicode {
                name: name.to_owned(),
            }),
        }
    }

    /// Generates a secret of 32 random bytes from the operating system's
    /// random number generator.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new(vec![0u8; RECOMMENDED_SECRET_LEN]);
        rand::fill(&mut bytes[..]);
        Self::keyed(bytes)
    }

    fn keyed(bytes: Zeroizing<Vec<u8>>) -> Self {
        let keyed = HmacSha256::new_from_slice(&bytes).expect("HMAC-SHA256 accepts keys of any length");
        Self { bytes, keyed }
    }

    /// Returns an HMAC-SHA256 keyed with this secret, with no input yet.
    pub(crate) fn start_mac(&self) -> HmacSha256 {
        self.keyed.clone()
    }

    /// Returns the key bytes.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Returns the length of the key in bytes.
    #[allow(clippy::len_without_is_empty)] // A secret is never empty.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Returns whether the key is shorter than the recommended 32 bytes.
    pub fn is_weak(&self) -> bool {
        self.bytes.len() < RECOMMENDED_SECRET_LEN
    }
}

impl fmt::Debug for HmacSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacSecret")
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_secret_is_rejected() {
        assert_eq!(HmacSecret::from_utf8("").unwrap_err(), SecretError::Empty);
        assert_eq!(
            HmacSecret::from_bytes(Vec::new()).unwrap_err(),
            SecretError::Empty
        );
    }

    #[test]
    fn debug_hides_key_bytes() {
        let secret = HmacSecret::from_utf8("hunter2-very-secret").unwrap();
        let printed = format!("{secret:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("len: 19"), "{printed}");
    }

    #[test]
    fn generated_secrets_differ() {
        let first = HmacSecret::generate();
        let second = HmacSecret::generate();
        assert_eq!(first.len(), 32);
        assert_ne!(first.expose_bytes(), second.expose_bytes());
    }

    #[test]
    fn standard_webhooks_secret_decodes() {
        let secret = HmacSecret::from_standard_webhooks("whsec_aGVsbG8=").unwrap();
        assert_eq!(secret.expose_bytes(), b"hello");
        assert_eq!(
            HmacSecret::from_standard_webhooks("whsec_not base64").unwrap_err(),
            SecretError::InvalidBase64
        );
        assert_eq!(
            HmacSecret::from_standard_webhooks("whsec_").unwrap_err(),
            SecretError::Empty
        );
    }

    #[test]
    fn short_secret_is_weak() {
        assert!(HmacSecret::from_utf8("short").unwrap().is_weak());
        assert!(!HmacSecret::generate().is_weak());
    }
}
