//! The running server recovers by itself when PostgreSQL goes away and comes back.
//!
//! A TCP proxy stands between the server's pool and the test database: stopping it drops
//! every open connection and refuses new ones, as a database restart does, without
//! touching the PostgreSQL that other tests share.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::task::JoinSet;

use crate::support::{app, get};

#[derive(Clone)]
enum Upstream {
    Unix(PathBuf),
    Tcp(String, u16),
}

impl Upstream {
    fn of(options: &PgConnectOptions) -> Self {
        match options.get_socket() {
            Some(dir) => Upstream::Unix(dir.join(format!(".s.PGSQL.{}", options.get_port()))),
            None => Upstream::Tcp(options.get_host().to_owned(), options.get_port()),
        }
    }
}

/// Forwards 127.0.0.1:port to the real database until dropped.
struct Proxy {
    tasks: JoinSet<()>,
}

impl Proxy {
    async fn start(port: u16, upstream: Upstream) -> (Self, u16) {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mut tasks = JoinSet::new();
        let connections = Arc::new(tokio::sync::Mutex::new(JoinSet::new()));
        tasks.spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                connections.lock().await.spawn(async move {
                    let _ = match upstream {
                        Upstream::Unix(path) => match UnixStream::connect(path).await {
                            Ok(mut server) => {
                                tokio::io::copy_bidirectional(&mut client, &mut server).await
                            }
                            Err(e) => Err(e),
                        },
                        Upstream::Tcp(host, port) => {
                            match TcpStream::connect((host.as_str(), port)).await {
                                Ok(mut server) => {
                                    tokio::io::copy_bidirectional(&mut client, &mut server).await
                                }
                                Err(e) => Err(e),
                            }
                        }
                    };
                });
            }
        });
        (Proxy { tasks }, port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // Aborting the accept loop drops the listener and the set of open connections.
        self.tasks.abort_all();
    }
}

/// The app, with a pool of at most `max_connections` that reaches the test database through a
/// proxy, and what restarting that proxy needs.
async fn behind_a_proxy(
    pool: &PgPool,
    max_connections: u32,
) -> (axum::Router, PgPool, Proxy, u16, Upstream) {
    let real = pool.connect_options();
    let upstream = Upstream::of(&real);
    let (proxy, port) = Proxy::start(0, upstream.clone()).await;
    let via_proxy = PgConnectOptions::new_without_pgpass()
        .host("127.0.0.1")
        .port(port)
        .username(real.get_username())
        .database(real.get_database().expect("test database"));
    let app_pool = canvass_db::connect_lazy_with(
        via_proxy,
        canvass_db::PoolSettings {
            max_connections,
            acquire_timeout: Duration::from_millis(500),
        },
    );
    (app(app_pool.clone()), app_pool, proxy, port, upstream)
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn readyz_turns_200_again_within_10_s_after_the_database_comes_back(pool: PgPool) {
    let (app, _, proxy, port, upstream) = behind_a_proxy(&pool, 4).await;

    assert_eq!(
        get(app.clone(), "/readyz", &[]).await.status,
        StatusCode::OK
    );

    drop(proxy);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        get(app.clone(), "/readyz", &[]).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );

    let (_proxy, _) = Proxy::start(port, upstream).await;
    let back = Instant::now();
    loop {
        if get(app.clone(), "/readyz", &[]).await.status == StatusCode::OK {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "/readyz still not 200 ten seconds after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn a_pooled_connection_that_died_while_idle_is_replaced_without_failing_a_request(
    pool: PgPool,
) {
    // One connection, so the request cannot be served by another one.
    let (app, app_pool, proxy, port, upstream) = behind_a_proxy(&pool, 1).await;
    assert_eq!(
        get(app.clone(), "/readyz", &[]).await.status,
        StatusCode::OK
    );
    // The connection is back in the pool (sqlx tests it as it is released, after the reply).
    let released = Instant::now();
    while app_pool.num_idle() < 1 {
        assert!(
            released.elapsed() < Duration::from_secs(5),
            "the connection never came back to the pool"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The database restarts at once: the pooled connection is dead, new ones succeed.
    drop(proxy);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_proxy, _) = Proxy::start(port, upstream).await;
    tokio::time::sleep(canvass_db::UNTESTED_IDLE + Duration::from_millis(300)).await;

    // Idle that long, the connection is tested before it is handed out, found dead and
    // replaced: the first request after the restart succeeds.
    assert_eq!(
        get(app.clone(), "/readyz", &[]).await.status,
        StatusCode::OK
    );
}
