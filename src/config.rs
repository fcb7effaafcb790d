//! Configuration: one typed struct, built once from flags and environment.

use std::path::PathBuf;

use crate::db::DatabaseUrl;

/// The SQLite file used when no database URL is given.
pub const DEFAULT_SQLITE_FILE: &str = "gagt.sqlite3";

#[derive(Clone, Debug)]
pub struct Config {
    pub database: DatabaseUrl,
    pub host: String,
    pub port: u16,
    pub pool_size: u32,
    pub workers: usize,
    /// The bundled canonical dataset, imported on first start when the database is empty.
    pub bundled_dataset: Option<PathBuf>,
}

/// Resolve the database: the URL if given, else an SQLite file in `data_dir`.
pub fn database_url(url: Option<&str>, data_dir: &std::path::Path) -> DatabaseUrl {
    match url.filter(|u| !u.is_empty()) {
        Some(u) => DatabaseUrl::parse(u),
        None => DatabaseUrl::parse(&data_dir.join(DEFAULT_SQLITE_FILE).display().to_string()),
    }
}
