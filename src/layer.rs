//! The layer that wraps services in [`HmacVerify`].

use std::sync::Arc;

use tower_layer::Layer;

use crate::response::{JsonRejection, Rejection, SharedRejection};
use crate::{HmacSecret, HmacVerifier, HmacVerify};

/// Layer that verifies the HMAC signature of every request before the inner
/// service is called.
///
/// See the [crate documentation](crate) for the checks and responses.
#[derive(Debug, Clone)]
pub struct HmacVerifyLayer {
    verifier: HmacVerifier,
    rejection: SharedRejection,
}

impl HmacVerifyLayer {
    /// Creates a layer that verifies with one secret and the default settings.
    pub fn new(secret: HmacSecret) -> Self {
        Self::from_verifier(HmacVerifier::new(secret))
    }

    /// Creates a layer around a configured verifier.
    pub fn from_verifier(verifier: HmacVerifier) -> Self {
        Self {
            verifier,
            rejection: SharedRejection(Arc::new(JsonRejection)),
        }
    }

    /// Replaces the response sent for rejected requests.
    pub fn rejection(mut self, rejection: impl Rejection) -> Self {
        self.rejection = SharedRejection(Arc::new(rejection));
        self
    }

    /// Returns the verifier.
    pub fn verifier(&self) -> &HmacVerifier {
        &self.verifier
    }
}

impl<S> Layer<S> for HmacVerifyLayer {
    type Service = HmacVerify<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HmacVerify::new(inner, self.verifier.clone(), self.rejection.clone())
    }
}
