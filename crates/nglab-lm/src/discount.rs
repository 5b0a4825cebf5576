//! Discounts per order: Chen & Goodman's closed forms, and the rule that
//! decides what an order uses when they fail.
//!
//! Modified Kneser-Ney (Chen & Goodman 1998, eq. 26) estimates, from the
//! counts of counts `n_k` of an order (`n_k` n-grams have adjusted count `k`),
//!
//! ```text
//! Y = n1 / (n1 + 2 n2)        D_k = k - (k + 1) Y n_{k+1} / n_k     k = 1, 2, 3
//! ```
//!
//! where `D3` (written D3+) discounts every count of 3 or more. KenLM's
//! `lmplz` refuses an order where some `n_k` (k <= 3) is 0 or some `D_k`
//! leaves `[0, k]`; with `--discount_fallback` it replaces all three
//! discounts of that order by 0.5, 1, 1.5. On synthetic text D3+ drifts
//! toward 0 generation by generation, so that rule switches on abruptly:
//! [`DiscountFallback::Clamp`] is the rule that is continuous in the counts.

use std::fmt;
use std::str::FromStr;

use crate::smoothing::Smoothing;
use crate::{Error, Result};

/// KenLM's `--discount_fallback` discounts for counts 1, 2 and 3+.
pub const KENLM_FALLBACK: [f64; 3] = [0.5, 1.0, 1.5];

/// The smallest discount [`DiscountFallback::Clamp`] keeps.
///
/// KenLM accepts `D_k` in `[0, k]`, but a discount of 0 is not a valid
/// estimate: with D3+ = 0, a context whose successors all have count 3 or
/// more keeps no mass (`gamma(c) = 0`), so every other word gets probability
/// 0 after it and one such word in a held-out text makes its perplexity
/// infinite: on Brown (order-3 modified Kneser-Ney, `replace`, seed 0), D3+
/// of order 2 falls from 1.41 on human text to -0.107 in generation 9, and
/// clamped to 0 it makes every later held-out perplexity infinite. Any
/// positive value keeps the model proper; the closed form only comes near 0
/// on its way out of the range, and this floor is small enough to stand for
/// that boundary rather than be an estimate of its own (floors of 1e-3,
/// 1e-2 and 1e-1 give that generation 1209.7, 1208.5 and 1198.6).
pub const MIN_DISCOUNT: f64 = 1e-3;

/// What an order uses when its closed-form discounts fail.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DiscountFallback {
    /// KenLM's rule (`lmplz --discount_fallback`): when any closed-form
    /// discount of an order fails (a count of counts `n1`, `n2`, `n3` is 0,
    /// or some `D_k` leaves `[0, k]`), all three discounts of the order are
    /// replaced by [`KENLM_FALLBACK`]. `nglab train`'s default, for parity.
    Kenlm,
    /// Keep every closed-form discount in `[MIN_DISCOUNT, k]` and move only
    /// one outside it to the nearest end: a small change of the counts moves
    /// the discounts a little, never by a jump. Where `D_k` divides by
    /// `n_k = 0`, it takes the limit of the formula as `n_k` falls to 0 with
    /// the other counts fixed: `-inf` (so [`MIN_DISCOUNT`]) when
    /// `Y n_{k+1} > 0`, else `k`; D1 = Y = `n1 / (n1 + 2 n2)` needs no `n1`
    /// in a denominator. An order without count-1 and count-2 n-grams
    /// (`n1 = n2 = 0`) leaves `Y` without a value, and then the formula
    /// without one: those discounts are KenLM's constants.
    Clamp,
    /// KenLM's rule with other constants for counts 1, 2 and 3+ (`D_k` in
    /// `(0, k]`): `lmplz --discount_fallback D1 D2 D3`.
    Fixed([f64; 3]),
}

impl DiscountFallback {
    /// Checks the constants of [`DiscountFallback::Fixed`].
    pub fn validate(&self) -> Result<()> {
        if let DiscountFallback::Fixed(d) = self {
            for (k, &d) in d.iter().enumerate() {
                let max = (k + 1) as f64;
                if !(d > 0.0 && d <= max) {
                    return Err(Error::Config(format!(
                        "fallback discount D{} must be in (0, {max}], got {d}",
                        k + 1
                    )));
                }
            }
        }
        Ok(())
    }

    /// The constants that replace failing discounts (KenLM's for `Clamp`,
    /// which uses them only where the closed form has no value).
    fn constants(&self) -> [f64; 3] {
        match self {
            DiscountFallback::Fixed(d) => *d,
            DiscountFallback::Kenlm | DiscountFallback::Clamp => KENLM_FALLBACK,
        }
    }
}

impl FromStr for DiscountFallback {
    type Err = Error;

    /// Parses `kenlm`, `clamp` or three numbers `D1,D2,D3`, validated.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::Config(format!(
                "discount fallback must be kenlm, clamp or three numbers D1,D2,D3, got '{s}'{}",
                nglab_tokenizer::did_you_mean(s.trim(), ["kenlm", "clamp"])
            ))
        };
        let rule = match s.trim() {
            "kenlm" => DiscountFallback::Kenlm,
            "clamp" => DiscountFallback::Clamp,
            numbers => {
                let parts: Vec<&str> = numbers.split(',').collect();
                if parts.len() != 3 {
                    return Err(bad());
                }
                let mut d = [0.0; 3];
                for (d, p) in d.iter_mut().zip(parts) {
                    *d = p.trim().parse().map_err(|_| bad())?;
                }
                DiscountFallback::Fixed(d)
            }
        };
        rule.validate()?;
        Ok(rule)
    }
}

impl fmt::Display for DiscountFallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscountFallback::Kenlm => write!(f, "kenlm"),
            DiscountFallback::Clamp => write!(f, "clamp"),
            DiscountFallback::Fixed([a, b, c]) => write!(f, "{a},{b},{c}"),
        }
    }
}

/// The discounts one order used, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderDiscounts {
    /// The order, 1-based.
    pub order: usize,
    /// Discounts for counts 1, 2 and 3+ (all equal for one-discount methods;
    /// zeros for methods without discounts).
    pub discounts: [f64; 3],
    /// Counts of counts n1..n4 of this order (adjusted counts for KN/MKN).
    pub counts_of_counts: [u64; 4],
    /// The rule that changed the closed-form discounts, and why; `None` when
    /// they were used as they are.
    pub fallback: Option<Fallback>,
}

/// A fallback rule that changed an order's closed-form discounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Fallback {
    /// The rule.
    pub rule: DiscountFallback,
    /// Why, with the values: `D3+ = -0.11 is outside [0, 3]`.
    pub why: String,
}

/// Chen & Goodman's modified Kneser-Ney discounts as KenLM computes them;
/// `None` where the formula divides by zero (`n_k = 0`, or `n1 = n2 = 0`).
fn mkn_closed_form(n: [f64; 4]) -> [Option<f64>; 3] {
    let y_den = n[0] + 2.0 * n[1];
    let y = n[0] / y_den;
    std::array::from_fn(|i| {
        let k = (i + 1) as f64;
        (y_den > 0.0 && n[i] > 0.0).then(|| k - (k + 1.0) * y * n[i + 1] / n[i])
    })
}

/// Name of discount `i` (0-based) in messages.
fn name(i: usize) -> &'static str {
    ["D1", "D2", "D3+"][i]
}

/// KenLM's rule: the closed form, or why it fails.
fn kenlm_check(n: [u64; 4], closed: [Option<f64>; 3]) -> std::result::Result<[f64; 3], String> {
    if let Some(k) = n[..3].iter().position(|&x| x == 0) {
        return Err(format!("n{} = 0", k + 1));
    }
    let d = closed.map(|d| d.expect("defined when n1, n2, n3 > 0"));
    match (0..3).find(|&i| !(d[i] >= 0.0 && d[i] <= (i + 1) as f64)) {
        Some(i) => Err(format!("{} = {} is outside [0, {}]", name(i), d[i], i + 1)),
        None => Ok(d),
    }
}

/// The clamp rule for modified Kneser-Ney: each discount on its own.
fn mkn_clamp(n: [u64; 4], closed: [Option<f64>; 3]) -> ([f64; 3], Vec<String>) {
    let nf = n.map(|x| x as f64);
    let y_den = nf[0] + 2.0 * nf[1];
    if y_den == 0.0 {
        let why = "n1 = n2 = 0 leaves Y, and every discount, without a value: KenLM's constants";
        return (KENLM_FALLBACK, vec![why.to_owned()]);
    }
    let mut why = Vec::new();
    let d = std::array::from_fn(|i| {
        let max = (i + 1) as f64;
        let value = match closed[i] {
            Some(d) => d,
            // D1 = Y, which needs no n1 in a denominator.
            None if i == 0 => nf[0] / y_den,
            None => {
                let tends = if nf[0] * nf[i + 1] > 0.0 { f64::NEG_INFINITY } else { max };
                let d = tends.clamp(MIN_DISCOUNT, max);
                why.push(format!(
                    "n{} = 0: {} tends to {tends} as n{} falls to 0: {d}",
                    i + 1,
                    name(i),
                    i + 1
                ));
                return d;
            }
        };
        let d = value.clamp(MIN_DISCOUNT, max);
        if d != value {
            why.push(format!("{} = {value} is outside [{MIN_DISCOUNT}, {max}]: {d}", name(i)));
        }
        d
    });
    (d, why)
}

/// The one discount of Kneser-Ney and absolute discounting: given, or
/// `n1 / (n1 + 2 n2)`, with the rule applied.
fn single_discount(fixed: Option<f64>, n: [u64; 4], rule: DiscountFallback) -> ([f64; 3], Option<String>) {
    if let Some(d) = fixed {
        return ([d; 3], None);
    }
    let (n1, n2) = (n[0] as f64, n[1] as f64);
    let closed = n1 / (n1 + 2.0 * n2);
    match rule {
        DiscountFallback::Clamp if n1 + n2 == 0.0 => {
            let d = KENLM_FALLBACK[0];
            ([d; 3], Some(format!("n1 = n2 = 0 leaves D without a value: {d}")))
        }
        DiscountFallback::Clamp => {
            let d = closed.clamp(MIN_DISCOUNT, 1.0);
            let why = (d != closed).then(|| format!("D = {closed} is outside [{MIN_DISCOUNT}, 1]: {d}"));
            ([d; 3], why)
        }
        DiscountFallback::Kenlm | DiscountFallback::Fixed(_) if n1 == 0.0 || n2 == 0.0 => {
            let which = if n1 == 0.0 { "n1" } else { "n2" };
            ([rule.constants()[0]; 3], Some(format!("{which} = 0")))
        }
        DiscountFallback::Kenlm | DiscountFallback::Fixed(_) => ([closed; 3], None),
    }
}

/// The discounts of one order: the closed form where it holds, else what
/// `rule` says.
pub(crate) fn discounts_for(
    smoothing: &Smoothing,
    n: [u64; 4],
    order: usize,
    rule: DiscountFallback,
) -> OrderDiscounts {
    let (discounts, why) = match *smoothing {
        Smoothing::ModifiedKneserNey => {
            let closed = mkn_closed_form(n.map(|x| x as f64));
            match rule {
                DiscountFallback::Clamp => {
                    let (d, why) = mkn_clamp(n, closed);
                    (d, (!why.is_empty()).then(|| why.join("; ")))
                }
                DiscountFallback::Kenlm | DiscountFallback::Fixed(_) => match kenlm_check(n, closed) {
                    Ok(d) => (d, None),
                    Err(why) => (rule.constants(), Some(why)),
                },
            }
        }
        Smoothing::KneserNey { discount } | Smoothing::AbsoluteDiscount { discount } => {
            single_discount(discount, n, rule)
        }
        _ => ([0.0; 3], None),
    };
    OrderDiscounts { order, discounts, counts_of_counts: n, fallback: why.map(|why| Fallback { rule, why }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MKN: Smoothing = Smoothing::ModifiedKneserNey;

    /// The closed form, computed here independently of the code above.
    fn chen_goodman(n: [u64; 4]) -> [f64; 3] {
        let [n1, n2, n3, n4] = n.map(|x| x as f64);
        let y = n1 / (n1 + 2.0 * n2);
        [1.0 - 2.0 * y * n2 / n1, 2.0 - 3.0 * y * n3 / n2, 3.0 - 4.0 * y * n4 / n3]
    }

    /// Discounts of `n` under `rule`, compared within 1e-12, and whether a
    /// reason is recorded that contains `why`.
    fn check(n: [u64; 4], rule: DiscountFallback, expect: [f64; 3], why: Option<&str>) {
        let d = discounts_for(&MKN, n, 2, rule);
        for (g, e) in d.discounts.iter().zip(&expect) {
            assert!((g - e).abs() < 1e-12, "{n:?} {rule}: got {:?}, expected {expect:?}", d.discounts);
        }
        match (&d.fallback, why) {
            (None, None) => {}
            (Some(f), Some(w)) => {
                assert_eq!(f.rule, rule);
                assert!(f.why.contains(w), "{n:?} {rule}: {:?} lacks {w:?}", f.why);
            }
            (got, want) => panic!("{n:?} {rule}: fallback {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn closed_form_when_valid_under_every_rule() {
        for n in [[10, 4, 2, 1], [30_000, 9_000, 4_000, 2_500], [5, 3, 1, 0]] {
            let cg = chen_goodman(n);
            for rule in
                [DiscountFallback::Kenlm, DiscountFallback::Clamp, DiscountFallback::Fixed([0.2, 0.4, 0.6])]
            {
                check(n, rule, cg, None);
            }
        }
        // [5, 3, 1, 0]: D3+ = 3 exactly, the top of the range, is kept.
        assert_eq!(discounts_for(&MKN, [5, 3, 1, 0], 2, DiscountFallback::Clamp).discounts[2], 3.0);
    }

    #[test]
    fn kenlm_replaces_all_three() {
        // n4 large: D3+ = 3 - 4 (10/18) 40 / 2 < 0.
        let n = [10, 4, 2, 40];
        check(n, DiscountFallback::Kenlm, KENLM_FALLBACK, Some("D3+ = "));
        check(n, DiscountFallback::Fixed([0.2, 0.4, 0.6]), [0.2, 0.4, 0.6], Some("is outside [0, 3]"));
        check([10, 0, 2, 1], DiscountFallback::Kenlm, KENLM_FALLBACK, Some("n2 = 0"));
    }

    #[test]
    fn clamp_moves_only_the_failing_discount() {
        let n = [10, 4, 2, 40];
        let cg = chen_goodman(n);
        assert!(cg[2] < 0.0 && cg[0] > 0.0 && cg[1] > 0.0, "{cg:?}");
        check(n, DiscountFallback::Clamp, [cg[0], cg[1], MIN_DISCOUNT], Some("D3+ = "));
        // Both D2 and D3+ below the range.
        let n = [10, 1, 30, 400];
        let cg = chen_goodman(n);
        check(n, DiscountFallback::Clamp, [cg[0], MIN_DISCOUNT, MIN_DISCOUNT], Some("D2 = "));
    }

    #[test]
    fn clamp_where_a_count_of_counts_is_zero() {
        let y = |n1: f64, n2: f64| n1 / (n1 + 2.0 * n2);
        // n3 = 0, n4 > 0: D3+ -> -inf; D1, D2 from the closed form.
        let cg = chen_goodman([10, 4, 1, 1]);
        check(
            [10, 4, 0, 5],
            DiscountFallback::Clamp,
            [cg[0], 2.0, MIN_DISCOUNT],
            Some("n3 = 0: D3+ tends to -inf"),
        );
        // n3 = 0, n4 = 0: D3+ = 3 for every n3 > 0, so 3.
        check([10, 4, 0, 0], DiscountFallback::Clamp, [cg[0], 2.0, 3.0], Some("n3 = 0: D3+ tends to 3"));
        // n2 = 0: Y = 1, D1 = 1, D2 -> -inf (n3 > 0).
        check([10, 0, 2, 1], DiscountFallback::Clamp, [1.0, MIN_DISCOUNT, 3.0 - 4.0 / 2.0], Some("n2 = 0"));
        // n1 = 0: Y = 0, D1 = Y = 0 -> the floor; D2 = 2, D3+ = 3.
        check([0, 4, 2, 1], DiscountFallback::Clamp, [MIN_DISCOUNT, 2.0, 3.0], Some("D1 = 0 is outside"));
        assert_eq!(y(0.0, 4.0), 0.0);
        // n1 = n2 = 0: Y has no value; D1, D2 KenLM's constants; D3+ too.
        check([0, 0, 2, 1], DiscountFallback::Clamp, KENLM_FALLBACK, Some("n1 = n2 = 0"));
    }

    /// A D3+ at exactly 0 is inside KenLM's range, and leaves a context whose
    /// successors all have count >= 3 without mass: clamp raises it.
    #[test]
    fn zero_discount_is_raised_under_clamp_and_kept_under_kenlm() {
        // D3+ = 3 - 4 Y n4 / n3 = 0 with Y = 1/2 (n1 = 2 n2) and n4 = 3 n3 / 2.
        let n = [6, 3, 2, 3];
        let cg = chen_goodman(n);
        assert!(cg[2].abs() < 1e-15, "{cg:?}");
        check(n, DiscountFallback::Kenlm, cg, None);
        check(n, DiscountFallback::Clamp, [cg[0], cg[1], MIN_DISCOUNT], Some("is outside [0.001, 3]"));
    }

    /// Counts of counts on both sides of D3+ = 0: two more count-4 n-grams
    /// move clamp's discounts by little, KenLM's by a jump.
    #[test]
    fn clamp_is_continuous_kenlm_jumps() {
        // D3+ = 3 - 4 Y n4 / n3, Y = 10/18: 0 at n4 = 1350 (n3 = 1000).
        let (before, after) = ([10_000, 4_000, 1_000, 1_349], [10_000, 4_000, 1_000, 1_351]);
        let get = |n, rule| discounts_for(&MKN, n, 2, rule).discounts;
        let dist =
            |a: [f64; 3], b: [f64; 3]| a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        assert!(chen_goodman(before)[2] > 0.0 && chen_goodman(after)[2] < 0.0);
        let clamp = dist(get(before, DiscountFallback::Clamp), get(after, DiscountFallback::Clamp));
        let kenlm = dist(get(before, DiscountFallback::Kenlm), get(after, DiscountFallback::Kenlm));
        assert!(clamp < 0.01, "clamp moved by {clamp}");
        assert!(kenlm > 0.5, "kenlm moved by {kenlm}");
    }

    #[test]
    fn single_discount_methods() {
        let kn = Smoothing::KneserNey { discount: None };
        let get = |n, rule| discounts_for(&kn, n, 1, rule);
        assert_eq!(get([0, 3, 2, 1], DiscountFallback::Kenlm).discounts, [0.5; 3]);
        assert_eq!(get([6, 2, 2, 1], DiscountFallback::Kenlm).discounts, [0.6; 3]);
        assert!(get([6, 2, 2, 1], DiscountFallback::Kenlm).fallback.is_none());
        // n2 = 0: KenLM's rule falls back; the closed form, D = 1, is valid.
        assert_eq!(get([6, 0, 2, 1], DiscountFallback::Fixed([0.3, 1.0, 1.5])).discounts, [0.3; 3]);
        let d = get([6, 0, 2, 1], DiscountFallback::Clamp);
        assert_eq!((d.discounts, d.fallback), ([1.0; 3], None));
        assert_eq!(get([0, 3, 2, 1], DiscountFallback::Clamp).discounts, [MIN_DISCOUNT; 3]);
        assert_eq!(get([0, 0, 2, 1], DiscountFallback::Clamp).discounts, [0.5; 3]);
        let fixed = Smoothing::AbsoluteDiscount { discount: Some(0.7) };
        assert_eq!(discounts_for(&fixed, [0, 0, 0, 0], 1, DiscountFallback::Clamp).discounts, [0.7; 3]);
    }

    #[test]
    fn parses_and_prints() {
        let ok = |s: &str, want: DiscountFallback| {
            let got: DiscountFallback = s.parse().unwrap();
            assert_eq!(got, want);
            assert_eq!(got.to_string().parse::<DiscountFallback>().unwrap(), want);
        };
        ok("kenlm", DiscountFallback::Kenlm);
        ok("clamp", DiscountFallback::Clamp);
        ok("0.5,1,1.5", DiscountFallback::Fixed([0.5, 1.0, 1.5]));
        ok(" 0.2, 0.4 ,3", DiscountFallback::Fixed([0.2, 0.4, 3.0]));
        let err = |s: &str, want: &str| {
            let e = s.parse::<DiscountFallback>().unwrap_err().to_string();
            assert!(e.contains(want), "{s}: {e}");
        };
        err("0.5,1", "kenlm, clamp or three numbers D1,D2,D3, got '0.5,1'");
        err("Clamp", "got 'Clamp' (did you mean \"clamp\"?)");
        err("0.5,1", "got '0.5,1'");
        assert!(!"0.5,1".parse::<DiscountFallback>().unwrap_err().to_string().contains("did you mean"));
        err("nan,1,1.5", "fallback discount D1 must be in (0, 1], got NaN");
        err("0.5,1,0", "fallback discount D3 must be in (0, 3], got 0");
    }
}
