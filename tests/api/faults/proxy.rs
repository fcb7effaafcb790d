//! A TCP proxy on loopback that the test can freeze: while frozen it keeps
//! every socket open and accepts new ones, but forwards no byte in either
//! direction, as a network that silently drops packets would. Unfrozen, the
//! bytes held back flow again.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct FreezableProxy {
    pub port: u16,
    frozen: Arc<AtomicBool>,
    stopped: Arc<AtomicBool>,
}

impl FreezableProxy {
    /// Forward 127.0.0.1:`port` (a new port) to `upstream`.
    pub fn start(upstream: SocketAddr) -> FreezableProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let frozen = Arc::new(AtomicBool::new(false));
        let stopped = Arc::new(AtomicBool::new(false));
        let (f, s) = (frozen.clone(), stopped.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        let Ok(server) = TcpStream::connect(upstream) else { continue };
                        pump(client.try_clone().unwrap(), server.try_clone().unwrap(), f.clone(), s.clone());
                        pump(server, client, f.clone(), s.clone());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        FreezableProxy { port, frozen, stopped }
    }

    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }

    pub fn thaw(&self) {
        self.frozen.store(false, Ordering::SeqCst);
    }
}

impl Drop for FreezableProxy {
    fn drop(&mut self) {
        self.thaw();
        self.stopped.store(true, Ordering::SeqCst);
    }
}

/// Copy `from` to `to` on a thread of its own; bytes read while frozen wait
/// (the sockets stay open) until the proxy thaws. Either side closing, or the
/// proxy stopping, closes both.
fn pump(mut from: TcpStream, mut to: TcpStream, frozen: Arc<AtomicBool>, stopped: Arc<AtomicBool>) {
    from.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 << 10];
        while !stopped.load(Ordering::Relaxed) {
            let n = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => continue,
                Err(_) => break,
            };
            while frozen.load(Ordering::Relaxed) && !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(10));
            }
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    });
}
