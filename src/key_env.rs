//! Loading a key ring from environment variables.
//!
//! * `HMAC_KEYS`: `id=secret,id2=secret2`, or the path of a file that
//!   contains such entries separated by commas or newlines (lines starting
//!   with `#` are comments). An id listed twice gets two secrets, labelled
//!   `1` and `2` in the order given, which is how a rotation is written.
//! * `HMAC_SECRET_KEY`: one secret, registered as the key id `default`.
//! * `HMAC_DEFAULT_KEY_ID`: the key used for requests without a key id.
//!   When unset and `HMAC_SECRET_KEY` is set, `default` is that key.
//!   Otherwise requests must name their key.

use std::path::Path;

use zeroize::Zeroizing;

use crate::keys::DEFAULT_KEY_ID;
use crate::{HmacSecret, KeyRing, KeyRingError, SecretError, SECRET_ENV_VAR};

/// Name of the variable with the list of per-service keys.
pub const KEYS_ENV_VAR: &str = "HMAC_KEYS";

/// Name of the variable that names the default key id.
pub const DEFAULT_KEY_ID_ENV_VAR: &str = "HMAC_DEFAULT_KEY_ID";

/// Error returned when the key environment variables cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyEnvError {
    /// Neither `HMAC_KEYS` nor `HMAC_SECRET_KEY` is set.
    #[error("set HMAC_KEYS (id=secret,...) or HMAC_SECRET_KEY to configure HMAC keys")]
    NoKeys,

    /// An entry of the key list is not `id=secret`.
    #[error("entry {position} of {source_name} is not of the form id=secret")]
    MalformedEntry {
        /// Origin of the list: the variable name or the file path.
        source_name: String,
        /// 1-based position of the entry.
        position: usize,
    },

    /// The key list names a file that cannot be read.
    #[error("cannot read the key file {path}: {error}")]
    File {
        /// The path in `HMAC_KEYS`.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },

    /// A secret is invalid.
    #[error("key id {key_id:?}: {error}")]
    Secret {
        /// The key id the secret belongs to.
        key_id: String,
        /// The reason the secret was rejected.
        error: SecretError,
    },

    /// The entries do not form a consistent key ring.
    #[error(transparent)]
    Ring(#[from] KeyRingError),

    /// A variable is set but is not valid Unicode.
    #[error("environment variable {name} is not valid Unicode")]
    NotUnicode {
        /// The variable's name.
        name: String,
    },
}

fn read_var(name: &str) -> Result<Option<Zeroizing<String>>, KeyEnvError> {
    match std::env::var(name) {
        Ok(value) => Ok(Some(Zeroizing::new(value))),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(KeyEnvError::NotUnicode {
            name: name.to_owned(),
        }),
    }
}

impl KeyRing {
    /// Builds a key ring from `HMAC_KEYS`, `HMAC_SECRET_KEY` and
    /// `HMAC_DEFAULT_KEY_ID`, as described in the module documentation.
    ///
    /// # Errors
    ///
    /// Returns [`KeyEnvError`] when no key is configured, an entry is
    /// malformed, a secret is empty, or two ids share a secret.
    pub fn from_env() -> Result<Self, KeyEnvError> {
        let keys = read_var(KEYS_ENV_VAR)?;
        let single = read_var(SECRET_ENV_VAR)?;
        let default_key_id = read_var(DEFAULT_KEY_ID_ENV_VAR)?;

        let mut ring = KeyRing::new();
        if let Some(keys) = keys
            .as_ref()
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
        {
            add_key_list(&mut ring, keys)?;
        }
        if let Some(single) = single {
            let secret = HmacSecret::from_utf8(&single).map_err(|error| KeyEnvError::Secret {
                key_id: DEFAULT_KEY_ID.to_owned(),
                error,
            })?;
            ring.add_secret(DEFAULT_KEY_ID, "0", secret, None)?;
            ring.set_default_key(DEFAULT_KEY_ID)?;
        }
        if ring.is_empty() {
            return Err(KeyEnvError::NoKeys);
        }
        if let Some(key_id) = default_key_id
            .as_ref()
            .map(|value| value.trim())
            .filter(|id| !id.is_empty())
        {
            ring.set_default_key(key_id)?;
        }
        Ok(ring)
    }

    /// Adds the entries of a key list such as `id=secret,id2=secret2`.
    ///
    /// # Errors
    ///
    /// The same as [`KeyRing::from_env`].
    pub fn add_key_list(&mut self, list: &str) -> Result<&mut Self, KeyEnvError> {
        add_entries(self, list, "the key list")?;
        Ok(self)
    }
}

/// Adds the entries of `value`, which is either a list or a file path.
fn add_key_list(ring: &mut KeyRing, value: &str) -> Result<(), KeyEnvError> {
    if value.contains('=') {
        return add_entries(ring, value, KEYS_ENV_VAR);
    }
    let path = Path::new(value);
    let contents = std::fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|error| KeyEnvError::File {
            path: value.to_owned(),
            error,
        })?;
    add_entries(ring, &contents, value)
}

fn add_entries(ring: &mut KeyRing, list: &str, source_name: &str) -> Result<(), KeyEnvError> {
    let entries = list
        .split([',', '\n'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty() && !entry.starts_with('#'));

    for (index, entry) in entries.enumerate() {
        let Some((key_id, secret)) = entry.split_once('=') else {
            return Err(KeyEnvError::MalformedEntry {
                source_name: source_name.to_owned(),
                position: index + 1,
            });
        };
        let key_id = key_id.trim();
        let secret = HmacSecret::from_utf8(secret.trim()).map_err(|error| KeyEnvError::Secret {
            key_id: key_id.to_owned(),
            error,
        })?;
        let label = ring
            .get(key_id)
            .map_or(1, |entry| entry.versions().len() + 1)
            .to_string();
        ring.add_secret(key_id, &label, secret, None)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_with_rotation() {
        let mut ring = KeyRing::new();
        ring.add_key_list("billing=old-secret, search=s2\nbilling=new-secret\n# comment=x")
            .unwrap();
        let billing = ring.get("billing").unwrap();
        let labels: Vec<&str> = billing.versions().iter().map(|v| v.label()).collect();
        assert_eq!(labels, ["1", "2"]);
        assert_eq!(billing.versions()[1].secret().expose_bytes(), b"new-secret");
        assert!(ring.get("search").is_some());
        assert!(ring.get("comment").is_none());
    }

    #[test]
    fn malformed_entries_are_errors() {
        let mut ring = KeyRing::new();
        let error = ring.add_key_list("billing=ok,broken").unwrap_err();
        assert!(
            matches!(error, KeyEnvError::MalformedEntry { position: 2, .. }),
            "{error}"
        );
        assert!(matches!(
            KeyRing::new().add_key_list("billing=").unwrap_err(),
            KeyEnvError::Secret { .. }
        ));
        assert!(matches!(
            KeyRing::new().add_key_list("bad id=x").unwrap_err(),
            KeyEnvError::Ring(KeyRingError::InvalidKeyId { .. })
        ));
        assert!(matches!(
            KeyRing::new().add_key_list("a=same,b=same").unwrap_err(),
            KeyEnvError::Ring(KeyRingError::SharedSecret { .. })
        ));
    }

    #[test]
    fn errors_do_not_contain_secrets() {
        let error = KeyRing::new()
            .add_key_list("a=topsecret,b=topsecret")
            .unwrap_err();
        assert!(!error.to_string().contains("topsecret"), "{error}");
        assert!(!format!("{error:?}").contains("topsecret"));
    }
}
