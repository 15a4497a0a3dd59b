//! Measures what replay protection adds to verifying one request: no store,
//! the in-memory store, and (with the `redis` feature and `REDIS_URL` set)
//! the Redis store.
//!
//! Run with `cargo bench --all-features --bench replay`; scripts/test.sh
//! starts a Redis and prints its URL. Each configuration verifies the same
//! number of distinct pre-signed requests one after another on a
//! current-thread runtime, so the figures are per-request latency, not
//! throughput under concurrency. Results are printed as a Markdown table for
//! BENCHMARKS.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tower_hmac::replay::{MemoryReplayStore, ReplayProtection};
use tower_hmac::{HmacSecret, HmacSigner, HmacVerifier};

const SECRET: &str = "bench-secret-0123456789abcdef0123456789";
const REQUESTS: usize = 20_000;
const BODY: &str = r#"{"model":"small","input":"a sentence of ordinary length for the benchmark","n":"#;

fn signed_requests(count: usize) -> Vec<http::Request<Vec<u8>>> {
    let signer = HmacSigner::new(HmacSecret::from_utf8(SECRET).unwrap());
    (0..count)
        .map(|n| {
            let body = format!("{BODY}{n}}}").into_bytes();
            let mut request = http::Request::post("/v1/infer").body(body).unwrap();
            signer.sign_request(&mut request).unwrap();
            request
        })
        .collect()
}

fn verifier(replay: Option<ReplayProtection>) -> HmacVerifier {
    let builder = HmacVerifier::builder().secret(HmacSecret::from_utf8(SECRET).unwrap());
    match replay {
        Some(replay) => builder.replay_protection(replay),
        None => builder,
    }
    .build()
    .unwrap()
}

/// Verifies every request once and returns the mean time per request.
async fn time_verify(verifier: &HmacVerifier, requests: &[http::Request<Vec<u8>>]) -> Duration {
    let started = Instant::now();
    for request in requests {
        let caller = verifier
            .verify(request)
            .await
            .expect("a fresh signed request must verify");
        black_box(caller);
    }
    started.elapsed() / u32::try_from(requests.len()).unwrap()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut rows: Vec<(&str, Duration)> = Vec::new();

        // Warm-up: one pass without a store, discarded.
        time_verify(&verifier(None), &signed_requests(2_000)).await;

        rows.push((
            "no store",
            time_verify(&verifier(None), &signed_requests(REQUESTS)).await,
        ));

        let memory = ReplayProtection::new(MemoryReplayStore::new(REQUESTS));
        rows.push((
            "memory",
            time_verify(&verifier(Some(memory)), &signed_requests(REQUESTS)).await,
        ));

        #[cfg(feature = "redis")]
        match std::env::var("REDIS_URL") {
            Ok(url) => {
                let store = tower_hmac::replay::RedisReplayStore::connect(&url)
                    .await
                    .unwrap_or_else(|error| panic!("cannot reach Redis at {url}: {error}"));
                let prefix = format!("tower-hmac-bench:{}:", std::process::id());
                let redis = ReplayProtection::new(store).prefix(prefix);
                rows.push((
                    "redis",
                    time_verify(&verifier(Some(redis)), &signed_requests(REQUESTS)).await,
                ));
            }
            Err(_) => eprintln!("REDIS_URL is not set; skipping the Redis store"),
        }

        let baseline = rows[0].1.as_secs_f64();
        println!("| store | mean per request | relative to no store |");
        println!("| --- | --- | --- |");
        for (name, mean) in rows {
            println!(
                "| {name} | {:.2} µs | {:.2}x |",
                mean.as_secs_f64() * 1e6,
                mean.as_secs_f64() / baseline
            );
        }
        let body_len = signed_requests(1)[0].body().len();
        println!("\n{REQUESTS} requests per store, bodies of about {body_len} bytes.");
    });
}
