//! In-process cost of verifying one request, against the raw HMAC and peers.
//!
//! ```text
//! cargo bench --all-features --bench verify
//! python3 benches/summarize.py    # ratios as Markdown, from target/criterion
//! ```
//!
//! Groups:
//!
//! - `verify-<size>`: one request through `tower::ServiceExt::oneshot` on an
//!   axum `Router` per variant (see `support/mod.rs`), for bodies of 0 B,
//!   1 KiB, 64 KiB and 1 MiB that arrive as one chunk. `raw_hmac` is the floor:
//!   HMAC-SHA256 of the same signed message with the `hmac` crate, key set-up
//!   included, with no HTTP around it. `service_fn` and
//!   `service_fn_tower_hmac` are a tower service without axum, alone and
//!   behind the layer.
//! - `chunked-<size>`: the 64 KiB and 1 MiB bodies in 16 KiB chunks, the
//!   path where the body has to be gathered into one buffer.
//! - `hmac-<size>`: the HMAC-SHA256 implementations of `hmac` + `sha2`,
//!   `ring` and `aws-lc-rs` over the same message.
//! - `sha256-1MiB`: plain SHA-256 throughput of the same three, to compare
//!   with `openssl speed -evp sha256`.
//! - `decode-signature`: decoding a 64-character hex signature with `hex`,
//!   with `const-hex` and with the verifier's `decode_signature`.
//!
//! Every variant is checked once to return 200 before it is timed, so a
//! variant that rejects its input fails the run instead of timing a
//! rejection.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::Duration;

use axum::Router;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hmac::Mac;
use http::StatusCode;
use tower::ServiceExt;
use tower_hmac::HmacSha256;

use support::{size_label, SignedInput, SIGNED_AT, SIZES};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().build().unwrap()
}

/// Sends one request through a clone of `router` and returns the status.
async fn send(router: &Router, request: http::Request<support::BenchBody>) -> StatusCode {
    router.clone().oneshot(request).await.unwrap().status()
}

fn assert_accepts(runtime: &tokio::runtime::Runtime, name: &str, router: &Router, input: &SignedInput) {
    let status = runtime.block_on(send(router, input.request()));
    assert_eq!(status, StatusCode::OK, "{name} rejected its benchmark input");
    let status = runtime.block_on(send(router, input.chunked_request()));
    assert_eq!(
        status,
        StatusCode::OK,
        "{name} rejected its chunked benchmark input"
    );
}

/// HMAC-SHA256 of `<timestamp>.<body>` with the `hmac` crate, as the
/// verifier computes it, then a constant-time compare.
fn raw_hmac(timestamp: &str, body: &[u8], expected: &[u8; 32]) -> bool {
    let mut mac = HmacSha256::new_from_slice(support::SECRET).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(expected).is_ok()
}

fn ring_hmac(timestamp: &str, body: &[u8]) -> ring::hmac::Tag {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, support::SECRET);
    let mut context = ring::hmac::Context::with_key(&key);
    context.update(timestamp.as_bytes());
    context.update(b".");
    context.update(body);
    context.sign()
}

fn aws_lc_hmac(timestamp: &str, body: &[u8]) -> aws_lc_rs::hmac::Tag {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, support::SECRET);
    let mut context = aws_lc_rs::hmac::Context::with_key(&key);
    context.update(timestamp.as_bytes());
    context.update(b".");
    context.update(body);
    context.sign()
}

fn expected_tag(timestamp: &str, body: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(support::SECRET).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

fn verify_groups(c: &mut Criterion) {
    let runtime = runtime();
    let timestamp = SIGNED_AT.to_string();

    let bare = support::bare_router();
    let ours = support::tower_hmac_router(support::bench_verifier());
    let naive = support::naive_router();
    let standardwebhooks = support::standardwebhooks_router();
    let httpsig = support::httpsig_router();
    let bare_service = support::bare_service();
    let verified_service = support::verified_service();

    for size in SIZES {
        let body = support::json_body(size);
        let ours_input = support::tower_hmac_input(body.clone());
        let webhook_input = support::standardwebhooks_input(body.clone());
        let httpsig_input = runtime.block_on(support::httpsig_input(body.clone()));
        let tag = expected_tag(&timestamp, &body);

        let variants: [(&str, &Router, &SignedInput); 5] = [
            ("bare", &bare, &ours_input),
            ("tower_hmac", &ours, &ours_input),
            ("naive_axum", &naive, &ours_input),
            ("standardwebhooks", &standardwebhooks, &webhook_input),
            ("httpsig_hyper", &httpsig, &httpsig_input),
        ];
        for (name, router, input) in &variants {
            assert_accepts(&runtime, name, router, input);
        }
        assert!(raw_hmac(&timestamp, &body, &tag));
        let response = runtime.block_on(verified_service.clone().oneshot(ours_input.request()));
        assert_eq!(
            response.unwrap().status(),
            StatusCode::OK,
            "the layer rejected its input"
        );

        let mut group = c.benchmark_group(format!("verify-{}", size_label(size)));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function("raw_hmac", |b| {
            b.iter(|| raw_hmac(black_box(&timestamp), black_box(&body), black_box(&tag)))
        });
        for (name, router, input) in &variants {
            group.bench_function(*name, |b| {
                b.iter(|| runtime.block_on(send(router, input.request())))
            });
        }
        group.bench_function("service_fn", |b| {
            b.iter(|| runtime.block_on(bare_service.clone().oneshot(ours_input.request())))
        });
        group.bench_function("service_fn_tower_hmac", |b| {
            b.iter(|| runtime.block_on(verified_service.clone().oneshot(ours_input.request())))
        });
        group.finish();

        if size >= 64 * 1024 {
            let mut group = c.benchmark_group(format!("chunked-{}", size_label(size)));
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_function("raw_hmac", |b| {
                b.iter(|| raw_hmac(black_box(&timestamp), black_box(&body), black_box(&tag)))
            });
            for (name, router, input) in &variants[..3] {
                group.bench_function(*name, |b| {
                    b.iter(|| runtime.block_on(send(router, input.chunked_request())))
                });
            }
            group.finish();
        }
    }
}

fn hmac_groups(c: &mut Criterion) {
    let timestamp = SIGNED_AT.to_string();
    for size in [1024, 64 * 1024, 1024 * 1024] {
        let body = support::json_body(size);
        let tag = expected_tag(&timestamp, &body);
        assert_eq!(ring_hmac(&timestamp, &body).as_ref(), tag);
        assert_eq!(aws_lc_hmac(&timestamp, &body).as_ref(), tag);

        let mut group = c.benchmark_group(format!("hmac-{}", size_label(size)));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function("sha2", |b| {
            b.iter(|| raw_hmac(black_box(&timestamp), black_box(&body), black_box(&tag)))
        });
        group.bench_function("ring", |b| {
            b.iter(|| ring_hmac(black_box(&timestamp), black_box(&body)))
        });
        group.bench_function("aws_lc_rs", |b| {
            b.iter(|| aws_lc_hmac(black_box(&timestamp), black_box(&body)))
        });
        group.finish();
    }

    let body = support::json_body(1024 * 1024);
    let mut group = c.benchmark_group("sha256-1MiB");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("sha2", |b| {
        b.iter(|| <sha2::Sha256 as sha2::Digest>::digest(black_box(&body)))
    });
    group.bench_function("ring", |b| {
        b.iter(|| ring::digest::digest(&ring::digest::SHA256, black_box(&body)))
    });
    group.bench_function("aws_lc_rs", |b| {
        b.iter(|| aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, black_box(&body)))
    });
    group.finish();
}

/// Decoding the 64 hex characters of a default-scheme signature: `hex` 0.4,
/// which a hand-written handler typically uses, against `const-hex`, which
/// the verifier uses.
fn decode_groups(c: &mut Criterion) {
    let text = "3336b16853d299a907f3fbe6d751c87d382bd06eb1aa61cec20fd0db48e28cf6";
    let mut expected = [0u8; 32];
    hex::decode_to_slice(text, &mut expected).unwrap();
    assert_eq!(tower_hmac::decode_signature(text).unwrap(), expected);

    let mut group = c.benchmark_group("decode-signature");
    group.bench_function("hex", |b| {
        b.iter(|| {
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(black_box(text), &mut bytes).unwrap();
            bytes
        })
    });
    group.bench_function("const_hex", |b| {
        b.iter(|| {
            let mut bytes = [0u8; 32];
            const_hex::decode_to_slice(black_box(text), &mut bytes).unwrap();
            bytes
        })
    });
    group.bench_function("decode_signature", |b| {
        b.iter(|| tower_hmac::decode_signature(black_box(text)).unwrap())
    });
    group.finish();
}

/// Short runs: about 3 s per variant, so the whole file takes a few minutes
/// on two cores. Raise `measurement_time` for publication-grade figures.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = verify_groups, hmac_groups, decode_groups
}
criterion_main!(benches);
