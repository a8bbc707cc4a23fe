//! Serving the router's connections: what `axum::serve` does, plus what it leaves out, so
//! that slow or idle sockets cannot starve the server. `axum::serve` gives hyper no timer,
//! so hyper's deadline for a request's head never applies, and it takes every connection
//! offered: 2,000 sockets that never finished their headers all stayed open.
//!
//! - A request's head (the request line and headers) must arrive within
//!   [`Limits::header_read_timeout`] of the connection's start or of the previous response:
//!   past it, the connection is closed.
//! - At most [`Limits::max_connections`] connections are open at once; past it, new ones
//!   wait in the kernel's queue until one closes.
//!
//! - HTTP/1.1 only. TLS ends at the reverse proxy, which speaks HTTP/1.1 to its upstreams;
//!   cleartext HTTP/2 would bring a version sniff that waits on a silent client with no
//!   deadline (hyper-util's `auto` builder does), for no gain behind a proxy.
//!
//! Stopping: no new connection is taken, each open one finishes its request in flight and
//! closes (keep-alive ends), and [`serve`] returns once all have.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// The limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

/// Serves `app` on `listener` until `stop` completes, then lets open connections finish.
/// The router sees each request's peer address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: impl Future<Output = ()>,
) {
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let permits = Arc::new(Semaphore::new(max));
    let (stopping, stopped) = watch::channel(false);
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait a little rather than spin.
                    tracing::warn!(%error, "a connection could not be accepted");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let app = app.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |mut request: axum::http::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    app.clone().oneshot(request.map(Body::new))
                });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            let mut asked = false;
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            // A client gone, or too slow to send its request's head.
                            tracing::debug!(%error, "a connection ended");
                        }
                        break;
                    }
                    _ = stopped.wait_for(|stop| *stop), if !asked => {
                        asked = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    // Every permit back: every connection has closed.
    let _ = permits
        .acquire_many_owned(u32::try_from(max).unwrap_or(u32::MAX))
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    /// A hang guard, not a measurement: every wait in these tests ends well before it.
    const GUARD: Duration = Duration::from_secs(20);

    async fn start(limits: Limits) -> (std::net::SocketAddr, watch::Sender<bool>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = Router::new().route(
            "/",
            get(
                |ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>| async move {
                    format!("hello {}", peer.ip())
                },
            ),
        );
        let (stop, mut stopping) = watch::channel(false);
        tokio::spawn(serve(listener, app, limits, async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        }));
        (address, stop)
    }

    fn limits(max_connections: usize) -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(1),
            max_connections,
        }
    }

    /// Reads until the server closes the connection; what it sent.
    async fn read_to_close(stream: &mut TcpStream) -> String {
        let mut sent = Vec::new();
        tokio::time::timeout(GUARD, stream.read_to_end(&mut sent))
            .await
            .expect("the server closed the connection")
            .unwrap_or_default();
        String::from_utf8_lossy(&sent).into_owned()
    }

    async fn get_root(address: std::net::SocketAddr) -> String {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        read_to_close(&mut stream).await
    }

    #[tokio::test]
    async fn a_request_is_answered_with_its_peer_address_known() {
        let (address, _stop) = start(limits(10)).await;
        let answer = get_root(address).await;
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.ends_with("hello 127.0.0.1"), "{answer}");
    }

    #[tokio::test]
    async fn a_client_that_never_finishes_its_headers_is_disconnected() {
        let (address, _stop) = start(limits(10)).await;
        let mut slow = TcpStream::connect(address).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: te").await.unwrap();
        let answer = read_to_close(&mut slow).await;
        assert!(!answer.contains("200 OK"), "{answer}");
    }

    #[tokio::test]
    async fn a_client_that_connects_and_says_nothing_is_disconnected() {
        let (address, _stop) = start(limits(10)).await;
        let mut silent = TcpStream::connect(address).await.unwrap();
        let answer = read_to_close(&mut silent).await;
        assert!(!answer.contains("200 OK"), "{answer}");
    }

    #[tokio::test]
    async fn an_idle_kept_alive_connection_is_closed() {
        let (address, _stop) = start(limits(10)).await;
        let mut idle = TcpStream::connect(address).await.unwrap();
        idle.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            .await
            .unwrap();
        let answer = read_to_close(&mut idle).await;
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    }

    #[tokio::test]
    async fn past_the_connection_cap_a_client_waits_until_a_connection_closes() {
        let (address, _stop) = start(limits(1)).await;
        let mut holder = TcpStream::connect(address).await.unwrap();
        holder
            .write_all(b"GET / HTTP/1.1\r\nHost: te")
            .await
            .unwrap();
        let waiting = tokio::spawn(get_root(address));
        // The holder is cut off at its deadline; only then is the waiting client served.
        let held = read_to_close(&mut holder).await;
        assert!(!held.contains("200 OK"), "{held}");
        let answer = tokio::time::timeout(GUARD, waiting).await.unwrap().unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    }

    #[tokio::test]
    async fn stopping_lets_the_request_in_flight_finish_and_returns() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let released = Arc::new(tokio::sync::Mutex::new(Some(released)));
        let app = Router::new().route(
            "/",
            get(move || {
                let released = released.clone();
                async move {
                    if let Some(released) = released.lock().await.take() {
                        let _ = released.await;
                    }
                    "finished"
                }
            }),
        );
        let (stop, mut stopping) = watch::channel(false);
        let server = tokio::spawn(serve(listener, app, limits(10), async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        }));
        let in_flight = tokio::spawn(get_root(address));
        tokio::time::sleep(Duration::from_millis(200)).await;
        stop.send(true).unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            !server.is_finished(),
            "the server waits for the request in flight"
        );
        release.send(()).unwrap();
        let answer = tokio::time::timeout(GUARD, in_flight)
            .await
            .unwrap()
            .unwrap();
        assert!(answer.ends_with("finished"), "{answer}");
        tokio::time::timeout(GUARD, server).await.unwrap().unwrap();
        assert!(
            TcpStream::connect(address).await.is_err(),
            "no longer listening"
        );
    }
}
