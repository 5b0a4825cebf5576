//! Number fields: log10 values to f64, then to the f32 the model stores.

/// The f32 nearest the decimal `text` that `x` (its nearest f64) was read
/// from. `x as f32` rounds twice, which can differ from rounding once only
/// where `x` lies exactly halfway between two f32 values (or in the f32
/// subnormals): those are parsed again as f32.
pub(super) fn narrow(x: f64, text: &[u8]) -> f32 {
    let halfway = x.to_bits() & ((1 << 29) - 1) == 1 << 28;
    let tiny = x != 0.0 && x.abs() < f64::from(f32::MIN_POSITIVE);
    if halfway || tiny {
        if let Some(f) = std::str::from_utf8(text).ok().and_then(|t| t.parse::<f32>().ok()) {
            return f;
        }
    }
    x as f32
}

/// Powers of ten that are exact in an f64.
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
    1e19, 1e20, 1e21, 1e22,
];

/// A number field. Plain decimals (every number an ARPA file of f32 values
/// holds) are read by [`plain_number`]; the rest go to `str::parse`.
pub(super) fn parse_number(field: Option<&str>, what: &str) -> std::result::Result<f64, String> {
    let Some(f) = field else { return Err(format!("missing {what}")) };
    let x = match plain_number(f.as_bytes()) {
        Some(x) => x,
        None => match f.parse::<f64>() {
            Ok(x) if x.is_nan() => return Err(format!("{what} is NaN")),
            Ok(x) if x == f64::INFINITY => return Err(format!("{what} is infinite")),
            Ok(x) => x,
            Err(_) => return Err(format!("{what} '{f}' is not a number")),
        },
    };
    // 10^x must be a finite f64 (a backoff of 10^699 is not one).
    if x > f64::from(f64::MAX_10_EXP) {
        return Err(format!("{what} {f} is out of range"));
    }
    Ok(x)
}

/// A plain decimal (`-`, digits, at most one `.` followed by digits) of at
/// most 15 digits, which is the exact quotient of two exact f64s, so one
/// division rounds it as `str::parse` does; `None` for anything else.
pub(super) fn plain_number(b: &[u8]) -> Option<f64> {
    let (neg, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    // Longer fields would overflow the mantissa.
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let (mut mantissa, mut n_digits, mut frac, mut dot) = (0u64, 0usize, 0usize, false);
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                n_digits += 1;
                frac += usize::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if n_digits == 0 || n_digits > 15 || (dot && frac == 0) {
        return None;
    }
    let x = mantissa as f64 / EXACT_POW10[frac];
    Some(if neg { -x } else { x })
}
