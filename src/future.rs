//! The response future of [`crate::HmacVerify`].

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{Either, Full};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::response::SharedRejection;
use crate::VerifyError;

/// Future that reads and verifies the body, then yields the request for the
/// inner service.
pub(crate) type Verification =
    Pin<Box<dyn Future<Output = Result<Request<Full<Bytes>>, VerifyError>> + Send>>;

pin_project! {
    /// Response future of [`crate::HmacVerify`].
    pub struct ResponseFuture<S, F> {
        #[pin]
        state: State<S, F>,
    }
}

pin_project! {
    #[project = StateProjection]
    enum State<S, F> {
        Rejected {
            response: Option<Response<Full<Bytes>>>,
        },
        Verifying {
            verification: Verification,
            inner: Option<S>,
            rejection: SharedRejection,
        },
        Calling {
            #[pin]
            future: F,
        },
    }
}

impl<S, F> ResponseFuture<S, F> {
    pub(crate) fn rejected(response: Response<Full<Bytes>>) -> Self {
        Self {
            state: State::Rejected {
                response: Some(response),
            },
        }
    }

    pub(crate) fn verifying(verification: Verification, inner: S, rejection: SharedRejection) -> Self {
        Self {
            state: State::Verifying {
                verification,
                inner: Some(inner),
                rejection,
            },
        }
    }
}

impl<S, F, ResBody, E> Future for ResponseFuture<S, F>
where
    S: Service<Request<Full<Bytes>>, Response = Response<ResBody>, Error = E, Future = F>,
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<Either<Full<Bytes>, ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            match state.as_mut().project() {
                StateProjection::Rejected { response } => {
                    let response = response.take().expect("polled after completion");
                    return Poll::Ready(Ok(response.map(Either::Left)));
                }
                StateProjection::Verifying {
                    verification,
                    inner,
                    rejection,
                } => match ready!(verification.as_mut().poll(cx)) {
                    Ok(request) => {
                        let mut service = inner.take().expect("polled after completion");
                        let future = service.call(request);
                        state.set(State::Calling { future });
                    }
                    Err(error) => {
                        let response = rejection.reject(&error);
                        return Poll::Ready(Ok(response.map(Either::Left)));
                    }
                },
                StateProjection::Calling { future } => {
                    let response = ready!(future.poll(cx))?;
                    return Poll::Ready(Ok(response.map(Either::Right)));
                }
            }
        }
    }
}
