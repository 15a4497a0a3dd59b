//! The service that signs outgoing requests.

use std::task::{Context, Poll};

use bytes::Bytes;
use http::Request;
use http_body::Body;
use http_body_util::{BodyExt, Full, Limited};
use tower_service::Service;

use crate::sign_future::SignFuture;
use crate::verifier::declared_length;
use crate::{BoxError, HmacSigner, SignError};

/// Middleware that buffers an outgoing request's body, signs it and passes
/// the request on with the same bytes, or fails with [`SignError`].
///
/// Build it with [`crate::HmacSignLayer`].
#[derive(Debug, Clone)]
pub struct HmacSign<S> {
    inner: S,
    signer: HmacSigner,
    body_limit: usize,
}

impl<S> HmacSign<S> {
    /// Wraps `inner`, signing with `signer` and reading at most `body_limit`
    /// bytes of each body.
    pub fn new(inner: S, signer: HmacSigner, body_limit: usize) -> Self {
        Self {
            inner,
            signer,
            body_limit,
        }
    }

    /// Returns a reference to the inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Returns a mutable reference to the inner service.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Returns the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, B> Service<Request<B>> for HmacSign<S>
where
    S: Service<Request<Full<Bytes>>> + Clone,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = SignFuture<S, B>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The ready service goes into the future and an unpolled clone stays,
        // so the one that `poll_ready` prepared is the one that is called.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let limit = self.body_limit;

        let (parts, body) = request.into_parts();
        let declared = declared_length(&parts.headers);
        let lower_bound = body.size_hint().lower();
        let over_limit = |length: u64| usize::try_from(length).map_or(true, |length| length > limit);
        if declared.is_some_and(over_limit) || over_limit(lower_bound) {
            tracing::debug!(
                limit,
                ?declared,
                "request body is over the signing limit; not sending it"
            );
            return SignFuture::failed(SignError::BodyTooLarge { limit });
        }

        let reading = Limited::new(body, limit).collect();
        SignFuture::reading(reading, parts, inner, self.signer.clone(), limit)
    }
}
