//! How long a PostgreSQL connection may wait on the network. Without these,
//! a database behind a network that silently drops packets holds every
//! request in flight until TCP gives up (about 15 minutes on Linux).
//!
//! libpq's own parameters are added to the URL unless the user set them
//! (a value in the URL always wins):
//! - `connect_timeout`: opening a connection (TCP, TLS and the start-up
//!   exchange) ends after 5 s;
//! - `keepalives`, `keepalives_idle`, `keepalives_interval`,
//!   `keepalives_count`: a connection waiting on a silent server is probed
//!   after 10 s, every 5 s, and dropped after 3 unanswered probes;
//! - `tcp_user_timeout`: data sent and not acknowledged for 15 s (a query
//!   into a black hole) drops the connection.
//!
//! They bound what the kernel sees. A peer that acknowledges but never
//! answers is bounded one level up, where a request waits for its query
//! ([`super::answer_deadline`]).

/// The defaults, as libpq names them (seconds, `tcp_user_timeout` in ms).
pub const DEFAULTS: &[(&str, &str)] = &[
    ("connect_timeout", "5"),
    ("keepalives", "1"),
    ("keepalives_idle", "10"),
    ("keepalives_interval", "5"),
    ("keepalives_count", "3"),
    ("tcp_user_timeout", "15000"),
];

/// `url` with every parameter of [`DEFAULTS`] it does not set appended.
/// The rest of the URL is left byte for byte as it was.
pub fn with_network_bounds(url: &str) -> String {
    let (base, fragment) = match url.find('#') {
        Some(i) => url.split_at(i),
        None => (url, ""),
    };
    let query = base.split_once('?').map(|(_, q)| q).unwrap_or("");
    let given: Vec<String> = url::form_urlencoded::parse(query.as_bytes()).map(|(k, _)| k.into_owned()).collect();
    let mut out = base.to_string();
    let mut sep = match base.find('?') {
        None => '?',
        Some(_) if base.ends_with('?') || base.ends_with('&') => '\0',
        Some(_) => '&',
    };
    for (key, value) in DEFAULTS {
        if given.iter().any(|g| g == key) {
            continue;
        }
        if sep != '\0' {
            out.push(sep);
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
        sep = '&';
    }
    out.push_str(fragment);
    out
}

#[cfg(test)]
mod tests {
    use super::with_network_bounds;

    #[test]
    fn every_bound_is_added_to_a_url_without_parameters() {
        assert_eq!(
            with_network_bounds("postgres://reader@db/gagt"),
            "postgres://reader@db/gagt?connect_timeout=5&keepalives=1&keepalives_idle=10&keepalives_interval=5\
             &keepalives_count=3&tcp_user_timeout=15000"
        );
    }

    #[test]
    fn values_the_user_gave_are_kept_and_the_rest_untouched() {
        let url = "postgres://u:p%40ss@db:5433/gagt?sslmode=require&connect_timeout=30&tcp_user_timeout=0";
        assert_eq!(
            with_network_bounds(url),
            format!("{url}&keepalives=1&keepalives_idle=10&keepalives_interval=5&keepalives_count=3")
        );
    }

    #[test]
    fn a_url_ending_in_a_separator_gets_none_doubled() {
        assert!(with_network_bounds("postgres:///gagt?host=/tmp&")
            .starts_with("postgres:///gagt?host=/tmp&connect_timeout=5&"));
        assert!(with_network_bounds("postgres:///gagt?").starts_with("postgres:///gagt?connect_timeout=5&"));
    }
}
