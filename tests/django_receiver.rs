//! The Rust signer against a Django REST framework service of our own
//! (tests/python/django_receiver), which verifies the default scheme in
//! Python with `hmac.compare_digest` and a ±60 s window.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use support::python;
use tower::{ServiceBuilder, ServiceExt};
use tower_hmac::{
    to_canonical_json, Clock, HmacJsonClient, HmacSecret, HmacSignLayer, HmacSigner, ManualClock,
    PostJsonError, SystemClock,
};

const SECRET: &str = "django-shared-secret-0123456789abcdef";

/// The Django receiver running on a free port of 127.0.0.1, stopped on drop.
struct DjangoReceiver {
    child: Child,
    base_url: String,
}

impl DjangoReceiver {
    fn start() -> Self {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/python/django_receiver/serve.py"
        );
        let mut child = Command::new(python())
            .arg(script)
            .env("HMAC_SECRET_KEY", SECRET)
            .stdout(Stdio::piped())
            .spawn()
            .expect("failed to start the Django receiver");

        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("PORT ")
            .unwrap_or_else(|| panic!("Django receiver did not print its port, printed {line:?}"))
            .trim()
            .to_owned();
        Self {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

impl Drop for DjangoReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signer() -> HmacSigner {
    HmacSigner::new(HmacSecret::from_utf8(SECRET).unwrap())
}

#[tokio::test]
#[ignore = "needs Python; run by scripts/test.sh"]
async fn django_accepts_json_helper_payloads() {
    let receiver = DjangoReceiver::start();
    let client = HmacJsonClient::new(signer());
    let payloads = [
        json!({"text": "hello"}),
        json!({"text": "안녕하세요 😀", "nested": {"z": [1, 2.5, -0.0], "a": null}, "big": u64::MAX}),
        json!({"floats": [1e16, 1e-7, 0.1, 123456.789], "flag": true, "empty": {}}),
        json!([]),
    ];

    for payload in payloads {
        let response = client
            .post_json(receiver.url("/api/echo/"), &payload)
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "payload {payload}");

        let echoed: Value = response.json().await.unwrap();
        let sent = to_canonical_json(&payload).unwrap();
        assert_eq!(
            echoed["body_hex"],
            hex::encode(&sent),
            "raw bytes Django received for {payload}"
        );
        assert_eq!(
            echoed["dumped"],
            String::from_utf8(sent).unwrap(),
            "Python's own dump of {payload}"
        );
        assert_eq!(echoed["data"], payload, "payload Django parsed");
    }
}

#[tokio::test]
#[ignore = "needs Python; run by scripts/test.sh"]
async fn django_accepts_signed_binary_body() {
    let receiver = DjangoReceiver::start();
    let body = b"\x00\xff\xfe raw bytes \r\n".to_vec();
    let builder = reqwest::Client::new()
        .put(receiver.url("/api/raw/"))
        .body(body.clone());

    let response = signer()
        .sign_reqwest_builder(builder)
        .unwrap()
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let echoed: Value = response.json().await.unwrap();
    assert_eq!(echoed["body_hex"], hex::encode(&body));
}

#[tokio::test]
#[ignore = "needs Python; run by scripts/test.sh"]
async fn django_accepts_sign_layer_requests() {
    let receiver = DjangoReceiver::start();
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let service = ServiceBuilder::new()
        .layer(HmacSignLayer::new(signer()))
        .service(client);
    let body = Bytes::from_static(br#"{"text":"from the layer"}"#);
    let request = http::Request::post(receiver.url("/api/echo/"))
        .header("content-type", "application/json")
        .body(Full::new(body.clone()))
        .unwrap();

    let response = service.oneshot(request).await.unwrap();

    assert_eq!(response.status(), 200);
}

#[tokio::test]
#[ignore = "needs Python; run by scripts/test.sh"]
async fn django_rejects_tampered_body() {
    let receiver = DjangoReceiver::start();
    let signed = signer().sign(br#"{"amount":10}"#);
    let mut request = reqwest::Client::new()
        .post(receiver.url("/api/echo/"))
        .header("content-type", "application/json")
        .body(r#"{"amount":99}"#)
        .build()
        .unwrap();
    signed.apply(request.headers_mut());

    let response = reqwest::Client::new().execute(request).await.unwrap();

    assert_eq!(response.status(), 401);
    let detail: Value = response.json().await.unwrap();
    assert_eq!(detail, json!({"detail": "Invalid HMAC signature"}));
}

#[tokio::test]
#[ignore = "needs Python; run by scripts/test.sh"]
async fn django_rejects_stale_timestamp() {
    let receiver = DjangoReceiver::start();
    let stale = signer().clock(ManualClock::new(SystemClock.now_unix() - 120));

    let error = HmacJsonClient::new(stale)
        .post_json(receiver.url("/api/echo/"), &json!({"text": "late"}))
        .await
        .unwrap_err();

    let PostJsonError::Status { status, body, .. } = &error else {
        panic!("expected a 401 from Django, got {error:?}");
    };
    assert_eq!(status.as_u16(), 401);
    let detail: Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        detail,
        json!({"detail": "Request timestamp outside the allowed window"})
    );
}

#[tokio::test]
#[ignore = "needs Python; run by scripts/test.sh"]
async fn django_rejects_wrong_secret() {
    let receiver = DjangoReceiver::start();
    let other = HmacSigner::new(HmacSecret::from_utf8("not-the-shared-secret").unwrap());

    let error = HmacJsonClient::new(other)
        .post_json(receiver.url("/api/echo/"), &json!({"text": "hi"}))
        .await
        .unwrap_err();

    assert!(
        matches!(&error, PostJsonError::Status { status, .. } if status.as_u16() == 401),
        "expected a 401 from Django, got {error:?}"
    );
}
