//! The response future of [`crate::HmacVerify`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use http::request::Parts;
use http::{Request, Response};
use http_body::Body;
use http_body_util::{Either, Full};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::body::LimitedRead;
use crate::service::Checks;
use crate::verifier::{KeyLookup, PendingMacs, ReplayCheck};
use crate::{BoxError, VerifyError};

pin_project! {
    /// Response future of [`crate::HmacVerify`].
    ///
    /// It reads the body in place, with no boxed future. Only a
    /// [`crate::KeyProvider`] lookup and a replay store check are boxed,
    /// because they wait on something other than the body.
    pub struct ResponseFuture<S, F, B> {
        #[pin]
        state: State<S, F, B>,
    }
}

/// The checks and the inner service, used once the body is read.
struct Next<S> {
    checks: Arc<Checks>,
    inner: S,
}

pin_project! {
    #[project = StateProjection]
    enum State<S, F, B> {
        Rejected {
            response: Option<Response<Full<Bytes>>>,
        },
        LookingUpKey {
            lookup: Pin<Box<dyn Future<Output = Result<PendingMacs, VerifyError>> + Send>>,
            request: Option<Request<B>>,
            declared_length: Option<u64>,
            next: Option<Next<S>>,
        },
        Reading {
            #[pin]
            body: LimitedRead<B>,
            pending: Option<PendingMacs>,
            parts: Option<Parts>,
            next: Option<Next<S>>,
        },
        CheckingReplay {
            replay_check: ReplayCheck,
            request: Option<Request<Full<Bytes>>>,
            next: Option<Next<S>>,
        },
        Calling {
            #[pin]
            future: F,
        },
    }
}

impl<S, F, B> ResponseFuture<S, F, B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    pub(crate) fn rejected(response: Response<Full<Bytes>>) -> Self {
        Self {
            state: State::Rejected {
                response: Some(response),
            },
        }
    }

    /// Starts verifying `request`, whose headers passed, with the key
    /// lookup already started. `declared_length` is its `Content-Length`.
    pub(crate) fn verifying(
        request: Request<B>,
        declared_length: Option<u64>,
        lookup: KeyLookup,
        checks: Arc<Checks>,
        inner: S,
    ) -> Self {
        let next = Next { checks, inner };
        let state = match lookup {
            KeyLookup::Ready(pending) => State::reading(request, declared_length, pending, next),
            KeyLookup::Pending(lookup) => State::LookingUpKey {
                lookup,
                request: Some(request),
                declared_length,
                next: Some(next),
            },
        };
        Self { state }
    }
}

impl<S, F, B> State<S, F, B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    fn reading(
        request: Request<B>,
        declared_length: Option<u64>,
        pending: PendingMacs,
        next: Next<S>,
    ) -> Self {
        let (parts, body) = request.into_parts();
        let limit = next.checks.verifier.body_limit();
        State::Reading {
            body: LimitedRead::new(body, limit, declared_length),
            pending: Some(pending),
            parts: Some(parts),
            next: Some(next),
        }
    }
}

const POLLED_AFTER_COMPLETION: &str = "ResponseFuture polled after completion";

impl<S, F, B, ResBody, E> Future for ResponseFuture<S, F, B>
where
    S: Service<Request<Full<Bytes>>, Response = Response<ResBody>, Error = E, Future = F>,
    F: Future<Output = Result<Response<ResBody>, E>>,
    B: Body,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<Either<Full<Bytes>, ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            let following = match state.as_mut().project() {
                StateProjection::Rejected { response } => {
                    let response = response.take().expect(POLLED_AFTER_COMPLETION);
                    return Poll::Ready(Ok(response.map(Either::Left)));
                }
                StateProjection::LookingUpKey {
                    lookup,
                    request,
                    declared_length,
                    next,
                } => {
                    let result = ready!(lookup.as_mut().poll(cx));
                    let next = next.take().expect(POLLED_AFTER_COMPLETION);
                    match result {
                        Ok(pending) => {
                            let request = request.take().expect(POLLED_AFTER_COMPLETION);
                            State::reading(request, *declared_length, pending, next)
                        }
                        Err(error) => reject(&next, &error),
                    }
                }
                StateProjection::Reading {
                    body,
                    pending,
                    parts,
                    next,
                } => {
                    let macs = pending.as_mut().expect(POLLED_AFTER_COMPLETION);
                    let result = ready!(body.poll_read(cx, |chunk| macs.update(chunk)));
                    let next = next.take().expect(POLLED_AFTER_COMPLETION);
                    let pending = pending.take().expect(POLLED_AFTER_COMPLETION);
                    let parts = parts.take().expect(POLLED_AFTER_COMPLETION);
                    match result {
                        Ok(bytes) => verified_request(parts, bytes, pending, next),
                        Err(error) => reject(&next, &error),
                    }
                }
                StateProjection::CheckingReplay {
                    replay_check,
                    request,
                    next,
                } => {
                    let result = ready!(replay_check.as_mut().poll(cx));
                    let mut next = next.take().expect(POLLED_AFTER_COMPLETION);
                    match result {
                        Ok(()) => {
                            let request = request.take().expect(POLLED_AFTER_COMPLETION);
                            State::Calling {
                                future: next.inner.call(request),
                            }
                        }
                        Err(error) => reject(&next, &error),
                    }
                }
                StateProjection::Calling { future } => {
                    let response = ready!(future.poll(cx))?;
                    return Poll::Ready(Ok(response.map(Either::Right)));
                }
            };
            state.set(following);
        }
    }
}

/// Checks the signature over the body read, then moves on to the replay
/// check or straight to the inner service.
fn verified_request<S, F, B>(
    mut parts: Parts,
    bytes: Bytes,
    pending: PendingMacs,
    mut next: Next<S>,
) -> State<S, F, B>
where
    S: Service<Request<Full<Bytes>>, Future = F>,
{
    let verifier = &next.checks.verifier;
    let verified = match verifier.check_signature(pending, &parts.method, parts.uri.path()) {
        Ok(verified) => verified,
        Err(error) => return reject(&next, &error),
    };
    let replay_check = verifier.replay_check(&verified);
    parts.extensions.insert(verified.caller);
    let request = Request::from_parts(parts, Full::new(bytes));

    match replay_check {
        Some(replay_check) => State::CheckingReplay {
            replay_check,
            request: Some(request),
            next: Some(next),
        },
        None => State::Calling {
            future: next.inner.call(request),
        },
    }
}

fn reject<S, F, B>(next: &Next<S>, error: &VerifyError) -> State<S, F, B> {
    State::Rejected {
        response: Some(next.checks.rejection.reject(error)),
    }
}
