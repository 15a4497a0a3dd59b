//! Reading the request body under a size limit in one pass.

use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use http_body::Body;
use http_body_util::{LengthLimitError, Limited};
use pin_project_lite::pin_project;

use crate::{BoxError, VerifyError};

pin_project! {
    /// A body being read to its end under a size limit.
    ///
    /// A body that arrives as one chunk is returned without copying. Several
    /// chunks are copied once into a buffer sized from the declared
    /// `Content-Length` when it is known.
    pub(crate) struct LimitedRead<B> {
        #[pin]
        body: Limited<B>,
        limit: usize,
        declared_length: Option<u64>,
        first: Option<Bytes>,
        gathered: Option<BytesMut>,
    }
}

impl<B> LimitedRead<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    /// Starts reading `body`, which may hold at most `limit` bytes.
    pub(crate) fn new(body: B, limit: usize, declared_length: Option<u64>) -> Self {
        Self {
            body: Limited::new(body, limit),
            limit,
            declared_length,
            first: None,
            gathered: None,
        }
    }

    /// Polls the body to its end, handing each data chunk to `on_chunk` as
    /// it arrives so a MAC can be computed without a second pass.
    ///
    /// # Errors
    ///
    /// Returns [`VerifyError::BodyTooLarge`] as soon as more than `limit`
    /// bytes arrive, and [`VerifyError::BodyRead`] when the body reports an
    /// error.
    pub(crate) fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut on_chunk: impl FnMut(&[u8]),
    ) -> Poll<Result<Bytes, VerifyError>> {
        let mut this = self.project();
        while let Some(frame) = ready!(this.body.as_mut().poll_frame(cx)) {
            let frame = frame.map_err(|error| classify(error, *this.limit))?;
            let Ok(mut data) = frame.into_data() else {
                // Trailers carry no body bytes and are not signed.
                continue;
            };
            let chunk = data.copy_to_bytes(data.remaining());
            if chunk.is_empty() {
                continue;
            }
            on_chunk(&chunk);

            match (&mut *this.first, &mut *this.gathered) {
                (None, _) => *this.first = Some(chunk),
                (Some(head), None) => {
                    let capacity = this
                        .declared_length
                        .and_then(|declared| usize::try_from(declared).ok())
                        .unwrap_or(0)
                        .clamp(head.len() + chunk.len(), *this.limit);
                    let mut buffer = BytesMut::with_capacity(capacity);
                    buffer.extend_from_slice(head);
                    buffer.extend_from_slice(&chunk);
                    *this.gathered = Some(buffer);
                    // Release the first chunk now rather than at the end,
                    // because it may share hyper's read buffer, which hyper
                    // can reuse for the next reads only once no chunk points
                    // into it.
                    *head = Bytes::new();
                }
                (Some(_), Some(buffer)) => buffer.extend_from_slice(&chunk),
            }
        }

        let bytes = match (this.first.take(), this.gathered.take()) {
            (_, Some(buffer)) => buffer.freeze(),
            (Some(single), None) => single,
            (None, None) => Bytes::new(),
        };
        Poll::Ready(Ok(bytes))
    }
}

fn classify(error: BoxError, limit: usize) -> VerifyError {
    if error.downcast_ref::<LengthLimitError>().is_some() {
        VerifyError::BodyTooLarge { limit }
    } else {
        VerifyError::BodyRead {
            reason: error.to_string(),
        }
    }
}
