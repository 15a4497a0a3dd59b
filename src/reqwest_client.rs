//! Signing of [`reqwest`] requests, behind the `reqwest` feature.

use reqwest::{Request, RequestBuilder};

use crate::{HmacSigner, SignError};

impl HmacSigner {
    /// Signs a built reqwest request and adds the headers to it.
    ///
    /// The body must be in memory (bytes, a string or `.json(...)`), because
    /// those are exactly the bytes reqwest sends. A request without a body
    /// signs the empty body.
    ///
    /// # Errors
    ///
    /// Returns [`SignError::StreamingBody`] for a streamed body, which cannot
    /// be read without consuming it. The request is unchanged then.
    ///
    /// # Example
    ///
    /// ```
    /// use tower_hmac::{HmacSecret, HmacSigner};
    ///
    /// let signer = HmacSigner::new(HmacSecret::from_utf8("test-secret")?);
    /// let mut request = reqwest::Client::new()
    ///     .post("http://127.0.0.1:8000/v1/infer")
    ///     .body(r#"{"text":"hi"}"#)
    ///     .build()?;
    /// signer.sign_reqwest(&mut request)?;
    /// assert!(request.headers().contains_key("x-hmac-signature"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_reqwest(&self, request: &mut Request) -> Result<(), SignError> {
        let body: &[u8] = match request.body() {
            None => &[],
            Some(body) => body.as_bytes().ok_or(SignError::StreamingBody)?,
        };
        // RFC 9421 signs the URI, which reqwest keeps as a `Url`.
        let uri: http::Uri = request.url().as_str().parse().map_err(|_| SignError::Component {
            reason: format!("the URL {} is not a valid URI", request.url()),
        })?;
        let mut headers = request.headers().clone();
        self.sign_parts(request.method(), &uri, &mut headers, body)?;
        *request.headers_mut() = headers;
        Ok(())
    }

    /// Builds the request in `builder`, signs it and returns a builder that
    /// sends the signed request, ready for `.send()`.
    ///
    /// Call it last: a header or body added afterwards is not signed.
    ///
    /// # Errors
    ///
    /// Returns [`SignError::InvalidRequest`] when the builder contains an
    /// invalid request and [`SignError::StreamingBody`] for a streamed body.
    pub fn sign_reqwest_builder(&self, builder: RequestBuilder) -> Result<RequestBuilder, SignError> {
        let (client, request) = builder.build_split();
        let mut request = request.map_err(SignError::InvalidRequest)?;
        self.sign_reqwest(&mut request)?;
        Ok(RequestBuilder::from_parts(client, request))
    }
}
