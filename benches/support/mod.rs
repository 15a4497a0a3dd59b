//! Inputs and services shared by the in-process benchmarks.
//!
//! Every variant is an axum `Router` with one `POST /v1/infer` route whose
//! handler takes the body as `Bytes`, so the variants differ only in how the
//! request is verified. Each router is built with `with_state(())`, as
//! `axum::serve` builds it, so handlers and layers are set up once rather
//! than on every request:
//!
//! - `bare`: no verification, the cost of axum and the body alone;
//! - `tower_hmac`: the same route behind [`HmacVerifyLayer`];
//! - `naive_axum`: a handler that reads the headers and the body, then
//!   computes HMAC-SHA256 itself with the `hmac` crate;
//! - `standardwebhooks`: a handler that calls the `standardwebhooks` crate;
//! - `httpsig_hyper`: a handler that checks an RFC 9421 `hmac-sha256`
//!   signature over `@method`, `@path` and `content-digest` with the
//!   `httpsig-hyper` crate, then the SHA-256 `Content-Digest` of the body.
//!
//! `bare_service` and `verified_service` are the same comparison without
//! axum: a tower `service_fn` that reads the body, alone and behind the
//! layer, which shows the layer's own cost apart from axum's routing.

// Each bench binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Bytes;
use axum::extract::Request;
use axum::routing::post;
use axum::Router;
use hmac::Mac;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use http_body::{Frame, SizeHint};
use http_body_util::{BodyExt, Either, Empty, Full};
use tower::Layer;
use tower_hmac::{HmacSecret, HmacSha256, HmacSigner, HmacVerifier, HmacVerifyLayer, ManualClock};

/// Shared secret of every variant: 32 bytes, the recommended minimum.
pub const SECRET: &[u8; 32] = b"bench-secret-0123456789abcdef012";

/// Unix time, in seconds, at which the requests are signed. The verifiers of
/// this crate and of the naive handler read it as the current time, so the
/// inputs stay valid however long a run takes.
pub const SIGNED_AT: i64 = 1_700_000_000;

/// Body sizes of the comparison, in bytes.
pub const SIZES: [usize; 4] = [0, 1024, 64 * 1024, 1024 * 1024];

/// Chunk size of the chunked variants, in bytes: what hyper typically hands
/// over per read for a large upload on loopback.
pub const CHUNK_SIZE: usize = 16 * 1024;

/// Returns a human-readable label for a body size, such as `64KiB`.
pub fn size_label(size: usize) -> String {
    match size {
        0 => "0B".to_owned(),
        n if n % (1024 * 1024) == 0 => format!("{}MiB", n / (1024 * 1024)),
        n if n % 1024 == 0 => format!("{}KiB", n / 1024),
        n => format!("{n}B"),
    }
}

/// Returns a JSON object of exactly `size` ASCII bytes (an empty body for 0),
/// so peers that require UTF-8 accept it.
pub fn json_body(size: usize) -> Bytes {
    const HEAD: &str = r#"{"text":""#;
    const TAIL: &str = r#""}"#;
    if size < HEAD.len() + TAIL.len() {
        return Bytes::from(vec![b' '; size]);
    }
    let mut body = String::with_capacity(size);
    body.push_str(HEAD);
    let filler = size - HEAD.len() - TAIL.len();
    body.extend((0..filler).map(|i| char::from(b'a' + (i % 26) as u8)));
    body.push_str(TAIL);
    Bytes::from(body)
}

/// Request body that yields `rest` in chunks of at most `chunk_size` bytes
/// without allocating, with an exact size hint as hyper gives for a request
/// with `Content-Length`.
pub struct BenchBody {
    rest: Bytes,
    chunk_size: usize,
}

impl BenchBody {
    /// Creates a body that arrives as one chunk.
    pub fn whole(bytes: Bytes) -> Self {
        Self {
            rest: bytes,
            chunk_size: usize::MAX,
        }
    }

    /// Creates a body that arrives in chunks of `chunk_size` bytes.
    pub fn chunked(bytes: Bytes, chunk_size: usize) -> Self {
        Self {
            rest: bytes,
            chunk_size,
        }
    }
}

impl http_body::Body for BenchBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.rest.is_empty() {
            return Poll::Ready(None);
        }
        let length = self.chunk_size.min(self.rest.len());
        let chunk = self.rest.split_to(length);
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.rest.len() as u64)
    }
}

/// A signed request held as parts, cheap to rebuild on every iteration.
#[derive(Clone)]
pub struct SignedInput {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl SignedInput {
    /// Builds a `POST /v1/infer` request whose body arrives as one chunk.
    pub fn request(&self) -> http::Request<BenchBody> {
        self.build(BenchBody::whole(self.body.clone()))
    }

    /// Builds the same request with its body in chunks of [`CHUNK_SIZE`].
    pub fn chunked_request(&self) -> http::Request<BenchBody> {
        self.build(BenchBody::chunked(self.body.clone(), CHUNK_SIZE))
    }

    fn build(&self, body: BenchBody) -> http::Request<BenchBody> {
        let mut request = http::Request::new(body);
        *request.method_mut() = Method::POST;
        *request.uri_mut() = Uri::from_static("/v1/infer");
        *request.headers_mut() = self.headers.clone();
        request
    }
}

fn base_headers(body: &Bytes) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    headers
}

/// Returns `body` signed for this crate's scheme at [`SIGNED_AT`]. The bare
/// and naive variants use the same input.
pub fn tower_hmac_input(body: Bytes) -> SignedInput {
    let signer = HmacSigner::new(HmacSecret::from_bytes(SECRET.to_vec()).unwrap());
    let mut headers = base_headers(&body);
    signer.sign_at(SIGNED_AT, &body).apply(&mut headers);
    SignedInput { headers, body }
}

/// Returns `body` signed as a Standard Webhooks message at the current time,
/// because `standardwebhooks` reads the system clock and accepts five minutes
/// either way.
pub fn standardwebhooks_input(body: Bytes) -> SignedInput {
    let webhook = standardwebhooks::Webhook::from_bytes(SECRET.to_vec()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let message_id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
    let signature = webhook.sign(message_id, now, &body).unwrap();

    let mut headers = base_headers(&body);
    headers.insert("webhook-id", HeaderValue::from_static(message_id));
    headers.insert("webhook-timestamp", HeaderValue::from(now));
    headers.insert("webhook-signature", HeaderValue::try_from(signature).unwrap());
    SignedInput { headers, body }
}

/// Returns `body` with a SHA-256 `Content-Digest` and an RFC 9421
/// `hmac-sha256` signature made by `httpsig-hyper`.
pub async fn httpsig_input(body: Bytes) -> SignedInput {
    use httpsig_hyper::prelude::message_component::HttpMessageComponentId;
    use httpsig_hyper::prelude::HttpSignatureParams;
    use httpsig_hyper::{ContentDigestType, MessageSignatureReq, RequestContentDigest};

    let mut request = http::Request::new(Full::new(body.clone()));
    *request.method_mut() = Method::POST;
    *request.uri_mut() = Uri::from_static("/v1/infer");
    *request.headers_mut() = base_headers(&body);
    let mut request = request
        .set_content_digest(&ContentDigestType::Sha256)
        .await
        .unwrap();

    let components = ["@method", "@path", "content-digest"]
        .iter()
        .map(|name| HttpMessageComponentId::try_from(*name).unwrap())
        .collect::<Vec<_>>();
    let mut params = HttpSignatureParams::try_new(&components).unwrap();
    let key = httpsig_key();
    params.set_key_info(&key);
    request.set_message_signature(&params, &key, None).await.unwrap();

    SignedInput {
        headers: request.headers().clone(),
        body,
    }
}

fn httpsig_key() -> httpsig_hyper::prelude::SharedKey {
    use base64::Engine;
    use httpsig_hyper::prelude::{AlgorithmName, SharedKey};
    let encoded = base64::engine::general_purpose::STANDARD.encode(SECRET);
    SharedKey::from_base64(&AlgorithmName::HmacSha256, &encoded).unwrap()
}

async fn accept(body: Bytes) -> StatusCode {
    std::hint::black_box(body.len());
    StatusCode::OK
}

/// Returns the route with no verification.
pub fn bare_router() -> Router {
    Router::new().route("/v1/infer", post(accept)).with_state(())
}

/// Returns the verifier of the `tower_hmac` variant: one secret, and a clock
/// that reads [`SIGNED_AT`].
pub fn bench_verifier() -> HmacVerifier {
    HmacVerifier::builder()
        .secret(HmacSecret::from_bytes(SECRET.to_vec()).unwrap())
        .clock(ManualClock::new(SIGNED_AT))
        .build()
        .unwrap()
}

/// Returns the route behind [`HmacVerifyLayer`] with `verifier`.
pub fn tower_hmac_router(verifier: HmacVerifier) -> Router {
    Router::new()
        .route("/v1/infer", post(accept))
        .route_layer(HmacVerifyLayer::from_verifier(verifier))
        .with_state(())
}

/// Verifies like a hand-written handler would: the same checks as the
/// default scheme (single headers, timestamp window, hex signature,
/// constant-time compare), written directly against `hmac`.
async fn naive_verify(headers: HeaderMap, body: Bytes) -> StatusCode {
    let (Some(timestamp), Some(signature)) =
        (headers.get("x-hmac-timestamp"), headers.get("x-hmac-signature"))
    else {
        return StatusCode::UNAUTHORIZED;
    };
    let (Ok(timestamp_text), Ok(signature_text)) = (timestamp.to_str(), signature.to_str()) else {
        return StatusCode::UNAUTHORIZED;
    };
    let Ok(timestamp) = timestamp_text.parse::<i64>() else {
        return StatusCode::UNAUTHORIZED;
    };
    if (SIGNED_AT - timestamp).abs() > 60 {
        return StatusCode::UNAUTHORIZED;
    }
    let mut expected = [0u8; 32];
    if hex::decode_to_slice(signature_text, &mut expected).is_err() {
        return StatusCode::UNAUTHORIZED;
    }

    let mut mac = HmacSha256::new_from_slice(SECRET).unwrap();
    mac.update(timestamp_text.as_bytes());
    mac.update(b".");
    mac.update(&body);
    if mac.verify_slice(&expected).is_err() {
        return StatusCode::UNAUTHORIZED;
    }
    std::hint::black_box(body.len());
    StatusCode::OK
}

/// Returns the route whose handler verifies the signature itself.
pub fn naive_router() -> Router {
    Router::new()
        .route("/v1/infer", post(naive_verify))
        .with_state(())
}

/// Returns the route whose handler verifies with `standardwebhooks`.
pub fn standardwebhooks_router() -> Router {
    let webhook = std::sync::Arc::new(standardwebhooks::Webhook::from_bytes(SECRET.to_vec()).unwrap());
    Router::new()
        .route(
            "/v1/infer",
            post(move |headers: HeaderMap, body: Bytes| async move {
                match webhook.verify(&body, &headers) {
                    Ok(()) => {
                        std::hint::black_box(body.len());
                        StatusCode::OK
                    }
                    Err(_) => StatusCode::UNAUTHORIZED,
                }
            }),
        )
        .with_state(())
}

/// Returns the route whose handler verifies with `httpsig-hyper`: the
/// signature over the headers first, then the body against its digest.
pub fn httpsig_router() -> Router {
    use httpsig_hyper::{MessageSignatureReq, RequestContentDigest};

    let key = std::sync::Arc::new(httpsig_key());
    Router::new()
        .route(
            "/v1/infer",
            post(move |request: Request| async move {
                // The signature check needs a `Sync` body, which axum's is not,
                // so it runs on the head alone and the body is put back after.
                let (parts, body) = request.into_parts();
                let head = http::Request::from_parts(parts, Empty::<Bytes>::new());
                if head.verify_message_signature(&*key, None).await.is_err() {
                    return StatusCode::UNAUTHORIZED;
                }
                let request = http::Request::from_parts(head.into_parts().0, body);
                match request.verify_content_digest().await {
                    Ok(request) => {
                        std::hint::black_box(request);
                        StatusCode::OK
                    }
                    Err(_) => StatusCode::UNAUTHORIZED,
                }
            }),
        )
        .with_state(())
}

/// Returns a tower service, without axum, that reads the body and responds
/// with 200.
pub fn bare_service(
) -> impl tower::Service<http::Request<BenchBody>, Response = http::Response<Empty<Bytes>>, Error = Infallible>
       + Clone {
    tower::service_fn(|request: http::Request<BenchBody>| async move {
        let body = request.into_body().collect().await.unwrap().to_bytes();
        std::hint::black_box(body.len());
        Ok::<_, Infallible>(http::Response::new(Empty::new()))
    })
}

/// Returns the same service behind [`HmacVerifyLayer`], which hands it the
/// body already read.
pub fn verified_service() -> impl tower::Service<
    http::Request<BenchBody>,
    Response = http::Response<Either<Full<Bytes>, Empty<Bytes>>>,
    Error = Infallible,
> + Clone {
    let inner = tower::service_fn(|request: http::Request<Full<Bytes>>| async move {
        let body = request.into_body().collect().await.unwrap().to_bytes();
        std::hint::black_box(body.len());
        Ok::<_, Infallible>(http::Response::new(Empty::new()))
    });
    HmacVerifyLayer::from_verifier(bench_verifier()).layer(inner)
}
