//! The layer that signs outgoing requests with [`HmacSign`].
//!
//! A tower based HTTP client wrapped in [`HmacSignLayer`] signs every
//! request it sends. The layer reads the body into memory, signs exactly
//! those bytes and sends them on as a [`http_body_util::Full`] body with a
//! matching `Content-Length`. A body over the limit (2 MiB by default) is
//! never sent: the call fails with [`SignError::BodyTooLarge`] before the
//! inner client sees the request.
//!
//! Errors reach the caller as [`BoxError`](crate::BoxError). Signing
//! failures downcast to [`SignError`]; anything else comes from the inner
//! client.
//!
//! # Examples
//!
//! A request within the limit reaches the inner client signed:
//!
//! ```
//! use bytes::Bytes;
//! use http::{Request, Response};
//! use http_body_util::Full;
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//! use tower_hmac::{HmacSecret, HmacSignLayer, HmacSigner};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let signer = HmacSigner::new(HmacSecret::from_utf8("test-secret")?);
//! let client = ServiceBuilder::new()
//!     .layer(HmacSignLayer::new(signer))
//!     .service(service_fn(|request: Request<Full<Bytes>>| async move {
//!         let signed = request.headers().contains_key("x-hmac-signature");
//!         Ok::<_, std::convert::Infallible>(Response::new(signed))
//!     }));
//!
//! let request = Request::post("http://127.0.0.1/v1/infer").body(Full::new(Bytes::from("{}")))?;
//! let response = client.oneshot(request).await?;
//! assert!(response.into_body());
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! # }).unwrap();
//! ```
//!
//! A body over the limit fails without calling the inner client:
//!
//! ```
//! use bytes::Bytes;
//! use http::{Request, Response};
//! use http_body_util::Full;
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//! use tower_hmac::{HmacSecret, HmacSignLayer, HmacSigner, SignError};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let signer = HmacSigner::new(HmacSecret::from_utf8("test-secret")?);
//! let client = ServiceBuilder::new()
//!     .layer(HmacSignLayer::new(signer).body_limit(4))
//!     .service(service_fn(|_: Request<Full<Bytes>>| async move {
//!         panic!("the inner client must not be called");
//!         #[allow(unreachable_code)]
//!         Ok::<_, std::convert::Infallible>(Response::new(()))
//!     }));
//!
//! let request = Request::post("http://127.0.0.1/").body(Full::new(Bytes::from("12345")))?;
//! let error = client.oneshot(request).await.unwrap_err();
//! assert!(matches!(
//!     error.downcast_ref::<SignError>(),
//!     Some(SignError::BodyTooLarge { limit: 4 })
//! ));
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! # }).unwrap();
//! ```

use tower_layer::Layer;

use crate::{HmacSign, HmacSigner, DEFAULT_BODY_LIMIT};

/// Layer that signs every outgoing request before the inner client sends it.
#[derive(Debug, Clone)]
pub struct HmacSignLayer {
    signer: HmacSigner,
    body_limit: usize,
}

impl HmacSignLayer {
    /// Creates a layer that signs with `signer` and reads bodies of up to
    /// 2 MiB, the same default limit as the verifier.
    pub fn new(signer: HmacSigner) -> Self {
        Self {
            signer,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// Sets the maximum body size, in bytes. A larger body fails with
    /// [`crate::SignError::BodyTooLarge`] and is not sent.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Returns the signer.
    pub fn signer(&self) -> &HmacSigner {
        &self.signer
    }
}

impl<S> Layer<S> for HmacSignLayer {
    type Service = HmacSign<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HmacSign::new(inner, self.signer.clone(), self.body_limit)
    }
}
