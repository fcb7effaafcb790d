//! Black-box tests of the HTTP API, one module per resource, each test run
//! on SQLite and on PostgreSQL: with a database of its own, or, for a test
//! that only reads, on an app the test binary shares (`read_only!`).

mod helpers;

mod attacks;
mod audit;
mod backends;
mod caching;
mod collections;
mod commitments;
mod dataset;
mod downloads;
mod errors;
mod faults;
mod fuzz_regressions;
mod hardening;
mod import;
mod institutions;
mod landing;
mod meta;
mod milestones;
mod pages;
mod plans;
mod prepared;
mod progress_updates;
mod publishing;
mod query_plans;
mod search;
