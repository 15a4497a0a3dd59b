//! The verified caller, put into request extensions for handlers.

use std::sync::Arc;

/// The caller whose signature verified, found in the extensions of every
/// request that [`crate::HmacVerifyLayer`] lets through.
///
/// With the `axum` feature it is also an extractor:
///
/// ```
/// use tower_hmac::VerifiedCaller;
///
/// async fn handler(caller: VerifiedCaller) -> String {
///     format!("hello, {}", caller.key_id())
/// }
/// # let _ = axum::Router::<()>::new().route("/", axum::routing::post(handler));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VerifiedCaller {
    key_id: Arc<str>,
    secret_label: Arc<str>,
}

impl VerifiedCaller {
    pub(crate) fn new(key_id: Arc<str>, secret_label: Arc<str>) -> Self {
        Self { key_id, secret_label }
    }

    /// Returns the key id of the caller, such as `billing-service`, or
    /// `default` for a single-secret verifier.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Returns the key id as a shared string, for holding past `self`.
    pub(crate) fn key_id_arc(&self) -> Arc<str> {
        Arc::clone(&self.key_id)
    }

    /// Returns the label of the secret that matched, which tells which side
    /// of a key rotation the caller is on.
    pub fn secret_label(&self) -> &str {
        &self.secret_label
    }
}

#[cfg(feature = "axum")]
mod extract {
    use axum::extract::FromRequestParts;
    use axum::http::request::Parts;
    use axum::http::StatusCode;

    use super::VerifiedCaller;

    /// Message of the 500 returned when a handler extracts the caller on a
    /// route that the layer does not cover, which is a server bug.
    const MISSING_LAYER: &str =
        "VerifiedCaller extractor used on a route without HmacVerifyLayer; add the layer to this route";

    impl<S: Send + Sync> FromRequestParts<S> for VerifiedCaller {
        type Rejection = (StatusCode, &'static str);

        async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
            parts.extensions.get::<VerifiedCaller>().cloned().ok_or_else(|| {
                tracing::error!("{MISSING_LAYER}");
                (StatusCode::INTERNAL_SERVER_ERROR, MISSING_LAYER)
            })
        }
    }
}
