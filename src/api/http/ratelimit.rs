//! Rate limiting per client address, with the `governor` crate (GCRA):
//! the IETF `RateLimit-Policy` and `RateLimit` fields
//! (draft-ietf-httpapi-ratelimit-headers) and the older
//! `x-ratelimit-limit` / `x-ratelimit-remaining` on every response, 429 with
//! `Retry-After` as problem+json past the quota. The client address is the
//! peer's, or — only when the peer is a configured reverse proxy — the
//! nearest untrusted address in `X-Forwarded-For`. Checked in `edge`, the
//! outermost layer, so every method and path counts (cached answers and
//! 304s included): nothing is exempt.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

type Limiter = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>;

/// One limiter shared by every worker of a process.
pub struct RateLimit {
    limiter: Limiter,
    burst: u32,
    /// Time to earn back one request.
    interval: std::time::Duration,
    /// `RateLimit-Policy`: `burst` requests per the time to earn them all back.
    pub policy: actix_web::http::header::HeaderValue,
    trusted_proxies: Vec<IpAddr>,
    checks: AtomicU64,
}

/// What the limiter says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// `reset_secs`: until the whole burst is available again.
    Allowed {
        limit: u32,
        remaining: u32,
        reset_secs: u64,
    },
    Refused {
        limit: u32,
        retry_after_secs: u64,
    },
}

/// The name of the one policy in `RateLimit-Policy` and `RateLimit`.
pub const POLICY_NAME: &str = "per-address";

impl Verdict {
    /// The `RateLimit` field: what is left of the quota and when it is whole.
    pub fn field(&self) -> String {
        let (r, t) = match *self {
            Verdict::Allowed { remaining, reset_secs, .. } => (remaining, reset_secs),
            Verdict::Refused { retry_after_secs, .. } => (0, retry_after_secs),
        };
        format!("\"{POLICY_NAME}\";r={r};t={t}")
    }
}

/// The address to count: the peer, unless the peer is a trusted proxy; then
/// walk `X-Forwarded-For` from the right past trusted proxies.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> =
        forwarded_for.unwrap_or_default().split(',').filter_map(|h| h.trim().parse::<IpAddr>().ok()).collect();
    hops.into_iter().rev().find(|ip| !trusted.contains(ip)).unwrap_or(peer)
}

impl RateLimit {
    /// `per_minute` requests per minute per client, in bursts of up to
    /// `burst` (0: a quarter of `per_minute`, room for a script fetching
    /// every download file at once); `None` when `per_minute` is 0 (no limit).
    pub fn new(per_minute: u32, burst: u32, trusted_proxies: &[IpAddr]) -> Option<RateLimit> {
        let per_minute = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new(if burst == 0 { (per_minute.get() / 4).max(1) } else { burst })?;
        let limiter = RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst))
            .with_middleware::<StateInformationMiddleware>();
        let interval = std::time::Duration::from_secs(60) / per_minute.get();
        let window = (interval * burst.get()).as_secs_f64().ceil() as u64;
        Some(RateLimit {
            limiter,
            burst: burst.get(),
            interval,
            policy: actix_web::http::header::HeaderValue::from_str(&format!(
                "\"{POLICY_NAME}\";q={};w={window}",
                burst.get()
            ))
            .ok()?,
            trusted_proxies: trusted_proxies.to_vec(),
            checks: 0.into(),
        })
    }

    pub fn check(&self, peer: IpAddr, forwarded_for: Option<&str>) -> Verdict {
        // Forget idle clients now and then, so memory stays flat under churn.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 16_384 == 16_383 {
            self.limiter.retain_recent();
        }
        let client = client_ip(peer, forwarded_for, &self.trusted_proxies);
        match self.limiter.check_key(&client) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                let spent = self.burst.saturating_sub(remaining);
                let reset_secs = (self.interval * spent).as_secs_f64().ceil() as u64;
                Verdict::Allowed { limit: self.burst, remaining, reset_secs }
            }
            Err(not_until) => Verdict::Refused {
                limit: self.burst,
                retry_after_secs: not_until.wait_time_from(DefaultClock::default().now()).as_secs().max(1),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.1");
        let trusted = [proxy];
        // A direct client cannot claim another address.
        assert_eq!(client_ip(ip("203.0.113.9"), Some("198.51.100.1"), &trusted), ip("203.0.113.9"));
        // Behind the proxy: the nearest untrusted hop, not a spoofed left-most one.
        assert_eq!(client_ip(proxy, Some("1.2.3.4, 198.51.100.7"), &trusted), ip("198.51.100.7"));
        assert_eq!(client_ip(proxy, Some("198.51.100.7, 10.0.0.1"), &trusted), ip("198.51.100.7"));
        // Nothing usable: the proxy itself.
        assert_eq!(client_ip(proxy, None, &trusted), proxy);
        assert_eq!(client_ip(proxy, Some("garbage"), &trusted), proxy);
    }

    #[test]
    fn a_burst_then_refusal_per_client() {
        let rl = RateLimit::new(60, 0, &[]).unwrap();
        // 15 requests, earned back at one a second.
        assert_eq!(rl.policy, "\"per-address\";q=15;w=15");
        let first = rl.check(ip("192.0.2.1"), None);
        assert_eq!(first, Verdict::Allowed { limit: 15, remaining: 14, reset_secs: 1 });
        assert_eq!(first.field(), "\"per-address\";r=14;t=1");
        for i in 1..15 {
            assert!(matches!(rl.check(ip("192.0.2.1"), None), Verdict::Allowed { limit: 15, .. }), "{i}");
        }
        let refused = rl.check(ip("192.0.2.1"), None);
        assert!(matches!(refused, Verdict::Refused { retry_after_secs: 1.., .. }));
        assert!(refused.field().starts_with("\"per-address\";r=0;t="), "{}", refused.field());
        assert!(matches!(rl.check(ip("192.0.2.2"), None), Verdict::Allowed { remaining: 14, .. }));
        assert!(RateLimit::new(0, 0, &[]).is_none());
        assert_eq!(RateLimit::new(1, 15, &[]).unwrap().policy, "\"per-address\";q=15;w=900");
    }
}
