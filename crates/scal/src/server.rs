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
    // A client reading a large download one byte at a time (just inside the idle timeout) must not
    // hold shutdown open for ever: in-flight requests get this long, then connections are dropped.
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!(
            grace_secs = SHUTDOWN_GRACE.as_secs(),
            "connections still open after the grace period; closing them"
        );
    }
}

/// How long a shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Resolves once `shutdown` is true (or its sender is gone).
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, so it is never held across an await.
    let _ = shutdown.wait_for(|stop| *stop).await;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::io::{Read as _, Write as _};

    use axum::extract::ConnectInfo;
    use axum::routing::get;

    use super::*;

    /// Handlers see the client's address, and a shutdown lets the request in flight finish, then
    /// accepts nothing more.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn handlers_see_the_client_address_and_shutdown_finishes_requests_in_flight() {
        let (started_tx, started_rx) = tokio::sync::mpsc::channel::<()>(1);
        let release = Arc::new(tokio::sync::Notify::new());
        let handler_release = release.clone();
        let router = Router::new().route(
            "/",
            get(move |ConnectInfo(client): ConnectInfo<SocketAddr>| {
                let started = started_tx.clone();
                let release = handler_release.clone();
                async move {
                    let _ = started.send(()).await;
                    release.notified().await;
                    format!("client {}", client.ip())
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = watch::channel(false);
        let limits = ConnectionLimits {
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            max_connections: 4,
        };
        let server = tokio::spawn(serve(listener, router, limits, stopped));

        let client = std::thread::spawn(move || {
            let mut stream = std::net::TcpStream::connect(address).unwrap();
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: scal.test\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).unwrap();
            response
        });
        let mut started_rx = started_rx;
        started_rx.recv().await.unwrap();
        stop.send(true).unwrap();
        release.notify_one();
        let response = tokio::task::spawn_blocking(move || client.join().unwrap())
            .await
            .unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.ends_with("client 127.0.0.1"), "{response}");
        server.await.unwrap();
        assert!(
            std::net::TcpStream::connect(address).is_err(),
            "nothing listens after shutdown"
        );
    }
}
