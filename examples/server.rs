//! An inference service whose `POST /v1/infer` accepts only HMAC-signed
//! requests.
//!
//! ```text
//! HMAC_SECRET_KEY=... LISTEN_ADDR=127.0.0.1:8000 cargo run --example server
//! ```
//!
//! Keys come from `HMAC_KEYS` (`id=secret,id2=secret2`, or a file path) for
//! per-service keys, or `HMAC_SECRET_KEY` for one shared secret; one of them
//! is required. `LISTEN_ADDR` defaults to `127.0.0.1:8000`. Set
//! `RUST_LOG=debug` to see why each rejected request failed.
//!
//! `HEADER_READ_TIMEOUT_SECS` (default 10) bounds the time to send the
//! request headers; a slower client's connection is closed.
//! `REQUEST_TIMEOUT_SECS` (default 30) bounds each request from the end of
//! its head to its response, body upload included: a client that trickles
//! its body gets 408 and the handler never runs. `HMAC_WINDOW_SECONDS`
//! (default 60) sets the accepted clock distance of the timestamp, which
//! also sets how long replay ids are kept (twice the window plus one second).
//!
//! `--scheme NAME` or `HMAC_SCHEME` picks the signature scheme: `default`
//! (the `X-HMAC-*` headers), `standard-webhooks`, `rfc9421` (RFC 9421 HTTP
//! Message Signatures), or `migration` (both `default` and `rfc9421`). With
//! `standard-webhooks`, `HMAC_SECRET_KEY` is the sender's `whsec_` secret.
//!
//! Replay protection is on. With `REDIS_URL` set, such as
//! `redis://127.0.0.1:6379/0`, every replica shares one Redis store (this
//! needs a build with `--features redis`). Without it each process keeps its
//! own in-memory store of at most 100 000 entries.

#[path = "support/app.rs"]
mod app;
#[path = "support/schemes.rs"]
mod schemes;
#[path = "support/serve.rs"]
mod serve;

use std::process::ExitCode;
use std::time::Duration;

use schemes::ExampleScheme;
use tower_hmac::replay::{MemoryReplayStore, ReplayProtection};
use tower_hmac::{HmacSecret, HmacVerifier, KeyRing};
use tracing_subscriber::EnvFilter;

const DEFAULT_LISTEN_ADDR: &str = "127.0.0.1:8000";

/// Default time a client has to send its request headers, in seconds.
const DEFAULT_HEADER_READ_TIMEOUT_SECONDS: u64 = 10;

/// Entries of the in-memory replay store: 121 s of requests at about 800
/// accepted requests per second with the default 60 s window.
const MEMORY_REPLAY_ENTRIES: usize = 100_000;

#[tokio::main]
async fn main() -> ExitCode {
    // tower-http logs each request and its status, and tower-hmac each
    // rejection's reason, at debug level.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_hmac=debug,tower_http=debug")),
        )
        .init();

    let scheme = match ExampleScheme::from_args_or_env() {
        Ok(scheme) => scheme,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let keys = match load_keys(scheme) {
        Ok(keys) => keys,
        Err(error) => {
            eprintln!("error: {error}");
            eprintln!("hint: generate a secret with `tower-hmac keygen` or `openssl rand -hex 32` and share it with the callers");
            return ExitCode::FAILURE;
        }
    };
    let key_ids: Vec<&str> = keys.key_ids().collect();
    tracing::info!(
        ?key_ids,
        default_key_id = keys.default_key_id(),
        scheme = ?scheme,
        "HMAC keys loaded"
    );
    let replay = match replay_protection().await {
        Ok(replay) => replay,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let (request_timeout, window_seconds, header_timeout) = match (
        seconds_from_env("REQUEST_TIMEOUT_SECS", app::REQUEST_TIMEOUT_SECONDS),
        seconds_from_env("HMAC_WINDOW_SECONDS", tower_hmac::DEFAULT_WINDOW_SECONDS),
        seconds_from_env("HEADER_READ_TIMEOUT_SECS", DEFAULT_HEADER_READ_TIMEOUT_SECONDS),
    ) {
        (Ok(timeout), Ok(window), Ok(header_timeout)) => (timeout, window, header_timeout),
        (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        request_timeout,
        window_seconds,
        header_timeout,
        "request limits set (seconds)"
    );
    let verifier = match HmacVerifier::builder()
        .key_ring(keys.clone())
        .schemes(scheme.accepted())
        .window_seconds(window_seconds)
        .replay_protection(replay)
        .build()
    {
        Ok(verifier) => verifier,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };

    let listen_addr = std::env::var("LISTEN_ADDR").unwrap_or_else(|_| DEFAULT_LISTEN_ADDR.to_owned());
    let listener = match tokio::net::TcpListener::bind(&listen_addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {listen_addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let local_addr = listener
        .local_addr()
        .map(|addr| addr.to_string())
        .unwrap_or(listen_addr);
    tracing::info!(address = %local_addr, "listening");
    // Tests that start this binary read the port from this line.
    println!("listening on http://{local_addr}");

    let router = app::router_with_timeout(verifier, Duration::from_secs(request_timeout));
    serve::serve(
        listener,
        router,
        Duration::from_secs(header_timeout),
        shutdown_signal(),
    )
    .await;
    tracing::info!("server stopped");
    ExitCode::SUCCESS
}

/// Loads the key ring from the environment. Standard Webhooks secrets are
/// `whsec_` followed by base64 and are decoded first.
fn load_keys(scheme: ExampleScheme) -> Result<KeyRing, String> {
    if scheme == ExampleScheme::StandardWebhooks {
        let text = std::env::var("HMAC_SECRET_KEY")
            .map_err(|_| "HMAC_SECRET_KEY is not set; set it to the sender's whsec_ secret".to_owned())?;
        let secret = HmacSecret::from_standard_webhooks(&text).map_err(|error| error.to_string())?;
        return Ok(KeyRing::single(secret));
    }
    KeyRing::from_env().map_err(|error| error.to_string())
}

/// Reads a whole number of seconds from the environment variable `name`,
/// or returns `default` when it is unset.
fn seconds_from_env(name: &str, default: u64) -> Result<u64, String> {
    match std::env::var(name) {
        Err(std::env::VarError::NotPresent) => Ok(default),
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(seconds) if seconds > 0 => Ok(seconds),
            _ => Err(format!(
                "{name} is {text:?}; set it to a whole number of seconds above 0"
            )),
        },
        Err(std::env::VarError::NotUnicode(_)) => Err(format!("{name} is not valid Unicode")),
    }
}

/// Returns replay protection backed by Redis when `REDIS_URL` is set, else
/// by an in-memory store.
async fn replay_protection() -> Result<ReplayProtection, String> {
    let Ok(url) = std::env::var("REDIS_URL") else {
        tracing::info!(
            max_entries = MEMORY_REPLAY_ENTRIES,
            "replay protection uses an in-memory store; replicas do not share it (set REDIS_URL to share one)"
        );
        return Ok(ReplayProtection::new(MemoryReplayStore::new(
            MEMORY_REPLAY_ENTRIES,
        )));
    };

    #[cfg(feature = "redis")]
    {
        // The URL may contain a password, so it is not logged.
        let store = tower_hmac::replay::RedisReplayStore::connect(&url)
            .await
            .map_err(|error| format!("cannot connect to the Redis in REDIS_URL: {error}"))?;
        tracing::info!("replay protection uses the Redis store in REDIS_URL");
        Ok(ReplayProtection::new(store))
    }
    #[cfg(not(feature = "redis"))]
    {
        let _ = url;
        Err("REDIS_URL is set but this build has no Redis support; \
             rebuild with `--features redis` or unset REDIS_URL"
            .to_owned())
    }
}

async fn shutdown_signal() {
    if let Err(error) = tokio::signal::ctrl_c().await {
        tracing::error!(%error, "cannot listen for Ctrl-C; stop the server with SIGKILL");
        std::future::pending::<()>().await;
    }
}
