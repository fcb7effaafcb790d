//! A revision's snapshot written into a staging folder beside the published
//! ones, every file hashed on the way and synced on a thread of its own.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::diff::Diff;
use super::formats::*;
use super::parquet_file::write_parquet;
use super::sqlite_file::write_sqlite;
use super::{manifest, revision_dir, writer, Error, FileEntry, Manifest, Published, Staged, PACKAGE_NAME};
use crate::config::Config;
use crate::revision::Revision;

const CSV_MEDIA: &str = "text/csv; charset=utf-8";
const XLSX_MEDIA: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PARQUET_MEDIA: &str = "application/vnd.apache.parquet";
const SQLITE_MEDIA: &str = "application/vnd.sqlite3";

fn cannot_write(path: &Path, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
    Error::Write { path: path.to_path_buf(), source: e.into() }
}

/// A file being written into the staging folder, hashed and counted on the way.
struct Sink {
    name: String,
    path: PathBuf,
    out: BufWriter<std::fs::File>,
    sha: Sha256,
    bytes: u64,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.sha.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Writes to two writers: a CSV file and its entry in the ZIP.
struct Tee<'a, A, B>(&'a mut A, &'a mut B);

impl<A: Write, B: Write> Write for Tee<'_, A, B> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_all(buf)?;
        self.1.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()?;
        self.1.flush()
    }
}

/// The staging folder of one revision's snapshot. Each finished file goes to
/// a thread that syncs it to disk while the next one is written.
struct Staging<'a> {
    dir: &'a Path,
    rev: &'a Revision,
    finished: std::sync::mpsc::Sender<(std::fs::File, PathBuf)>,
}

impl Staging<'_> {
    fn create(&self, name: String) -> Result<(PathBuf, BufWriter<std::fs::File>), Error> {
        let path = self.dir.join(&name);
        let file = std::fs::File::create(&path).map_err(|e| cannot_write(&path, e))?;
        Ok((path, BufWriter::with_capacity(1 << 18, file)))
    }

    fn sink(&self, name: String) -> Result<Sink, Error> {
        let (path, out) = self.create(name.clone())?;
        Ok(Sink { name, path, out, sha: Sha256::new(), bytes: 0 })
    }

    fn finish(&self, out: BufWriter<std::fs::File>, path: &Path) -> Result<(), Error> {
        let file = out.into_inner().map_err(|e| cannot_write(path, e.into_error()))?;
        let _ = self.finished.send((file, path.to_path_buf()));
        Ok(())
    }

    /// A written file's manifest entry; `table` for a per-table file.
    fn close(&self, mut sink: Sink, format: &str, media: &str, table: Option<&Published>) -> Result<FileEntry, Error> {
        crate::progress::advance(crate::progress::Step::Files, 1);
        sink.flush().map_err(|e| cannot_write(&sink.path, e))?;
        let Sink { name, path, out, sha, bytes } = sink;
        self.finish(out, &path)?;
        Ok(FileEntry {
            name,
            format: format.into(),
            media_type: media.into(),
            table: table.map(|t| t.table.to_string()),
            plan: None,
            rows: table.map(|t| t.rows.len()),
            bytes,
            sha256: hex::encode(sha.finalize()),
            from_revision: None,
        })
    }

    fn whole(&self, name: String, format: &str, media: &str, bytes: &[u8]) -> Result<FileEntry, Error> {
        let mut sink = self.sink(name)?;
        sink.write_all(bytes).map_err(|e| cannot_write(&sink.path, e))?;
        self.close(sink, format, media, None)
    }

    /// A file written by a library that seeks (ZIP, XLSX): hashed by reading it back.
    fn read_back(
        &self,
        out: BufWriter<std::fs::File>,
        path: &Path,
        format: &str,
        media: &str,
    ) -> Result<FileEntry, Error> {
        self.finish(out, path)?;
        self.hashed(path, format, media)
    }

    /// The manifest entry of a finished file, hashed by reading it.
    fn hashed(&self, path: &Path, format: &str, media: &str) -> Result<FileEntry, Error> {
        crate::progress::advance(crate::progress::Step::Files, 1);
        let mut sha = Sha256::new();
        let bytes = std::fs::File::open(path)
            .and_then(|mut f| std::io::copy(&mut f, &mut sha))
            .map_err(|e| cannot_write(path, e))?;
        Ok(FileEntry {
            name: path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
            format: format.into(),
            media_type: media.into(),
            table: None,
            plan: None,
            rows: None,
            bytes,
            sha256: hex::encode(sha.finalize()),
            from_revision: None,
        })
    }

    fn xlsx(&self, config: &Config, tables: &[Published]) -> Result<FileEntry, Error> {
        let (path, mut out) = self.create(format!("{PACKAGE_NAME}-r{}.xlsx", self.rev.number))?;
        workbook(config, tables, self.rev)?.save_to_writer(&mut out).map_err(|e| cannot_write(&path, e))?;
        self.read_back(out, &path, "xlsx", XLSX_MEDIA)
    }

    /// One workbook per plan (`…-plan-gt-ogp-nap6-r3.xlsx`; latest: `…-plan-gt-ogp-nap6.xlsx`), in plan order.
    fn plan_xlsx(&self, config: &Config, tables: &[Published]) -> Result<Vec<FileEntry>, Error> {
        use rayon::prelude::*;
        let books = PlanBooks::new(config, tables, self.rev);
        books
            .plans
            .par_iter()
            .map(|(plan, title)| {
                let mut wb = books.workbook(plan, title)?;
                let (path, mut out) = self.create(format!("{PACKAGE_NAME}-plan-{plan}-r{}.xlsx", self.rev.number))?;
                wb.save_to_writer(&mut out).map_err(|e| cannot_write(&path, e))?;
                let entry = self.read_back(out, &path, "xlsx-plan", XLSX_MEDIA)?;
                Ok(FileEntry { plan: Some(plan.clone()), ..entry })
            })
            .collect()
    }

    /// The SQLite database of every table, written by SQLite itself.
    fn sqlite(&self, config: &Config, tables: &[Published]) -> Result<FileEntry, Error> {
        let path = self.dir.join(format!("{PACKAGE_NAME}-r{}.sqlite", self.rev.number));
        write_sqlite(&path, tables, config, self.rev).map_err(|e| cannot_write(&path, e))?;
        let file = std::fs::File::open(&path).map_err(|e| cannot_write(&path, e))?;
        let _ = self.finished.send((file, path.clone()));
        self.hashed(&path, "sqlite", SQLITE_MEDIA)
    }

    /// Every table's CSV file, written into the ZIP on the way, with the
    /// ZIP's own `datapackage.json` (the CSVs it holds): (the CSVs, the ZIP).
    fn csv_and_zip(&self, config: &Config, tables: &[Published]) -> Result<(Vec<FileEntry>, FileEntry), Error> {
        use chrono::{Datelike, Timelike};
        use zip::write::SimpleFileOptions;
        let rev = self.rev;
        let (path, out) = self.create(format!("{PACKAGE_NAME}-r{}.zip", rev.number))?;
        let zip_error = |e: zip::result::ZipError| cannot_write(&path, e);
        let when = chrono::DateTime::parse_from_rfc3339(&rev.created_at).map_err(|e| Error::RevisionTime(e.into()))?;
        let stamp = zip::DateTime::from_date_and_time(
            when.year() as u16,
            when.month() as u8,
            when.day() as u8,
            when.hour() as u8,
            when.minute() as u8,
            when.second() as u8,
        )
        .map_err(|e| Error::RevisionTime(e.into()))?;
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(DEFLATE_LEVEL))
            .last_modified_time(stamp)
            .unix_permissions(0o644);
        let inner = |name: &str| format!("{PACKAGE_NAME}-r{}/{name}", rev.number);
        let mut zip = zip::ZipWriter::new(out);
        let mut csvs = Vec::with_capacity(tables.len());
        for t in tables {
            let mut sink = self.sink(format!("{}.csv", t.table))?;
            zip.start_file(inner(&sink.name), options).map_err(zip_error)?;
            write_csv(&t.columns, &t.rows, false, Tee(&mut sink, &mut zip)).map_err(|e| cannot_write(&sink.path, e))?;
            csvs.push(self.close(sink, "csv", CSV_MEDIA, Some(t))?);
        }
        let package = serde_json::to_vec_pretty(&datapackage(config, rev, &csvs)).unwrap_or_default();
        zip.start_file(inner("datapackage.json"), options).map_err(zip_error)?;
        zip.write_all(&package).map_err(|e| cannot_write(&path, e))?;
        let out = zip.finish().map_err(zip_error)?;
        let zip = self.read_back(out, &path, "zip", "application/zip")?;
        Ok((csvs, zip))
    }

    /// A table's Excel CSV, JSON, NDJSON and Parquet files: copied from the
    /// previous revision's when `reuse` has them (hashed again on the way).
    fn other_table_files(&self, t: &Published, reuse: &Reuse) -> Result<[FileEntry; 4], Error> {
        if let Some([excel, json, nd, parquet]) = reuse.files(t.table) {
            let copy = |f: &FileEntry| {
                let mut sink = self.sink(f.name.clone())?;
                std::fs::File::open(reuse.dir.join(&f.name))
                    .and_then(|mut from| std::io::copy(&mut from, &mut sink))
                    .map_err(|e| cannot_write(&sink.path, e))?;
                self.close(sink, &f.format, &f.media_type, Some(t))
            };
            return Ok([copy(excel)?, copy(json)?, copy(nd)?, copy(parquet)?]);
        }
        let mut excel = self.sink(format!("{}-excel.csv", t.table))?;
        write_csv(&t.columns, &t.rows, true, &mut excel).map_err(|e| cannot_write(&excel.path, e))?;
        let excel = self.close(excel, "csv-excel", CSV_MEDIA, Some(t))?;
        let (mut json, mut nd) = (self.sink(format!("{}.json", t.table))?, self.sink(format!("{}.ndjson", t.table))?);
        write_json(&t.columns, &t.rows, &mut json, &mut nd).map_err(|e| cannot_write(&json.path, e))?;
        let json = self.close(json, "json", "application/json", Some(t))?;
        let nd = self.close(nd, "ndjson", "application/x-ndjson", Some(t))?;
        let parquet = self.sink(format!("{}.parquet", t.table))?;
        let path = parquet.path.clone();
        let parquet = write_parquet(t, parquet).map_err(|e| cannot_write(&path, e))?;
        Ok([excel, json, nd, self.close(parquet, "parquet", PARQUET_MEDIA, Some(t))?])
    }

    /// The changes from the previous revision as NDJSON and CSV (`diff/`).
    fn diff(&self, diff: &Diff) -> Result<Vec<FileEntry>, Error> {
        let name = |ext: &str| format!("{PACKAGE_NAME}-diff-r{}.{ext}", self.rev.number);
        let (mut nd, mut csv) = (self.sink(name("ndjson"))?, self.sink(name("csv"))?);
        let lines = diff.write_ndjson(&mut nd).map_err(|e| cannot_write(&nd.path, e))?;
        let rows = diff.write_csv(&mut csv).map_err(|e| cannot_write(&csv.path, e))?;
        let of = |e: FileEntry, rows| FileEntry { rows: Some(rows), from_revision: Some(diff.from), ..e };
        let nd = of(self.close(nd, "diff-ndjson", "application/x-ndjson", None)?, lines);
        Ok(vec![nd, of(self.close(csv, "diff-csv", CSV_MEDIA, None)?, rows)])
    }

    /// Every file, listed in manifest order: per table its CSV, Excel CSV,
    /// JSON, NDJSON and Parquet, then the diff files, `datapackage.json`, the
    /// XLSX, one XLSX per plan, the SQLite database, the ZIP and `SHA256SUMS`.
    /// The XLSX, the database, the CSVs with the ZIP, and the other per-table
    /// files then the diff are written at the same time where there are
    /// threads for them.
    fn all(&self, config: &Config, tables: &[Published]) -> Result<Vec<FileEntry>, Error> {
        let started = std::time::Instant::now();
        // Five per table, one per plan, six for the whole (two more with a diff).
        let plans = tables.iter().find(|t| t.table == "plans").map_or(0, |t| t.rows.len());
        crate::progress::begin(crate::progress::Step::Files, (tables.len() * 5 + plans + 6) as u64);
        let timed = |what: &str| log::debug!("snapshot: {what} at {:.2} s", started.elapsed().as_secs_f64());
        let ((xlsx, sqlite), (zipped, (others, diff))) = rayon::join(
            || {
                rayon::join(
                    || {
                        let whole = self.xlsx(config, tables).inspect(|_| timed("XLSX"));
                        let plans = self.plan_xlsx(config, tables).inspect(|_| timed("XLSX per plan"));
                        (whole, plans)
                    },
                    || self.sqlite(config, tables).inspect(|_| timed("SQLite")),
                )
            },
            || {
                rayon::join(
                    || self.csv_and_zip(config, tables).inspect(|_| timed("CSV and ZIP")),
                    || {
                        // The previous revision's files compared first: an
                        // unchanged table's files are copied, not written again.
                        let diff = super::diff::from_previous(config, self.rev.number, tables);
                        timed("compared with the previous revision");
                        let reuse = Reuse::new(config, diff.as_ref());
                        let o = tables.iter().map(|t| self.other_table_files(t, &reuse)).collect::<Result<Vec<_>, _>>();
                        let o = o.inspect(|_| timed("Excel CSV, JSON, NDJSON, Parquet"));
                        let diff = match &diff {
                            Some(diff) if o.is_ok() => self.diff(diff),
                            _ => Ok(Vec::new()),
                        };
                        (o, diff.inspect(|_| timed("diff")))
                    },
                )
            },
        );
        // The files' own errors first: a full disk is named by them, not by SQLite.
        let (csvs, zip) = zipped?;
        let mut out = Vec::with_capacity(tables.len() * 5 + 5);
        for (csv, others) in csvs.into_iter().zip(others?) {
            out.push(csv);
            out.extend(others);
        }
        out.extend(diff?);
        let ((xlsx, plan_xlsx), sqlite) = ((xlsx.0?, xlsx.1?), sqlite?);
        let described = [out.as_slice(), std::slice::from_ref(&sqlite)].concat();
        let package = serde_json::to_vec_pretty(&datapackage(config, self.rev, &described)).unwrap_or_default();
        let package = self.whole("datapackage.json".into(), "datapackage", "application/json", &package)?;
        out.extend([package, xlsx]);
        out.extend(plan_xlsx);
        out.extend([sqlite, zip]);
        let sums: String = out.iter().map(|e| format!("{}  {}\n", e.sha256, e.name)).collect();
        out.push(self.whole("SHA256SUMS".into(), "sha256sums", "text/plain; charset=utf-8", sums.as_bytes())?);
        crate::progress::finish(crate::progress::Step::Files);
        Ok(out)
    }
}

/// Files of the previous revision's snapshot that this one takes over: the
/// Excel CSV, JSON, NDJSON and Parquet files of tables whose rows are the
/// same (their bytes do not depend on the revision), when this same program
/// wrote them. (The CSVs are written again: the ZIP is written from them.)
#[derive(Default)]
struct Reuse {
    dir: PathBuf,
    files: Vec<FileEntry>,
}

impl Reuse {
    const FORMATS: [&'static str; 4] = ["csv-excel", "json", "ndjson", "parquet"];

    fn new(config: &Config, diff: Option<&Diff>) -> Reuse {
        let Some(diff) = diff else { return Reuse::default() };
        let Some(previous) = manifest(config, diff.from).filter(|m| m.writer.is_some() && m.writer == writer()) else {
            return Reuse::default();
        };
        let unchanged: Vec<&str> = diff.unchanged_tables().collect();
        let files = previous
            .files
            .into_iter()
            .filter(|f| f.table.as_deref().is_some_and(|t| unchanged.contains(&t)))
            .filter(|f| Self::FORMATS.contains(&f.format.as_str()))
            .collect();
        Reuse { dir: revision_dir(config, diff.from), files }
    }

    /// The table's four files, in the order they are listed, if all are there.
    fn files(&self, table: &str) -> Option<[&FileEntry; 4]> {
        let of = |format: &str| self.files.iter().find(|f| f.table.as_deref() == Some(table) && f.format == format);
        Some([of(Self::FORMATS[0])?, of(Self::FORMATS[1])?, of(Self::FORMATS[2])?, of(Self::FORMATS[3])?])
    }
}

/// Write every file of a revision's snapshot into a staging folder beside
/// the published ones, straight from the rows (no file is held in memory
/// whole), each synced to disk on a thread of its own once finished;
/// `manifest.json` last. On failure (a full disk, say) nothing half-written
/// is left behind. [`publish_staged`] renames the folder into place.
pub fn build_staged(config: &Config, tables: &[Published], rev: &Revision) -> Result<Staged, Error> {
    std::fs::create_dir_all(&config.snapshot_dir)
        .map_err(|source| Error::CreateDir { dir: config.snapshot_dir.clone(), source })?;
    let staged = Staged::create(&config.snapshot_dir, rev.number)?;
    let tmp = staged.dir();
    let files = std::thread::scope(|scope| {
        let (finished, synced) = std::sync::mpsc::channel::<(std::fs::File, PathBuf)>();
        let syncer = scope.spawn(move || {
            let mut first = Ok(());
            for (file, path) in synced {
                // Same Last-Modified on every replica: the revision's time.
                let _ = file.set_modified(rev.modified);
                if first.is_ok() {
                    first = file.sync_all().map_err(|e| cannot_write(&path, e));
                }
            }
            first
        });
        let files = Staging { dir: tmp, rev, finished }.all(config, tables);
        let synced = syncer.join().unwrap_or(Err(Error::SyncPanicked));
        files.and_then(|files| synced.map(|()| files))
    });
    // On failure, dropping `staged` removes it: nothing half-written stays.
    files.and_then(|files| {
        let manifest = Manifest { revision: rev.number, created_at: rev.created_at.clone(), files, writer: writer() };
        write_file(&tmp.join("manifest.json"), &serde_json::to_vec_pretty(&manifest).unwrap_or_default(), rev)
    })?;
    Ok(staged)
}

fn write_file(path: &Path, bytes: &[u8], rev: &Revision) -> Result<(), Error> {
    let mut f = std::fs::File::create(path).map_err(|e| cannot_write(path, e))?;
    f.write_all(bytes).map_err(|e| cannot_write(path, e))?;
    f.sync_all().map_err(|e| cannot_write(path, e))?;
    // Same Last-Modified on every replica: the revision's time.
    let _ = f.set_modified(rev.modified);
    Ok(())
}
