//! The responses sent for rejected requests.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;

use crate::VerifyError;

/// Builds the response for a rejected request.
///
/// Closures `Fn(&VerifyError) -> Response<Full<Bytes>>` implement it, so a
/// service that wants a generic body for every failure can write:
///
/// ```
/// use bytes::Bytes;
/// use http::{Response, StatusCode};
/// use http_body_util::Full;
/// use tower_hmac::{HmacSecret, HmacVerifyLayer, VerifyError};
///
/// let layer = HmacVerifyLayer::new(HmacSecret::generate()).rejection(|error: &VerifyError| {
///     let mut response = Response::new(Full::new(Bytes::from_static(b"denied")));
///     *response.status_mut() = error.status();
///     response
/// });
/// ```
pub trait Rejection: Send + Sync + 'static {
    /// Returns the response to send for `error`.
    fn respond(&self, error: &VerifyError) -> Response<Full<Bytes>>;
}

impl<F> Rejection for F
where
    F: Fn(&VerifyError) -> Response<Full<Bytes>> + Send + Sync + 'static,
{
    fn respond(&self, error: &VerifyError) -> Response<Full<Bytes>> {
        self(error)
    }
}

/// The default rejection: the error's status, a JSON body
/// `{"detail":"..."}` as Django REST framework writes it, and on 401 a
/// `WWW-Authenticate: HMAC` challenge.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonRejection;

impl Rejection for JsonRejection {
    fn respond(&self, error: &VerifyError) -> Response<Full<Bytes>> {
        // Details are fixed ASCII strings without quotes or backslashes, so
        // they need no JSON escaping. A unit test checks every variant.
        let body = format!("{{\"detail\":\"{}\"}}", error.detail());
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = error.status();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if error.status() == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("HMAC"));
        }
        response
    }
}

/// A shared, type-erased [`Rejection`].
#[derive(Clone)]
pub(crate) struct SharedRejection(pub(crate) Arc<dyn Rejection>);

impl fmt::Debug for SharedRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedRejection")
    }
}

impl SharedRejection {
    /// Logs the rejection once and builds its response.
    pub(crate) fn reject(&self, error: &VerifyError) -> Response<Full<Bytes>> {
        let status = error.status().as_u16();
        if error.status().is_server_error() {
            tracing::warn!(status, %error, "request rejected");
        } else {
            tracing::debug!(status, %error, "request rejected");
        }
        self.0.respond(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderName;

    fn all_errors() -> Vec<VerifyError> {
        let header = HeaderName::from_static("x-hmac-signature");
        vec![
            VerifyError::MissingHeader {
                header: header.clone(),
            },
            VerifyError::DuplicateHeader {
                header: header.clone(),
            },
            VerifyError::NonAsciiHeader { header },
            VerifyError::InvalidTimestamp,
            VerifyError::TimestampTooOld {
                age_seconds: 61,
                window_seconds: 60,
            },
            VerifyError::TimestampInFuture {
                ahead_seconds: 61,
                window_seconds: 60,
            },
            VerifyError::MalformedSignature,
            VerifyError::SignatureMismatch,
            VerifyError::MissingKeyId,
            VerifyError::InvalidKeyId,
            VerifyError::UnknownKeyId,
            VerifyError::EndpointNotAllowed { key_id: "a".into() },
            VerifyError::MissingNonce,
            VerifyError::InvalidNonce,
            VerifyError::Replayed,
            VerifyError::ReplayStoreUnavailable {
                reason: "down".into(),
            },
            VerifyError::ReplayStoreFull,
            VerifyError::KeyProviderUnavailable {
                reason: "down".into(),
            },
            VerifyError::AmbiguousScheme,
            VerifyError::InvalidMessageId,
            VerifyError::InvalidSignatureInput,
            VerifyError::SignatureLabelNotFound,
            VerifyError::MissingCoveredComponent {
                component: "@path".into(),
            },
            VerifyError::MissingSignedComponent {
                component: "date".into(),
            },
            VerifyError::AlgorithmNotAllowed,
            VerifyError::TagNotAllowed,
            VerifyError::SignatureExpired,
            VerifyError::InvalidContentDigest,
            VerifyError::ContentDigestMismatch,
            VerifyError::ContentDigestNotCovered,
            VerifyError::BodyTooLarge { limit: 1 },
            VerifyError::BodyRead {
                reason: "reset".into(),
            },
        ]
    }

    #[test]
    fn details_need_no_json_escaping() {
        for error in all_errors() {
            let detail = error.detail();
            assert!(
                detail
                    .bytes()
                    .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\'),
                "{detail:?}"
            );
        }
    }

    #[test]
    fn default_response_status_and_headers() {
        for error in all_errors() {
            let response = JsonRejection.respond(&error);
            assert_eq!(response.status(), error.status());
            assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
            assert_eq!(
                response.headers().contains_key(WWW_AUTHENTICATE),
                error.status() == StatusCode::UNAUTHORIZED,
                "{error:?}"
            );
        }
    }
}
