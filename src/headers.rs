//! Header names of the default scheme and single-value header access.

use http::header::GetAll;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::VerifyError;

/// Names of the headers the default scheme reads and writes.
///
/// The defaults are the `X-HMAC-*` headers that Django deployments of this
/// scheme use. Header names are case-insensitive on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderNames {
    /// Header that carries the hex signature. Default `x-hmac-signature`.
    pub signature: HeaderName,
    /// Header that carries the unix timestamp in seconds. Default `x-hmac-timestamp`.
    pub timestamp: HeaderName,
    /// Header that carries the key id. Default `x-hmac-key-id`.
    pub key_id: HeaderName,
    /// Header that carries the nonce when the nonce option is on. Default `x-hmac-nonce`.
    pub nonce: HeaderName,
}

impl Default for HeaderNames {
    fn default() -> Self {
        Self {
            signature: HeaderName::from_static("x-hmac-signature"),
            timestamp: HeaderName::from_static("x-hmac-timestamp"),
            key_id: HeaderName::from_static("x-hmac-key-id"),
            nonce: HeaderName::from_static("x-hmac-nonce"),
        }
    }
}

/// Returns the one value of `name`, trimmed of surrounding spaces and tabs.
///
/// Absent and empty values are `Ok(None)`. A header that appears twice is
/// rejected, because two values leave it ambiguous which one was signed.
/// Values with bytes outside visible ASCII, space and tab are rejected too.
pub(crate) fn single_value<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> Result<Option<&'a str>, VerifyError> {
    Ok(single_header(headers, name)?.map(|(_, text)| text))
}

/// Does what [`single_value`] does and also returns the value itself, so a
/// caller that keeps it needs no second lookup.
pub(crate) fn single_header<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> Result<Option<(&'a HeaderValue, &'a str)>, VerifyError> {
    let values: GetAll<'a, HeaderValue> = headers.get_all(name);
    let mut iter = values.iter();
    let Some(value) = iter.next() else {
        return Ok(None);
    };
    if iter.next().is_some() {
        return Err(VerifyError::DuplicateHeader { header: name.clone() });
    }

    let text = value
        .to_str()
        .map_err(|_| VerifyError::NonAsciiHeader { header: name.clone() })?;
    let trimmed = text.trim_matches([' ', '\t']);
    if trimmed.is_empty() {
        return Ok(None);
    }
    Ok(Some((value, trimmed)))
}

/// Returns the one value of a header that must be present.
pub(crate) fn required_value<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Result<&'a str, VerifyError> {
    Ok(required_header(headers, name)?.1)
}

/// Does what [`required_value`] does and also returns the value itself.
pub(crate) fn required_header<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> Result<(&'a HeaderValue, &'a str), VerifyError> {
    single_header(headers, name)?.ok_or_else(|| VerifyError::MissingHeader { header: name.clone() })
}

/// Returns the text of a value that [`single_header`] accepted, trimmed the
/// same way.
pub(crate) fn trimmed_text(value: &HeaderValue) -> &str {
    value.to_str().unwrap_or_default().trim_matches([' ', '\t'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> HeaderName {
        HeaderName::from_static("x-test")
    }

    #[test]
    fn absent_and_empty_are_none() {
        let mut headers = HeaderMap::new();
        assert_eq!(single_value(&headers, &name()), Ok(None));
        headers.insert(name(), HeaderValue::from_static("  "));
        assert_eq!(single_value(&headers, &name()), Ok(None));
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        let mut headers = HeaderMap::new();
        headers.insert(name(), HeaderValue::from_static(" \t12 3\t "));
        assert_eq!(single_value(&headers, &name()), Ok(Some("12 3")));
    }

    #[test]
    fn repeated_header_is_rejected() {
        let mut headers = HeaderMap::new();
        headers.append(name(), HeaderValue::from_static("1"));
        headers.append(name(), HeaderValue::from_static("1"));
        assert_eq!(
            single_value(&headers, &name()),
            Err(VerifyError::DuplicateHeader { header: name() })
        );
    }

    #[test]
    fn non_ascii_value_is_rejected() {
        let mut headers = HeaderMap::new();
        headers.insert(name(), HeaderValue::from_bytes("한글".as_bytes()).unwrap());
        assert_eq!(
            single_value(&headers, &name()),
            Err(VerifyError::NonAsciiHeader { header: name() })
        );
    }
}
