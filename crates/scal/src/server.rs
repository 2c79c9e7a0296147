//! Serving HTTP/1 connections with limits a slow or idle client cannot outlast.
//!
//! `axum::serve` gives hyper no timer, so a client that never finishes its request headers holds
//! its connection (and a task) forever. Here each connection is served by hyper's HTTP/1 builder
//! with a timer and a header read timeout, its socket has a no-progress timeout, and the number of
//! open connections is capped. Beyond the cap scal stops accepting: new connections wait in the
//! kernel's accept backlog (and are refused by the kernel when that is full) rather than being
//! accepted and dropped, so a burst is served late instead of failed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio_io_timeout::TimeoutStream;
use tower::Service as _;

#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// How long a client has to send a request's headers, counted from when the server starts
    /// waiting for them: on a new connection, and between requests on a kept-alive one (so it is
    /// also how long an idle kept-alive connection stays open).
    pub header_read_timeout: Duration,
    /// A connection on which no byte is read or written for this long is closed: a trickled
    /// upload, or a client that stops reading its response.
    pub idle_timeout: Duration,
    /// Open connections at most; beyond it new ones wait in the accept backlog.
    pub max_connections: usize,
}

/// Serves `router` on `listener` until `shutdown` turns true, then stops accepting, lets in-flight
/// requests finish (idle connections are closed at once) and returns.
/// Handlers can extract `ConnectInfo<SocketAddr>`, the client's socket address.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    loop {
        // Wait for a free slot before accepting, so connections beyond the cap stay in the backlog.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = stopping(&mut shutdown) => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Like running out of file descriptors: wait a moment rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = stopping(&mut shutdown) => break,
        };
        let service = match make_service.call(remote).await {
            Ok(service) => service,
            Err(never) => match never {},
        };
        let mut io = TimeoutStream::new(stream);
        io.set_read_timeout(Some(limits.idle_timeout));
        io.set_write_timeout(Some(limits.idle_timeout));
        let connection = builder.serve_connection(TokioIo::new(Box::pin(io)), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Timeouts and resets are the client's business, not the operator's.
            if let Err(error) = connection.await {
                tracing::debug!(%error, %remote, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Resolves once `shutdown` is true (or its sender is gone).
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, so it is never held across an await.
    let _ = shutdown.wait_for(|stop| *stop).await;
}
