//! `all=1`: every row of a filtered list as one streamed CSV response.
//!
//! A worker thread walks the list in keyset chunks inside one read
//! transaction (a consistent snapshot of one revision) and hands each
//! encoded chunk to the response through a small bounded channel, so memory
//! stays flat whatever the size and a slow client slows the reader instead of
//! filling memory. A failure before the first byte is a problem response; a
//! failure later aborts the transfer, so a client never mistakes a cut file
//! for a whole one.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use diesel::Connection;
use serde::Serialize;
use tokio::sync::mpsc;

use super::error::ApiError;
use super::format::CSV_TYPE;
use super::query::QueryArgs;
use super::state::AppState;
use crate::db::DbConnection;
use crate::models::list::{Page, SortValue};

/// Encoded chunks buffered between the reader and the socket.
const IN_FLIGHT: usize = 4;

/// Where the next chunk starts (the key of the last row written), or `None`
/// after the last chunk.
pub type Next = Option<(SortValue, String)>;

/// The CSV writer a chunk is written into.
pub type Writer = csv::Writer<Vec<u8>>;

/// Write CSV rows into a chunk.
pub fn write<R: Serialize>(w: &mut Writer, rows: impl IntoIterator<Item = R>) -> Result<(), ApiError> {
    for row in rows {
        w.serialize(row).map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(())
}

/// The key of the last row of a chunk fetched with one extra row, or `None`
/// on the last chunk; trims the extra row.
pub fn split_last<R>(
    rows: &mut Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> (SortValue, String),
) -> Option<(SortValue, String)> {
    if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(key)
    } else {
        None
    }
}

struct Body(mpsc::Receiver<Result<Bytes, std::io::Error>>);

impl MessageBody for Body {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        self.get_mut().0.poll_recv(cx)
    }
}

/// Stream every row of a list as CSV. `fetch` reads one chunk of at most
/// `page.limit` rows (fetching one more to tell whether another follows),
/// writes them and says where the next chunk starts.
pub async fn csv<S, F>(
    state: &AppState,
    args: &QueryArgs,
    name: &str,
    headers: &'static [&'static str],
    mut page: Page<S>,
    mut fetch: F,
) -> Result<HttpResponse, ApiError>
where
    S: Send + 'static,
    F: FnMut(&mut DbConnection, &Page<S>, &mut Writer) -> Result<Next, ApiError> + Send + 'static,
{
    let expected = state.revision.get().map(|r| r.number);
    let bom = matches!(args.str("bom"), Some("1" | "true"));
    let pool = state.pool.clone();
    state.revision.count_db_call();
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(IN_FLIGHT);
    page.limit = state.config.stream_chunk_rows.max(1);
    let (first_tx, first_rx) = tokio::sync::oneshot::channel::<Result<(), ApiError>>();
    actix_web::rt::task::spawn_blocking(move || {
        let mut first = Some(first_tx);
        let result = pool.get().map_err(ApiError::from).and_then(|mut conn| {
            let conn: &mut DbConnection = &mut conn;
            conn.transaction::<(), ApiError, _>(|c| {
                if let DbConnection::Pg(pg) = c {
                    use diesel::RunQueryDsl;
                    diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(pg)?;
                }
                let current = crate::models::revision::current(c)?.map(|r| r.id);
                if current != expected {
                    return Err(ApiError::Unavailable("a new dataset revision is being published; retry".into()));
                }
                let mut head = true;
                let (started, mut in_fetch, mut in_send) = (std::time::Instant::now(), 0.0, 0.0);
                let mut bytes = 0usize;
                loop {
                    // Start small: most streams are short, and a chunk's
                    // buffer lives until the socket has taken it.
                    let mut out = Vec::with_capacity(16 << 10);
                    if head && bom {
                        out.extend_from_slice(b"\xEF\xBB\xBF");
                    }
                    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(out);
                    if head {
                        w.write_record(headers).map_err(|e| ApiError::Internal(e.to_string()))?;
                    }
                    let t = std::time::Instant::now();
                    let next = fetch(c, &page, &mut w)?;
                    in_fetch += t.elapsed().as_secs_f64();
                    let mut out = w.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?;
                    out.shrink_to_fit();
                    if let Some(f) = first.take() {
                        let _ = f.send(Ok(()));
                    }
                    head = false;
                    bytes += out.len();
                    let t = std::time::Instant::now();
                    if tx.blocking_send(Ok(Bytes::from(out))).is_err() {
                        return Ok(()); // the client went away
                    }
                    in_send += t.elapsed().as_secs_f64();
                    match next {
                        Some(after) => page.after = Some(after),
                        None => {
                            log::debug!(
                                "streamed {bytes} bytes in {:.2} s: {in_fetch:.2} s reading and encoding, \
                                 {in_send:.2} s waiting for the client",
                                started.elapsed().as_secs_f64()
                            );
                            return Ok(());
                        }
                    }
                }
            })
        });
        if let Err(e) = result {
            match first.take() {
                Some(f) => {
                    let _ = f.send(Err(e));
                }
                None => {
                    log::error!("CSV stream cut short: {e}");
                    let _ = tx.blocking_send(Err(std::io::Error::other("the stream failed; retry")));
                }
            }
        }
    });
    // Headers go out only once the first chunk is ready, so that an early
    // failure is still a proper problem response.
    match first_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err(ApiError::Internal("the CSV stream ended before its first chunk".into())),
    }
    Ok(HttpResponse::Ok()
        .content_type(CSV_TYPE)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")))
        .body(Body(rx)))
}
