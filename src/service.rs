//! The middleware service.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{Either, Full};
use tower_service::Service;

use crate::future::ResponseFuture;
use crate::response::SharedRejection;
use crate::verifier::declared_length;
use crate::{BoxError, HmacVerifier, VerifyError};

/// Middleware that rejects requests whose HMAC signature, timestamp or body
/// size fails the checks with `401`, `413` or `400`, and passes the rest on
/// with their body buffered in memory.
#[derive(Clone)]
pub struct HmacVerify<S> {
    inner: S,
    checks: Arc<Checks>,
}

impl<S: fmt::Debug> fmt::Debug for HmacVerify<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacVerify")
            .field("inner", &self.inner)
            .field("verifier", &self.checks.verifier)
            .field("rejection", &self.checks.rejection)
            .finish()
    }
}

/// The verifier and the rejection, behind one reference count, so that a
/// request's future takes a single count rather than one for each.
#[derive(Debug)]
pub(crate) struct Checks {
    pub(crate) verifier: HmacVerifier,
    pub(crate) rejection: SharedRejection,
}

impl<S> HmacVerify<S> {
    pub(crate) fn new(inner: S, verifier: HmacVerifier, rejection: SharedRejection) -> Self {
        Self {
            inner,
            checks: Arc::new(Checks { verifier, rejection }),
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

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for HmacVerify<S>
where
    S: Service<Request<Full<Bytes>>, Response = Response<ResBody>> + Clone + Send + 'static,
    ReqBody: http_body::Body + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Into<BoxError>,
{
    type Response = Response<Either<Full<Bytes>, ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S, S::Future, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The checks that need no body run now, so a request with bad headers
        // is rejected without reading a byte of its body.
        let Checks { verifier, rejection } = &*self.checks;
        let now = verifier.now();
        let checked = match verifier.check_headers(request.method(), request.uri(), request.headers(), now) {
            Ok(checked) => checked,
            Err(error) => return ResponseFuture::rejected(rejection.reject(&error)),
        };
        let limit = verifier.body_limit();
        let declared = declared_length(request.headers());
        if declared.is_some_and(|length| length > limit as u64) {
            let error = VerifyError::BodyTooLarge { limit };
            return ResponseFuture::rejected(rejection.reject(&error));
        }

        // The service that poll_ready saw ready is the one that must be
        // called, so it moves into the future and a clone takes its place.
        let clone = self.inner.clone();
        let ready_inner = std::mem::replace(&mut self.inner, clone);

        let lookup = verifier.look_up_key(checked, now);
        ResponseFuture::verifying(request, declared, lookup, Arc::clone(&self.checks), ready_inner)
    }
}
