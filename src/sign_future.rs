//! The response future of [`crate::HmacSign`].

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use http::request::Parts;
use http::{HeaderValue, Request};
use http_body::Body;
use http_body_util::combinators::Collect;
use http_body_util::{Full, LengthLimitError, Limited};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::{BoxError, HmacSigner, SignError};

pin_project! {
    /// Response future of [`crate::HmacSign`]: reads the body, signs it,
    /// then waits for the inner service.
    pub struct SignFuture<S, B>
    where
        S: Service<Request<Full<Bytes>>>,
        B: Body,
        B::Error: Into<BoxError>,
    {
        #[pin]
        state: State<S, B>,
    }
}

pin_project! {
    #[project = StateProjection]
    enum State<S, B>
    where
        S: Service<Request<Full<Bytes>>>,
        B: Body,
        B::Error: Into<BoxError>,
    {
        Failed {
            error: Option<SignError>,
        },
        Reading {
            #[pin]
            reading: Collect<Limited<B>>,
            pending: Option<Pending<S>>,
        },
        Calling {
            #[pin]
            future: S::Future,
        },
    }
}

/// The request parts and inner service kept until the body has been read.
struct Pending<S> {
    parts: Parts,
    inner: S,
    signer: HmacSigner,
    limit: usize,
}

impl<S, B> SignFuture<S, B>
where
    S: Service<Request<Full<Bytes>>>,
    B: Body,
    B::Error: Into<BoxError>,
{
    pub(crate) fn failed(error: SignError) -> Self {
        Self {
            state: State::Failed { error: Some(error) },
        }
    }

    pub(crate) fn reading(
        reading: Collect<Limited<B>>,
        parts: Parts,
        inner: S,
        signer: HmacSigner,
        limit: usize,
    ) -> Self {
        Self {
            state: State::Reading {
                reading,
                pending: Some(Pending {
                    parts,
                    inner,
                    signer,
                    limit,
                }),
            },
        }
    }
}

impl<S, B> Future for SignFuture<S, B>
where
    S: Service<Request<Full<Bytes>>>,
    S::Error: Into<BoxError>,
    B: Body,
    B::Error: Into<BoxError>,
{
    type Output = Result<S::Response, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            match state.as_mut().project() {
                StateProjection::Failed { error } => {
                    let error = error.take().expect("SignFuture polled after completion");
                    return Poll::Ready(Err(error.into()));
                }
                StateProjection::Reading { reading, pending } => {
                    let collected = ready!(reading.poll(cx));
                    let pending = pending.take().expect("SignFuture polled after completion");
                    let body = match collected {
                        Ok(collected) => collected.to_bytes(),
                        Err(error) => return Poll::Ready(Err(classify(error, pending.limit).into())),
                    };
                    let future = match pending.send(body) {
                        Ok(future) => future,
                        Err(error) => return Poll::Ready(Err(error.into())),
                    };
                    state.set(State::Calling { future });
                }
                StateProjection::Calling { future } => {
                    return future.poll(cx).map_err(Into::into);
                }
            }
        }
    }
}

impl<S: Service<Request<Full<Bytes>>>> Pending<S> {
    /// Signs `body`, puts the headers and a matching `Content-Length` on the
    /// request and calls the inner service with exactly those bytes.
    fn send(mut self, body: Bytes) -> Result<S::Future, SignError> {
        let headers = &mut self.parts.headers;
        // The body is now a known length, so a chunked encoding or a stale
        // length from the original request would misframe it on the wire.
        // This comes before signing because RFC 9421 may cover the length.
        headers.remove(TRANSFER_ENCODING);
        if !body.is_empty() || headers.contains_key(CONTENT_LENGTH) {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        self.signer
            .sign_parts(&self.parts.method, &self.parts.uri, headers, &body)?;

        let request = Request::from_parts(self.parts, Full::new(body));
        Ok(self.inner.call(request))
    }
}

fn classify(error: BoxError, limit: usize) -> SignError {
    if error.downcast_ref::<LengthLimitError>().is_some() {
        tracing::debug!(limit, "request body grew over the signing limit; not sending it");
        SignError::BodyTooLarge { limit }
    } else {
        SignError::BodyRead(error)
    }
}
