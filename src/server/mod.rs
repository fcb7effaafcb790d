//! The HTTP server: the application of [`crate::api::build_app`] on
//! actix-server, each connection behind the [`guard`] (request-head and
//! write deadlines, connection caps under the open-file limit).

pub mod guard;

use std::net::TcpListener;
use std::time::Duration;

use actix_http::HttpService;
use actix_service::{fn_service, map_config, ServiceFactoryExt};
use actix_web::dev::{AppConfig, Server};

use crate::api::{self, AppState};

/// File descriptors kept back from connections: the database pool, snapshot
/// files, logs and the listener.
const RESERVED_FILES: u64 = 256;

/// The connection cap in force: the configured one, else nine tenths of the
/// open-file limit (raised first) less what the process needs besides.
pub fn connection_cap(configured: usize) -> usize {
    let files = guard::raise_open_file_limit();
    let derived = (files.saturating_sub(RESERVED_FILES) * 9 / 10).max(16) as usize;
    match configured {
        0 => derived,
        n => n.min(derived),
    }
}

/// Run the application on `listener` with the shared `state`.
pub fn start(state: AppState, listener: TcpListener) -> std::io::Result<Server> {
    let config = state.config.clone();
    let local = listener.local_addr()?;
    let total = connection_cap(config.max_connections);
    let limits = guard::Limits::new(config.max_connections_per_address, total, &config.trusted_proxies);
    let (request_timeout, keep_alive, write_timeout) =
        (config.request_timeout, config.keep_alive, config.write_timeout);
    let blocking_threads = match config.blocking_threads {
        // A streamed CSV holds a connection on one thread and encodes on a
        // second: two threads per connection, plus two for the rest.
        0 => 2 * config.pool_size as usize + 2,
        n => n,
    };
    let mut builder = actix_server::Server::build()
        // Blocking work is database work (and a few file reads): threads
        // beyond the pool's connections would only wait for one, and each
        // new thread brings its own allocator heap. A fixed, small set keeps
        // memory flat under long mixed traffic.
        .worker_max_blocking_threads(blocking_threads)
        // Past our cap the guard answers 503; actix-server only stops
        // accepting (leaving clients waiting in the backlog) a little later.
        .max_concurrent_connections(total + 64)
        .shutdown_timeout(5)
        .backlog(4096);
    if config.workers > 0 {
        builder = builder.workers(config.workers);
    }
    let server = builder
        .listen("gagt", listener, move || {
            let limits = limits.clone();
            let app = api::build_app(state.clone());
            let http = HttpService::build()
                // The first request's head (actix answers 408); the guard
                // holds every later one to the same deadline.
                .client_request_timeout(request_timeout)
                .client_disconnect_timeout(Duration::from_secs(1))
                .keep_alive(keep_alive)
                .local_addr(local)
                .h1(map_config(app, move |()| AppConfig::default()));
            fn_service(move |io: tokio::net::TcpStream| {
                let limits = limits.clone();
                async move {
                    let peer = io.peer_addr().ok();
                    let ip = peer.map(|p| p.ip()).unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
                    match limits.admit(ip) {
                        Ok(slot) => Ok((guard::Guarded::new(io, slot, request_timeout, write_timeout), peer)),
                        Err(why) => {
                            log::warn!("refused a connection from {ip}: {why:?}");
                            actix_web::rt::spawn(guard::refuse(io, why));
                            Err(actix_http::error::DispatchError::Io(std::io::Error::other("connection refused")))
                        }
                    }
                }
            })
            .and_then(http)
        })?
        .run();
    Ok(server)
}
