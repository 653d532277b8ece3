//! Summary statistics over replications: mean, sample standard deviation and the Student-t 95 %
//! confidence interval of the mean.

/// Two-sided 95 % quantiles of Student's t, t(0.975, df), for df = 1..=30 (standard tables).
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// t(0.975, df): the table up to 30, then the Cornish–Fisher expansion around the normal
/// quantile 1.959964 (error < 1e-3 for df > 30).
pub fn t975(df: u64) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T975[df as usize - 1],
        _ => {
            let z: f64 = 1.959_963_985;
            let v = df as f64;
            z + (z * z * z + z) / (4.0 * v)
                + (5.0 * z * z * z * z * z + 16.0 * z * z * z + 3.0 * z) / (96.0 * v * v)
        }
    }
}

/// Mean, sample standard deviation, 95 % CI, min and max of a sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub n: u64,
    pub mean: f64,
    /// Sample standard deviation (n − 1); NaN for n < 2.
    pub stddev: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    pub fn of(xs: &[f64]) -> Option<Summary> {
        let n = xs.len() as u64;
        if n == 0 {
            return None;
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        let (stddev, half) = if n >= 2 {
            let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
            let sd = var.sqrt();
            (sd, t975(n - 1) * sd / (n as f64).sqrt())
        } else {
            (f64::NAN, f64::NAN)
        };
        Some(Summary {
            n,
            mean,
            stddev,
            ci_low: mean - half,
            ci_high: mean + half,
            min: xs.iter().copied().fold(f64::INFINITY, f64::min),
            max: xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_of_a_hand_computed_sample() {
        // x = 2, 4, 4, 4, 5, 5, 7, 9: mean 5, Σ(x−5)² = 32, s² = 32/7, s = 2.138090,
        // t(0.975, 7) = 2.365, half-width = 2.365 × 2.138090 / √8 = 1.787772.
        let s = Summary::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(s.n, 8);
        assert!((s.mean - 5.0).abs() < 1e-12);
        assert!((s.stddev - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        let half = 2.365 * (32.0f64 / 7.0).sqrt() / 8f64.sqrt();
        assert!((s.ci_low - (5.0 - half)).abs() < 1e-12);
        assert!((s.ci_high - (5.0 + half)).abs() < 1e-12);
        assert!((half - 1.787_772).abs() < 1e-6);
        assert_eq!((s.min, s.max), (2.0, 9.0));
    }

    #[test]
    fn one_observation_has_no_interval() {
        let s = Summary::of(&[3.0]).unwrap();
        assert_eq!(s.mean, 3.0);
        assert!(s.stddev.is_nan() && s.ci_low.is_nan());
        assert!(Summary::of(&[]).is_none());
    }

    #[test]
    fn large_df_approaches_the_normal_quantile() {
        // t(0.975, 60) = 2.000 and t(0.975, 120) = 1.980 in standard tables.
        assert!((t975(60) - 2.000).abs() < 2e-3);
        assert!((t975(120) - 1.980).abs() < 2e-3);
    }
}
