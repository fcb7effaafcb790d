//! Counted slots per client address and in total: open connections (the
//! server's guard) and whole-list streams (each holds a database connection).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Open connections per client address and in total.
pub struct Limits {
    per_address: usize,
    total: usize,
    /// Addresses exempt from the per-address cap (reverse proxies carry many clients).
    exempt: Vec<IpAddr>,
    open: Mutex<(HashMap<IpAddr, usize>, usize)>,
}

/// One admitted connection; its count is given back when dropped.
pub struct Slot {
    limits: Arc<Limits>,
    ip: IpAddr,
}

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    PerAddress(usize),
    Total(usize),
}

impl Limits {
    pub fn new(per_address: usize, total: usize, exempt: &[IpAddr]) -> Arc<Limits> {
        Arc::new(Limits { per_address, total, exempt: exempt.to_vec(), open: Mutex::default() })
    }

    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Refusal> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.1 >= self.total {
            return Err(Refusal::Total(self.total));
        }
        let mine = open.0.entry(ip).or_insert(0);
        if *mine >= self.per_address && !self.exempt.contains(&ip) {
            return Err(Refusal::PerAddress(self.per_address));
        }
        *mine += 1;
        open.1 += 1;
        Ok(Slot { limits: self.clone(), ip })
    }

    /// Connections open now (all addresses).
    pub fn open(&self) -> usize {
        self.open.lock().map(|o| o.1).unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.limits.open.lock().unwrap_or_else(|p| p.into_inner());
        open.1 = open.1.saturating_sub(1);
        if let Some(n) = open.0.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.0.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_address_and_in_total_and_gives_slots_back() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let limits = Limits::new(2, 3, &[ip("10.0.0.1")]);
        let a1 = limits.admit(ip("192.0.2.1")).unwrap();
        let _a2 = limits.admit(ip("192.0.2.1")).unwrap();
        assert_eq!(limits.admit(ip("192.0.2.1")).err(), Some(Refusal::PerAddress(2)));
        let _b = limits.admit(ip("10.0.0.1")).unwrap();
        assert_eq!(limits.admit(ip("10.0.0.1")).err(), Some(Refusal::Total(3)));
        drop(a1);
        assert_eq!(limits.open(), 2);
        // The proxy is exempt from the per-address cap, not from the total.
        let _c = limits.admit(ip("10.0.0.1")).unwrap();
        assert_eq!(limits.admit(ip("10.0.0.1")).err(), Some(Refusal::Total(3)));
    }
}
