//! The duration and time-of-day notation of scenarios and `--set` (DESIGN §11, SEMANTICS S12).
//!
//! A duration is a concatenation of `<integer><unit>` with units `ms|s|m|h|d`, summed: `"1d2h"`,
//! `"90s"`, `"0s"`. No decimals, no spaces, no bare numbers: a unitless `12` is the classic
//! "was that seconds or hours?" bug, so it is an error. Written by hand rather than with a
//! general-purpose crate because the grammar is pinned and must not accept more (`"1y"`, `"5min"`).

use crate::engine::time::{DAY, HOUR, MAX_DAYS, MAX_HORIZON, MINUTE, SECOND};

/// Parses a duration string into milliseconds.
pub fn parse_ms(text: &str) -> Result<u64, String> {
    let err = || {
        format!(
            "expected a duration like \"12h\" or \"1d2h30m\" (units ms, s, m, h, d), got {text:?}"
        )
    };
    if text.is_empty() {
        return Err(err());
    }
    let bytes = text.as_bytes();
    let mut total: u64 = 0;
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return Err(err());
        }
        let n: u64 = text[start..i].parse().map_err(|_| err())?;
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let scale = match &text[unit_start..i] {
            "ms" => 1,
            "s" => SECOND,
            "m" => MINUTE,
            "h" => HOUR,
            "d" => DAY,
            _ => return Err(err()),
        };
        total = n
            .checked_mul(scale)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(|| too_long(text))?;
    }
    if total > MAX_HORIZON {
        return Err(too_long(text));
    }
    Ok(total)
}

fn too_long(text: &str) -> String {
    let shown: String = text.chars().take(40).collect();
    format!(
        "expected a duration of at most {MAX_DAYS}d (bgsim's longest horizon, 10 years), got {shown:?}"
    )
}

/// Formats milliseconds in the same notation, largest units first (`90000` → `"1m30s"`), so a
/// printed value parses back to itself.
pub fn format_ms(ms: u64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    let mut rest = ms;
    for (scale, unit) in [
        (DAY, "d"),
        (HOUR, "h"),
        (MINUTE, "m"),
        (SECOND, "s"),
        (1, "ms"),
    ] {
        if rest >= scale {
            out.push_str(&format!("{}{unit}", rest / scale));
            rest %= scale;
        }
    }
    out
}

/// Parses a time of day `"HH:MM"` (00:00 to 24:00) into milliseconds after midnight.
pub fn parse_time_of_day(text: &str) -> Result<u64, String> {
    let err = || format!("expected a time of day like \"08:30\" (00:00 to 24:00), got {text:?}");
    let (h, m) = text.split_once(':').ok_or_else(err)?;
    let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return Err(err());
    }
    let h: u64 = h.parse().map_err(|_| err())?;
    let m: u64 = m.parse().map_err(|_| err())?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(err());
    }
    Ok(h * HOUR + m * MINUTE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_combined_units() {
        // 1 d 2 h = 26 h = 93_600_000 ms.
        assert_eq!(parse_ms("1d2h"), Ok(93_600_000));
        assert_eq!(parse_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_ms("250ms"), Ok(250));
        assert_eq!(parse_ms("0s"), Ok(0));
    }

    #[test]
    fn rejects_what_the_grammar_does_not_allow() {
        for bad in ["", "12", "1.5h", "1 h", "5min", "1y", "h", "-1s", "1h-"] {
            assert!(parse_ms(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn durations_past_the_longest_horizon_are_rejected() {
        // 3650 d = 315_360_000_000 ms is the limit; one ms more is refused, and so is a value
        // that overflows u64 while it is being summed.
        assert_eq!(parse_ms("3650d"), Ok(315_360_000_000));
        assert!(parse_ms("3650d1ms").is_err());
        assert!(parse_ms("100000000d").is_err());
        assert!(parse_ms("99999999999999999999s").is_err());
    }

    #[test]
    fn format_round_trips() {
        for ms in [0, 1, 999, 90_000, 93_600_000, 86_400_001] {
            assert_eq!(parse_ms(&format_ms(ms)), Ok(ms));
        }
    }

    #[test]
    fn time_of_day() {
        assert_eq!(parse_time_of_day("08:30"), Ok(8 * HOUR + 30 * MINUTE));
        assert_eq!(parse_time_of_day("24:00"), Ok(DAY));
        for bad in ["8:30", "25:00", "12:60", "24:01", "noon", "+8:00", "08:+5"] {
            assert!(parse_time_of_day(bad).is_err(), "{bad:?}");
        }
    }
}
