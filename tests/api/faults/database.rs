//! The database goes away under load, cleanly (its server stops) or silently
//! (the network drops every packet): the API answers 503 with Retry-After in
//! bounded time meanwhile, and recovers by itself when the database is back.

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::proxy::FreezableProxy;
use crate::helpers::{fixture, Backend, TestDb};

/// A PostgreSQL cluster of the test's own, on a spare port, run as the
/// `postgres` user (initdb refuses root); stopped and removed on drop.
struct OwnCluster {
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

impl OwnCluster {
    fn pg(&self, args: &[&str]) -> bool {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(args[0]))
            .args(&args[1..])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn start(&self) {
        let opts = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.dir.path().display());
        assert!(
            self.pg(&["pg_ctl", "-D", &self.data(), "-o", &opts, "-w", "-l", "/dev/null", "start"]),
            "pg_ctl start"
        );
    }

    fn stop(&self) {
        self.pg(&["pg_ctl", "-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    fn new() -> OwnCluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries under /usr/lib/postgresql")
            .flatten()
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("initdb").exists())
            .expect("initdb");
        let dir = tempfile::tempdir().unwrap();
        let uid = String::from_utf8(Command::new("id").args(["-u", "postgres"]).output().unwrap().stdout).unwrap();
        let uid: u32 = uid.trim().parse().unwrap();
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(uid)).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = OwnCluster { bin, dir, port };
        assert!(cluster.pg(&["initdb", "-D", &cluster.data(), "-A", "trust", "-U", "postgres"]), "initdb");
        cluster.start();
        cluster
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A server in a thread of its own, on a prepared database.
struct Probed {
    addr: String,
    handle: actix_web::dev::ServerHandle,
    client: reqwest::blocking::Client,
    n: AtomicU64,
}

impl Probed {
    fn start(config: gagt::config::Config) -> Probed {
        gagt::prepare(&config).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let (server, watch) = gagt::serve_with_watch(config, listener).unwrap();
                tx.send(server.handle()).unwrap();
                let stopped = server.await;
                watch.stop_polling();
                stopped
            })
        });
        let handle = rx.recv().unwrap();
        // Longer than any bound the tests assert, so that a hang fails them.
        let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        Probed { addr, handle, client, n: AtomicU64::new(1) }
    }

    /// A list no cache holds (a new URL each time): status, whether
    /// Retry-After was sent, whether the body is problem+json.
    fn probe(&self) -> (u16, bool, bool) {
        let limit = 1 + self.n.fetch_add(1, Ordering::Relaxed) % 999;
        let res = self.client.get(format!("{}/v1/progress-updates?limit={limit}", self.addr)).send().unwrap();
        let status = res.status().as_u16();
        let retry = res.headers().contains_key("retry-after");
        let problem = res.headers().get("content-type").is_some_and(|v| v == "application/problem+json");
        (status, retry, problem)
    }

    /// While the database is unreachable: every answer is 503, problem+json
    /// with Retry-After, within `bound`.
    fn answers_503_within(&self, bound: Duration) {
        for i in 0..8 {
            let started = Instant::now();
            let (status, retry, problem) = self.probe();
            let took = started.elapsed();
            assert_eq!(status, 503, "request {i} while the database is unreachable");
            assert!(retry && problem, "request {i}: Retry-After {retry}, problem+json {problem}");
            assert!(took < bound, "request {i} answered in {took:?}, more than {bound:?}");
        }
    }

    /// The database is back: the API serves again within 10 s, by itself.
    fn recovers(&self) {
        let back = (0..100).find(|_| {
            std::thread::sleep(Duration::from_millis(100));
            self.probe().0 == 200
        });
        assert!(back.is_some(), "the API did not recover within 10 s of the database's return");
        for _ in 0..20 {
            assert_eq!(self.probe().0, 200);
        }
    }
}

impl Drop for Probed {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        let _ = std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(false))).join();
    }
}

/// The database goes away under load: the API answers 503 (problem+json,
/// Retry-After) while it is down and recovers by itself when it is back.
#[test]
fn the_api_answers_503_while_postgresql_is_down_and_recovers() {
    let cluster = OwnCluster::new();
    let url = gagt::db::DatabaseUrl::parse(&format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port));
    let snapshots = tempfile::tempdir().unwrap();
    let mut config = gagt::config::Config::new(url.clone(), snapshots.path());
    config.bundled_dataset = Some(fixture());
    config.workers = 2;
    config.pool_timeout = Duration::from_millis(500);
    config.revision_poll = Duration::from_millis(200);
    let app = Probed::start(config);
    for _ in 0..20 {
        assert_eq!(app.probe().0, 200);
    }
    cluster.stop();
    app.answers_503_within(Duration::from_secs(3));
    cluster.start();
    app.recovers();
}

/// The network between the API and PostgreSQL silently drops everything
/// (a proxy that stops forwarding, its sockets open): no error ever comes
/// back and the server's own `statement_timeout` never sees the query, yet
/// each request is answered 503 with Retry-After shortly after the statement
/// deadline, and once the network is back the API recovers by itself.
#[test]
fn the_api_answers_503_in_bounded_time_while_the_network_to_postgresql_is_a_black_hole_and_recovers() {
    let db = TestDb::new(Backend::Postgres);
    let mut url = url::Url::parse(&db.url.target).unwrap();
    let upstream = (url.host_str().unwrap().to_string(), url.port().unwrap_or(5432));
    let upstream = std::net::ToSocketAddrs::to_socket_addrs(&upstream).unwrap().next().unwrap();
    let proxy = FreezableProxy::start(upstream);
    url.set_port(Some(proxy.port)).unwrap();
    let snapshots = tempfile::tempdir().unwrap();
    let mut config = gagt::config::Config::new(gagt::db::DatabaseUrl::parse(url.as_str()), snapshots.path());
    config.bundled_dataset = Some(fixture());
    config.workers = 2;
    config.pool_size = 2;
    config.pool_timeout = Duration::from_millis(500);
    config.statement_timeout = Duration::from_secs(1);
    config.revision_poll = Duration::from_millis(200);
    let app = Probed::start(config);
    for _ in 0..20 {
        assert_eq!(app.probe().0, 200);
    }
    proxy.freeze();
    // The request's deadline (the pool's wait, the statement timeout, 2 s),
    // and 2 s of slack for a loaded machine.
    let deadline = gagt::db::answer_deadline(Duration::from_millis(500), Duration::from_secs(1)).unwrap();
    app.answers_503_within(deadline + Duration::from_secs(2));
    proxy.thaw();
    app.recovers();
    drop(app);
    drop(db);
}
