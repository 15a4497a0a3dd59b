//! The example inference service, shared by `server.rs` and `demo.rs`.

use std::time::Duration;

use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tower_hmac::{HmacVerifier, HmacVerifyLayer, VerifiedCaller};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Default maximum time for a whole request, in seconds. A client that
/// trickles its body gets 408 after this and the handler never runs, so
/// slow senders cannot hold connections open forever.
pub const REQUEST_TIMEOUT_SECONDS: u64 = 30;

#[derive(Debug, Deserialize)]
pub struct InferRequest {
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct InferResponse {
    pub answer: String,
    pub caller: String,
    pub greeting: String,
}

/// Builds the service: `POST /v1/infer` and `GET /v1/status` behind the
/// HMAC layer, and `GET /healthz` open for load balancers, with the default
/// request timeout of [`REQUEST_TIMEOUT_SECONDS`].
#[allow(dead_code)] // Not every binary that includes this file calls it.
pub fn router(verifier: HmacVerifier) -> Router {
    router_with_timeout(verifier, Duration::from_secs(REQUEST_TIMEOUT_SECONDS))
}

/// Builds the service of [`router`] with a request timeout of
/// `request_timeout`.
///
/// The timeout runs from the moment the request head has been read until
/// the response is ready, so it covers reading the body under the HMAC
/// layer. A request that is not complete by then gets 408 and its handler
/// never runs.
pub fn router_with_timeout(verifier: HmacVerifier, request_timeout: Duration) -> Router {
    let protected = Router::new()
        .route("/v1/infer", post(infer))
        .route("/v1/status", get(status))
        .route_layer(HmacVerifyLayer::from_verifier(verifier));

    Router::new()
        .route("/healthz", get(healthz))
        .merge(protected)
        .layer(TimeoutLayer::with_status_code(
            http::StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(TraceLayer::new_for_http())
}

async fn infer(caller: VerifiedCaller, Json(request): Json<InferRequest>) -> Json<InferResponse> {
    tracing::info!(caller = caller.key_id(), "inference request accepted");
    Json(respond(&request.text, caller.key_id()))
}

/// Builds the response to an inference request from `caller`. The load
/// bench's unprotected routes build theirs with it too, so that every route
/// does the same work apart from verification.
pub fn respond(text: &str, caller: &str) -> InferResponse {
    InferResponse {
        answer: format!("AI result for: {text}"),
        caller: caller.to_owned(),
        greeting: format!("Hello, {caller}"),
    }
}

async fn status(caller: VerifiedCaller) -> String {
    format!("ok, {}", caller.key_id())
}

async fn healthz() -> &'static str {
    "ok"
}
