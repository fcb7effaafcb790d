//! What a request carries through the layers in its extensions: its id,
//! the client's address, and (on the way out) the cause of a failure, for
//! the log line only.

use actix_web::http::header::HeaderName;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The client's address (in request extensions): the peer's, or behind a
/// trusted proxy the forwarded one.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub std::net::IpAddr);

/// The id of the request being served (in request extensions).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// What went wrong inside, for the log line of this request only (never sent).
#[derive(Clone, Debug)]
pub struct Cause {
    pub error: bool,
    pub message: String,
}
