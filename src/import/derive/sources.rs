//! Which names and titles are written in the source documents, and which
//! were supplied by curation.

use std::collections::HashMap;

use super::Dataset;

/// Whether each institution's name, acronym and aliases are written in some
/// source document (exactly; an acronym as a whole word), and each plan's and
/// section's title in its own document, or were supplied by curation: one
/// pass over each source for every name at once.
pub(super) fn written_in_sources(ds: &mut Dataset) {
    #[derive(Clone, Copy)]
    enum Of {
        Name(usize),
        Acronym(usize),
        Alias(usize),
        PlanTitle(usize),
        SectionTitle(usize),
    }
    // Each distinct text once, with what it stands for: (whole word only,
    // what, the document it must be in).
    // (text, (whole word only, what it is, the document it must be in)).
    type Wanted = (String, (bool, Of, Option<String>));
    let texts: Vec<Wanted> = ds
        .institutions
        .iter()
        .enumerate()
        .flat_map(|(k, i)| {
            let mut v = vec![(i.name.clone(), (false, Of::Name(k), None))];
            if let Some(a) = &i.acronym {
                v.push((a.clone(), (true, Of::Acronym(k), None)));
            }
            v
        })
        .chain(ds.aliases.iter().enumerate().map(|(k, a)| (a.alias.clone(), (false, Of::Alias(k), None))))
        .chain(
            ds.plans
                .iter()
                .enumerate()
                .map(|(k, p)| (p.title.clone(), (false, Of::PlanTitle(k), Some(p.source_document.clone())))),
        )
        .chain(
            ds.sections
                .iter()
                .enumerate()
                .map(|(k, s)| (s.title.clone(), (false, Of::SectionTitle(k), Some(s.source_document.clone())))),
        )
        .collect();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut patterns: Vec<&str> = Vec::new();
    let mut of: Vec<Vec<(bool, Of, Option<&str>)>> = Vec::new();
    for (text, (whole, what, doc)) in &texts {
        let k = *index.entry(text.as_str()).or_insert_with(|| {
            patterns.push(text);
            of.push(Vec::new());
            patterns.len() - 1
        });
        of[k].push((*whole, *what, doc.as_deref()));
    }
    let mut found: Vec<Vec<bool>> = of.iter().map(|w| vec![false; w.len()]).collect();
    if let Ok(ac) = aho_corasick::AhoCorasick::new(&patterns) {
        for d in &ds.source_documents {
            let text = d.text.as_str();
            for m in ac.find_overlapping_iter(text) {
                let k = m.pattern().as_usize();
                let whole = !text[..m.start()].chars().next_back().is_some_and(char::is_alphanumeric)
                    && !text[m.end()..].chars().next().is_some_and(char::is_alphanumeric);
                for (j, (needs_whole, _, doc)) in of[k].iter().enumerate() {
                    if (whole || !needs_whole) && doc.is_none_or(|doc| doc == d.id) {
                        found[k][j] = true;
                    }
                }
            }
        }
    }
    for i in &mut ds.institutions {
        i.acronym_in_sources = i.acronym.as_ref().map(|_| false);
    }
    for (whats, yes) in of.iter().zip(found) {
        for ((_, what, _), yes) in whats.iter().zip(yes) {
            match *what {
                Of::Name(k) => ds.institutions[k].name_in_sources = yes,
                Of::Acronym(k) => ds.institutions[k].acronym_in_sources = Some(yes),
                Of::Alias(k) => ds.aliases[k].in_sources = yes,
                Of::PlanTitle(k) => ds.plans[k].title_in_sources = yes,
                Of::SectionTitle(k) => ds.sections[k].title_in_sources = yes,
            }
        }
    }
}
