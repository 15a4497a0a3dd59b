//! Serving the example router with a deadline for request headers.
//!
//! `axum::serve` (axum 0.8) gives hyper no timer, so hyper's header read
//! timeout never fires and a client that sends its headers one byte at a time
//! keeps a connection open for as long as it likes. The request timeout of the
//! router only starts once the headers are complete. This loop serves each
//! connection with hyper's HTTP/1 builder, a Tokio timer and a header read
//! timeout, so such a client is cut off.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// Maximum time to wait for open connections after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest read buffer of one connection, in bytes. hyper 1.x lets it grow
/// to about 400 KiB during a large upload, but the HMAC layer copies the body
/// into its own buffer as it arrives, so a larger read buffer only adds that
/// much memory per connection. The cap also lowers the largest request head
/// that hyper accepts before it responds 431, from about 400 KiB to about
/// 90 KiB (seen on loopback). The limit is not exact, because hyper checks
/// the size only between reads.
const MAX_READ_BUFFER: usize = 64 * 1024;

/// Serves `router` on `listener` until `shutdown` completes, closing any
/// connection whose request headers take longer than `header_timeout`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    // Builds every route's handler and layers once, as `axum::serve` does.
    // A router used as a service without this builds them again for each
    // request.
    let router = router.with_state(());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Usually too many open files; the next accept may work.
                    tracing::warn!(%error, "failed to accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };

        let service = TowerToHyperService::new(router.clone());
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .max_buf_size(MAX_READ_BUFFER)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection closed with an error");
            }
        });
    }

    tracing::info!("shutting down; waiting for open connections");
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            seconds = DRAIN_TIMEOUT.as_secs(),
            "connections still open after the drain timeout"
        );
    }
}
