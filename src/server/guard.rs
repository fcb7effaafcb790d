//! The connection guard: what actix-http does not do for a public server.
//! Written by hand because actix-http's head deadline covers only the first
//! request of a connection and no maintained crate wraps its connections.
//!
//! - Every request head, first or later on a keep-alive connection, must
//!   arrive within the request timeout; past it the connection is closed.
//! - A response the client stops reading closes the connection once no byte
//!   could be written for the write timeout (the stream behind it, and any
//!   database connection it holds, end with it).
//! - Connections are capped per client address and in total (below the
//!   process's open-file limit); a connection past a cap is answered at once
//!   (429 per address, 503 in total) and closed.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

pub use crate::api::http::limits::{Limits, Refusal, Slot};

/// The whole answer to a refused connection, as bytes: a problem
/// document, `Retry-After`, and `Connection: close`.
pub fn refusal_response(why: Refusal) -> Vec<u8> {
    let (status, reason, detail) = match why {
        Refusal::PerAddress(n) => {
            (429, "Too Many Requests", format!("too many open connections from this address (at most {n})"))
        }
        Refusal::Total(_) => (503, "Service Unavailable", "the server is at its connection limit".to_string()),
    };
    let body =
        serde_json::json!({"type": "about:blank", "title": reason, "status": status, "detail": detail}).to_string();
    format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/problem+json\r\nretry-after: 5\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Refusals being answered now: past this many, a refused connection is
/// closed without an answer (a flood must not hold file descriptors).
const MAX_ANSWERING: usize = 512;

static ANSWERING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Answer a refused connection and close it: read the request if it comes
/// within half a second, answer, and close gently (a FIN, so that the
/// client reads the answer instead of a reset).
pub async fn refuse(mut io: TcpStream, why: Refusal) {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if ANSWERING.fetch_add(1, Ordering::Relaxed) >= MAX_ANSWERING {
        ANSWERING.fetch_sub(1, Ordering::Relaxed);
        return;
    }
    let mut sink = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_millis(500), io.readable()).await;
    let _ = io.try_read(&mut sink);
    let answer = async {
        io.write_all(&refusal_response(why)).await?;
        io.shutdown().await?;
        while io.read(&mut sink).await? > 0 {}
        Ok::<_, io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_millis(500), answer).await;
    ANSWERING.fetch_sub(1, Ordering::Relaxed);
}

/// A client connection with deadlines on request heads and stalled writes.
pub struct Guarded {
    io: TcpStream,
    head_timeout: Duration,
    write_timeout: Duration,
    /// Inside a request head (its first byte arrived, its blank line not yet).
    in_head: bool,
    /// The last two bytes read, to find the blank line that ends a head.
    last: [u8; 2],
    /// Bytes written since the head deadline was set: the server is busy
    /// answering, so the head that follows is not late yet.
    wrote: bool,
    head_timer: Option<Pin<Box<Sleep>>>,
    /// Set while a write waits for the client to read.
    write_timer: Option<Pin<Box<Sleep>>>,
    write_stalled: bool,
    /// A problem document being written in place of actix-http's empty
    /// answer to a request it could not parse.
    pending: Option<(Vec<u8>, usize)>,
    _slot: Slot,
}

fn rearm(timer: &mut Option<Pin<Box<Sleep>>>, after: Duration) {
    let deadline = Instant::now() + after;
    match timer {
        Some(t) => t.as_mut().reset(deadline),
        None => *timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
    }
}

impl Guarded {
    pub fn new(io: TcpStream, slot: Slot, head_timeout: Duration, write_timeout: Duration) -> Guarded {
        Guarded {
            io,
            head_timeout,
            write_timeout,
            in_head: false,
            last: [0, 0],
            wrote: false,
            head_timer: None,
            write_timer: None,
            write_stalled: false,
            pending: None,
            _slot: slot,
        }
    }

    /// Follow request heads through the bytes just read.
    fn scan(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if !self.in_head {
                self.in_head = true;
                self.wrote = false;
                self.last = [0, 0];
                rearm(&mut self.head_timer, self.head_timeout);
            }
            // A head ends with an empty line (CRLF CRLF, or bare LFs).
            let end = b == b'\n' && (self.last[1] == b'\n' || (self.last[1] == b'\r' && self.last[0] == b'\n'));
            self.last = [self.last[1], b];
            if end {
                self.in_head = false;
            }
        }
    }

    /// Whether a head has been coming for too long. While the server writes
    /// (an answer to the request before, or to a request with a body) the
    /// deadline moves on.
    fn head_late(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.in_head || self.head_timeout.is_zero() {
            return false;
        }
        let Some(timer) = self.head_timer.as_mut() else { return false };
        loop {
            if timer.as_mut().poll(cx).is_pending() {
                return false;
            }
            if !self.wrote {
                return true;
            }
            self.wrote = false;
            timer.as_mut().reset(Instant::now() + self.head_timeout);
        }
    }

    /// Whether a write has waited for the client too long.
    fn write_late(&mut self, cx: &mut Context<'_>) -> bool {
        if self.write_timeout.is_zero() {
            return false;
        }
        if !self.write_stalled {
            self.write_stalled = true;
            rearm(&mut self.write_timer, self.write_timeout);
        }
        self.write_timer.as_mut().is_some_and(|t| t.as_mut().poll(cx).is_ready())
    }
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what.to_string())
}

impl AsyncRead for Guarded {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let (start, end) = (before, buf.filled().len());
                this.scan(&buf.filled()[start..end]);
                Poll::Ready(Ok(()))
            }
            Poll::Pending if this.head_late(cx) => {
                log::debug!("closing a connection whose request head did not arrive in time");
                Poll::Ready(Err(timed_out("the request head did not arrive in time")))
            }
            other => other,
        }
    }
}

impl Guarded {
    /// Write out a replacement answer before anything else.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, at)) = self.pending.as_mut() {
            match Pin::new(&mut self.io).poll_write(cx, &bytes[*at..]) {
                Poll::Ready(Ok(n)) => {
                    *at += n;
                    if *at == bytes.len() || n == 0 {
                        self.pending = None;
                    }
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// actix-http answers a request it cannot parse (bad bytes, too many or too
/// large headers, a head too slow) with an empty 4xx and closes, and offers
/// no hook to shape it: when `buf` starts with such an answer, the problem
/// document to send instead, and how many bytes of `buf` it replaces.
fn bare_error(buf: &[u8]) -> Option<(Vec<u8>, usize)> {
    if !(buf.starts_with(b"HTTP/1.1 4") || buf.starts_with(b"HTTP/1.1 5")) {
        return None;
    }
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..end]).ok()?.to_ascii_lowercase();
    if !head.contains("\r\ncontent-length: 0\r\n") || head.contains("\r\ncontent-type:") {
        return None;
    }
    let status: u16 = head.get(9..12)?.parse().ok()?;
    let code = actix_web::http::StatusCode::from_u16(status).ok()?;
    let detail = match status {
        400 => "the request is not valid HTTP/1.1 (a malformed line, or bytes a request may not contain)",
        408 => "the request head did not arrive in time",
        413 | 414 | 431 => {
            "the request head is larger than the server accepts (at most 96 header fields, 32 KiB in all)"
        }
        _ => code.canonical_reason().unwrap_or("error"),
    };
    let title = code.canonical_reason().unwrap_or("Error");
    let body =
        serde_json::json!({"type": "about:blank", "title": title, "status": status, "detail": detail}).to_string();
    let answer = format!(
        "HTTP/1.1 {status} {title}\r\ncontent-type: application/problem+json\r\nconnection: close\r\n\
         x-content-type-options: nosniff\r\naccess-control-allow-origin: *\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    Some((answer.into_bytes(), end))
}

impl AsyncWrite for Guarded {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        std::task::ready!(this.drain(cx))?;
        if let Some((answer, replaced)) = bare_error(buf) {
            this.pending = Some((answer, 0));
            return match this.drain(cx) {
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                _ => Poll::Ready(Ok(replaced)),
            };
        }
        match Pin::new(&mut this.io).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                this.wrote = true;
                this.write_stalled = false;
                Poll::Ready(Ok(n))
            }
            Poll::Pending if this.write_late(cx) => {
                log::debug!("closing a connection whose client stopped reading");
                Poll::Ready(Err(timed_out("the client stopped reading")))
            }
            other => other,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        std::task::ready!(this.drain(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        std::task::ready!(this.drain(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

/// Raise the soft open-file limit to the hard one (at most 2^20); returns
/// the limit now in force.
pub fn raise_open_file_limit() -> u64 {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
            return 1024;
        }
        let want = r.rlim_max.min(1 << 20);
        if r.rlim_cur < want {
            let raised = libc::rlimit { rlim_cur: want, rlim_max: r.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return want;
            }
        }
    }
    r.rlim_cur
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_a_complete_problem_response_that_closes() {
        let text = String::from_utf8(refusal_response(Refusal::PerAddress(4))).unwrap();
        assert!(text.starts_with("HTTP/1.1 429 Too Many Requests\r\n"));
        assert!(text.contains("connection: close\r\n") && text.contains("retry-after: 5\r\n"));
        let body = text.split("\r\n\r\n").nth(1).unwrap();
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["status"], 429);
        assert!(text.contains(&format!("content-length: {}\r\n", body.len())));
    }

    #[test]
    fn actix_http_bare_error_answers_become_problems() {
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\ndate: x\r\n\r\n";
        let (answer, replaced) = bare_error(bare).unwrap();
        assert_eq!(replaced, bare.len());
        let text = String::from_utf8(answer).unwrap();
        assert!(text.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "{text}");
        assert!(text.contains("content-type: application/problem+json\r\n"));
        let body: serde_json::Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["status"], 431);
        // The application's own answers are left alone.
        assert!(bare_error(
            b"HTTP/1.1 404 Not Found\r\ncontent-type: application/problem+json\r\ncontent-length: 9\r\n\r\n"
        )
        .is_none());
        assert!(bare_error(b"HTTP/1.1 304 Not Modified\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(bare_error(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
    }

    #[test]
    fn the_open_file_limit_is_raised_to_the_hard_limit() {
        let now = raise_open_file_limit();
        let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: as above.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) }, 0);
        assert_eq!(r.rlim_cur, now);
        assert_eq!(now, r.rlim_max.min(1 << 20));
    }
}
