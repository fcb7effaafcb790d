//! The resources under `/v1`, one file each: the collections (declared once
//! through [`crate::api::http::collection::Collection`]) and the endpoints
//! of their own kind (search, changes, downloads, feeds, index, health, the
//! landing page). Shared by them: `references` (filters naming other
//! records) and `assemble` (rows into wire views, related rows in batches).

pub mod assemble;
pub mod changes;
pub mod commitments;
pub mod downloads;
pub mod feeds;
pub mod health;
pub mod index;
pub mod institutions;
pub mod landing;
pub mod milestones;
pub mod plans;
pub mod progress_updates;
pub mod quality_findings;
pub mod references;
pub mod search;
pub mod sitemap;
pub mod source_documents;
