//! Reading the request body under a size limit in one pass.

use bytes::{Buf, Bytes, BytesMut};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::{BoxError, VerifyError};

/// Reads `body` to its end, handing each data chunk to `on_chunk` as it
/// arrives so a MAC can be computed without a second pass.
///
/// A body that arrives as one chunk is returned without copying. Several
/// chunks are copied once into a buffer sized from `size_hint` (the declared
/// `Content-Length`) when it is known.
///
/// # Errors
///
/// Returns [`VerifyError::BodyTooLarge`] as soon as more than `limit` bytes
/// arrive, and [`VerifyError::BodyRead`] when the body reports an error.
pub(crate) async fn read_limited<B>(
    body: B,
    limit: usize,
    size_hint: Option<u64>,
    mut on_chunk: impl FnMut(&[u8]),
) -> Result<Bytes, VerifyError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let mut body = std::pin::pin!(Limited::new(body, limit));
    let mut first: Option<Bytes> = None;
    let mut gathered: Option<BytesMut> = None;

    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| classify(error, limit))?;
        let Ok(mut data) = frame.into_data() else {
            // Trailers carry no body bytes and are not signed.
            continue;
        };
        let chunk = data.copy_to_bytes(data.remaining());
        if chunk.is_empty() {
            continue;
        }
        on_chunk(&chunk);

        match (&mut first, &mut gathered) {
            (None, _) => first = Some(chunk),
            (Some(head), None) => {
                let capacity = size_hint
                    .and_then(|declared| usize::try_from(declared).ok())
                    .unwrap_or(0)
                    .clamp(head.len() + chunk.len(), limit);
                let mut buffer = BytesMut::with_capacity(capacity);
                buffer.extend_from_slice(head);
                buffer.extend_from_slice(&chunk);
                gathered = Some(buffer);
                // Release the first chunk now rather than at the end: it may
                // share hyper's read buffer, which hyper can reuse for the
                // next reads only once no chunk points into it.
                *head = Bytes::new();
            }
            (Some(_), Some(buffer)) => buffer.extend_from_slice(&chunk),
        }
    }

    Ok(match (first, gathered) {
        (_, Some(buffer)) => buffer.freeze(),
        (Some(single), None) => single,
        (None, None) => Bytes::new(),
    })
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
