//! How numbers and expectations read to people (check tables, JUnit, the report): formatting
//! lives here, at the output edge; the experiment layer hands over typed values.

use crate::experiment::Rule;
use crate::experiment::check::Expected;

/// A number as people read it: at most 6 decimals, no float noise (`0.049880600000000004`
/// prints as `0.049881`), no trailing zeros.
pub fn short(x: f64) -> String {
    let t = format!("{x:.6}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    if t == "-0" { "0".into() } else { t.into() }
}

/// An expectation as text: `≥ 0.99`, `in [1, 2]`, `0.9976 ± 0.005`.
pub fn expected(e: &Expected) -> String {
    match *e {
        Expected::Rule(Rule::Le(b)) => format!("≤ {}", short(b)),
        Expected::Rule(Rule::Ge(b)) => format!("≥ {}", short(b)),
        Expected::Rule(Rule::Eq(b)) => format!("= {}", short(b)),
        Expected::Rule(Rule::Between(a, b)) => format!("in [{}, {}]", short(a), short(b)),
        Expected::Within { value, allowed } => format!("{} ± {}", short(value), short(allowed)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_without_float_noise() {
        // 0.049880600000000004 (a relative tolerance times a value) reads 0.049881.
        assert_eq!(short(0.049880600000000004), "0.049881");
        assert_eq!(short(2.0), "2");
        assert_eq!(short(-0.0000001), "0");
        assert_eq!(
            expected(&Expected::Within {
                value: 0.9976,
                allowed: 0.005
            }),
            "0.9976 ± 0.005"
        );
        assert_eq!(
            expected(&Expected::Rule(Rule::Between(1.0, 2.5))),
            "in [1, 2.5]"
        );
    }
}
