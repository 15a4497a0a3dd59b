//! The verifier: configuration and the steps that check one request.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use hmac::Mac;
use http::{HeaderMap, HeaderValue, Method, Request, Uri};
use smallvec::SmallVec;

use crate::clock::{Clock, SystemClock};
use crate::headers::{is_visible_text, scan, trimmed_text, Occurrence};
use crate::keys::{is_valid_key_id, KeyEntry, KeyProvider, KeyRing};
use crate::message::{
    decode_signature_bytes, tag_matches, HmacSha256, MessagePrefix, SignatureList, SIGNATURE_LEN,
};
use crate::replay::{replay_ttl, ReplayProtection, ReplayStatus, ReplayStoreError};
use crate::scheme::digest::BodyDigest;
use crate::scheme::httpsig::{self, CheckedHttpSignature, RequestHead};
use crate::scheme::webhooks::{self, WebhookHeaders};
use crate::scheme::Scheme;
use crate::timestamp::{check_window, parse_unix_seconds};
use crate::{HeaderNames, HmacSecret, SecretError, VerifiedCaller, VerifyError};

/// Default accepted distance between the request timestamp and the
/// verifier's clock, in seconds, in either direction.
pub const DEFAULT_WINDOW_SECONDS: u64 = 60;

/// Default maximum body size, in bytes (2 MiB).
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Minimum nonce length, in characters.
pub const MIN_NONCE_LEN: usize = 16;

/// Maximum nonce length, in characters.
pub const MAX_NONCE_LEN: usize = 128;

/// Error returned by [`HmacVerifierBuilder::build`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No key source was given, so nothing could ever verify.
    #[error("no HMAC key configured; call secret, key_ring or key_provider")]
    NoKeys,

    /// The list of accepted schemes is empty.
    #[error("no signature scheme accepted; pass at least one to schemes")]
    NoSchemes,

    /// The key ring has no keys.
    #[error("the key ring is empty; add at least one secret")]
    EmptyKeyRing,
}

#[derive(Debug, Clone)]
enum KeySource {
    Ring(Arc<KeyRing>),
    Provider(Arc<dyn KeyProvider>),
}

struct VerifierConfig {
    keys: KeySource,
    headers: HeaderNames,
    window_seconds: u64,
    body_limit: usize,
    clock: Arc<dyn Clock>,
    require_nonce: bool,
    replay: Option<ReplayProtection>,
    schemes: Vec<Scheme>,
}

/// Checks HMAC-signed requests against a key ring.
///
/// Cloning is cheap: clones share one configuration. The verifier is used by
/// [`crate::HmacVerifyLayer`] for streamed bodies and by
/// [`HmacVerifier::verify`] for bodies already in memory.
///
/// # Example
///
/// ```
/// use tower_hmac::{HmacSecret, HmacSigner, HmacVerifier};
///
/// # tokio_test_block_on(async {
/// let secret = HmacSecret::from_utf8("a-shared-secret-of-32-bytes-or-more")?;
/// let verifier = HmacVerifier::new(secret.clone());
/// let signer = HmacSigner::new(secret);
///
/// let body = br#"{"text":"hello"}"#;
/// let signed = signer.sign(body);
/// let request = http::Request::post("/v1/infer")
///     .header("x-hmac-timestamp", signed.timestamp())
///     .header("x-hmac-signature", signed.signature())
///     .body(&body[..])?;
///
/// let caller = verifier.verify(&request).await?;
/// assert_eq!(caller.key_id(), "default");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct HmacVerifier {
    config: Arc<VerifierConfig>,
}

impl fmt::Debug for HmacVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.config;
        f.debug_struct("HmacVerifier")
            .field("keys", &config.keys)
            .field("headers", &config.headers)
            .field("window_seconds", &config.window_seconds)
            .field("body_limit", &config.body_limit)
            .field("clock", &config.clock)
            .field("require_nonce", &config.require_nonce)
            .field("replay", &config.replay)
            .field("schemes", &config.schemes)
            .finish()
    }
}

/// Builder for [`HmacVerifier`].
#[derive(Debug, Clone)]
#[must_use]
pub struct HmacVerifierBuilder {
    keys: Option<KeySource>,
    headers: HeaderNames,
    window_seconds: u64,
    body_limit: usize,
    clock: Arc<dyn Clock>,
    require_nonce: bool,
    replay: Option<ReplayProtection>,
    schemes: Vec<Scheme>,
}

impl Default for HmacVerifierBuilder {
    fn default() -> Self {
        Self {
            keys: None,
            headers: HeaderNames::default(),
            window_seconds: DEFAULT_WINDOW_SECONDS,
            body_limit: DEFAULT_BODY_LIMIT,
            clock: Arc::new(SystemClock),
            require_nonce: false,
            replay: None,
            schemes: vec![Scheme::Default],
        }
    }
}

impl HmacVerifierBuilder {
    /// Verifies with one secret, used for requests without a key id.
    pub fn secret(self, secret: HmacSecret) -> Self {
        self.key_ring(KeyRing::single(secret))
    }

    /// Verifies with the keys of `ring`.
    pub fn key_ring(mut self, ring: KeyRing) -> Self {
        self.keys = Some(KeySource::Ring(Arc::new(ring)));
        self
    }

    /// Verifies with keys fetched from `provider` on each request.
    pub fn key_provider(mut self, provider: impl KeyProvider) -> Self {
        self.keys = Some(KeySource::Provider(Arc::new(provider)));
        self
    }

    /// Sets the header names. The defaults are the `X-HMAC-*` headers.
    pub fn header_names(mut self, headers: HeaderNames) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the accepted clock distance, in seconds, in either direction.
    /// Default 60.
    pub fn window_seconds(mut self, seconds: u64) -> Self {
        self.window_seconds = seconds;
        self
    }

    /// Sets the maximum body size, in bytes. Default 2 MiB.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Replaces the system clock, for tests.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Requires an `X-HMAC-Nonce` header of 16 to 128 characters of
    /// `[A-Za-z0-9_-]` and signs `<timestamp>.<nonce>.<body>`.
    ///
    /// The message format follows this setting only, never the headers that
    /// arrive: with it on, a request without a nonce is rejected, and with it
    /// off, a nonce header is ignored.
    pub fn require_nonce(mut self, required: bool) -> Self {
        self.require_nonce = required;
        self
    }

    /// Accepts only `scheme`. The default is [`Scheme::Default`].
    pub fn scheme(self, scheme: Scheme) -> Self {
        self.schemes(vec![scheme])
    }

    /// Accepts each of `schemes`, for example the default scheme and RFC 9421
    /// during a migration. Each request is verified by the one scheme whose
    /// headers it carries; a request with the headers of two is rejected.
    pub fn schemes(mut self, schemes: Vec<Scheme>) -> Self {
        self.schemes = schemes;
        self
    }

    /// Turns on replay protection.
    pub fn replay_protection(mut self, replay: ReplayProtection) -> Self {
        self.replay = Some(replay);
        self
    }

    /// Builds the verifier.
    ///
    /// Logs a warning once for each secret shorter than 32 bytes, and for
    /// each key whose secrets have all passed their `not_after` time.
    ///
    /// # Errors
    ///
    /// Returns [`BuildError`] when no key is configured, so a verifier can
    /// never start in a state where every request passes or none can.
    pub fn build(self) -> Result<HmacVerifier, BuildError> {
        let keys = self.keys.ok_or(BuildError::NoKeys)?;
        if self.schemes.is_empty() {
            return Err(BuildError::NoSchemes);
        }
        if let KeySource::Ring(ring) = &keys {
            if ring.is_empty() {
                return Err(BuildError::EmptyKeyRing);
            }
            warn_about_ring(ring, self.clock.now_unix());
        }

        Ok(HmacVerifier {
            config: Arc::new(VerifierConfig {
                keys,
                headers: self.headers,
                window_seconds: self.window_seconds,
                body_limit: self.body_limit,
                clock: self.clock,
                require_nonce: self.require_nonce,
                replay: self.replay,
                schemes: self.schemes,
            }),
        })
    }
}

/// Logs each secret shorter than 32 bytes, and each key with no secret
/// active at `now`. Requests under a key without a current secret get only
/// "Invalid HMAC signature", so the cause is logged once, at build time.
fn warn_about_ring(ring: &KeyRing, now: i64) {
    for key_id in ring.key_ids() {
        let Some(entry) = ring.get(key_id) else {
            continue;
        };
        for version in entry.versions().iter().filter(|v| v.secret().is_weak()) {
            tracing::warn!(
                key_id,
                label = version.label(),
                length = version.secret().len(),
                "HMAC secret is shorter than 32 bytes; generate a longer one with `tower-hmac keygen`"
            );
        }
        if !entry.versions().iter().any(|version| version.is_active(now)) {
            tracing::warn!(
                key_id,
                "every secret of this HMAC key is past its not_after time; requests with this key id will be rejected until a current secret is added"
            );
        }
    }
}

/// Header values that passed the checks that need no body and no key.
#[derive(Debug, Clone)]
pub(crate) enum CheckedHeaders {
    /// The default `X-HMAC-*` scheme.
    Default {
        timestamp: HeaderValue,
        signature: [u8; SIGNATURE_LEN],
        key_id: Option<HeaderValue>,
        nonce: Option<HeaderValue>,
    },
    /// Standard Webhooks, verified with the scheme's key or the default key.
    Webhooks { headers: WebhookHeaders },
    /// RFC 9421, with the policy's content digest requirement.
    HttpSignature {
        checked: CheckedHttpSignature,
        require_content_digest: bool,
    },
}

/// MACs being computed for every active secret of the key, and the body
/// digest when `Content-Digest` was sent.
pub(crate) struct PendingMacs {
    entry: Option<Arc<KeyEntry>>,
    macs: Macs,
    /// Whether the body is part of the MAC input. RFC 9421 signs the body
    /// through `Content-Digest` instead.
    body_signed: bool,
    /// The signatures sent; the request verifies when any of them matches.
    signatures: SignatureList,
    /// The body digest of an RFC 9421 request with `Content-Digest`. It is
    /// boxed because other requests do not need it, and inline it would
    /// enlarge every response future.
    digest: Option<Box<BodyDigest>>,
    /// Whether a non-empty body must be covered by a signed `Content-Digest`.
    body_needs_digest: bool,
    body_seen: bool,
    replay_id: ReplayId,
}

/// MACs with the index of the secret each was started with. Only a key in
/// rotation has several active secrets, so one is kept inline.
type Macs = SmallVec<[(usize, HmacSha256); 1]>;

/// The identity of a request for replay protection. The store key is built
/// from it only when replay protection is on.
enum ReplayId {
    /// The signature, when the request carries no nonce.
    Signature([u8; SIGNATURE_LEN]),
    /// The default scheme's nonce header.
    HeaderNonce(HeaderValue),
    /// The RFC 9421 `nonce` parameter.
    Nonce(String),
    /// A Standard Webhooks `webhook-id`.
    MessageId(HeaderValue),
}

impl ReplayId {
    /// Calls `use_part` with the id as stored: `s:<signature hex>`,
    /// `n:<nonce>` or `w:<webhook-id>`. The tags keep the kinds apart when
    /// verifiers with different settings share a store. The signature's hex
    /// is written on the stack, so the common case allocates nothing here.
    fn with_key_part<T>(&self, use_part: impl FnOnce(&str, &str) -> T) -> T {
        match self {
            Self::Signature(signature) => {
                let mut hex_text = [0u8; 2 * SIGNATURE_LEN];
                const_hex::encode_to_slice(signature, &mut hex_text).expect("the buffer fits the signature");
                use_part("s:", std::str::from_utf8(&hex_text).expect("hex is ASCII"))
            }
            Self::HeaderNonce(nonce) => use_part("n:", trimmed_text(nonce)),
            Self::Nonce(nonce) => use_part("n:", nonce),
            Self::MessageId(id) => use_part("w:", trimmed_text(id)),
        }
    }
}

impl PendingMacs {
    /// Feeds one body chunk to every MAC and to the digest.
    pub(crate) fn update(&mut self, chunk: &[u8]) {
        if self.body_signed {
            for (_, mac) in &mut self.macs {
                mac.update(chunk);
            }
        }
        if let Some(digest) = &mut self.digest {
            digest.update(chunk);
        }
        self.body_seen |= !chunk.is_empty();
    }
}

/// The secrets of a key that may verify now.
struct ActiveSecrets<'a> {
    entry: Option<&'a KeyEntry>,
    now: i64,
}

impl ActiveSecrets<'_> {
    /// Starts one MAC per active secret with `start`, keeping each secret's
    /// index. An unknown id, or a key whose secrets have all expired, gets
    /// one MAC with a decoy key, so that timing does not tell them apart.
    fn start_each(&self, start: impl Fn(&HmacSecret) -> HmacSha256) -> Macs {
        let mut macs = Macs::new();
        if let Some(entry) = self.entry {
            for (index, version) in entry.versions().iter().enumerate() {
                if version.is_active(self.now) {
                    macs.push((index, start(version.secret())));
                }
            }
        }
        if macs.is_empty() {
            macs.push((usize::MAX, start(decoy_secret())));
        }
        macs
    }
}

/// Key used to do the same MAC work for an unknown key id as for a known
/// one, so the response time does not reveal which ids exist.
fn decoy_secret() -> &'static HmacSecret {
    static DECOY: std::sync::OnceLock<HmacSecret> = std::sync::OnceLock::new();
    DECOY.get_or_init(HmacSecret::generate)
}

impl HmacVerifier {
    /// Creates a verifier for one secret with the default settings: the
    /// `X-HMAC-*` headers, a 60 s window and a 2 MiB body limit.
    pub fn new(secret: HmacSecret) -> Self {
        Self::builder()
            .secret(secret)
            .build()
            .expect("a single secret is a complete key source")
    }

    /// Creates a verifier for the secret in the `HMAC_SECRET_KEY`
    /// environment variable.
    ///
    /// # Errors
    ///
    /// Returns [`SecretError`] when the variable is unset or empty.
    pub fn from_env() -> Result<Self, SecretError> {
        Ok(Self::new(HmacSecret::from_env()?))
    }

    /// Returns a builder with the default settings and no keys.
    pub fn builder() -> HmacVerifierBuilder {
        HmacVerifierBuilder::default()
    }

    /// Returns the maximum body size, in bytes.
    pub fn body_limit(&self) -> usize {
        self.config.body_limit
    }

    /// Returns the accepted clock distance, in seconds.
    pub fn window_seconds(&self) -> u64 {
        self.config.window_seconds
    }

    /// Returns the header names.
    pub fn header_names(&self) -> &HeaderNames {
        &self.config.headers
    }

    /// Returns the verifier's time in unix seconds. A request reads it once,
    /// so its window check and its key expiry check see the same instant.
    pub(crate) fn now(&self) -> i64 {
        self.config.clock.now_unix()
    }

    /// Checks everything that needs neither the body nor the key: which
    /// scheme applies, header presence and syntax, then the timestamp window
    /// around `now`.
    pub(crate) fn check_headers(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        now: i64,
    ) -> Result<CheckedHeaders, VerifyError> {
        let config = &*self.config;
        let mut chosen = None;
        // With one scheme there is nothing to choose, so its presence check
        // would only repeat the header lookups that the scheme does next.
        let candidates = if config.schemes.len() > 1 {
            &config.schemes[..]
        } else {
            &[]
        };
        for scheme in candidates {
            if !scheme.is_present(headers, &config.headers) {
                continue;
            }
            if chosen.is_some() {
                return Err(VerifyError::AmbiguousScheme);
            }
            chosen = Some(scheme);
        }
        // With no scheme's headers present, the first scheme reports what
        // is missing.
        let scheme = chosen.unwrap_or(&config.schemes[0]);

        match scheme {
            Scheme::Default => self.check_default_headers(headers, now),
            Scheme::StandardWebhooks { key_id } => {
                let parsed = webhooks::parse_headers(headers)?;
                if key_id.is_none() && self.default_key_id().is_none() {
                    return Err(VerifyError::MissingKeyId);
                }
                check_window(parsed.timestamp, now, config.window_seconds)?;
                Ok(CheckedHeaders::Webhooks { headers: parsed })
            }
            Scheme::HttpSignatures(policy) => {
                let head = RequestHead { method, uri, headers };
                let checked = httpsig::check_request(head, policy, now, config.window_seconds)?;
                if checked.key_id.is_none() && self.default_key_id().is_none() {
                    return Err(VerifyError::MissingKeyId);
                }
                Ok(CheckedHeaders::HttpSignature {
                    checked,
                    require_content_digest: policy.require_content_digest,
                })
            }
        }
    }

    fn check_default_headers(&self, headers: &HeaderMap, now: i64) -> Result<CheckedHeaders, VerifyError> {
        let config = &*self.config;
        let names = &config.headers;

        let [signature, timestamp, key_id, nonce] = scan(
            headers,
            [&names.signature, &names.timestamp, &names.key_id, &names.nonce],
        );

        // The signature is decoded from the value's bytes, which rejects all
        // but hex digits. A value that fails is checked for bytes outside
        // visible ASCII, which are reported first, as for every other header.
        let signature = match signature.bytes(&names.signature)? {
            Some(raw) => match decode_signature_bytes(raw) {
                Err(_) if !is_visible_text(raw) => {
                    return Err(VerifyError::NonAsciiHeader {
                        header: names.signature.clone(),
                    })
                }
                decoded => Some(decoded),
            },
            None => None,
        };
        let timestamp_header = timestamp.text(&names.timestamp)?;
        let Some(signature) = signature else {
            return Err(VerifyError::MissingHeader {
                header: names.signature.clone(),
            });
        };
        let Some((timestamp_value, timestamp_text)) = timestamp_header else {
            return Err(VerifyError::MissingHeader {
                header: names.timestamp.clone(),
            });
        };

        let timestamp = parse_unix_seconds(timestamp_text)?;
        let signature = signature?;
        let key_id = self.check_key_id(key_id)?;
        let nonce = if config.require_nonce {
            Some(check_nonce(nonce, &names.nonce)?)
        } else {
            None
        };

        check_window(timestamp, now, config.window_seconds)?;

        Ok(CheckedHeaders::Default {
            timestamp: timestamp_value.clone(),
            signature,
            key_id,
            nonce,
        })
    }

    fn check_key_id(&self, occurrence: Occurrence<'_>) -> Result<Option<HeaderValue>, VerifyError> {
        match occurrence.text(&self.config.headers.key_id)? {
            Some((value, text)) if is_valid_key_id(text) => Ok(Some(value.clone())),
            Some(_) => Err(VerifyError::InvalidKeyId),
            None if self.default_key_id().is_some() => Ok(None),
            None => Err(VerifyError::MissingKeyId),
        }
    }

    /// Returns the key id configured for Standard Webhooks requests. With two
    /// such schemes in the list every webhook request is rejected as
    /// ambiguous, so only the first one can ever apply.
    fn webhooks_key_id(&self) -> Option<&str> {
        self.config.schemes.iter().find_map(|scheme| match scheme {
            Scheme::StandardWebhooks { key_id } => key_id.as_deref(),
            _ => None,
        })
    }

    fn default_key_id(&self) -> Option<&str> {
        match &self.config.keys {
            KeySource::Ring(ring) => ring.default_key_id(),
            KeySource::Provider(provider) => provider.default_key_id(),
        }
    }

    /// Returns the key id that `checked` requests, or the default key id.
    fn requested_key_id<'a>(&'a self, checked: &'a CheckedHeaders) -> &'a str {
        let requested = match checked {
            CheckedHeaders::Default { key_id, .. } => key_id.as_ref().map(trimmed_text),
            CheckedHeaders::Webhooks { .. } => self.webhooks_key_id(),
            CheckedHeaders::HttpSignature { checked, .. } => checked.key_id.as_deref(),
        };
        requested.or_else(|| self.default_key_id()).unwrap_or_default()
    }

    /// Looks the key up and starts one MAC per secret active at `now`.
    ///
    /// A key ring returns the key at once, so the common case needs no
    /// future. A [`KeyProvider`] may have to wait, so its lookup is returned
    /// boxed.
    pub(crate) fn look_up_key(&self, checked: CheckedHeaders, now: i64) -> KeyLookup {
        match &self.config.keys {
            KeySource::Ring(ring) => {
                let entry = ring.get(self.requested_key_id(&checked)).cloned();
                KeyLookup::Ready(self.start_macs(checked, entry, now))
            }
            KeySource::Provider(provider) => {
                let verifier = self.clone();
                let provider = Arc::clone(provider);
                KeyLookup::Pending(Box::pin(async move {
                    let entry = provider
                        .lookup(verifier.requested_key_id(&checked))
                        .await
                        .map_err(|error| VerifyError::KeyProviderUnavailable { reason: error.reason })?;
                    Ok(verifier.start_macs(checked, entry, now))
                }))
            }
        }
    }

    /// Starts one MAC per secret of `entry` active at `now`, each already
    /// fed with what the scheme signs before the body.
    fn start_macs(&self, checked: CheckedHeaders, entry: Option<Arc<KeyEntry>>, now: i64) -> PendingMacs {
        let secrets = ActiveSecrets {
            entry: entry.as_deref(),
            now,
        };

        let pending = match checked {
            CheckedHeaders::Default {
                timestamp,
                signature,
                nonce,
                ..
            } => {
                let prefix = match &nonce {
                    Some(nonce) => MessagePrefix::with_nonce(trimmed_text(&timestamp), trimmed_text(nonce)),
                    None => MessagePrefix::new(trimmed_text(&timestamp)),
                };
                let macs = secrets.start_each(|secret| prefix.start_mac(secret));
                let replay_id = match &nonce {
                    Some(nonce) => ReplayId::HeaderNonce(nonce.clone()),
                    None => ReplayId::Signature(signature),
                };
                PendingMacs {
                    entry: None,
                    macs,
                    body_signed: true,
                    signatures: SignatureList::from_buf([signature]),
                    digest: None,
                    body_needs_digest: false,
                    body_seen: false,
                    replay_id,
                }
            }
            CheckedHeaders::Webhooks { headers } => PendingMacs {
                entry: None,
                macs: secrets
                    .start_each(|secret| webhooks::start_mac(secret, headers.id(), headers.timestamp_text())),
                body_signed: true,
                signatures: headers.signatures,
                digest: None,
                body_needs_digest: false,
                body_seen: false,
                replay_id: ReplayId::MessageId(headers.id),
            },
            CheckedHeaders::HttpSignature {
                checked,
                require_content_digest,
            } => PendingMacs {
                entry: None,
                macs: secrets.start_each(|secret| {
                    let mut mac = secret.start_mac();
                    mac.update(&checked.base);
                    mac
                }),
                body_signed: false,
                signatures: SignatureList::from_buf([checked.signature]),
                digest: checked.digest.map(|digest| Box::new(BodyDigest::new(digest))),
                body_needs_digest: require_content_digest && !checked.content_digest_covered,
                body_seen: false,
                replay_id: match checked.nonce {
                    Some(nonce) => ReplayId::Nonce(nonce),
                    None => ReplayId::Signature(checked.signature),
                },
            },
        };
        PendingMacs { entry, ..pending }
    }

    /// Compares the finished MACs with the signature in constant time, then
    /// checks the body digest and the allow-list.
    ///
    /// Replay protection is left to [`HmacVerifier::replay_check`], because
    /// it is the one step that may wait on a store.
    pub(crate) fn check_signature(
        &self,
        pending: PendingMacs,
        method: &Method,
        path: &str,
    ) -> Result<Verified, VerifyError> {
        let mut matched = None;
        for (index, mac) in pending.macs {
            // Every MAC is compared with every signature, so the work does
            // not depend on which secret of a rotation matches, and each
            // comparison takes the same time wherever the bytes differ.
            let tag: [u8; SIGNATURE_LEN] = mac.finalize().into_bytes().into();
            let matches = pending
                .signatures
                .as_slice()
                .iter()
                .fold(subtle::Choice::from(0), |found, signature| {
                    found | tag_matches(&tag, signature)
                });
            if bool::from(matches) && index != usize::MAX {
                matched = matched.or(Some(index));
            }
        }

        let Some(entry) = pending.entry else {
            return Err(VerifyError::UnknownKeyId);
        };
        let Some(index) = matched else {
            return Err(VerifyError::SignatureMismatch);
        };
        let caller = VerifiedCaller::new(entry.key_id_arc(), entry.versions()[index].label_arc());

        // The signature holds, so the body is checked against what it signed.
        if pending.body_needs_digest && pending.body_seen {
            return Err(VerifyError::ContentDigestNotCovered);
        }
        if let Some(digest) = pending.digest {
            digest.finish()?;
        }

        if !entry.allows(method, path) {
            return Err(VerifyError::EndpointNotAllowed {
                key_id: entry.key_id().to_owned(),
            });
        }
        Ok(Verified {
            caller,
            replay_id: pending.replay_id,
        })
    }

    /// Returns the replay store check for a verified request, or `None` when
    /// replay protection is off.
    pub(crate) fn replay_check(&self, verified: &Verified) -> Option<ReplayCheck> {
        let replay = self.config.replay.as_ref()?;
        let key_id = verified.caller.key_id_arc();
        let key = verified
            .replay_id
            .with_key_part(|tag, id| replay.store_key(&key_id, tag, id));
        let verifier = self.clone();
        Some(Box::pin(
            async move { verifier.check_replay(&key_id, &key).await },
        ))
    }

    async fn check_replay(&self, key_id: &str, key: &str) -> Result<(), VerifyError> {
        let Some(replay) = &self.config.replay else {
            return Ok(());
        };
        let ttl = replay_ttl(self.config.window_seconds);

        match replay.store.check_and_record(key, ttl).await {
            Ok(ReplayStatus::Fresh) => Ok(()),
            Ok(ReplayStatus::AlreadySeen) => Err(VerifyError::Replayed),
            Err(error) if replay.fail_open => {
                tracing::warn!(key_id, %error, "replay store failed; accepting the request unchecked because fail_open is set");
                Ok(())
            }
            Err(ReplayStoreError::Full) => Err(VerifyError::ReplayStoreFull),
            Err(error) => Err(VerifyError::ReplayStoreUnavailable {
                reason: error.to_string(),
            }),
        }
    }

    /// Verifies a request whose body is already in memory.
    ///
    /// Runs the same checks in the same order as the layer, including the
    /// body limit, the allow-list and replay protection.
    ///
    /// # Errors
    ///
    /// Returns the [`VerifyError`] of the first check that fails.
    pub async fn verify<B: AsRef<[u8]>>(&self, request: &Request<B>) -> Result<VerifiedCaller, VerifyError> {
        let now = self.now();
        let checked = self.check_headers(request.method(), request.uri(), request.headers(), now)?;
        let body = request.body().as_ref();
        if body.len() > self.config.body_limit {
            return Err(VerifyError::BodyTooLarge {
                limit: self.config.body_limit,
            });
        }

        let mut pending = match self.look_up_key(checked, now) {
            KeyLookup::Ready(pending) => pending,
            KeyLookup::Pending(lookup) => lookup.await?,
        };
        pending.update(body);
        let verified = self.check_signature(pending, request.method(), request.uri().path())?;
        if let Some(replay_check) = self.replay_check(&verified) {
            replay_check.await?;
        }
        Ok(verified.caller)
    }
}

/// The outcome of a key lookup: the MACs started, or the lookup still
/// waiting on a [`KeyProvider`].
// The ready MACs move once, into the response future. Boxing them to even
// out the variants would cost the allocation that this type avoids.
#[allow(clippy::large_enum_variant)]
pub(crate) enum KeyLookup {
    Ready(PendingMacs),
    Pending(Pin<Box<dyn Future<Output = Result<PendingMacs, VerifyError>> + Send>>),
}

/// A replay store check in progress.
pub(crate) type ReplayCheck = Pin<Box<dyn Future<Output = Result<(), VerifyError>> + Send>>;

/// A request whose signature, digest and allow-list checks passed.
pub(crate) struct Verified {
    pub(crate) caller: VerifiedCaller,
    replay_id: ReplayId,
}

fn check_nonce(occurrence: Occurrence<'_>, name: &http::HeaderName) -> Result<HeaderValue, VerifyError> {
    let (value, text) = occurrence.text(name)?.ok_or(VerifyError::MissingNonce)?;
    let well_formed = (MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&text.len())
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
    if !well_formed {
        return Err(VerifyError::InvalidNonce);
    }
    Ok(value.clone())
}

/// Returns the declared `Content-Length`, when there is exactly one valid value.
pub(crate) fn declared_length(headers: &HeaderMap) -> Option<u64> {
    let mut values = headers.get_all(http::header::CONTENT_LENGTH).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    value.to_str().ok()?.trim_ascii().parse().ok()
}
