//! RFC 9421 HTTP Message Signatures with `hmac-sha256`.
//!
//! `Signature-Input` names the covered components and the signature
//! parameters, and `Signature` carries the MAC, both as structured-field
//! dictionaries keyed by a label. The MAC is computed over the signature
//! base: one line `"<component>": <value>` per covered component, then the
//! `"@signature-params"` line. The body is covered through the
//! `Content-Digest` header, which the verifier recomputes from the body.
//!
//! The algorithm comes from the key's configuration, which is always
//! `hmac-sha256` here. An `alg` parameter on the wire must name it, or the
//! request is rejected, so a client cannot pick a weaker algorithm.

use std::collections::HashSet;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sfv::{BareItem, Dictionary, InnerList, Item, ListEntry, ListSerializer, Parser};

use super::digest::{self, DeclaredDigest};
use crate::keys::is_valid_key_id;
use crate::message::SIGNATURE_LEN;
use crate::timestamp::saturate_seconds;
use crate::VerifyError;

/// The `Signature-Input` header.
pub const SIGNATURE_INPUT: HeaderName = HeaderName::from_static("signature-input");
/// The `Signature` header.
pub const SIGNATURE: HeaderName = HeaderName::from_static("signature");

pub(crate) const HEADER_NAMES: [HeaderName; 2] = [SIGNATURE_INPUT, SIGNATURE];

/// The only algorithm of this crate, as RFC 9421 names it.
pub const ALGORITHM: &str = "hmac-sha256";

/// Maximum length of a `nonce` parameter, in bytes.
const MAX_NONCE_LEN: usize = 256;

/// Maximum number of covered components, so a request cannot make the
/// verifier build a huge signature base.
const MAX_COMPONENTS: usize = 32;

/// Characters percent-encoded in `@query-param` names and values: all but
/// the unreserved characters of RFC 3986.
const QUERY_PARAM_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The verifier's requirements for an RFC 9421 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSignaturePolicy {
    /// Components that must be covered. Default: `@method`, `@authority`,
    /// `@path` and `@query`.
    pub required_components: Vec<String>,
    /// Requires `content-digest` to be covered whenever the request has a
    /// body, so the body is signed. Default `true`.
    pub require_content_digest: bool,
    /// Maximum age of the `created` parameter, in seconds. `None` uses the
    /// verifier's timestamp window. A `created` further ahead than the
    /// window is rejected too.
    pub max_age_seconds: Option<u64>,
    /// A `tag` parameter the signature must carry, such as the name of the
    /// application, so signatures made for another purpose do not verify.
    pub required_tag: Option<String>,
    /// Labels to verify when a request carries several signatures, in order
    /// of preference; the first present is verified. When empty, a request
    /// must carry exactly one signature.
    pub labels: Vec<String>,
    /// Scheme used for `@scheme` and `@target-uri` when the request URI has
    /// none, as behind a proxy that ends TLS. Default `https`.
    pub scheme: String,
}

impl Default for HttpSignaturePolicy {
    fn default() -> Self {
        Self {
            required_components: ["@method", "@authority", "@path", "@query"]
                .map(String::from)
                .to_vec(),
            require_content_digest: true,
            max_age_seconds: None,
            required_tag: None,
            labels: Vec::new(),
            scheme: "https".to_owned(),
        }
    }
}

/// Settings of the signer for RFC 9421 signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSignatureOptions {
    /// The signature's label in `Signature-Input` and `Signature`. Default `sig1`.
    pub label: String,
    /// Covered components. Default: `@method`, `@authority`, `@path`,
    /// `@query`. `content-digest` is added whenever the body is not empty.
    pub components: Vec<String>,
    /// A `tag` parameter to send.
    pub tag: Option<String>,
    /// Sends a random `nonce` parameter, which the verifier uses as the
    /// replay id. Default `true`.
    pub nonce: bool,
    /// Sends `expires` this many seconds after `created`.
    pub expires_in_seconds: Option<u64>,
    /// Scheme used for `@scheme` and `@target-uri` when the request URI has
    /// none. Default `https`.
    pub scheme: String,
}

impl Default for HttpSignatureOptions {
    fn default() -> Self {
        Self {
            label: "sig1".to_owned(),
            components: HttpSignaturePolicy::default().required_components,
            tag: None,
            nonce: true,
            expires_in_seconds: None,
            scheme: "https".to_owned(),
        }
    }
}

/// The parts of a request that components are taken from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestHead<'a> {
    pub(crate) method: &'a Method,
    pub(crate) uri: &'a Uri,
    pub(crate) headers: &'a HeaderMap,
}

/// A signature that passed every check that needs neither the key nor the
/// body.
#[derive(Debug, Clone)]
pub(crate) struct CheckedHttpSignature {
    pub(crate) key_id: Option<String>,
    pub(crate) base: Vec<u8>,
    pub(crate) signature: [u8; SIGNATURE_LEN],
    /// The `nonce` parameter, which is the replay id when present.
    pub(crate) nonce: Option<String>,
    pub(crate) digest: Option<DeclaredDigest>,
    pub(crate) content_digest_covered: bool,
}

/// Reason a component value could not be taken from a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ComponentError {
    /// The identifier is malformed or not supported.
    Invalid,
    /// The request lacks what the component refers to.
    Missing(String),
}

impl From<ComponentError> for VerifyError {
    fn from(error: ComponentError) -> Self {
        match error {
            ComponentError::Invalid => VerifyError::InvalidSignatureInput,
            ComponentError::Missing(component) => VerifyError::MissingSignedComponent { component },
        }
    }
}

/// Parses and checks the signature of a request against `policy`, and
/// builds its signature base.
pub(crate) fn check_request(
    head: RequestHead<'_>,
    policy: &HttpSignaturePolicy,
    now: i64,
    window_seconds: u64,
) -> Result<CheckedHttpSignature, VerifyError> {
    let inputs = parse_dictionary(head.headers, &SIGNATURE_INPUT)?;
    let signatures = parse_dictionary(head.headers, &SIGNATURE)?;
    let label = choose_label(&inputs, policy)?;

    let Some(ListEntry::InnerList(input)) = inputs.get(label.as_str()) else {
        return Err(VerifyError::InvalidSignatureInput);
    };
    let signature = match signatures.get(label.as_str()) {
        Some(ListEntry::Item(Item {
            bare_item: BareItem::ByteSequence(bytes),
            ..
        })) => {
            <[u8; SIGNATURE_LEN]>::try_from(bytes.as_slice()).map_err(|_| VerifyError::MalformedSignature)?
        }
        Some(_) => return Err(VerifyError::MalformedSignature),
        None => return Err(VerifyError::SignatureLabelNotFound),
    };
    check_canonical_signature(head.headers, &label, &signature)?;

    let params = SignatureParams::read(input)?;
    check_params(&params, policy, now, window_seconds)?;

    if input.items.len() > MAX_COMPONENTS {
        return Err(VerifyError::InvalidSignatureInput);
    }
    let covered: Vec<&str> = input
        .items
        .iter()
        .map(|item| match &item.bare_item {
            BareItem::String(name) => Ok(name.as_str()),
            _ => Err(VerifyError::InvalidSignatureInput),
        })
        .collect::<Result<_, _>>()?;
    for required in &policy.required_components {
        if !covered.contains(&required.as_str()) {
            return Err(VerifyError::MissingCoveredComponent {
                component: required.clone(),
            });
        }
    }
    let content_digest_covered = covered.contains(&"content-digest");

    let base = signature_base(head, &policy.scheme, input)?;
    let digest = digest::parse_header(head.headers)?;
    Ok(CheckedHttpSignature {
        key_id: params.keyid,
        base,
        signature,
        nonce: params.nonce,
        digest,
        content_digest_covered,
    })
}

/// Rejects a signature whose base64 is not in canonical form.
///
/// Base64 can spell one tag several ways, because the unused low bits of the
/// last character are ignored when decoding. Only the canonical spelling is
/// accepted, so one signature has one form on the wire.
fn check_canonical_signature(
    headers: &HeaderMap,
    label: &str,
    signature: &[u8; SIGNATURE_LEN],
) -> Result<(), VerifyError> {
    let canonical = format!("{label}=:{}:", BASE64.encode(signature));
    let raw = combined_field(headers, &SIGNATURE);
    if raw
        .windows(canonical.len())
        .any(|window| window == canonical.as_bytes())
    {
        Ok(())
    } else {
        Err(VerifyError::MalformedSignature)
    }
}

/// Returns every field line of `name` joined with `, `.
fn combined_field(headers: &HeaderMap, name: &HeaderName) -> Vec<u8> {
    let mut combined = Vec::new();
    for (index, value) in headers.get_all(name).iter().enumerate() {
        if index > 0 {
            combined.extend_from_slice(b", ");
        }
        combined.extend_from_slice(value.as_bytes());
    }
    combined
}

/// Parses a dictionary header, combining several field lines.
fn parse_dictionary(headers: &HeaderMap, name: &HeaderName) -> Result<Dictionary, VerifyError> {
    let combined = combined_field(headers, name);
    if combined.is_empty() {
        return Err(VerifyError::MissingHeader { header: name.clone() });
    }
    Parser::new(&combined)
        .parse()
        .map_err(|_| VerifyError::InvalidSignatureInput)
}

fn choose_label(inputs: &Dictionary, policy: &HttpSignaturePolicy) -> Result<String, VerifyError> {
    if policy.labels.is_empty() {
        if inputs.len() != 1 {
            // Without configured labels there is no way to know which of
            // several signatures is meant for this verifier.
            return Err(VerifyError::SignatureLabelNotFound);
        }
        let (label, _) = inputs.first().ok_or(VerifyError::SignatureLabelNotFound)?;
        return Ok(label.as_str().to_owned());
    }
    policy
        .labels
        .iter()
        .find(|label| inputs.contains_key(label.as_str()))
        .cloned()
        .ok_or(VerifyError::SignatureLabelNotFound)
}

/// The signature parameters this crate interprets.
#[derive(Debug, Default)]
struct SignatureParams {
    created: Option<i64>,
    expires: Option<i64>,
    nonce: Option<String>,
    alg: Option<String>,
    keyid: Option<String>,
    tag: Option<String>,
}

impl SignatureParams {
    fn read(input: &InnerList) -> Result<Self, VerifyError> {
        let mut params = Self::default();
        for (key, value) in &input.params {
            let integer = || {
                value
                    .as_integer()
                    .map(i64::from)
                    .ok_or(VerifyError::InvalidSignatureInput)
            };
            let string = || {
                value
                    .as_string()
                    .map(|text| text.as_str().to_owned())
                    .ok_or(VerifyError::InvalidSignatureInput)
            };
            match key.as_str() {
                "created" => params.created = Some(integer()?),
                "expires" => params.expires = Some(integer()?),
                "nonce" => params.nonce = Some(string()?),
                "alg" => params.alg = Some(string()?),
                "keyid" => params.keyid = Some(string()?),
                "tag" => params.tag = Some(string()?),
                // Other parameters are signed as part of the base but have no
                // meaning here.
                _ => {}
            }
        }
        Ok(params)
    }
}

fn check_params(
    params: &SignatureParams,
    policy: &HttpSignaturePolicy,
    now: i64,
    window_seconds: u64,
) -> Result<(), VerifyError> {
    if params.alg.as_deref().is_some_and(|alg| alg != ALGORITHM) {
        return Err(VerifyError::AlgorithmNotAllowed);
    }
    if let Some(key_id) = &params.keyid {
        if !is_valid_key_id(key_id) {
            return Err(VerifyError::InvalidKeyId);
        }
    }
    if let Some(nonce) = &params.nonce {
        if nonce.is_empty() || nonce.len() > MAX_NONCE_LEN {
            return Err(VerifyError::InvalidNonce);
        }
    }
    if let Some(required) = &policy.required_tag {
        if params.tag.as_ref() != Some(required) {
            return Err(VerifyError::TagNotAllowed);
        }
    }

    // Freshness comes from `created`, so it is required.
    let created = params.created.ok_or(VerifyError::InvalidTimestamp)?;
    let max_age = policy.max_age_seconds.unwrap_or(window_seconds);
    // Exact arithmetic, as in `check_window`: the difference of two i64
    // values fits an i128.
    let ahead = i128::from(created) - i128::from(now);
    if -ahead > i128::from(max_age) {
        return Err(VerifyError::TimestampTooOld {
            age_seconds: saturate_seconds(-ahead),
            window_seconds: max_age,
        });
    }
    if ahead > i128::from(window_seconds) {
        return Err(VerifyError::TimestampInFuture {
            ahead_seconds: saturate_seconds(ahead),
            window_seconds,
        });
    }
    if params.expires.is_some_and(|expires| now > expires) {
        return Err(VerifyError::SignatureExpired);
    }
    Ok(())
}

/// Builds the signature base of `input` for a request. This is the one
/// definition of the signed bytes, used to sign and to verify.
pub(crate) fn signature_base(
    head: RequestHead<'_>,
    default_scheme: &str,
    input: &InnerList,
) -> Result<Vec<u8>, ComponentError> {
    let mut base = Vec::with_capacity(256);
    let mut seen = HashSet::new();

    for item in &input.items {
        let identifier = sfv::ItemSerializer::new()
            .bare_item(&item.bare_item)
            .parameters(&item.params)
            .finish();
        if !seen.insert(identifier.clone()) {
            // RFC 9421 forbids covering a component twice.
            return Err(ComponentError::Invalid);
        }
        let value = component_value(head, default_scheme, item)?;
        base.extend_from_slice(identifier.as_bytes());
        base.extend_from_slice(b": ");
        base.extend_from_slice(&value);
        base.push(b'\n');
    }

    base.extend_from_slice(b"\"@signature-params\": ");
    base.extend_from_slice(serialize_inner_list(input).as_bytes());
    Ok(base)
}

/// Serializes an inner list with its parameters, as in `Signature-Input`.
pub(crate) fn serialize_inner_list(input: &InnerList) -> String {
    let mut serializer = ListSerializer::new();
    serializer.members([&ListEntry::InnerList(input.clone())]);
    serializer.finish().unwrap_or_default()
}

fn component_value(
    head: RequestHead<'_>,
    default_scheme: &str,
    item: &Item,
) -> Result<Vec<u8>, ComponentError> {
    let BareItem::String(name) = &item.bare_item else {
        return Err(ComponentError::Invalid);
    };
    let name = name.as_str();
    let has_params = !item.params.is_empty();

    if name == "@query-param" {
        return query_param_value(head.uri, item);
    }
    if has_params {
        // `sf`, `key`, `bs`, `req` and `tr` are not supported, and a
        // verifier must reject what it cannot compute.
        return Err(ComponentError::Invalid);
    }

    let text = match name {
        "@method" => head.method.as_str().to_owned(),
        "@authority" => authority(head, default_scheme)?,
        "@scheme" => scheme(head, default_scheme),
        "@target-uri" => format!(
            "{}://{}{}",
            scheme(head, default_scheme),
            authority(head, default_scheme)?,
            request_target(head.uri)
        ),
        "@path" => path(head.uri).to_owned(),
        "@query" => format!("?{}", head.uri.query().unwrap_or_default()),
        "@request-target" => request_target(head.uri),
        _ if name.starts_with('@') => return Err(ComponentError::Invalid),
        _ => return header_value(head.headers, name),
    };
    Ok(text.into_bytes())
}

fn path(uri: &Uri) -> &str {
    match uri.path() {
        "" => "/",
        path => path,
    }
}

fn request_target(uri: &Uri) -> String {
    match uri.query() {
        Some(query) => format!("{}?{query}", path(uri)),
        None => path(uri).to_owned(),
    }
}

fn scheme(head: RequestHead<'_>, default_scheme: &str) -> String {
    head.uri
        .scheme_str()
        .unwrap_or(default_scheme)
        .to_ascii_lowercase()
}

/// Returns the authority in lowercase, without the scheme's default port.
fn authority(head: RequestHead<'_>, default_scheme: &str) -> Result<String, ComponentError> {
    let raw = match head.uri.authority() {
        Some(authority) => authority.as_str().to_owned(),
        None => {
            let mut hosts = head.headers.get_all(http::header::HOST).iter();
            let host = hosts
                .next()
                .ok_or_else(|| ComponentError::Missing("@authority".into()))?;
            if hosts.next().is_some() {
                return Err(ComponentError::Invalid);
            }
            host.to_str()
                .map_err(|_| ComponentError::Invalid)?
                .trim()
                .to_owned()
        }
    };
    let lower = raw.to_ascii_lowercase();
    let default_port = match scheme(head, default_scheme).as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => "",
    };
    match lower.strip_suffix(default_port) {
        Some(host) if !default_port.is_empty() => Ok(host.to_owned()),
        _ => Ok(lower),
    }
}

fn query_param_value(uri: &Uri, item: &Item) -> Result<Vec<u8>, ComponentError> {
    let mut name = None;
    for (key, value) in &item.params {
        match (key.as_str(), value.as_string()) {
            ("name", Some(text)) => name = Some(text.as_str().to_owned()),
            _ => return Err(ComponentError::Invalid),
        }
    }
    let name = name.ok_or(ComponentError::Invalid)?;
    let query = uri.query().unwrap_or_default();

    let mut found = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if utf8_percent_encode(&key, QUERY_PARAM_ENCODE_SET).to_string() != name {
            continue;
        }
        if found.is_some() {
            // A repeated parameter is ambiguous, so RFC 9421 forbids
            // covering it by name.
            return Err(ComponentError::Invalid);
        }
        found = Some(utf8_percent_encode(&value, QUERY_PARAM_ENCODE_SET).to_string());
    }
    found
        .map(String::into_bytes)
        .ok_or_else(|| ComponentError::Missing(format!("@query-param;name={name:?}")))
}

/// Returns the value of a header component: every field line trimmed and
/// joined with `, `.
fn header_value(headers: &HeaderMap, name: &str) -> Result<Vec<u8>, ComponentError> {
    if name.bytes().any(|byte| byte.is_ascii_uppercase()) {
        return Err(ComponentError::Invalid);
    }
    let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| ComponentError::Invalid)?;
    let mut value = Vec::new();
    let mut any = false;
    for (index, line) in headers.get_all(&header).iter().enumerate() {
        if index > 0 {
            value.extend_from_slice(b", ");
        }
        value.extend_from_slice(line.as_bytes().trim_ascii());
        any = true;
    }
    if !any {
        return Err(ComponentError::Missing(name.to_owned()));
    }
    Ok(value)
}

/// The key, options and time of one RFC 9421 signature.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SigningKey<'a> {
    pub(crate) secret: &'a crate::HmacSecret,
    pub(crate) key_id: Option<&'a str>,
    pub(crate) options: &'a HttpSignatureOptions,
    pub(crate) now: i64,
}

/// Builds `Signature-Input` and `Signature` for a request and inserts them,
/// with `Content-Digest` when the body is not empty.
pub(crate) fn sign_request(
    signing: SigningKey<'_>,
    method: &Method,
    uri: &Uri,
    headers: &mut HeaderMap,
    body: &[u8],
) -> Result<(), ComponentError> {
    use hmac::Mac as _;
    let SigningKey {
        secret,
        key_id,
        options,
        now,
    } = signing;

    let mut components = options.components.clone();
    let content_digest = "content-digest";
    if !body.is_empty() && !components.iter().any(|component| component == content_digest) {
        components.push(content_digest.to_owned());
    }
    if components.iter().any(|component| component == content_digest) {
        let value = digest::sha256_header_value(body);
        headers.insert(
            digest::CONTENT_DIGEST,
            HeaderValue::from_str(&value).expect("base64 is ASCII"),
        );
    }

    let input = build_input(&components, key_id, options, now)?;
    let head = RequestHead { method, uri, headers };
    let base = signature_base(head, &options.scheme, &input)?;

    let mut mac = secret.start_mac();
    mac.update(&base);
    let signature = BASE64.encode(mac.finalize().into_bytes());

    let label = &options.label;
    let input_value = format!("{label}={}", serialize_inner_list(&input));
    let signature_value = format!("{label}=:{signature}:");
    headers.insert(
        SIGNATURE_INPUT,
        HeaderValue::from_str(&input_value).map_err(|_| ComponentError::Invalid)?,
    );
    headers.insert(
        SIGNATURE,
        HeaderValue::from_str(&signature_value).map_err(|_| ComponentError::Invalid)?,
    );
    Ok(())
}

fn build_input(
    components: &[String],
    key_id: Option<&str>,
    options: &HttpSignatureOptions,
    now: i64,
) -> Result<InnerList, ComponentError> {
    let string = |text: &str| -> Result<BareItem, ComponentError> {
        sfv::String::from_string(text.to_owned())
            .map(BareItem::String)
            .map_err(|_| ComponentError::Invalid)
    };
    let key = |text: &str| sfv::Key::from_string(text.to_owned()).map_err(|_| ComponentError::Invalid);
    let integer = |value: i64| -> Result<BareItem, ComponentError> {
        sfv::Integer::try_from(value)
            .map(BareItem::Integer)
            .map_err(|_| ComponentError::Invalid)
    };

    let mut items = Vec::with_capacity(components.len());
    for component in components {
        // A component with parameters is written as a structured-field
        // item, such as `"@query-param";name="x"`; a bare name is a string.
        let item = if component.starts_with('"') {
            Parser::new(component.as_bytes())
                .parse()
                .map_err(|_| ComponentError::Invalid)?
        } else {
            Item::new(string(component)?)
        };
        items.push(item);
    }

    let mut params = sfv::Parameters::new();
    params.insert(key("created")?, integer(now)?);
    if let Some(seconds) = options.expires_in_seconds {
        let expires = now.saturating_add(i64::try_from(seconds).unwrap_or(i64::MAX));
        params.insert(key("expires")?, integer(expires)?);
    }
    if options.nonce {
        params.insert(key("nonce")?, string(&generate_nonce())?);
    }
    params.insert(key("alg")?, string(ALGORITHM)?);
    if let Some(key_id) = key_id {
        params.insert(key("keyid")?, string(key_id)?);
    }
    if let Some(tag) = &options.tag {
        params.insert(key("tag")?, string(tag)?);
    }
    Ok(InnerList::with_params(items, params))
}

fn generate_nonce() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared key of RFC 9421, Appendix B.1.5.
    const KEY: &str =
        "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==";

    fn b25_request() -> http::Request<()> {
        // The test request of RFC 9421, Appendix B.2.
        http::Request::post("/foo?param=Value&Pet=dog")
            .header("host", "example.com")
            .header("date", "Tue, 20 Apr 2021 02:07:55 GMT")
            .header("content-type", "application/json")
            .header(
                "content-digest",
                "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
            )
            .header("content-length", "18")
            .header(
                "signature-input",
                r#"sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret""#,
            )
            .header("signature", "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:")
            .body(())
            .unwrap()
    }

    fn head(request: &http::Request<()>) -> RequestHead<'_> {
        RequestHead {
            method: request.method(),
            uri: request.uri(),
            headers: request.headers(),
        }
    }

    fn lax_policy() -> HttpSignaturePolicy {
        HttpSignaturePolicy {
            required_components: Vec::new(),
            max_age_seconds: Some(u64::MAX / 2),
            ..HttpSignaturePolicy::default()
        }
    }

    #[test]
    fn rfc_9421_b_2_5_base_and_mac() {
        use hmac::Mac as _;
        let request = b25_request();
        let checked = check_request(head(&request), &lax_policy(), 1_618_884_473, 60).unwrap();
        let expected_base = concat!(
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n",
            "\"@authority\": example.com\n",
            "\"content-type\": application/json\n",
            "\"@signature-params\": (\"date\" \"@authority\" \"content-type\");created=1618884473",
            ";keyid=\"test-shared-secret\""
        );
        assert_eq!(String::from_utf8(checked.base.clone()).unwrap(), expected_base);
        assert_eq!(checked.key_id.as_deref(), Some("test-shared-secret"));

        let key = BASE64.decode(KEY).unwrap();
        let mut mac = crate::HmacSha256::new_from_slice(&key).unwrap();
        mac.update(&checked.base);
        assert!(mac.verify_slice(&checked.signature).is_ok());
    }

    #[test]
    fn derived_components_follow_rfc() {
        let request = http::Request::get("https://WWW.Example.com:443/a%20b/c?x=1&y=%20z+w&n=")
            .body(())
            .unwrap();
        let value = |component: &str| {
            let item: Item = Parser::new(component).parse().unwrap();
            String::from_utf8(component_value(head(&request), "https", &item).unwrap()).unwrap()
        };
        assert_eq!(value(r#""@method""#), "GET");
        assert_eq!(value(r#""@authority""#), "www.example.com");
        assert_eq!(value(r#""@scheme""#), "https");
        assert_eq!(value(r#""@path""#), "/a%20b/c");
        assert_eq!(value(r#""@query""#), "?x=1&y=%20z+w&n=");
        assert_eq!(value(r#""@request-target""#), "/a%20b/c?x=1&y=%20z+w&n=");
        assert_eq!(
            value(r#""@target-uri""#),
            "https://www.example.com/a%20b/c?x=1&y=%20z+w&n="
        );
        assert_eq!(value(r#""@query-param";name="y""#), "%20z%20w");
        assert_eq!(value(r#""@query-param";name="n""#), "");
    }

    #[test]
    fn query_without_question_mark_is_empty() {
        let request = http::Request::get("/path")
            .header("host", "h:8080")
            .body(())
            .unwrap();
        let item: Item = Parser::new(r#""@query""#).parse().unwrap();
        assert_eq!(component_value(head(&request), "https", &item).unwrap(), b"?");
        let item: Item = Parser::new(r#""@authority""#).parse().unwrap();
        assert_eq!(
            component_value(head(&request), "https", &item).unwrap(),
            b"h:8080"
        );
    }

    #[test]
    fn unsupported_components_are_invalid() {
        let request = http::Request::get("/?a=1&a=2")
            .header("x-list", "a")
            .body(())
            .unwrap();
        for component in [
            r#""@status""#,
            r#""@unknown""#,
            r#""x-list";sf"#,
            r#""X-List""#,
            r#""@query-param";name="a""#,
            r#""@query-param""#,
        ] {
            let item: Item = Parser::new(component).parse().unwrap();
            assert_eq!(
                component_value(head(&request), "https", &item),
                Err(ComponentError::Invalid),
                "{component}"
            );
        }
        let item: Item = Parser::new(r#""x-absent""#).parse().unwrap();
        assert_eq!(
            component_value(head(&request), "https", &item),
            Err(ComponentError::Missing("x-absent".into()))
        );
    }

    #[test]
    fn header_lines_are_trimmed_and_joined() {
        let mut request = http::Request::get("/").body(()).unwrap();
        request
            .headers_mut()
            .append("x-list", HeaderValue::from_static("  a "));
        request
            .headers_mut()
            .append("x-list", HeaderValue::from_static("b"));
        assert_eq!(header_value(request.headers(), "x-list").unwrap(), b"a, b");
    }

    #[test]
    fn signed_request_checks_out() {
        let secret = crate::HmacSecret::from_utf8("sign-and-check").unwrap();
        let mut request = http::Request::post("https://api.example.com/v1/infer?lang=ko")
            .body(())
            .unwrap();
        let (parts, ()) = request.into_parts();
        let mut headers = parts.headers.clone();
        let options = HttpSignatureOptions::default();
        let signing = SigningKey {
            secret: &secret,
            key_id: Some("billing"),
            options: &options,
            now: 1000,
        };
        sign_request(signing, &parts.method, &parts.uri, &mut headers, b"{}").unwrap();
        request = http::Request::from_parts(parts, ());
        *request.headers_mut() = headers;

        let checked = check_request(head(&request), &HttpSignaturePolicy::default(), 1000, 60).unwrap();
        assert!(checked.content_digest_covered);
        assert!(checked.digest.is_some());
        assert_eq!(checked.key_id.as_deref(), Some("billing"));
        assert_eq!(checked.nonce.as_ref().map(String::len), Some(32));
        let input = request.headers()[SIGNATURE_INPUT].to_str().unwrap();
        assert!(
            input.starts_with(
                r#"sig1=("@method" "@authority" "@path" "@query" "content-digest");created=1000;nonce="#
            ),
            "{input}"
        );
    }

    #[test]
    fn freshness_is_exact_for_extreme_clocks() {
        let params = |created| SignatureParams {
            created: Some(created),
            ..SignatureParams::default()
        };
        let policy = HttpSignaturePolicy::default();
        let window = i64::MAX as u64;

        // 0 is 2^63 seconds after i64::MIN, one more than the window, and
        // exactly the window before i64::MAX. -1 is one second more.
        assert_eq!(
            check_params(&params(0), &policy, i64::MIN, window),
            Err(VerifyError::TimestampInFuture {
                ahead_seconds: i64::MAX,
                window_seconds: window,
            })
        );
        assert_eq!(check_params(&params(0), &policy, i64::MAX, window), Ok(()));
        assert_eq!(
            check_params(&params(-1), &policy, i64::MAX, window),
            Err(VerifyError::TimestampTooOld {
                age_seconds: i64::MAX,
                window_seconds: window,
            })
        );
    }
}
