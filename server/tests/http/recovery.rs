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

#[sqlx::test(migrator = "canvass_db::MIGRATOR")]
async fn readyz_turns_200_again_within_10_s_after_the_database_comes_back(pool: PgPool) {
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
            max_connections: 4,
            acquire_timeout: Duration::from_millis(500),
        },
    );
    let app = app(app_pool);

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
