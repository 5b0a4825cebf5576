//! The valid value nearest a misspelt one, for error messages.

/// The candidate most similar to `value`, when one is similar enough to be a
/// likely misspelling: Jaro similarity above 0.7, the rule clap uses to
/// suggest flag names, so every suggestion of the command line follows one
/// rule. Ties go to the earlier candidate.
///
/// ```
/// use nglab_tokenizer::nearest;
///
/// let regimes = ["replace", "accumulate", "mix"];
/// assert_eq!(nearest("acumulate", regimes), Some("accumulate"));
/// assert_eq!(nearest("zzz", regimes), None);
/// ```
pub fn nearest<'a>(value: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let similarity = strsim::jaro(value, candidate);
        if similarity > 0.7 && best.is_none_or(|(b, _)| similarity > b) {
            best = Some((similarity, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// ` (did you mean "X"?)` when [`nearest`] finds one, else nothing: the
/// suffix every "unknown value" message of the workspace appends.
pub fn did_you_mean<'a>(value: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(value, candidates).map_or_else(String::new, |c| format!(" (did you mean \"{c}\"?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(value: &str, candidates: &[&str], expect: Option<&str>) {
        assert_eq!(nearest(value, candidates.iter().copied()), expect, "{value} among {candidates:?}");
    }

    #[test]
    fn suggestions() {
        let regimes = ["replace", "accumulate", "accumulate-subsample", "mix"];
        check("acumulate", &regimes, Some("accumulate"));
        check("replcae", &regimes, Some("replace"));
        check("accumulate-subsampel", &regimes, Some("accumulate-subsample"));
        check("keep", &regimes, None);
        let smoothings = ["mle", "addk", "laplace", "wb", "abs", "kn", "mkn", "stupid"];
        check("mkm", &smoothings, Some("mkn"));
        check("laplase", &smoothings, Some("laplace"));
        check("good-turing", &smoothings, None);
        check("", &smoothings, None);
        check("x", &[], None);
        assert_eq!(did_you_mean("wrds", ["whitespace", "words"]), " (did you mean \"words\"?)");
        assert_eq!(did_you_mean("zzz", ["whitespace", "words"]), "");
    }
}
