//! HTTP plumbing shared by every resource, bottom to top: what a request
//! carries (`request`), the one error type (`error`), query parsing
//! (`query`, typed `params`), the representation (`negotiate`), pages and
//! cursors (`pagination`), the shared state (`state`), caches and
//! conditional requests (`cache`, `caching`), compression (`encoding`), files with ranges (`files`),
//! spreadsheets (`spreadsheet`), one revision per response (`consistency`), limits (`ratelimit`,
//! `limits`), whole-list streams (`stream`), the outermost layer (`edge`),
//! and a collection declared once (`collection`, its OpenAPI in `describe`).
//! Nothing here knows a resource.

pub mod cache;
pub mod caching;
pub mod collection;
pub mod consistency;
pub mod describe;
pub mod edge;
pub mod encoding;
pub mod error;
pub mod files;
pub mod limits;
pub mod list_file;
pub mod negotiate;
pub mod pagination;
pub mod params;
pub mod prepared;
pub mod query;
pub mod ratelimit;
pub mod request;
pub mod spreadsheet;
pub mod state;
pub mod stream;
