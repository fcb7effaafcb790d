//! The HTTP surface: `app` builds the application from one route list,
//! `openapi` is the document those routes make, `http` is the plumbing every
//! route shares, and `resources` are the routes themselves, one file each.

pub mod app;
pub mod http;
pub mod openapi;
pub mod pages;
pub mod resources;

pub use app::build_app;
pub use app::{openapi, openapi_json};
pub use http::error;
pub use http::state::AppState;
