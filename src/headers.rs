//! Header names of the default scheme and single-value header access.

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

/// Returns the one value of `name` and its text, trimmed of surrounding
/// spaces and tabs.
///
/// Absent and empty values are `Ok(None)`. A header that appears twice is
/// rejected, because two values leave it ambiguous which one was signed.
/// Values with bytes outside visible ASCII, space and tab are rejected too.
pub(crate) fn single_header<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> Result<Option<(&'a HeaderValue, &'a str)>, VerifyError> {
    Occurrence::of(headers, name).text(name)
}

/// The number of values a request has for one header: none, one, or more.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Occurrence<'a> {
    Absent,
    Once(&'a HeaderValue),
    Repeated,
}

impl<'a> Occurrence<'a> {
    /// Looks `name` up in `headers`.
    pub(crate) fn of(headers: &'a HeaderMap, name: &HeaderName) -> Self {
        let mut occurrence = Self::Absent;
        for value in headers.get_all(name) {
            occurrence.add(value);
        }
        occurrence
    }

    fn add(&mut self, value: &'a HeaderValue) {
        *self = match self {
            Self::Absent => Self::Once(value),
            Self::Once(_) | Self::Repeated => Self::Repeated,
        };
    }

    /// Returns the value and its text trimmed of spaces and tabs, or
    /// `Ok(None)` when the header is absent or empty. A repeated header and a
    /// byte outside visible ASCII, space and tab are errors that name `name`.
    pub(crate) fn text(self, name: &HeaderName) -> Result<Option<(&'a HeaderValue, &'a str)>, VerifyError> {
        let Some(value) = self.value(name)? else {
            return Ok(None);
        };
        let text = ascii_text(value).ok_or_else(|| VerifyError::NonAsciiHeader { header: name.clone() })?;
        Ok((!text.is_empty()).then_some((value, text)))
    }

    /// Returns the value's bytes, trimmed of spaces and tabs like
    /// [`Occurrence::text`], with no check that they are text.
    ///
    /// This suits a value whose own decoding rejects all but a few ASCII
    /// characters, such as a hex signature, where a text check first would
    /// read the value twice. Such a caller checks [`is_visible_text`] only
    /// when decoding fails.
    pub(crate) fn bytes(self, name: &HeaderName) -> Result<Option<&'a [u8]>, VerifyError> {
        let Some(value) = self.value(name)? else {
            return Ok(None);
        };
        let bytes = trim_spaces_and_tabs(value.as_bytes());
        Ok((!bytes.is_empty()).then_some(bytes))
    }

    fn value(self, name: &HeaderName) -> Result<Option<&'a HeaderValue>, VerifyError> {
        match self {
            Self::Absent => Ok(None),
            Self::Once(value) => Ok(Some(value)),
            Self::Repeated => Err(VerifyError::DuplicateHeader { header: name.clone() }),
        }
    }
}

/// Finds each of `names` in one pass over `headers`.
///
/// A request has few headers, and comparing their names with the wanted
/// ones costs less than hashing each wanted name for a lookup of its own.
pub(crate) fn scan<'a, const N: usize>(
    headers: &'a HeaderMap,
    names: [&HeaderName; N],
) -> [Occurrence<'a>; N] {
    let mut found = [Occurrence::Absent; N];
    for (name, value) in headers {
        for (wanted, occurrence) in names.iter().zip(&mut found) {
            if name == *wanted {
                occurrence.add(value);
            }
        }
    }
    found
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
    ascii_text(value).unwrap_or_default()
}

/// Returns the value's text without surrounding spaces and tabs, or `None`
/// when it contains a byte outside visible ASCII, space and tab.
fn ascii_text(value: &HeaderValue) -> Option<&str> {
    // `to_str` admits no whitespace but spaces and tabs, so `trim_ascii`
    // removes only those.
    value.to_str().ok().map(str::trim_ascii)
}

/// Returns whether `bytes` are visible ASCII, spaces and tabs only, the
/// bytes that `HeaderValue::to_str` accepts.
pub(crate) fn is_visible_text(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&byte| byte == b'\t' || (b' '..=b'~').contains(&byte))
}

fn trim_spaces_and_tabs(bytes: &[u8]) -> &[u8] {
    let is_blank = |byte: &u8| *byte == b' ' || *byte == b'\t';
    let start = bytes
        .iter()
        .position(|byte| !is_blank(byte))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|byte| !is_blank(byte))
        .map_or(start, |last| last + 1);
    &bytes[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> HeaderName {
        HeaderName::from_static("x-test")
    }

    fn single_value<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Result<Option<&'a str>, VerifyError> {
        Ok(single_header(headers, name)?.map(|(_, text)| text))
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

    #[test]
    fn scan_finds_each_name() {
        let mut headers = HeaderMap::new();
        headers.insert("x-first", HeaderValue::from_static("1"));
        headers.insert(http::header::HOST, HeaderValue::from_static("example"));
        headers.insert(name(), HeaderValue::from_static(" 2 "));
        let first = HeaderName::from_static("x-first");
        let absent = HeaderName::from_static("x-absent");

        let [test, missing, found_first] = scan(&headers, [&name(), &absent, &first]);

        assert_eq!(test.text(&name()).unwrap().map(|(_, text)| text), Some("2"));
        assert!(matches!(missing, Occurrence::Absent));
        assert_eq!(found_first.bytes(&first), Ok(Some(&b"1"[..])));
    }

    #[test]
    fn scan_reports_a_repeated_name() {
        let mut headers = HeaderMap::new();
        headers.append(name(), HeaderValue::from_static("1"));
        headers.insert("x-other", HeaderValue::from_static("3"));
        headers.append(name(), HeaderValue::from_static("2"));

        let [test] = scan(&headers, [&name()]);

        assert_eq!(
            test.bytes(&name()),
            Err(VerifyError::DuplicateHeader { header: name() })
        );
    }

    #[test]
    fn bytes_are_trimmed_but_not_checked_as_text() {
        let mut headers = HeaderMap::new();
        headers.insert(name(), HeaderValue::from_bytes(b"\t\xffab ").unwrap());

        let occurrence = Occurrence::of(&headers, &name());

        assert_eq!(occurrence.bytes(&name()), Ok(Some(&b"\xffab"[..])));
        assert_eq!(
            occurrence.text(&name()),
            Err(VerifyError::NonAsciiHeader { header: name() })
        );
    }

    #[test]
    fn trim_keeps_control_bytes() {
        assert_eq!(trim_spaces_and_tabs(b" \t\x0cab\r\t "), b"\x0cab\r");
        assert_eq!(trim_spaces_and_tabs(b" \t "), b"");
        assert_eq!(trim_spaces_and_tabs(b"a b"), b"a b");
    }

    #[test]
    fn visible_text_agrees_with_to_str() {
        for byte in 0..=u8::MAX {
            let expected = HeaderValue::from_bytes(&[byte]).is_ok_and(|value| value.to_str().is_ok());
            assert_eq!(is_visible_text(&[byte]), expected, "byte {byte:#04x}");
        }
    }
}
