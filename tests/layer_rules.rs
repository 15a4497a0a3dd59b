//! One test per rule of the layer, driven in process with `oneshot`.

mod common;

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use common::*;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use tower::{Service, ServiceBuilder, ServiceExt};
use tower_hmac::{
    HmacSecret, HmacVerifier, HmacVerifyLayer, ManualClock, SecretError, VerifiedCaller, VerifyError,
};

#[tokio::test]
async fn valid_request_reaches_handler() {
    let (app, calls) = echo_app(verifier());
    let response = app.oneshot(signed_post(b"{\"text\":\"hi\"}", NOW)).await.unwrap();
    let (status, body, _) = read(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..], b"{\"text\":\"hi\"}");
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn rejection_is_drf_style_401() {
    let (app, calls) = echo_app(verifier());
    let mut request = signed_post(b"{}", NOW);
    request.headers_mut().insert(
        "x-hmac-signature",
        HeaderValue::from_str(&"0".repeat(64)).unwrap(),
    );

    let (status, body, headers) = read(app.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(&body[..], br#"{"detail":"Invalid HMAC signature"}"#);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["www-authenticate"], "HMAC");
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn empty_body_signs_timestamp_dot() {
    let (app, calls) = echo_app(verifier());
    let signed = signer().sign_at(NOW, b"");
    let request = Request::get("/status")
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(Body::empty())
        .unwrap();
    let (status, _, _) = read(app.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn window_is_inclusive_both_ways() {
    for (offset, expected) in [
        (-60, StatusCode::OK),
        (60, StatusCode::OK),
        (-61, StatusCode::UNAUTHORIZED),
        (61, StatusCode::UNAUTHORIZED),
    ] {
        let (app, _) = echo_app(verifier());
        let response = app.oneshot(signed_post(b"x", NOW + offset)).await.unwrap();
        assert_eq!(response.status(), expected, "offset {offset}");
    }
}

#[tokio::test]
async fn old_and_future_have_own_details() {
    let (app, _) = echo_app(verifier());
    let (_, body, _) = read(app.clone().oneshot(signed_post(b"x", NOW - 61)).await.unwrap()).await;
    assert_eq!(detail(&body), "Request timestamp too old");
    let (_, body, _) = read(app.oneshot(signed_post(b"x", NOW + 61)).await.unwrap()).await;
    assert_eq!(detail(&body), "Request timestamp too far in the future");
}

#[tokio::test]
async fn window_is_configurable() {
    let verifier = HmacVerifier::builder()
        .secret(secret())
        .clock(ManualClock::new(NOW))
        .window_seconds(300)
        .build()
        .unwrap();
    let (app, _) = echo_app(verifier);
    let response = app.clone().oneshot(signed_post(b"x", NOW - 299)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.oneshot(signed_post(b"x", NOW - 301)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn clock_moves_requests_out_of_window() {
    let clock = ManualClock::new(NOW);
    let verifier = HmacVerifier::builder()
        .secret(secret())
        .clock(clock.clone())
        .build()
        .unwrap();
    let (app, _) = echo_app(verifier);
    assert_eq!(
        app.clone()
            .oneshot(signed_post(b"x", NOW))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    clock.advance(61);
    let (status, body, _) = read(app.oneshot(signed_post(b"x", NOW)).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), "Request timestamp too old");
}

#[tokio::test]
async fn uppercase_signature_is_accepted() {
    let (app, _) = echo_app(verifier());
    let mut request = signed_post(b"payload", NOW);
    let upper = request.headers()["x-hmac-signature"]
        .to_str()
        .unwrap()
        .to_uppercase();
    request
        .headers_mut()
        .insert("x-hmac-signature", HeaderValue::from_str(&upper).unwrap());
    assert_eq!(app.oneshot(request).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn timestamp_whitespace_is_trimmed() {
    let (app, _) = echo_app(verifier());
    let mut request = signed_post(b"payload", NOW);
    let padded = format!(" \t{NOW} ");
    request
        .headers_mut()
        .insert("x-hmac-timestamp", HeaderValue::from_str(&padded).unwrap());
    assert_eq!(app.oneshot(request).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn millisecond_timestamp_is_invalid() {
    let (app, calls) = echo_app(verifier());
    let millis = NOW * 1000;
    let signed = signer().sign_at(millis, b"x");
    let request = Request::post("/echo")
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(Body::from("x"))
        .unwrap();
    let (status, body, _) = read(app.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(detail(&body), "Invalid timestamp");
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn headers_checked_before_body_read() {
    let cases: Vec<(Request<()>, &str)> = vec![
        (Request::post("/echo").body(()).unwrap(), "Missing HMAC headers"),
        (
            Request::post("/echo")
                .header("x-hmac-timestamp", (NOW - 3600).to_string())
                .header("x-hmac-signature", "a".repeat(64))
                .body(())
                .unwrap(),
            "Request timestamp too old",
        ),
        (
            Request::post("/echo")
                .header("x-hmac-timestamp", "soon")
                .header("x-hmac-signature", "a".repeat(64))
                .body(())
                .unwrap(),
            "Invalid timestamp",
        ),
    ];
    for (request, expected) in cases {
        let body = ScriptedBody::new(&[b"never read"]);
        let polled = body.polled_flag();
        let (parts, ()) = request.into_parts();
        let request = Request::from_parts(parts, Body::new(body));

        let (app, calls) = echo_app(verifier());
        let (status, response_body, _) = read(app.oneshot(request).await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{expected}");
        assert_eq!(detail(&response_body), expected);
        assert!(!polled.load(Ordering::SeqCst), "body was read for {expected}");
        assert_eq!(calls.get(), 0);
    }
}

#[tokio::test]
async fn declared_length_over_limit_gets_413_unread() {
    let verifier = limited_verifier(16);
    let body = ScriptedBody::new(&[b"never read"]);
    let polled = body.polled_flag();
    let (parts, _) = signed_post(&[b'a'; 17], NOW).into_parts();
    let mut request = Request::from_parts(parts, Body::new(body));
    request
        .headers_mut()
        .insert("content-length", HeaderValue::from_static("17"));

    let (app, calls) = echo_app(verifier);
    let (status, response_body, _) = read(app.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(detail(&response_body), "Request body too large");
    assert!(!polled.load(Ordering::SeqCst));
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn streamed_body_over_limit_gets_413() {
    let verifier = limited_verifier(16);
    let chunks: [&[u8]; 3] = [b"0123456789", b"0123456", b"never reached"];
    let signed = signer().sign_at(NOW, &chunks.concat());
    let request = Request::post("/echo")
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(Body::new(ScriptedBody::new(&chunks)))
        .unwrap();

    let (app, calls) = echo_app(verifier);
    let (status, body, _) = read(app.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(detail(&body), "Request body too large");
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn body_at_limit_is_accepted() {
    let verifier = limited_verifier(16);
    let (app, _) = echo_app(verifier);
    let response = app.oneshot(signed_post(&[b'a'; 16], NOW)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn default_body_limit_is_2_mib() {
    assert_eq!(verifier().body_limit(), 2 * 1024 * 1024);
    let (app, _) = echo_app(verifier());
    let response = app
        .clone()
        .oneshot(signed_post(&vec![b'a'; 2 * 1024 * 1024], NOW))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = app
        .oneshot(signed_post(&vec![b'a'; 2 * 1024 * 1024 + 1], NOW))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn failing_body_gets_400() {
    let chunks: [&[u8]; 1] = [b"partial"];
    let signed = signer().sign_at(NOW, b"partial");
    let request = Request::post("/echo")
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(Body::new(ScriptedBody::new(&chunks).failing()))
        .unwrap();
    let (app, calls) = echo_app(verifier());
    let (status, body, headers) = read(app.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(detail(&body), "Failed to read request body");
    assert!(!headers.contains_key("www-authenticate"));
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn chunks_are_signed_as_one_message() {
    let chunks: [&[u8]; 4] = [b"{\"te", b"xt\":", b"\"split\"", b"}"];
    let signed = signer().sign_at(NOW, &chunks.concat());
    let request = Request::post("/echo")
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(Body::new(ScriptedBody::new(&chunks)))
        .unwrap();
    let (app, _) = echo_app(verifier());
    let (status, body, _) = read(app.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..], chunks.concat().as_slice());
}

#[tokio::test]
async fn json_extractor_works_behind_layer() {
    #[derive(serde::Deserialize, serde::Serialize)]
    struct Payload {
        text: String,
    }
    let app = Router::new()
        .route(
            "/v1/infer",
            post(|Json(payload): Json<Payload>| async move { payload.text }),
        )
        .layer(HmacVerifyLayer::from_verifier(verifier()));
    let mut request = signed_post(br#"{"text":"hello"}"#, NOW);
    *request.uri_mut() = "/v1/infer".parse().unwrap();
    request
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    let (status, body, _) = read(app.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..], b"hello");
}

#[tokio::test]
async fn string_extractor_works_behind_layer() {
    let app = Router::new()
        .route(
            "/echo",
            post(|text: String| async move { text.chars().count().to_string() }),
        )
        .layer(HmacVerifyLayer::from_verifier(verifier()));
    let (status, body, _) = read(app.oneshot(signed_post("한국어".as_bytes(), NOW)).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..], b"3");
}

#[tokio::test]
async fn route_layer_leaves_other_routes_open() {
    let app = Router::new()
        .route("/echo", post(|body: Bytes| async move { body }))
        .route_layer(HmacVerifyLayer::from_verifier(verifier()))
        .route("/healthz", axum::routing::get(|| async { "ok" }));
    let open = Request::get("/healthz").body(Body::empty()).unwrap();
    assert_eq!(app.clone().oneshot(open).await.unwrap().status(), StatusCode::OK);
    let unsigned = Request::post("/echo").body(Body::from("x")).unwrap();
    assert_eq!(
        app.clone().oneshot(unsigned).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.oneshot(signed_post(b"x", NOW)).await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn service_builder_over_service_fn() {
    let service = ServiceBuilder::new()
        .layer(HmacVerifyLayer::from_verifier(verifier()))
        .service_fn(|request: Request<Full<Bytes>>| async move {
            let caller = request.extensions().get::<VerifiedCaller>().cloned();
            let body = caller.map_or_else(|| "none".to_owned(), |caller| caller.key_id().to_owned());
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
        });
    let signed = signer().sign_at(NOW, b"abc");
    let request = Request::post("/")
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(String::from("abc"))
        .unwrap();
    let (status, body, _) = read(service.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..], b"default");
}

/// An inner service that is not ready until `open` is set.
#[derive(Clone)]
struct Gate {
    open: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Service<Request<Full<Bytes>>> for Gate {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        if self.open.load(Ordering::SeqCst) {
            Poll::Ready(Ok(()))
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    fn call(&mut self, _request: Request<Full<Bytes>>) -> Self::Future {
        assert!(self.open.load(Ordering::SeqCst), "called before ready");
        std::future::ready(Ok(Response::new(Full::new(Bytes::from_static(b"through")))))
    }
}

#[tokio::test]
async fn poll_ready_follows_inner_service() {
    let open = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut service = HmacVerifyLayer::from_verifier(verifier()).layer_service(Gate { open: open.clone() });
    let waker = futures_task_noop();
    let mut cx = Context::from_waker(&waker);
    assert!(Service::<Request<String>>::poll_ready(&mut service, &mut cx).is_pending());

    open.store(true, Ordering::SeqCst);
    let signed = signer().sign_at(NOW, b"abc");
    let request = Request::post("/")
        .header("x-hmac-timestamp", signed.timestamp())
        .header("x-hmac-signature", signed.signature())
        .body(String::from("abc"))
        .unwrap();
    let ready = ServiceExt::<Request<String>>::ready(&mut service).await.unwrap();
    let response = ready.call(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

fn futures_task_noop() -> std::task::Waker {
    std::task::Waker::noop().clone()
}

trait LayerService {
    fn layer_service<S>(&self, inner: S) -> tower_hmac::HmacVerify<S>;
}

impl LayerService for HmacVerifyLayer {
    fn layer_service<S>(&self, inner: S) -> tower_hmac::HmacVerify<S> {
        tower::Layer::layer(self, inner)
    }
}

#[tokio::test]
async fn custom_rejection_replaces_response() {
    let layer = HmacVerifyLayer::from_verifier(verifier()).rejection(|error: &VerifyError| {
        let mut response = Response::new(Full::new(Bytes::from_static(b"denied")));
        *response.status_mut() = error.status();
        response
    });
    let app = Router::new()
        .route("/echo", post(|| async { "unreachable" }))
        .layer(layer);
    let request = Request::post("/echo").body(Body::from("x")).unwrap();
    let (status, body, headers) = read(app.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(&body[..], b"denied");
    assert!(!headers.contains_key("www-authenticate"));
}

#[test]
fn empty_secret_cannot_build_layer() {
    assert_eq!(HmacSecret::from_utf8("").unwrap_err(), SecretError::Empty);
    assert!(HmacVerifier::builder().build().is_err());
    assert!(HmacVerifier::builder()
        .key_ring(tower_hmac::KeyRing::new())
        .build()
        .is_err());
}

#[test]
fn secret_reads_from_environment() {
    // A variable name used only by this test, so parallel tests cannot change it.
    std::env::set_var("TOWER_HMAC_TEST_SECRET_RULES", "from-env");
    let secret = HmacSecret::from_env_var("TOWER_HMAC_TEST_SECRET_RULES").unwrap();
    assert_eq!(secret.expose_bytes(), b"from-env");
    std::env::set_var("TOWER_HMAC_TEST_SECRET_RULES", "");
    assert_eq!(
        HmacSecret::from_env_var("TOWER_HMAC_TEST_SECRET_RULES").unwrap_err(),
        SecretError::Empty
    );
    assert!(matches!(
        HmacSecret::from_env_var("TOWER_HMAC_TEST_UNSET_VARIABLE").unwrap_err(),
        SecretError::MissingEnv { .. }
    ));
}

#[test]
fn layer_and_service_are_clone() {
    fn assert_clone<T: Clone>(_: &T) {}
    let layer = HmacVerifyLayer::new(HmacSecret::generate());
    assert_clone(&layer);
    let service = layer.layer_service(tower::service_fn(|_: Request<Full<Bytes>>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
    }));
    assert_clone(&service);
}

#[tokio::test]
async fn header_errors_keep_their_order() {
    let verifier = verifier();
    let signature = signer().sign_at(NOW, b"{}").signature().to_owned();
    let header = |name: &str| http::HeaderName::from_bytes(name.as_bytes()).unwrap();
    type Headers<'a> = Vec<(&'a str, &'a [u8])>;
    let cases: [(&str, Headers, VerifyError); 5] = [
        (
            "non-ASCII signature before a bad timestamp",
            vec![
                ("x-hmac-signature", "é".as_bytes()),
                ("x-hmac-timestamp", b"soon"),
            ],
            VerifyError::NonAsciiHeader {
                header: header("x-hmac-signature"),
            },
        ),
        (
            "bad timestamp before a malformed signature",
            vec![("x-hmac-signature", b"xyz"), ("x-hmac-timestamp", b"soon")],
            VerifyError::InvalidTimestamp,
        ),
        (
            "repeated signature before a missing timestamp",
            vec![
                ("x-hmac-signature", signature.as_bytes()),
                ("x-hmac-signature", signature.as_bytes()),
            ],
            VerifyError::DuplicateHeader {
                header: header("x-hmac-signature"),
            },
        ),
        (
            "repeated timestamp before a missing signature",
            vec![
                ("x-hmac-timestamp", b"1700000000"),
                ("x-hmac-timestamp", b"1700000000"),
            ],
            VerifyError::DuplicateHeader {
                header: header("x-hmac-timestamp"),
            },
        ),
        (
            "missing signature before a missing timestamp",
            vec![("x-hmac-key-id", b"default")],
            VerifyError::MissingHeader {
                header: header("x-hmac-signature"),
            },
        ),
    ];

    for (case, headers, expected) in cases {
        let mut request = Request::post("/v1/infer").body(&b"{}"[..]).unwrap();
        for (name, value) in headers {
            request
                .headers_mut()
                .append(header(name), HeaderValue::from_bytes(value).unwrap());
        }
        assert_eq!(verifier.verify(&request).await, Err(expected), "{case}");
    }
}
