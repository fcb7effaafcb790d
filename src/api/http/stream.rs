//! Every row of a filtered list as one streamed CSV response (a CSV asked
//! for without `limit` or `cursor`, when it does not fit in one chunk).
//!
//! A reader thread walks the list in keyset chunks inside one read
//! transaction (a consistent snapshot of one revision), an encoder thread
//! turns each chunk into CSV, and the encoded chunks reach the response
//! through a small bounded channel: memory stays flat whatever the size, and
//! a slow client slows the reader instead of filling memory. A failure
//! before the first byte is a problem response; a failure later aborts the
//! transfer, so a client never mistakes a cut file for a whole one.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use serde::Serialize;
use tokio::sync::mpsc;

use super::error::ApiError;
use super::limits::Refusal;
use super::negotiate::CSV_TYPE;
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

/// What a streamed file is called and how it starts.
pub struct File {
    /// Its name, without `.csv`.
    pub name: String,
    /// The header row (field names, or their labels).
    pub headers: Vec<String>,
    /// Starts with a UTF-8 byte-order mark.
    pub bom: bool,
    /// Compressed as it goes (gzip or brotli), as the client accepts.
    pub encoding: super::encoding::Encoding,
}

/// Chunks read ahead of the encoder.
const READ_AHEAD: usize = 2;

/// Stream every row of a list as CSV, in two stages on two threads: `fetch`
/// reads one chunk of at most `page.limit` records (fetching one more to tell
/// whether another follows) and says where the next chunk starts, while
/// `encode` writes the chunk before as CSV. Reading (the database and row
/// decoding) and encoding take about as long as each other, so the stream
/// runs at the pace of the slower one instead of their sum.
pub async fn csv<S, R, F, E>(
    state: &AppState,
    args: &QueryArgs,
    file: File,
    mut page: Page<S>,
    mut fetch: F,
    encode: E,
) -> Result<HttpResponse, ApiError>
where
    S: Send + 'static,
    R: Send + 'static,
    F: FnMut(&mut DbConnection, &Page<S>) -> Result<(Vec<R>, Next), ApiError> + Send + 'static,
    E: Fn(&[R], &mut Writer) -> Result<(), ApiError> + Send + 'static,
{
    let File { name, headers, bom, encoding } = file;
    let client = args.client.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
    let slot = state.streams.admit(client).map_err(|why| match why {
        Refusal::PerAddress(n) => ApiError::ClientLimit {
            detail: format!(
                "at most {n} whole-list downloads at once per client; wait for one to finish, or download the \
                 snapshot files listed at /v1/downloads"
            ),
            retry_after: 5,
        },
        Refusal::Total(_) => ApiError::Busy {
            detail: "every slot for whole-list downloads is taken; retry shortly, or download the snapshot files \
                     listed at /v1/downloads"
                .into(),
            retry_after: 5,
        },
    })?;
    let expected = state.served_revision().map(|r| r.number);
    let pool = state.pool.clone();
    state.revision.count_db_call();
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(IN_FLIGHT);
    page.limit = state.config.stream_chunk_rows.max(1);
    let (first_tx, first_rx) = tokio::sync::oneshot::channel::<Result<(), ApiError>>();
    let (chunks_tx, chunks_rx) = std::sync::mpsc::sync_channel::<Result<Vec<R>, ApiError>>(READ_AHEAD);
    // Encoded chunks go back to the reader to be freed there: the allocator
    // (glibc's) frees a block fastest on the thread that made it, and a
    // million rows' strings freed from the other thread contend on its lock.
    let (spent_tx, spent_rx) = std::sync::mpsc::channel::<Vec<R>>();

    // The reader: one read transaction (one revision), chunk after chunk.
    actix_web::rt::task::spawn_blocking(move || {
        // The stream's slot is given back when its reading ends.
        let _slot = slot;
        let started = std::time::Instant::now();
        let result = pool.get().map_err(ApiError::from).and_then(|mut conn| {
            let conn: &mut DbConnection = &mut conn;
            crate::db::read_snapshot::<(), ApiError>(conn, |c| {
                let current = crate::models::revision::current(c)?.map(|r| r.id);
                if current != expected {
                    return Err(ApiError::Busy {
                        detail: "a new dataset revision is being published; retry".into(),
                        retry_after: 1,
                    });
                }
                loop {
                    spent_rx.try_iter().for_each(drop);
                    let (records, next) = fetch(c, &page)?;
                    if chunks_tx.send(Ok(records)).is_err() {
                        return Ok(()); // the encoder stopped: the client went away
                    }
                    match next {
                        Some(after) => page.after = Some(after),
                        None => return Ok(()),
                    }
                }
            })
        });
        log::debug!("stream read in {:.2} s", started.elapsed().as_secs_f64());
        if let Err(e) = result {
            let _ = chunks_tx.send(Err(e));
        }
    });

    // The encoder: CSV chunks into the response, the first one releasing
    // the headers; a failure before it is a problem response, after it an
    // aborted transfer.
    actix_web::rt::task::spawn_blocking(move || {
        let mut first = Some(first_tx);
        let mut compressor = super::encoding::Encoder::for_stream(encoding);
        let (started, mut in_send, mut bytes, mut last_len) = (std::time::Instant::now(), 0.0, 0usize, 0usize);
        let fail =
            |first: &mut Option<tokio::sync::oneshot::Sender<Result<(), ApiError>>>, e: ApiError| match first.take() {
                Some(f) => {
                    let _ = f.send(Err(e));
                }
                None => {
                    log::error!("CSV stream cut short: {e}");
                    let _ = tx.blocking_send(Err(std::io::Error::other("the stream failed; retry")));
                }
            };
        for chunk in chunks_rx {
            let records = match chunk {
                Ok(records) => records,
                Err(e) => return fail(&mut first, e),
            };
            // Start small (most streams are short, and a chunk's buffer
            // lives until the socket has taken it), then size each chunk
            // like the one before, so that it is not copied as it grows.
            let mut out = Vec::with_capacity((last_len + last_len / 8).max(16 << 10));
            let head = first.is_some();
            if head && bom {
                out.extend_from_slice(super::negotiate::BOM);
            }
            let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(out);
            let written =
                if head { w.write_record(&headers).map_err(|e| ApiError::Internal(e.to_string())) } else { Ok(()) }
                    .and_then(|()| encode(&records, &mut w))
                    .and_then(|()| w.into_inner().map_err(|e| ApiError::Internal(e.to_string())));
            let _ = spent_tx.send(records);
            let out = match written {
                Ok(out) => out,
                Err(e) => return fail(&mut first, e),
            };
            last_len = out.len();
            bytes += out.len();
            let out = match encoding {
                super::encoding::Encoding::Identity => out,
                _ => compressor.push(&out),
            };
            if let Some(f) = first.take() {
                let _ = f.send(Ok(()));
            }
            // An empty chunk would end a chunked response early (the
            // compressor may hold back a whole chunk's output).
            if out.is_empty() {
                continue;
            }
            let t = std::time::Instant::now();
            if tx.blocking_send(Ok(Bytes::from(out))).is_err() {
                return; // the client went away; dropping the receiver stops the reader
            }
            in_send += t.elapsed().as_secs_f64();
        }
        let end = compressor.finish();
        if !end.is_empty() && tx.blocking_send(Ok(Bytes::from(end))).is_err() {
            return;
        }
        log::debug!(
            "streamed {bytes} bytes in {:.2} s, {in_send:.2} s of it waiting for the client",
            started.elapsed().as_secs_f64()
        );
    });
    // Headers go out only once the first chunk is ready, so that an early
    // failure is still a proper problem response.
    match state.within_deadline(first_rx).await? {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err(ApiError::Internal("the CSV stream ended before its first chunk".into())),
    }
    let mut res = HttpResponse::Ok();
    res.content_type(CSV_TYPE)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")));
    if let Some(token) = encoding.token() {
        res.insert_header((header::CONTENT_ENCODING, token));
    }
    Ok(res.body(Body(rx)))
}
