//! The line-of-text parser: any n-gram line, however it is written (and
//! every line the fast scan passes over, errors included).

use super::number::{narrow, parse_number};
use super::scan::{is_sep, LineParser, Part};

/// Whether `l` is blank (whitespace only, as `str::trim` sees it). Decides on
/// the first byte that is not ASCII whitespace, so n-gram lines cost one byte.
pub(super) fn is_blank(l: &str) -> bool {
    match l.bytes().find(|b| !b.is_ascii_whitespace()) {
        None => true,
        Some(b) if b.is_ascii() => false,
        Some(_) => l.trim().is_empty(),
    }
}

/// The next field of `s` from byte `*pos` on, fields being separated by runs
/// of spaces, tabs and carriage returns (a word never holds a CR, which a line
/// end would strip); advances `*pos` past it.
pub(super) fn next_field<'a>(s: &'a str, pos: &mut usize) -> Option<&'a str> {
    let b = s.as_bytes();
    while *pos < b.len() && is_sep(b[*pos]) {
        *pos += 1;
    }
    if *pos == b.len() {
        return None;
    }
    let start = *pos;
    while *pos < b.len() && !is_sep(b[*pos]) {
        *pos += 1;
    }
    Some(&s[start..*pos])
}

impl LineParser<'_> {
    /// Parses `line`, a line of text which may be blank, any way it is
    /// written.
    pub(super) fn text_line(&self, l: &str, line: u64, part: &mut Part) -> std::result::Result<(), String> {
        if is_blank(l) {
            return Ok(());
        }
        let (n, order) = (self.n, self.order);
        let mut pos = 0;
        let lp_text = next_field(l, &mut pos);
        let lp = parse_number(lp_text, "log10 probability")?;
        if lp > 0.0 {
            return Err(format!("positive log10 probability {lp}"));
        }
        let fields: Vec<&str> = std::iter::from_fn(|| next_field(l, &mut pos)).take(n + 2).collect();
        let bo = match fields.len() {
            k if k == n => 0.0,
            k if k == n + 1 && n < order => {
                narrow(parse_number(Some(fields[n]), "backoff")?, fields[n].as_bytes())
            }
            _ => {
                return Err(format!(
                    "expected {n} words{}, got '{l}'",
                    if n < order { " and an optional backoff" } else { "" }
                ))
            }
        };
        for w in &fields[..n] {
            match self.index.get(w) {
                Some(id) => part.words.push(id),
                None => {
                    part.words.truncate(part.prob.len() * n);
                    return Err(format!("word '{w}' has no unigram"));
                }
            }
        }
        part.note_line(line);
        part.prob.push(narrow(lp, lp_text.unwrap_or_default().as_bytes()));
        part.backoff.push(bo);
        Ok(())
    }
}
