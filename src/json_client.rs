//! A reqwest client that POSTs signed JSON, behind the `reqwest` feature.

use std::time::Duration;

use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};
use reqwest::{Client, IntoUrl, Response};
use serde::Serialize;

use crate::{to_canonical_json, HmacSigner, SignError};

/// Default time allowed for one request, from connecting until the response
/// body has been read, in seconds.
pub const DEFAULT_JSON_TIMEOUT_SECONDS: u64 = 5;

/// Most bytes of an error response body kept in [`PostJsonError::Status`].
pub const MAX_ERROR_BODY_LEN: usize = 64 * 1024;

/// Reason [`HmacJsonClient::post_json`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PostJsonError {
    /// The payload could not be serialized to JSON.
    #[error("failed to serialize the payload to JSON: {0}")]
    Serialize(#[source] serde_json::Error),

    /// The request could not be built or signed.
    #[error(transparent)]
    Sign(#[from] SignError),

    /// The request failed before a response arrived: the connection failed,
    /// the timeout expired or the response could not be read.
    #[error("HTTP request failed: {0}")]
    Request(#[source] reqwest::Error),

    /// The server returned a status outside 200 to 299.
    #[error("{url} returned {status}: {body}")]
    Status {
        /// The URL of the request.
        url: String,
        /// The status the server returned.
        status: StatusCode,
        /// The response body as text, cut to 64 KiB, with invalid UTF-8
        /// replaced by U+FFFD.
        body: String,
    },
}

impl PostJsonError {
    /// Returns whether the request failed because the timeout expired.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Request(error) if error.is_timeout())
    }
}

/// Client that POSTs JSON payloads signed with HMAC, in the manner of a
/// Django helper `post_with_hmac(url, payload)`.
///
/// Each call serializes the payload once with [`to_canonical_json`], so the
/// bytes match Python's `json.dumps(payload, sort_keys=True,
/// separators=(",", ":"))`, signs those bytes and sends them with
/// `Content-Type: application/json`.
///
/// # Example
///
/// ```no_run
/// use tower_hmac::{HmacJsonClient, HmacSigner};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = HmacJsonClient::new(HmacSigner::from_env()?);
/// let response = client
///     .post_json("http://127.0.0.1:8000/api/echo/", &serde_json::json!({"text": "hi"}))
///     .await?;
/// println!("{}", response.text().await?);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct HmacJsonClient {
    client: Client,
    signer: HmacSigner,
    timeout: Duration,
}

impl HmacJsonClient {
    /// Creates a client with a new [`reqwest::Client`] and a 5 s timeout.
    pub fn new(signer: HmacSigner) -> Self {
        Self::with_client(Client::new(), signer)
    }

    /// Creates a client around an existing [`reqwest::Client`], which keeps
    /// its connection pool and TLS settings, with a 5 s timeout per request.
    pub fn with_client(client: Client, signer: HmacSigner) -> Self {
        Self {
            client,
            signer,
            timeout: Duration::from_secs(DEFAULT_JSON_TIMEOUT_SECONDS),
        }
    }

    /// Sets the time allowed for one request, from connecting until the
    /// response body has been read. Default 5 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Returns the signer.
    pub fn signer(&self) -> &HmacSigner {
        &self.signer
    }

    /// Serializes `payload`, signs the bytes and POSTs them to `url`.
    ///
    /// Returns the response when its status is 2xx, so the caller can read
    /// the body.
    ///
    /// # Errors
    ///
    /// Returns [`PostJsonError::Status`] with the status and body for any
    /// other status, [`PostJsonError::Request`] when the request fails or
    /// times out, [`PostJsonError::Serialize`] when the payload cannot be
    /// serialized and [`PostJsonError::Sign`] when the URL is invalid.
    pub async fn post_json<T: Serialize + ?Sized>(
        &self,
        url: impl IntoUrl,
        payload: &T,
    ) -> Result<Response, PostJsonError> {
        let body = to_canonical_json(payload).map_err(PostJsonError::Serialize)?;
        let builder = self
            .client
            .post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .timeout(self.timeout)
            .body(body);
        let builder = self.signer.sign_reqwest_builder(builder)?;

        let response = builder.send().await.map_err(PostJsonError::Request)?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }

        let url = response.url().to_string();
        let body = read_error_body(response).await?;
        tracing::debug!(%url, %status, "signed JSON request returned an error status");
        Err(PostJsonError::Status { url, status, body })
    }
}

/// Reads at most [`MAX_ERROR_BODY_LEN`] bytes of `response` as text.
async fn read_error_body(mut response: Response) -> Result<String, PostJsonError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(PostJsonError::Request)? {
        let room = MAX_ERROR_BODY_LEN - bytes.len();
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if bytes.len() == MAX_ERROR_BODY_LEN {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
