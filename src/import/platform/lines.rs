//! The export read line by line: which block each line belongs to
//! (commitment, institutions, milestone, updates) and what it adds to the
//! report. A line that fits nowhere is a problem with its number.

use super::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Block {
    Start,
    CommitmentTitle,
    Responsible,
    CommitmentDescription,
    CommitmentProgress,
    Group(ParticipantGroup),
    MilestoneResponsible,
    MilestoneDescription,
    ExpectedResults,
    Updates,
    /// After `Descripción:`: a description the export wraps goes on here.
    UpdateDescription,
    Verification,
}

pub(super) struct Parser<'a> {
    pub(super) file: &'a str,
    pub(super) problems: Vec<Problem>,
    pub(super) report: Report,
    block: Block,
    /// Past the current milestone's `AVANCES`: lines belong to its updates.
    in_updates: bool,
    /// A headline count written at the end of the previous line, waiting
    /// for its label.
    pending: Option<i32>,
}

impl<'a> Parser<'a> {
    pub(super) fn new(file: &'a str) -> Self {
        Parser {
            file,
            problems: Vec::new(),
            report: Report::default(),
            block: Block::Start,
            in_updates: false,
            pending: None,
        }
    }

    pub(super) fn problem(&mut self, line: usize, field: &str, message: impl Into<String>) {
        self.problems.push(Problem { file: self.file.into(), line, field: field.into(), message: message.into() });
    }

    fn commitment(&mut self) -> Option<&mut Commitment> {
        self.report.commitments.last_mut()
    }

    fn milestone(&mut self) -> Option<&mut Milestone> {
        self.report.commitments.last_mut().and_then(|c| c.milestones.last_mut())
    }

    fn update(&mut self) -> Option<&mut Update> {
        self.milestone().and_then(|m| m.updates.last_mut())
    }

    /// A non-blank line `n` extends the record being read: the current
    /// update, else the current milestone's own text, else the commitment.
    fn extend_to(&mut self, n: usize) {
        let in_updates = self.in_updates;
        let Some(c) = self.report.commitments.last_mut() else { return };
        match c.milestones.last_mut() {
            None => c.end_line = n,
            Some(m) if !in_updates => m.end_line = n,
            Some(m) => {
                if let Some(u) = m.updates.last_mut() {
                    u.end_line = n;
                }
            }
        }
    }

    fn unexpected(&mut self, n: usize, line: &str) {
        let shown: String = line.chars().take(80).collect();
        self.problem(n, "line", format!("unrecognised line in {:?}: `{shown}`", self.block));
    }

    pub(super) fn line(&mut self, n: usize, line: &str) {
        let t = line.trim_matches(blank);
        if t.is_empty() {
            return;
        }
        self.structure(n, t, line.trim_start_matches(blank));
        self.extend_to(n);
    }

    /// One non-blank line: `t` without its blanks, `exact` without the
    /// layout's leading blanks only (the text as published).
    fn structure(&mut self, n: usize, t: &str, exact: &str) {
        if let Some(rest) = t.strip_prefix("COMPROMISO ") {
            match rest.strip_suffix(':') {
                Some(num) if !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()) => {
                    self.report.commitments.push(Commitment {
                        line: n,
                        end_line: n,
                        number: num.to_string(),
                        ..Default::default()
                    });
                    self.block = Block::CommitmentTitle;
                    self.in_updates = false;
                }
                _ => self.problem(n, "commitment", format!("`{t}` is not `COMPROMISO <number>:`")),
            }
            return;
        }
        if self.block == Block::Start {
            return self.headline(n, t);
        }
        if self.commitment().is_none() {
            return self.unexpected(n, t);
        }
        match t {
            "Responsables de implementación:" => return self.block = Block::Responsible,
            "DESCRIPCIÓN DEL COMPROMISO:" => return self.block = Block::CommitmentDescription,
            "PORCENTAJE DE AVANCE:" => return self.block = Block::CommitmentProgress,
            "GOBIERNO" => return self.block = Block::Group(ParticipantGroup::Government),
            "OSC" => return self.block = Block::Group(ParticipantGroup::CivilSociety),
            "OTROS" => return self.block = Block::Group(ParticipantGroup::Other),
            "INSTITUCIÓN RESPONSABLE:" => {
                self.in_updates = false;
                self.commitment().unwrap().milestones.push(Milestone { line: n, end_line: n, ..Default::default() });
                return self.block = Block::MilestoneResponsible;
            }
            "DESCRIPCIÓN:" if self.milestone().is_some() => return self.block = Block::MilestoneDescription,
            "RESULTADOS ESPERADOS:" if self.milestone().is_some() => return self.block = Block::ExpectedResults,
            "AVANCES" if self.milestone().is_some() => {
                self.block = Block::Updates;
                self.milestone().unwrap().end_line = n;
                // The milestone's own text ends here; its updates follow.
                self.in_updates = true;
                return;
            }
            _ => {}
        }
        if let Some(raw) = t.strip_prefix("FECHA DE INICIO:").or_else(|| t.strip_prefix("FECHA DE FIN:")) {
            let start = t.starts_with("FECHA DE INICIO:");
            let field = if start { "FECHA DE INICIO" } else { "FECHA DE FIN" };
            let Some(m) = self.milestone() else { return self.unexpected(n, t) };
            let raw = raw.trim().to_string();
            let _ = m;
            match parse_date(&raw) {
                Some((first, last, precision)) => {
                    let m = self.milestone().unwrap();
                    if start {
                        m.start = Some((raw, first, precision));
                    } else {
                        m.end = Some((raw, last, precision));
                    }
                }
                None => self.problem(n, field, format!("`{raw}` is not a date like 06/02/2025 or Febrero 2024")),
            }
            return;
        }
        if let Some(ts) = t.strip_prefix("Fecha:") {
            if self.milestone().is_none()
                || !matches!(self.block, Block::Updates | Block::UpdateDescription | Block::Verification)
            {
                return self.unexpected(n, t);
            }
            let ts = ts.trim();
            match chrono::NaiveDateTime::parse_from_str(ts, "%Y-%m-%d %H:%M:%S") {
                Ok(dt) => {
                    let reported_at = dt.format("%Y-%m-%dT%H:%M:%S").to_string();
                    self.milestone().unwrap().updates.push(Update {
                        line: n,
                        end_line: n,
                        reported_at,
                        ..Default::default()
                    });
                    self.block = Block::Updates;
                }
                Err(_) => self.problem(n, "Fecha", format!("`{ts}` is not a timestamp like 2025-03-05 02:48:19")),
            }
            return;
        }
        if let Some(d) = exact.strip_prefix("Descripción:") {
            let Some(u) = self.update() else { return self.unexpected(n, t) };
            u.description = d.trim_start_matches(blank).to_string();
            self.block = Block::UpdateDescription;
            return;
        }
        if let Some(p) = t.strip_prefix("Porcentaje avance:") {
            let p = p.trim().to_string();
            match percent::parse_hundredths(&p).filter(|h| (0..=10000).contains(h)) {
                Some(h) if p.ends_with('%') => {
                    let Some(u) = self.update() else { return self.unexpected(n, t) };
                    u.percent = h;
                    u.percent_raw = p;
                    self.block = Block::Updates;
                }
                _ => self.problem(n, "Porcentaje avance", format!("`{p}` is not a percentage like 12% or 12.5%")),
            }
            return;
        }
        if let Some(v) = exact.strip_prefix("Medios de verificación:") {
            let Some(u) = self.update() else { return self.unexpected(n, t) };
            u.verification_line = true;
            let v = v.trim_start_matches(blank);
            if !v.trim_matches(blank).is_empty() {
                u.verification = Some(v.to_string());
            }
            self.block = Block::Verification;
            return;
        }
        self.text(n, exact);
    }

    /// A free-text line: what it belongs to depends on the block.
    fn text(&mut self, n: usize, t: &str) {
        let append = |s: &mut String, t: &str| {
            if !s.is_empty() {
                s.push('\n');
            }
            s.push_str(t);
        };
        let mention = Mention { name: t.trim_end_matches(blank).to_string(), line: n };
        match self.block {
            Block::CommitmentTitle => append(&mut self.commitment().unwrap().title, t),
            Block::Responsible => self.commitment().unwrap().responsible.push(mention),
            Block::CommitmentDescription => append(&mut self.commitment().unwrap().description, t),
            Block::CommitmentProgress => {
                let c = self.commitment().unwrap();
                if c.progress.is_some() {
                    return self.unexpected(n, t);
                }
                let t = t.trim_end_matches(blank);
                match percent::parse_hundredths(t).filter(|h| (0..=10000).contains(h)) {
                    Some(h) if t.ends_with('%') => self.commitment().unwrap().progress = Some((h, t.to_string())),
                    _ => self.problem(n, "PORCENTAJE DE AVANCE", format!("`{t}` is not a percentage like 50.00%")),
                }
            }
            Block::Group(g) => self.commitment().unwrap().participants.push((g, mention)),
            Block::MilestoneResponsible => self.milestone().unwrap().responsible.push(mention),
            Block::MilestoneDescription => append(&mut self.milestone().unwrap().description, t),
            Block::ExpectedResults => {
                let results = &mut self.milestone().unwrap().expected_results;
                match results.last_mut() {
                    Some(last) if continues_previous(t) => append(last, t),
                    _ => results.push(t.to_string()),
                }
            }
            Block::Verification => {
                let Some(u) = self.update() else { return self.unexpected(n, t) };
                let v = u.verification.get_or_insert_with(String::new);
                append(v, t);
            }
            Block::UpdateDescription => {
                let Some(u) = self.update() else { return self.unexpected(n, t) };
                append(&mut u.description, t);
            }
            Block::Updates | Block::Start => self.unexpected(n, t),
        }
    }

    /// `8` / `HITOS NO INICIADOS19` / `HITOS INICIADOS7` / `HITOS COMPLETADOS`:
    /// each count is printed just before its label.
    fn headline(&mut self, n: usize, t: &str) {
        let (label, tail) = match t.trim_end_matches(|c: char| c.is_ascii_digit()) {
            l if l.len() < t.len() => (l, Some(&t[l.len()..])),
            l => (l, None),
        };
        let slot = match label {
            "" => None,
            "HITOS NO INICIADOS" => Some(0),
            "HITOS INICIADOS" => Some(1),
            "HITOS COMPLETADOS" => Some(2),
            _ => return self.unexpected(n, t),
        };
        let counts = self.report.headline.get_or_insert((-1, -1, -1));
        let pending = self.pending.take();
        if let Some(slot) = slot {
            let Some(v) = pending else { return self.problem(n, "headline", format!("no count before `{label}`")) };
            match slot {
                0 => counts.0 = v,
                1 => counts.1 = v,
                _ => counts.2 = v,
            }
            self.report.headline_lines.1 = n;
        } else {
            self.report.headline_lines.0 = n;
        }
        if let Some(tail) = tail {
            self.pending = tail.parse().ok();
        }
    }
}
