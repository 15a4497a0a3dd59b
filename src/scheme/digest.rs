//! RFC 9530 `Content-Digest`: parsing the header and hashing the body.
//!
//! The header is a structured-field dictionary such as
//! `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`. The verifier
//! hashes the body as it streams in with every algorithm the header names
//! and that this crate supports (`sha-256`, `sha-512`), and compares. Other
//! algorithms are ignored, but at least one supported algorithm must be
//! present.

use http::{HeaderMap, HeaderName};
use sfv::{BareItem, Dictionary, ListEntry, Parser};
use sha2::{Digest as _, Sha256, Sha512};

use crate::VerifyError;

/// The `Content-Digest` header.
pub const CONTENT_DIGEST: HeaderName = HeaderName::from_static("content-digest");

/// The digests a `Content-Digest` header declares, in the algorithms this
/// crate supports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DeclaredDigest {
    sha256: Option<[u8; 32]>,
    sha512: Option<[u8; 64]>,
}

/// Parses the `Content-Digest` header. Several field lines are combined
/// with `, ` as RFC 9110 allows for list-based fields.
///
/// Returns `Ok(None)` when the header is absent.
///
/// # Errors
///
/// Returns [`VerifyError::InvalidContentDigest`] when the value is not a
/// dictionary, a supported digest has the wrong length or type, or no
/// supported algorithm is present.
pub(crate) fn parse_header(headers: &HeaderMap) -> Result<Option<DeclaredDigest>, VerifyError> {
    let mut combined = Vec::new();
    for (index, value) in headers.get_all(CONTENT_DIGEST).iter().enumerate() {
        if index > 0 {
            combined.extend_from_slice(b", ");
        }
        combined.extend_from_slice(value.as_bytes());
    }
    if combined.is_empty() {
        return Ok(None);
    }

    let dictionary: Dictionary = Parser::new(&combined)
        .parse()
        .map_err(|_| VerifyError::InvalidContentDigest)?;
    let mut declared = DeclaredDigest::default();
    for (key, entry) in &dictionary {
        let bytes = match entry {
            ListEntry::Item(item) => match &item.bare_item {
                BareItem::ByteSequence(bytes) => bytes.as_slice(),
                _ => return Err(VerifyError::InvalidContentDigest),
            },
            ListEntry::InnerList(_) => return Err(VerifyError::InvalidContentDigest),
        };
        match key.as_str() {
            "sha-256" => {
                declared.sha256 = Some(bytes.try_into().map_err(|_| VerifyError::InvalidContentDigest)?)
            }
            "sha-512" => {
                declared.sha512 = Some(bytes.try_into().map_err(|_| VerifyError::InvalidContentDigest)?)
            }
            _ => {}
        }
    }
    if declared.sha256.is_none() && declared.sha512.is_none() {
        return Err(VerifyError::InvalidContentDigest);
    }
    Ok(Some(declared))
}

/// Hashes of the body being read, for the algorithms a header declared.
#[derive(Debug, Clone)]
pub(crate) struct BodyDigest {
    declared: DeclaredDigest,
    sha256: Option<Sha256>,
    sha512: Option<Sha512>,
}

impl BodyDigest {
    pub(crate) fn new(declared: DeclaredDigest) -> Self {
        Self {
            sha256: declared.sha256.map(|_| Sha256::new()),
            sha512: declared.sha512.map(|_| Sha512::new()),
            declared,
        }
    }

    /// Feeds one body chunk to every hash.
    pub(crate) fn update(&mut self, chunk: &[u8]) {
        if let Some(hash) = &mut self.sha256 {
            hash.update(chunk);
        }
        if let Some(hash) = &mut self.sha512 {
            hash.update(chunk);
        }
    }

    /// Checks every declared digest against the body.
    ///
    /// # Errors
    ///
    /// Returns [`VerifyError::ContentDigestMismatch`] when any differs.
    pub(crate) fn finish(self) -> Result<(), VerifyError> {
        let sha256_matches = match (self.sha256, self.declared.sha256) {
            (Some(hash), Some(expected)) => hash.finalize().as_slice() == expected,
            _ => true,
        };
        let sha512_matches = match (self.sha512, self.declared.sha512) {
            (Some(hash), Some(expected)) => hash.finalize().as_slice() == expected,
            _ => true,
        };
        if sha256_matches && sha512_matches {
            Ok(())
        } else {
            Err(VerifyError::ContentDigestMismatch)
        }
    }
}

/// Returns the `Content-Digest` value for `body` with SHA-256.
pub(crate) fn sha256_header_value(body: &[u8]) -> String {
    use base64::Engine as _;
    let digest = Sha256::digest(body);
    format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    // The sample body and digests of RFC 9530, Appendix B.
    const BODY: &[u8] = br#"{"hello": "world"}"#;
    const SHA256: &str = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";
    const SHA512: &str =
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_DIGEST, HeaderValue::from_str(value).unwrap());
        headers
    }

    fn check(value: &str, body: &[u8]) -> Result<(), VerifyError> {
        let declared = parse_header(&headers(value))?.expect("header is present");
        let mut digest = BodyDigest::new(declared);
        for chunk in body.chunks(5) {
            digest.update(chunk);
        }
        digest.finish()
    }

    #[test]
    fn rfc_9530_samples_match() {
        assert_eq!(check(SHA256, BODY), Ok(()));
        assert_eq!(check(SHA512, BODY), Ok(()));
        assert_eq!(check(&format!("{SHA256}, {SHA512}"), BODY), Ok(()));
        assert_eq!(sha256_header_value(BODY), SHA256);
    }

    #[test]
    fn changed_body_mismatches() {
        assert_eq!(
            check(SHA256, br#"{"hello": "World"}"#),
            Err(VerifyError::ContentDigestMismatch)
        );
        assert_eq!(check(SHA512, b""), Err(VerifyError::ContentDigestMismatch));
    }

    #[test]
    fn unsupported_or_malformed_is_invalid() {
        for value in [
            "md5=:AAAA:",
            "sha-256=:AAAA:",
            "sha-256=abc",
            "sha-256=:@@:",
            "(",
            "sha-256=(:AAAA:)",
        ] {
            assert_eq!(
                parse_header(&headers(value)),
                Err(VerifyError::InvalidContentDigest),
                "{value}"
            );
        }
        assert_eq!(parse_header(&HeaderMap::new()), Ok(None));
    }

    #[test]
    fn unknown_algorithms_are_ignored() {
        assert_eq!(check(&format!("unixsum=:AAAA:, {SHA256}"), BODY), Ok(()));
    }
}
