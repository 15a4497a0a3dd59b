//! Key rings: which secrets verify which caller.
//!
//! Each caller has a key id (its name, such as `billing-service`) and one or
//! more secrets. Several secrets under one id are a rotation in progress:
//! any of them verifies, and each may carry a not-after time.
//!
//! The key id only selects the key and is not part of the signed message.
//! That is still safe: a request whose key id header is swapped after
//! signing is checked with the other caller's secret and fails. It holds only
//! while no secret is registered under two ids, so the ring rejects that.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::Method;

use crate::HmacSecret;

/// Key id that [`KeyRing::single`] registers its secret under.
pub const DEFAULT_KEY_ID: &str = "default";

/// Maximum key id length, in characters.
pub const MAX_KEY_ID_LEN: usize = 64;

/// Error returned when a key ring would be inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyRingError {
    /// The key id is not 1 to 64 characters of `[A-Za-z0-9_.-]`.
    #[error("key id {key_id:?} is not 1 to 64 characters of [A-Za-z0-9_.-]")]
    InvalidKeyId {
        /// The rejected id.
        key_id: String,
    },

    /// The same secret is already registered under another key id.
    #[error("key id {key_id:?} reuses the secret of key id {existing:?}; give each caller its own secret")]
    SharedSecret {
        /// The id being added.
        key_id: String,
        /// The id that already has this secret.
        existing: String,
    },

    /// The same secret is registered twice under one key id.
    #[error("key id {key_id:?} already has this secret")]
    DuplicateSecret {
        /// The id being added to.
        key_id: String,
    },

    /// The secret label is already used under this key id.
    #[error("key id {key_id:?} already has a secret labelled {label:?}")]
    DuplicateLabel {
        /// The id being added to.
        key_id: String,
        /// The repeated label.
        label: String,
    },

    /// The default key id or an allow-list names a key id that the ring lacks.
    #[error("key id {key_id:?} is not in the key ring")]
    UnknownKeyId {
        /// The missing id.
        key_id: String,
    },
}

/// Returns whether `key_id` is 1 to 64 characters of `[A-Za-z0-9_.-]`.
pub fn is_valid_key_id(key_id: &str) -> bool {
    !key_id.is_empty()
        && key_id.len() <= MAX_KEY_ID_LEN
        && key_id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-'))
}

/// One secret of a key, with a label that names it in logs and in
/// [`crate::VerifiedCaller`], and an optional expiry.
#[derive(Clone)]
pub struct KeyVersion {
    label: Arc<str>,
    secret: HmacSecret,
    not_after: Option<i64>,
}

impl KeyVersion {
    /// Returns the label, such as `2026-12` or `v2`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Returns the label as a shared string.
    pub(crate) fn label_arc(&self) -> Arc<str> {
        Arc::clone(&self.label)
    }

    /// Returns the secret.
    pub fn secret(&self) -> &HmacSecret {
        &self.secret
    }

    /// Returns the unix time in seconds after which the secret is rejected.
    pub fn not_after(&self) -> Option<i64> {
        self.not_after
    }

    /// Returns whether the secret may verify at unix time `now`.
    pub fn is_active(&self, now: i64) -> bool {
        self.not_after.is_none_or(|limit| now <= limit)
    }
}

impl fmt::Debug for KeyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyVersion")
            .field("label", &self.label)
            .field("secret", &self.secret)
            .field("not_after", &self.not_after)
            .finish()
    }
}

/// A method and path prefix that a caller may request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowRule {
    /// The method allowed, or any method when `None`.
    pub method: Option<Method>,
    /// The path prefix allowed, matched on whole segments: `/v1/infer`
    /// matches `/v1/infer` and `/v1/infer/batch` but not `/v1/inference`.
    pub path_prefix: String,
}

impl AllowRule {
    /// Returns whether the rule covers `method` and `path`.
    pub fn matches(&self, method: &Method, path: &str) -> bool {
        if self.method.as_ref().is_some_and(|allowed| allowed != method) {
            return false;
        }
        let prefix = self.path_prefix.trim_end_matches('/');
        match path.strip_prefix(prefix) {
            Some(rest) => rest.is_empty() || rest.starts_with('/'),
            None => false,
        }
    }
}

/// The secrets and allow-list of one key id.
#[derive(Debug, Clone)]
pub struct KeyEntry {
    key_id: Arc<str>,
    versions: Vec<KeyVersion>,
    allow: Vec<AllowRule>,
}

impl KeyEntry {
    /// Returns the key id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Returns the key id as a shared string.
    pub(crate) fn key_id_arc(&self) -> Arc<str> {
        Arc::clone(&self.key_id)
    }

    /// Returns the secrets of the key, in the order they were added.
    pub fn versions(&self) -> &[KeyVersion] {
        &self.versions
    }

    /// Returns the allow-list. An empty list allows every endpoint.
    pub fn allow_rules(&self) -> &[AllowRule] {
        &self.allow
    }

    /// Returns whether the key may call `method` on `path`.
    pub fn allows(&self, method: &Method, path: &str) -> bool {
        self.allow.is_empty() || self.allow.iter().any(|rule| rule.matches(method, path))
    }
}

/// Keys held in memory, looked up by key id.
///
/// # Example
///
/// ```
/// use tower_hmac::{HmacSecret, KeyRing};
///
/// let mut ring = KeyRing::new();
/// ring.add_secret("billing-service", "2026-11", HmacSecret::generate(), None)?;
/// ring.add_secret("billing-service", "2026-12", HmacSecret::generate(), None)?;
/// ring.add_secret("search-service", "v1", HmacSecret::generate(), None)?;
/// assert_eq!(ring.get("billing-service").unwrap().versions().len(), 2);
/// # Ok::<(), tower_hmac::KeyRingError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    keys: BTreeMap<String, Arc<KeyEntry>>,
    default_key_id: Option<String>,
}

impl KeyRing {
    /// Creates an empty ring.
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates a ring with one secret under the id `default`, used when a
    /// request has no key id header. This is the single-secret setup.
    pub fn single(secret: HmacSecret) -> Self {
        let mut ring = Self::new();
        ring.add_secret(DEFAULT_KEY_ID, "0", secret, None)
            .expect("an empty ring accepts any valid key");
        ring.default_key_id = Some(DEFAULT_KEY_ID.to_owned());
        ring
    }

    /// Adds a secret under `key_id`, creating the key when it is new.
    ///
    /// `not_after` is a unix time in seconds after which the secret no
    /// longer verifies, for the old secret of a rotation. It is compared
    /// with the time the request arrived, the instant that the timestamp
    /// window uses too.
    ///
    /// # Errors
    ///
    /// Returns [`KeyRingError`] when the key id is malformed, the label is
    /// taken, or the secret is already registered anywhere in the ring.
    pub fn add_secret(
        &mut self,
        key_id: &str,
        label: &str,
        secret: HmacSecret,
        not_after: Option<i64>,
    ) -> Result<&mut Self, KeyRingError> {
        if !is_valid_key_id(key_id) {
            return Err(KeyRingError::InvalidKeyId {
                key_id: key_id.to_owned(),
            });
        }
        self.check_secret_is_new(key_id, label, &secret)?;

        let entry = self.keys.entry(key_id.to_owned()).or_insert_with(|| {
            Arc::new(KeyEntry {
                key_id: Arc::from(key_id),
                versions: Vec::new(),
                allow: Vec::new(),
            })
        });
        Arc::make_mut(entry).versions.push(KeyVersion {
            label: Arc::from(label),
            secret,
            not_after,
        });
        Ok(self)
    }

    fn check_secret_is_new(
        &self,
        key_id: &str,
        label: &str,
        secret: &HmacSecret,
    ) -> Result<(), KeyRingError> {
        for entry in self.keys.values() {
            for version in &entry.versions {
                let same_key = &*entry.key_id == key_id;
                if same_key && &*version.label == label {
                    return Err(KeyRingError::DuplicateLabel {
                        key_id: key_id.to_owned(),
                        label: label.to_owned(),
                    });
                }
                if version.secret.expose_bytes() != secret.expose_bytes() {
                    continue;
                }
                return Err(if same_key {
                    KeyRingError::DuplicateSecret {
                        key_id: key_id.to_owned(),
                    }
                } else {
                    KeyRingError::SharedSecret {
                        key_id: key_id.to_owned(),
                        existing: entry.key_id.to_string(),
                    }
                });
            }
        }
        Ok(())
    }

    /// Removes the secret labelled `label` from `key_id`, and the key itself
    /// when it was the last secret. Returns whether a secret was removed.
    pub fn remove_secret(&mut self, key_id: &str, label: &str) -> bool {
        let Some(entry) = self.keys.get_mut(key_id) else {
            return false;
        };
        let versions = &mut Arc::make_mut(entry).versions;
        let before = versions.len();
        versions.retain(|version| &*version.label != label);
        let removed = versions.len() != before;
        if versions.is_empty() {
            self.keys.remove(key_id);
        }
        removed
    }

    /// Sets the key used for requests without a key id header.
    ///
    /// # Errors
    ///
    /// Returns [`KeyRingError::UnknownKeyId`] when the ring has no such key.
    pub fn set_default_key(&mut self, key_id: &str) -> Result<&mut Self, KeyRingError> {
        if !self.keys.contains_key(key_id) {
            return Err(KeyRingError::UnknownKeyId {
                key_id: key_id.to_owned(),
            });
        }
        self.default_key_id = Some(key_id.to_owned());
        Ok(self)
    }

    /// Restricts `key_id` to the endpoints of its allow rules. A key with no
    /// rule may call every endpoint; a caller outside its rules gets 403.
    ///
    /// # Errors
    ///
    /// Returns [`KeyRingError::UnknownKeyId`] when the ring has no such key.
    pub fn allow(&mut self, key_id: &str, rule: AllowRule) -> Result<&mut Self, KeyRingError> {
        let entry = self
            .keys
            .get_mut(key_id)
            .ok_or_else(|| KeyRingError::UnknownKeyId {
                key_id: key_id.to_owned(),
            })?;
        Arc::make_mut(entry).allow.push(rule);
        Ok(self)
    }

    /// Returns the key registered under `key_id`.
    pub fn get(&self, key_id: &str) -> Option<&Arc<KeyEntry>> {
        self.keys.get(key_id)
    }

    /// Returns the key id used when a request has none.
    pub fn default_key_id(&self) -> Option<&str> {
        self.default_key_id.as_deref()
    }

    /// Returns whether the ring has no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Returns the key ids in the ring, in sorted order.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }
}

/// Error a [`KeyProvider`] returns when the lookup fails, such as a
/// database that is down. The request gets 503.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct KeyProviderError {
    /// Description of the failure, without any secret.
    pub reason: String,
}

/// Future returned by [`KeyProvider::lookup`].
pub type LookupFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Arc<KeyEntry>>, KeyProviderError>> + Send + 'a>>;

/// An asynchronous source of keys, such as a database or a secret manager.
///
/// [`KeyRing`] is the in-memory implementation. A provider should cache
/// what it fetches, because the verifier looks a key up on every request.
pub trait KeyProvider: Send + Sync + fmt::Debug + 'static {
    /// Looks up the key registered under `key_id`; `Ok(None)` when unknown.
    fn lookup<'a>(&'a self, key_id: &'a str) -> LookupFuture<'a>;

    /// Returns the key id used for requests that carry none, if any.
    fn default_key_id(&self) -> Option<&str> {
        None
    }
}

/// Lets a caller keep a handle on its provider, for example to refresh a
/// cache, while the verifier keeps another.
impl<P: KeyProvider + ?Sized> KeyProvider for Arc<P> {
    fn lookup<'a>(&'a self, key_id: &'a str) -> LookupFuture<'a> {
        (**self).lookup(key_id)
    }

    fn default_key_id(&self) -> Option<&str> {
        (**self).default_key_id()
    }
}

impl KeyProvider for KeyRing {
    fn lookup<'a>(&'a self, key_id: &'a str) -> LookupFuture<'a> {
        let found = self.get(key_id).cloned();
        Box::pin(std::future::ready(Ok(found)))
    }

    fn default_key_id(&self) -> Option<&str> {
        KeyRing::default_key_id(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> HmacSecret {
        HmacSecret::from_utf8(text).unwrap()
    }

    #[test]
    fn key_id_syntax() {
        assert!(is_valid_key_id("billing-service"));
        assert!(is_valid_key_id("a.b_c-9"));
        assert!(is_valid_key_id(&"k".repeat(64)));
        assert!(!is_valid_key_id(""));
        assert!(!is_valid_key_id(&"k".repeat(65)));
        assert!(!is_valid_key_id("billing service"));
        assert!(!is_valid_key_id("billing/service"));
        assert!(!is_valid_key_id("ключ"));
    }

    #[test]
    fn same_secret_under_two_ids_is_rejected() {
        let mut ring = KeyRing::new();
        ring.add_secret("a", "v1", secret("shared"), None).unwrap();
        let error = ring.add_secret("b", "v1", secret("shared"), None).unwrap_err();
        assert_eq!(
            error,
            KeyRingError::SharedSecret {
                key_id: "b".into(),
                existing: "a".into()
            }
        );
        assert!(!error.to_string().contains("shared\""));
    }

    #[test]
    fn duplicate_label_and_secret_are_rejected() {
        let mut ring = KeyRing::new();
        ring.add_secret("a", "v1", secret("one"), None).unwrap();
        assert!(matches!(
            ring.add_secret("a", "v1", secret("two"), None),
            Err(KeyRingError::DuplicateLabel { .. })
        ));
        assert!(matches!(
            ring.add_secret("a", "v2", secret("one"), None),
            Err(KeyRingError::DuplicateSecret { .. })
        ));
    }

    #[test]
    fn removing_last_secret_removes_key() {
        let mut ring = KeyRing::new();
        ring.add_secret("a", "v1", secret("one"), None).unwrap();
        ring.add_secret("a", "v2", secret("two"), None).unwrap();
        assert!(ring.remove_secret("a", "v1"));
        assert_eq!(ring.get("a").unwrap().versions().len(), 1);
        assert!(ring.remove_secret("a", "v2"));
        assert!(ring.get("a").is_none());
        assert!(!ring.remove_secret("a", "v2"));
    }

    #[test]
    fn default_key_must_exist() {
        let mut ring = KeyRing::new();
        assert!(ring.set_default_key("missing").is_err());
        ring.add_secret("a", "v1", secret("one"), None).unwrap();
        ring.set_default_key("a").unwrap();
        assert_eq!(ring.default_key_id(), Some("a"));
    }

    #[test]
    fn not_after_is_inclusive() {
        let mut ring = KeyRing::new();
        ring.add_secret("a", "old", secret("one"), Some(100)).unwrap();
        let version = &ring.get("a").unwrap().versions()[0];
        assert!(version.is_active(100));
        assert!(!version.is_active(101));
    }

    #[test]
    fn allow_rule_matches_whole_segments() {
        let rule = AllowRule {
            method: Some(Method::POST),
            path_prefix: "/v1/infer".into(),
        };
        assert!(rule.matches(&Method::POST, "/v1/infer"));
        assert!(rule.matches(&Method::POST, "/v1/infer/batch"));
        assert!(!rule.matches(&Method::POST, "/v1/inference"));
        assert!(!rule.matches(&Method::GET, "/v1/infer"));
        let any_method = AllowRule {
            method: None,
            path_prefix: "/".into(),
        };
        assert!(any_method.matches(&Method::DELETE, "/anything"));
    }

    #[test]
    fn debug_hides_secrets() {
        let mut ring = KeyRing::new();
        ring.add_secret("a", "v1", secret("do-not-print-me"), None)
            .unwrap();
        let printed = format!("{ring:?}");
        assert!(!printed.contains("do-not-print-me"), "{printed}");
        assert!(printed.contains("v1"));
    }
}
