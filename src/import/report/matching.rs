//! Matching the report's records to the dataset's, so that ids survive a
//! new export (the rules are in the parent module's documentation).

use std::collections::{HashMap, HashSet};

use super::Dataset;
use crate::text::fold;

/// Alias (and canonical name) -> institution ids. A compound alias such as
/// "FLACSO y Cruz Roja" names several institutions.
pub(super) fn alias_map(ds: &Dataset) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    let mut add = |k: &str, id: &str| {
        let ids = map.entry(k.to_string()).or_default();
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_string());
        }
    };
    for a in &ds.aliases {
        add(&a.alias, &a.institution_id);
    }
    for i in &ds.institutions {
        add(&i.name, &i.id);
    }
    map
}

/// The number after `prefix` in an id such as `…-m12`.
pub(super) fn number_after(id: &str, prefix: &str) -> Option<u32> {
    id.strip_prefix(prefix)?.parse().ok()
}

/// Hands out ids `{prefix}{n}` never used before: above every number in use
/// or retired under that prefix.
pub(super) struct Ids {
    prefix: String,
    next: u32,
}

impl Ids {
    pub(super) fn new<'a>(prefix: String, taken: impl Iterator<Item = &'a str>) -> Ids {
        let top = taken.filter_map(|id| number_after(id, &prefix)).max().unwrap_or(0);
        Ids { prefix, next: top + 1 }
    }

    pub(super) fn fresh(&mut self) -> String {
        let id = format!("{}{}", self.prefix, self.next);
        self.next += 1;
        id
    }
}

/// Words of a text, for comparing descriptions.
pub(super) fn words(s: &str) -> HashSet<String> {
    fold(s).split(' ').filter(|w| w.len() > 2).map(str::to_string).collect()
}

/// Share of words in common, in percent.
pub(super) fn overlap(a: &str, b: &str) -> u32 {
    let (a, b) = (words(a), words(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 0;
    }
    (a.intersection(&b).count() * 100 / union) as u32
}

/// Pair each new item with an old one: `exact` first, then the best `close`
/// score (0: no match). Returns, per new item, the index of its old one.
pub(super) fn pair<N, O>(
    new: &[N],
    old: &[O],
    exact: impl Fn(&N, &O) -> bool,
    close: impl Fn(usize, &N, usize, &O) -> u32,
) -> Vec<Option<usize>> {
    let mut out = vec![None; new.len()];
    let mut used = vec![false; old.len()];
    for (i, n) in new.iter().enumerate() {
        if let Some(j) = (0..old.len()).find(|j| !used[*j] && exact(n, &old[*j])) {
            out[i] = Some(j);
            used[j] = true;
        }
    }
    // The best remaining pairs first, so that an edit does not steal the
    // old record of a closer match further down.
    let mut scored: Vec<(u32, usize, usize)> = Vec::new();
    for (i, n) in new.iter().enumerate().filter(|(i, _)| out[*i].is_none()) {
        for (j, o) in old.iter().enumerate().filter(|(j, _)| !used[*j]) {
            let s = close(i, n, j, o);
            if s > 0 {
                scored.push((s, i, j));
            }
        }
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for (_, i, j) in scored {
        if out[i].is_none() && !used[j] {
            out[i] = Some(j);
            used[j] = true;
        }
    }
    out
}
