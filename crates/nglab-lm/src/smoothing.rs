//! The smoothing family and its estimation from counts.
//!
//! Every method but MLE and stupid backoff is *interpolated*: for a context `c`
//! with explicit successors,
//!
//! ```text
//! p(w | c) = u(w | c) + gamma(c) * p(w | c')        c' = c without its first word
//! ```
//!
//! where `u` is the discounted (or rescaled) relative frequency of `c w` and
//! `gamma(c)` is the mass set aside; below the unigrams sits the uniform
//! distribution over the vocabulary without `<s>`. Each method only says how `u`
//! and `gamma` come from the counts of one context's successors, so one
//! estimator serves them all ([`estimate`](crate::estimate)).

use std::fmt;
use std::str::FromStr;

use crate::discount::DiscountFallback;
use crate::{Error, Result};

/// How probabilities are estimated from counts. Sources and formulas per variant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Smoothing {
    /// Maximum likelihood: `p(w|c) = c(cw) / c(c.)` at the longest context that
    /// has successors; unseen events get probability 0 (so perplexity is
    /// infinite whenever the test text holds one). The plain "perfect fit"
    /// model of the Wright-Fisher view of collapse.
    Mle,
    /// Additive (Lidstone; Laplace for k = 1) smoothing, interpolated:
    /// `u = c(cw) / (c(c.) + k|V'|)`, `gamma = k|V'| / (c(c.) + k|V'|)`, with
    /// `|V'|` the vocabulary without `<s>`. For unigrams this is exactly
    /// Lidstone's `(c(w) + k) / (N + k|V'|)`; for longer contexts the `k|V'|`
    /// pseudo-counts are spread by the next-lower order instead of uniformly
    /// (a Dirichlet prior centred on the lower order), which keeps the model a
    /// proper backoff model that ARPA can hold.
    AddK {
        /// The pseudo-count added to every word, > 0.
        k: f64,
    },
    /// Interpolated Witten-Bell (Witten & Bell 1991; Chen & Goodman 1998 eq. 16):
    /// `u = c(cw) / (c(c.) + T(c))`, `gamma = T(c) / (c(c.) + T(c))`, `T(c)` the
    /// number of distinct successors of `c`. Raw counts at every order.
    WittenBell,
    /// Interpolated absolute discounting (Ney, Essen & Kneser 1994): one
    /// discount `D` per order, `u = max(c - D, 0) / c(c.)`,
    /// `gamma = D T(c) / c(c.)`. `D` is estimated per order as
    /// `n1 / (n1 + 2 n2)` unless given. Raw counts at every order.
    AbsoluteDiscount {
        /// A fixed discount in (0, 1], or `None` to estimate one per order.
        discount: Option<f64>,
    },
    /// Interpolated Kneser-Ney (Kneser & Ney 1995; Chen & Goodman 1998 eq. 19):
    /// absolute discounting on KenLM's adjusted counts (continuation counts
    /// below the highest order), one discount per order.
    KneserNey {
        /// A fixed discount in (0, 1], or `None` to estimate one per order.
        discount: Option<f64>,
    },
    /// Interpolated modified Kneser-Ney (Chen & Goodman 1998 eq. 25-26) with
    /// KenLM `lmplz`'s exact conventions: three discounts per order for
    /// adjusted counts 1, 2 and 3+.
    ModifiedKneserNey,
    /// Stupid backoff (Brants et al. 2007): `S(w|c) = c(cw)/c(c.)` if seen,
    /// else `alpha * S(w|c')`; unigrams `c(w)/N`. Unnormalized: it ranks and
    /// samples (normalized per context) but has no perplexity.
    StupidBackoff {
        /// The backoff factor in (0, 1] (0.4 in the paper).
        alpha: f64,
    },
}

impl Smoothing {
    /// Whether every context's distribution sums to 1.
    pub fn is_normalized(&self) -> bool {
        !matches!(self, Smoothing::StupidBackoff { .. })
    }

    /// Whether lower orders use KenLM's adjusted (continuation) counts.
    pub(crate) fn uses_adjusted_counts(&self) -> bool {
        matches!(self, Smoothing::KneserNey { .. } | Smoothing::ModifiedKneserNey)
    }

    /// Checks the parameters once.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str, v: f64, range: &str| {
            Err(Error::Config(format!("{what} must be in {range}, got {v}")))
        };
        match *self {
            Smoothing::AddK { k } if !(k > 0.0 && k.is_finite()) => bad("add-k's k", k, "(0, inf)"),
            Smoothing::AbsoluteDiscount { discount: Some(d) }
            | Smoothing::KneserNey { discount: Some(d) }
                if !(d > 0.0 && d <= 1.0) =>
            {
                bad("the discount", d, "(0, 1]")
            }
            Smoothing::StupidBackoff { alpha } if !(alpha > 0.0 && alpha <= 1.0) => {
                bad("stupid backoff's alpha", alpha, "(0, 1]")
            }
            _ => Ok(()),
        }
    }
}

impl FromStr for Smoothing {
    type Err = Error;

    /// Parses `mle`, `addk:K`, `laplace`, `wb`, `abs[:D]`, `kn[:D]`, `mkn`,
    /// `stupid[:ALPHA]`.
    fn from_str(s: &str) -> Result<Self> {
        let (name, arg) = match s.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (s, None),
        };
        let num = |a: &str| {
            a.parse::<f64>().map_err(|_| Error::Config(format!("smoothing '{s}': '{a}' is not a number")))
        };
        let opt = |a: Option<&str>| a.map(num).transpose();
        let no_arg = |sm: Smoothing| match arg {
            None => Ok(sm),
            Some(_) => Err(Error::Config(format!("smoothing '{name}' takes no parameter, got '{s}'"))),
        };
        let sm = match name {
            "mle" => no_arg(Smoothing::Mle)?,
            "laplace" => no_arg(Smoothing::AddK { k: 1.0 })?,
            "addk" | "add-k" => match arg {
                Some(a) => Smoothing::AddK { k: num(a)? },
                None => return Err(Error::Config("smoothing 'addk' needs k, as in addk:0.1".into())),
            },
            "wb" | "witten-bell" => no_arg(Smoothing::WittenBell)?,
            "abs" => Smoothing::AbsoluteDiscount { discount: opt(arg)? },
            "kn" => Smoothing::KneserNey { discount: opt(arg)? },
            "mkn" => no_arg(Smoothing::ModifiedKneserNey)?,
            "stupid" => Smoothing::StupidBackoff { alpha: opt(arg)?.unwrap_or(0.4) },
            _ => {
                let names = ["mle", "addk", "laplace", "wb", "witten-bell", "abs", "kn", "mkn", "stupid"];
                return Err(Error::Config(format!(
                    "unknown smoothing '{s}'{} (expected mle, addk:K, laplace, wb, abs[:D], kn[:D], mkn, \
                     stupid[:A])",
                    nglab_tokenizer::did_you_mean(name, names)
                )));
            }
        };
        sm.validate()?;
        Ok(sm)
    }
}

impl fmt::Display for Smoothing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Smoothing::Mle => write!(f, "mle"),
            Smoothing::AddK { k } => write!(f, "addk:{k}"),
            Smoothing::WittenBell => write!(f, "wb"),
            Smoothing::AbsoluteDiscount { discount: None } => write!(f, "abs"),
            Smoothing::AbsoluteDiscount { discount: Some(d) } => write!(f, "abs:{d}"),
            Smoothing::KneserNey { discount: None } => write!(f, "kn"),
            Smoothing::KneserNey { discount: Some(d) } => write!(f, "kn:{d}"),
            Smoothing::ModifiedKneserNey => write!(f, "mkn"),
            Smoothing::StupidBackoff { alpha } => write!(f, "stupid:{alpha}"),
        }
    }
}

/// How to estimate: the smoothing and the rule for failing discounts,
/// validated together.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateConfig {
    smoothing: Smoothing,
    discount_fallback: DiscountFallback,
}

impl EstimateConfig {
    /// A config with KenLM's discount fallback, validated.
    pub fn new(smoothing: Smoothing) -> Result<Self> {
        Self::with_fallback(smoothing, DiscountFallback::Kenlm)
    }

    /// A config with the given discount fallback, validated.
    pub fn with_fallback(smoothing: Smoothing, discount_fallback: DiscountFallback) -> Result<Self> {
        smoothing.validate()?;
        discount_fallback.validate()?;
        Ok(EstimateConfig { smoothing, discount_fallback })
    }

    /// The method.
    pub fn smoothing(&self) -> Smoothing {
        self.smoothing
    }

    /// What an order whose closed-form discounts fail uses.
    pub fn discount_fallback(&self) -> DiscountFallback {
        self.discount_fallback
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str, expect: Result<Smoothing, &str>) {
        match (s.parse::<Smoothing>(), expect) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(e), Err(want)) => assert!(e.to_string().contains(want), "{e}"),
            (got, want) => panic!("{s}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn parses_every_variant() {
        check("mle", Ok(Smoothing::Mle));
        check("laplace", Ok(Smoothing::AddK { k: 1.0 }));
        check("addk:0.5", Ok(Smoothing::AddK { k: 0.5 }));
        check("wb", Ok(Smoothing::WittenBell));
        check("abs", Ok(Smoothing::AbsoluteDiscount { discount: None }));
        check("kn:0.7", Ok(Smoothing::KneserNey { discount: Some(0.7) }));
        check("mkn", Ok(Smoothing::ModifiedKneserNey));
        check("stupid", Ok(Smoothing::StupidBackoff { alpha: 0.4 }));
        check("addk:0", Err("must be in (0, inf), got 0"));
        check("addk:NaN", Err("got NaN"));
        check("kn:1.5", Err("got 1.5"));
        check("mkn:2", Err("takes no parameter"));
        check("gt", Err("unknown smoothing 'gt' (expected"));
        check("mkm", Err("unknown smoothing 'mkm' (did you mean \"mkn\"?) (expected"));
        check("witen-bell", Err("unknown smoothing 'witen-bell' (did you mean \"witten-bell\"?)"));
        check("addk", Err("needs k"));
        for s in ["mle", "addk:0.5", "wb", "abs", "abs:0.3", "kn", "mkn", "stupid:0.4"] {
            assert_eq!(s.parse::<Smoothing>().unwrap().to_string(), s);
        }
    }
}
