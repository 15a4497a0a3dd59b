//! Counts heap allocations and allocated bytes per request for each
//! in-process variant, with a counting global allocator.
//!
//! ```text
//! cargo bench --all-features --bench allocations
//! ```
//!
//! Each variant handles the same request 1 000 times through
//! `tower::ServiceExt::oneshot`, after 100 discarded warm-up requests, and the
//! counts are divided by 1 000. The figures include building the request
//! (one `HeaderMap` clone) and the response, which every variant shares, so
//! the difference from `bare` is what verification adds. The counts are
//! deterministic for a given build, unlike timings.

#[path = "support/mod.rs"]
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use http::StatusCode;
use tower::ServiceExt;
use tower_hmac::replay::{MemoryReplayStore, ReplayProtection};
use tower_hmac::{HmacSecret, HmacSigner, HmacVerifier};

use support::{size_label, SignedInput};

struct CountingAllocator;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static ALLOCATED_BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters only observe.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        ALLOCATED_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        ALLOCATED_BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const WARM_UP: usize = 100;
const MEASURED: usize = 1_000;

/// Returns the allocations and allocated bytes per request for `requests`
/// sent one after another through clones of `service`.
fn count<S, B, I>(runtime: &tokio::runtime::Runtime, service: &S, requests: I) -> (f64, f64)
where
    S: tower::Service<http::Request<support::BenchBody>, Response = http::Response<B>> + Clone,
    S::Error: std::fmt::Debug,
    I: Iterator<Item = http::Request<support::BenchBody>>,
{
    let mut requests = requests;
    let send = |request: http::Request<support::BenchBody>| {
        let status = runtime
            .block_on(service.clone().oneshot(request))
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::OK, "benchmark input was rejected");
    };
    for request in requests.by_ref().take(WARM_UP) {
        send(request);
    }

    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    let bytes = ALLOCATED_BYTES.load(Ordering::Relaxed);
    let mut sent = 0;
    for request in requests.take(MEASURED) {
        send(request);
        sent += 1;
    }
    assert_eq!(sent, MEASURED, "not enough requests to measure");
    let per_request = |total: u64| total as f64 / MEASURED as f64;
    (
        per_request(ALLOCATIONS.load(Ordering::Relaxed) - allocations),
        per_request(ALLOCATED_BYTES.load(Ordering::Relaxed) - bytes),
    )
}

/// Returns requests with distinct bodies of `size` bytes, so that replay
/// protection accepts each of them once.
fn distinct_requests(size: usize) -> Vec<http::Request<support::BenchBody>> {
    let signer = HmacSigner::new(HmacSecret::from_bytes(support::SECRET.to_vec()).unwrap());
    (0..WARM_UP + MEASURED)
        .map(|n| {
            let mut body = support::json_body(size).to_vec();
            let digits = n.to_string();
            body[9..9 + digits.len()].copy_from_slice(digits.as_bytes());
            let mut input = support::tower_hmac_input(body.into());
            signer
                .sign_at(support::SIGNED_AT, &input.body)
                .apply(&mut input.headers);
            input.request()
        })
        .collect()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let replay_verifier = HmacVerifier::builder()
        .secret(HmacSecret::from_bytes(support::SECRET.to_vec()).unwrap())
        .clock(tower_hmac::ManualClock::new(support::SIGNED_AT))
        .replay_protection(ReplayProtection::new(MemoryReplayStore::new(10_000)))
        .build()
        .unwrap();

    println!("| body | variant | allocations per request | bytes allocated per request |");
    println!("| --- | --- | --- | --- |");
    for size in [1024, 64 * 1024] {
        let input = support::tower_hmac_input(support::json_body(size));
        let webhook_input = support::standardwebhooks_input(support::json_body(size));
        let httpsig_input = runtime.block_on(support::httpsig_input(support::json_body(size)));
        let repeat = |input: &SignedInput| {
            let input = input.clone();
            std::iter::repeat_with(move || input.request())
        };

        let rows: Vec<(&str, (f64, f64))> = vec![
            (
                "tower `service_fn`, no axum",
                count(&runtime, &support::bare_service(), repeat(&input)),
            ),
            (
                "tower `service_fn` behind `HmacVerifyLayer`",
                count(&runtime, &support::verified_service(), repeat(&input)),
            ),
            ("bare", count(&runtime, &support::bare_router(), repeat(&input))),
            (
                "tower_hmac",
                count(
                    &runtime,
                    &support::tower_hmac_router(support::bench_verifier()),
                    repeat(&input),
                ),
            ),
            (
                "tower_hmac, memory replay store",
                count(
                    &runtime,
                    &support::tower_hmac_router(replay_verifier.clone()),
                    distinct_requests(size).into_iter(),
                ),
            ),
            (
                "naive_axum",
                count(&runtime, &support::naive_router(), repeat(&input)),
            ),
            (
                "standardwebhooks",
                count(
                    &runtime,
                    &support::standardwebhooks_router(),
                    repeat(&webhook_input),
                ),
            ),
            (
                "httpsig_hyper",
                count(&runtime, &support::httpsig_router(), repeat(&httpsig_input)),
            ),
        ];
        for (name, (allocations, bytes)) in rows {
            println!(
                "| {} | {name} | {allocations:.1} | {bytes:.0} |",
                size_label(size)
            );
        }
    }
}
