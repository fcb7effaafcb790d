//! `/v1/downloads`: the snapshot files of the current and past revisions,
//! served like a good file server (Range, validators, long caching for
//! per-revision files), straight from disk and never re-compressed.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType, HeaderValue};
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::http::error::{ApiError, Problem};
use crate::api::http::negotiate::{self as format, Format};
use crate::api::http::negotiate::{Representation, RepresentationParams, REPRESENTATION};
use crate::api::http::query::QueryArgs;
use crate::api::http::state::AppState;
use crate::api::resources::changes::DiffFiles;
use crate::revision::Revision;
use crate::snapshot::{self, FileEntry};

/// A downloadable file with its URLs.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Download {
    #[serde(flatten)]
    pub file: FileEntry,
    /// Always the newest revision's file.
    pub url: String,
    /// This revision's file, immutable.
    pub revision_url: String,
    /// RFC 3339 time of the revision (the file's Last-Modified).
    pub modified: String,
}

/// A past revision that can still be downloaded.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct PastRevision {
    pub revision: i32,
    pub created_at: String,
    pub sha256sums: String,
}

/// The files of the current revision.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Downloads {
    pub revision: i32,
    pub created_at: String,
    pub license: String,
    pub license_url: String,
    pub citation: String,
    pub files: Vec<Download>,
    /// The changes from the previous revision as files (also in `files`, format `diff-ndjson` and `diff-csv`).
    pub diff: Option<DiffFiles>,
    /// Why there are no diff files, when there are none: the first revision, or the previous revision's
    /// files were not on disk to compare with when these were written.
    pub no_diff: Option<String>,
    pub past_revisions: Vec<PastRevision>,
}

/// The newest revision whose files are written: the current one, or while
/// its files are missing (being written, or failing: `/readyz` says which)
/// the newest before it that is still on disk.
fn downloadable(state: &AppState) -> Result<(Revision, snapshot::Manifest), ApiError> {
    let rev = state.served_revision().ok_or_else(|| ApiError::Unavailable("no dataset revision yet".into()))?;
    if let Some(m) = snapshot::manifest(&state.config, rev.number) {
        return Ok((Revision::clone(&rev), m));
    }
    let m = snapshot::available(&state.config)
        .into_iter()
        .filter(|n| *n < rev.number)
        .find_map(|n| snapshot::manifest(&state.config, n))
        .ok_or_else(|| ApiError::Unavailable(format!("snapshot of revision {} is being written", rev.number)))?;
    let row = crate::models::RevisionRow { id: m.revision, created_at: m.created_at.clone(), ..Default::default() };
    Ok((Revision::from_row(&row), m))
}

pub fn current(state: &AppState) -> Result<Downloads, ApiError> {
    let (rev, manifest) = downloadable(state)?;
    let config = &state.config;
    let files = manifest
        .files
        .iter()
        .map(|f| Download {
            url: format!("/v1/downloads/latest/{}", snapshot::stable_name(&f.name, rev.number)),
            revision_url: format!("/v1/downloads/r{}/{}", rev.number, f.name),
            modified: rev.created_at.clone(),
            file: f.clone(),
        })
        .collect();
    let past_revisions = snapshot::available(config)
        .into_iter()
        .filter(|n| *n != rev.number)
        .filter_map(|n| snapshot::manifest(config, n))
        .map(|m| PastRevision {
            revision: m.revision,
            created_at: m.created_at,
            sha256sums: format!("/v1/downloads/r{}/SHA256SUMS", m.revision),
        })
        .collect();
    let diff = DiffFiles::of(&manifest);
    let no_diff = match (&diff, rev.number) {
        (Some(_), _) => None,
        (None, 1) => Some("revision 1 is the first: there is nothing to compare it with".into()),
        (None, n) => Some(format!(
            "no diff from revision {}: its files were not on disk, or not as published, when these were written",
            n - 1
        )),
    };
    Ok(Downloads {
        revision: rev.number,
        created_at: rev.created_at.clone(),
        license: config.license_name.clone(),
        license_url: config.license_url.clone(),
        citation: snapshot::citation(config, &rev),
        files,
        diff,
        no_diff,
        past_revisions,
    })
}

#[derive(Serialize)]
struct DownloadCsv {
    name: String,
    format: String,
    table: Option<String>,
    rows: Option<usize>,
    bytes: u64,
    sha256: String,
    url: String,
    revision_url: String,
    from_revision: Option<i32>,
}

#[utoipa::path(
    tag = "downloads",
    operation_id = "list_downloads",
    summary = "Bulk downloads of the whole dataset: every file with size, checksum, rows and format",
    params(RepresentationParams),
    responses(
        (status = 200, description = "The current revision's files and the past revisions kept", content(
            (Downloads = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept, or `format=xlsx` (this list is JSON or CSV)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No snapshot yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/downloads")]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &REPRESENTATION)?;
    let repr = Representation::of(&req, &args)?;
    let d = current(&state)?;
    Ok(match repr.format {
        Format::Json => format::json(&d),
        Format::Xlsx => return Err(format::not_a_spreadsheet()),
        Format::Csv => {
            let rows: Vec<DownloadCsv> = d
                .files
                .iter()
                .map(|f| DownloadCsv {
                    name: f.file.name.clone(),
                    format: f.file.format.clone(),
                    table: f.file.table.clone(),
                    rows: f.file.rows,
                    bytes: f.file.bytes,
                    sha256: f.file.sha256.clone(),
                    url: f.url.clone(),
                    revision_url: f.revision_url.clone(),
                    from_revision: f.file.from_revision,
                })
                .collect();
            let headers =
                &["name", "format", "table", "rows", "bytes", "sha256", "url", "revision_url", "from_revision"];
            repr.csv("downloads", headers, &rows)?
        }
    })
}

/// Serve one snapshot file with Range, If-None-Match / If-Modified-Since and caching.
fn serve_file(
    req: &HttpRequest,
    state: &AppState,
    revision: i32,
    name: &str,
    immutable: bool,
) -> Result<HttpResponse, ApiError> {
    let manifest = snapshot::manifest(&state.config, revision)
        .ok_or_else(|| ApiError::NotFound(format!("revision {revision} is not downloadable")))?;
    // Only names listed in the manifest: no path can leave the snapshot folder.
    let stable = |f: &FileEntry| !immutable && snapshot::stable_name(&f.name, revision) == name;
    let entry = manifest.files.iter().find(|f| f.name == name || stable(f)).ok_or_else(|| {
        ApiError::NotFound(format!("no file `{}` in revision {revision}", name.chars().take(100).collect::<String>()))
    })?;
    let etag = format!("\"{}\"", &entry.sha256[..32]);
    let cache = if immutable {
        "public, max-age=31536000, immutable".to_string()
    } else {
        format!("public, max-age={}", state.config.cache_max_age)
    };
    let path = snapshot::revision_dir(&state.config, revision).join(&entry.name);
    let meta = std::fs::metadata(&path).map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(entry.name.clone())],
    };
    // Text formats say their charset (Excel and browsers need it for accents).
    let mime = match entry.media_type.as_str() {
        t @ ("text/csv" | "text/plain" | "application/json" | "application/x-ndjson") => format!("{t}; charset=utf-8"),
        t => t.to_string(),
    };
    let header = |v: &str| HeaderValue::from_str(v).map_err(|e| ApiError::Internal(e.to_string()));
    // Small files are served from memory.
    let memory = (entry.bytes <= crate::api::http::files::FileCache::MAX_FILE)
        .then(|| state.files.get(revision, &entry.name, &path))
        .flatten();
    let modified = state.served_revision().filter(|r| r.number == revision).map(|r| r.modified);
    crate::api::http::files::respond(
        req,
        crate::api::http::files::File {
            len: meta.len(),
            etag,
            modified: modified.or_else(|| meta.modified().ok()).unwrap_or(std::time::UNIX_EPOCH),
            memory,
            headers: vec![
                (header::CONTENT_TYPE, header(&mime)?),
                (header::CONTENT_DISPOSITION, header(&disposition.to_string())?),
                (header::CACHE_CONTROL, header(&cache)?),
            ],
            path,
        },
    )
}

#[utoipa::path(
    tag = "downloads",
    operation_id = "get_latest_download",
    summary = "A file of the newest revision (stable URL)",
    params(("file" = String, Path, description = "File name as listed by /v1/downloads")),
    responses(
        (status = 200, description = "The file, with the media type of its format", content(
            (Vec<u8> = "text/csv"),
            (Vec<u8> = "application/json"),
            (Vec<u8> = "application/x-ndjson"),
            (Vec<u8> = "application/zip"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Vec<u8> = "application/vnd.apache.parquet"),
            (Vec<u8> = "application/vnd.sqlite3"),
            (Vec<u8> = "text/plain")
        )),
        (status = 206, description = "The requested range", content(
            (Vec<u8> = "text/csv"),
            (Vec<u8> = "application/json"),
            (Vec<u8> = "application/x-ndjson"),
            (Vec<u8> = "application/zip"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Vec<u8> = "application/vnd.apache.parquet"),
            (Vec<u8> = "application/vnd.sqlite3"),
            (Vec<u8> = "text/plain")
        )),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such file", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match or If-Unmodified-Since does not hold for this file", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "Range not satisfiable (Content-Range gives the file's length)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/downloads/latest/{file}")]
pub async fn latest(
    req: HttpRequest,
    file: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    QueryArgs::parse(&req, &[])?;
    let (rev, _) = downloadable(&state)?;
    serve_file(&req, &state, rev.number, &file, false)
}

#[utoipa::path(
    tag = "downloads",
    operation_id = "get_revision_download",
    summary = "A file of one revision (immutable URL, cacheable forever)",
    params(
        ("revision" = String, Path, description = "`r` and the revision number, e.g. r3"),
        ("file" = String, Path, description = "File name as listed by /v1/downloads")
    ),
    responses(
        (status = 200, description = "The file, with the media type of its format", content(
            (Vec<u8> = "text/csv"),
            (Vec<u8> = "application/json"),
            (Vec<u8> = "application/x-ndjson"),
            (Vec<u8> = "application/zip"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Vec<u8> = "application/vnd.apache.parquet"),
            (Vec<u8> = "application/vnd.sqlite3"),
            (Vec<u8> = "text/plain")
        )),
        (status = 206, description = "The requested range", content(
            (Vec<u8> = "text/csv"),
            (Vec<u8> = "application/json"),
            (Vec<u8> = "application/x-ndjson"),
            (Vec<u8> = "application/zip"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Vec<u8> = "application/vnd.apache.parquet"),
            (Vec<u8> = "application/vnd.sqlite3"),
            (Vec<u8> = "text/plain")
        )),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such revision or file", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match or If-Unmodified-Since does not hold for this file", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "Range not satisfiable (Content-Range gives the file's length)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/downloads/{revision}/{file}")]
pub async fn by_revision(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    QueryArgs::parse(&req, &[])?;
    let (revision, file) = path.into_inner();
    let number: i32 = revision.strip_prefix('r').and_then(|n| n.parse().ok()).ok_or_else(|| {
        ApiError::NotFound(format!("`{}` is not a revision like r3", revision.chars().take(40).collect::<String>()))
    })?;
    serve_file(&req, &state, number, &file, true)
}
