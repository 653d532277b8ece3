//! Every tunable constant of the scheduler, in one place (DEVELOPERS non-negotiable 2).
//!
//! The same table drives the policy, `policy.params` in scenarios, `--set name=value`, `bgsim
//! params` and the resolved parameters in `summary.json`, so documentation cannot drift from
//! what the model reads. Each entry cites where its default comes from.

use std::fmt;

use crate::engine::time::DAY;
use crate::model::duration::format_ms;

/// Parameters the device loop reads under every policy: the browser's process and network
/// switches, Background Fetch, and site engagement. Every other parameter belongs to the
/// policies that read it (`Policy::reads`).
pub const DEVICE_PARAMS: &[&str] = &[
    "keep_browser_awake_till_events_complete",
    "rely_on_android_network_detection",
    "max_sync_event_duration",
    "max_request_failures",
    "max_active_fetches",
    "max_running_downloads",
    "navigation_points",
    "user_input_points",
    "first_daily_engagement_points",
    "max_points_per_day",
    "decay_period",
    "decay_proportion",
    "decay_points",
    "score_cleanup_threshold",
    "web_app_installed_points",
    "installed_app_launch_window",
    "engagement_medium_boundary",
    "engagement_high_boundary",
    "max_decays_per_score",
    "last_engagement_grace_period",
    "light_idle_after_inactive_timeout",
    "light_idle_timeout",
    "light_idle_factor",
    "light_max_idle_timeout",
    "light_idle_maintenance_min_budget",
    "light_idle_maintenance_max_budget",
    "inactive_timeout",
    "motion_inactive_timeout",
    "idle_after_inactive_timeout",
    "locating_timeout",
    "idle_pending_timeout",
    "max_idle_pending_timeout",
    "idle_pending_factor",
    "idle_timeout",
    "max_idle_timeout",
    "idle_factor",
    "elapsed_threshold_working_set",
    "elapsed_threshold_frequent",
    "elapsed_threshold_rare",
    "elapsed_threshold_restricted",
    "screen_threshold_working_set",
    "screen_threshold_frequent",
    "screen_threshold_rare",
    "screen_threshold_restricted",
    "allowed_time_per_period",
    "max_execution_time",
    "timing_session_coalescing_duration",
    "battery_voltage",
    "cpu_active_ma",
    "cpu_awake_ma",
    "process_start_cpu_time",
    "lte_promotion_time",
    "lte_promotion_power",
    "lte_tail_time",
    "lte_tail_power",
    "lte_active_power",
    "lte_downlink_power_per_mbps",
    "wifi_promotion_time",
    "wifi_promotion_power",
    "wifi_tail_time",
    "wifi_tail_power",
    "wifi_active_power",
    "wifi_downlink_power_per_mbps",
    "window_size_active",
    "max_job_count_active",
    "max_session_count_active",
    "window_size_working",
    "max_job_count_working",
    "max_session_count_working",
    "window_size_frequent",
    "max_job_count_frequent",
    "max_session_count_frequent",
    "window_size_rare",
    "max_job_count_rare",
    "max_session_count_rare",
    "window_size_restricted",
    "max_job_count_restricted",
    "max_session_count_restricted",
];

/// The unit a parameter is expressed in; decides how it is parsed and printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unit {
    /// Duration string such as `"5m"`, stored as milliseconds.
    Duration,
    /// Non-negative whole number.
    Count,
    /// `true` / `false`.
    Bool,
    /// A real number (points, proportions).
    Real,
    /// One of a fixed set of names (see [`ParamDef::choices`]).
    Choice,
}

impl Unit {
    pub fn name(self) -> &'static str {
        match self {
            Unit::Duration => "duration",
            Unit::Count => "count",
            Unit::Bool => "bool",
            Unit::Real => "real",
            Unit::Choice => "choice",
        }
    }
}

/// A parameter value in its canonical form.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Value {
    Ms(u64),
    Count(u64),
    Bool(bool),
    Real(f64),
    Choice(&'static str),
}

impl Value {
    /// The value as JSON with its type: numbers as numbers, booleans as booleans, durations in
    /// the duration notation, choices as their names.
    pub fn to_json(self) -> serde_json::Value {
        match self {
            Value::Ms(ms) => serde_json::Value::String(format_ms(ms)),
            Value::Count(n) => n.into(),
            Value::Bool(b) => b.into(),
            Value::Real(x) => {
                serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, Into::into)
            }
            Value::Choice(c) => c.into(),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Ms(ms) => f.write_str(&crate::model::duration::format_ms(*ms)),
            Value::Count(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Real(x) => write!(f, "{x}"),
            Value::Choice(c) => f.write_str(c),
        }
    }
}

/// Describes one parameter: its name, unit, default, source and meaning.
pub struct ParamDef {
    pub name: &'static str,
    pub unit: Unit,
    pub source: &'static str,
    pub doc: &'static str,
    /// The allowed names of a `Choice` parameter.
    pub choices: &'static [&'static str],
    get: fn(&Params) -> Value,
    set: fn(&mut Params, Value),
}

impl ParamDef {
    pub fn get(&self, p: &Params) -> Value {
        (self.get)(p)
    }

    /// The default under the `chromium` preset.
    pub fn default_value(&self) -> Value {
        (self.get)(&Params::default())
    }

    /// Parses `text` (as given to `--set`) in this parameter's unit.
    pub fn parse(&self, text: &str) -> Result<Value, String> {
        match self.unit {
            Unit::Duration => crate::model::duration::parse_ms(text).map(Value::Ms),
            Unit::Count => text
                .parse::<u64>()
                .map_err(|_| format!("expected a whole number, got {}", shown(text)))
                .and_then(Self::count),
            Unit::Bool => match text {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("expected true or false, got {text:?}")),
            },
            Unit::Choice => self
                .choices
                .iter()
                .find(|c| **c == text)
                .map(|c| Value::Choice(c))
                .ok_or_else(|| {
                    format!("expected one of {}, got {text:?}", self.choices.join(", "))
                }),
            Unit::Real => match text.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(Value::Real(x)),
                _ => Err(format!("expected a number ≥ 0, got {}", shown(text))),
            },
        }
    }

    /// A count value; counts are 32-bit (as in Chromium), so larger values are refused rather
    /// than clamped.
    pub fn count(n: u64) -> Result<Value, String> {
        if n > u32::MAX as u64 {
            return Err(format!(
                "expected a whole number of at most {}, got {n}",
                u32::MAX
            ));
        }
        Ok(Value::Count(n))
    }

    /// Sets the parameter; the value must be in this parameter's unit.
    pub fn set(&self, p: &mut Params, v: Value) {
        (self.set)(p, v)
    }
}

/// A value echoed in a message, cut so that a huge input cannot make a huge message.
fn shown(text: &str) -> String {
    let mut cut: String = text.chars().take(40).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

/// Most attempts or retries a parameter may allow: far beyond any real policy, and small enough
/// that `attempts + 1` and per-attempt counters never wrap.
pub const MAX_ATTEMPTS: u32 = 1000;

/// A parameter whose value is one of a few names: a typed enum in the model, its name in
/// scenarios, `--set` and `summary.json`.
pub trait ChoiceParam: Sized + Copy {
    /// Every allowed name, in declaration order.
    const NAMES: &'static [&'static str];
    fn name(self) -> &'static str;
    fn from_name(name: &str) -> Option<Self>;
}

/// Declares a choice parameter's enum, each variant with its name, and its [`ChoiceParam`].
macro_rules! choice_param {
    ($(#[$meta:meta])* pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum $name { $( $(#[$vmeta])* $variant, )+ }

        impl $crate::model::params::ChoiceParam for $name {
            const NAMES: &'static [&'static str] = &[$($text),+];

            fn name(self) -> &'static str {
                Self::NAMES[self as usize]
            }

            fn from_name(name: &str) -> Option<Self> {
                [$(Self::$variant),+].into_iter().find(|v| v.name() == name)
            }
        }
    };
}
pub(crate) use choice_param;

macro_rules! params {
    ($( $(#[doc = $doc:literal])+ $name:ident : $unit:ident $(($cty:ty))? = $default:expr, source = $source:literal; )*) => {
        /// The resolved scheduler parameters of one run (Finch-style: every field can be overridden).
        #[derive(Clone, Debug, PartialEq)]
        pub struct Params {
            $( $(#[doc = $doc])+ pub $name: params!(@ty $unit $(, $cty)?), )*
        }

        impl Default for Params {
            /// The `chromium` preset's defaults.
            fn default() -> Self {
                Params { $( $name: params!(@default $unit, $default), )* }
            }
        }

        /// The table of every parameter, in a stable order.
        pub static PARAMS: &[ParamDef] = &[
            $( ParamDef {
                name: stringify!($name),
                unit: Unit::$unit,
                source: $source,
                doc: concat!($($doc),+),
                choices: params!(@choices $unit $(, $cty)?),
                get: |p| params!(@wrap $unit, p.$name),
                set: |p, v| p.$name = params!(@unwrap $unit $(, $cty)?, v),
            }, )*
        ];
    };
    (@ty Duration) => { SimDuration };
    (@default Duration, $e:expr) => { SimDuration::from_ms($e) };
    (@default $unit:ident, $e:expr) => { $e };
    (@ty Count) => { u32 };
    (@ty Bool) => { bool };
    (@ty Real) => { f64 };
    (@ty Choice, $t:ty) => { $t };
    (@choices Choice, $t:ty) => { <$t as ChoiceParam>::NAMES };
    (@choices $unit:ident) => { &[] };
    (@wrap Duration, $e:expr) => { Value::Ms($e.ms()) };
    (@wrap Count, $e:expr) => { Value::Count($e as u64) };
    (@wrap Bool, $e:expr) => { Value::Bool($e) };
    (@wrap Real, $e:expr) => { Value::Real($e) };
    (@wrap Choice, $e:expr) => { Value::Choice($e.name()) };
    (@unwrap Duration, $v:expr) => { match $v { Value::Ms(x) => SimDuration::from_ms(x), other => panic!("unit mismatch: {other:?}") } };
    (@unwrap Count, $v:expr) => { match $v { Value::Count(x) => u32::try_from(x).unwrap_or(u32::MAX), other => panic!("unit mismatch: {other:?}") } };
    (@unwrap Bool, $v:expr) => { match $v { Value::Bool(x) => x, other => panic!("unit mismatch: {other:?}") } };
    (@unwrap Real, $v:expr) => { match $v { Value::Real(x) => x, other => panic!("unit mismatch: {other:?}") } };
    (@unwrap Choice, $t:ty, $v:expr) => { match $v { Value::Choice(x) => <$t as ChoiceParam>::from_name(x).expect("a checked choice"), other => panic!("unit mismatch: {other:?}") } };
}

mod table;
pub use table::{PARAMS, Params};

impl Params {
    /// Looks a parameter up by name.
    pub fn def(name: &str) -> Option<&'static ParamDef> {
        PARAMS.iter().find(|d| d.name == name)
    }

    /// The parameters as `summary.json` records them (`Value::to_json` of each); a missing or
    /// malformed entry gives `None`.
    pub fn from_json(map: &serde_json::Map<String, serde_json::Value>) -> Option<Params> {
        let mut p = Params::default();
        for def in PARAMS {
            let text = match map.get(def.name)? {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            def.set(&mut p, def.parse(&text).ok()?);
        }
        Some(p)
    }

    /// Rejects values the model cannot run with meaning (SEMANTICS S12, DESIGN §9): a value that
    /// would divide by zero, let virtual time stop advancing, wrap a counter, or put a lower
    /// bound above its upper bound. Returns (parameter, reason).
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let bounded = [
            ("max_sync_attempts", self.max_sync_attempts, 1),
            (
                "max_sync_attempts_with_notification_permission",
                self.max_sync_attempts_with_notification_permission,
                1,
            ),
            ("retry_delay_factor", self.retry_delay_factor, 1),
            ("periodic_retries", self.periodic_retries, 0),
            ("work_max_attempts", self.work_max_attempts, 0),
            ("max_request_failures", self.max_request_failures, 1),
            ("max_active_fetches", self.max_active_fetches, 1),
            ("max_running_downloads", self.max_running_downloads, 1),
        ];
        for (name, value, min) in bounded {
            if !(min..=MAX_ATTEMPTS).contains(&value) {
                return Err((
                    name,
                    format!("must be between {min} and {MAX_ATTEMPTS}, got {value}"),
                ));
            }
        }
        // design-2019's wake-up period is 24 h / cap: it must stay at least 1 ms.
        let cap = self.max_periodic_wakeups_per_day as u64;
        if !(1..=DAY).contains(&cap) {
            return Err((
                "max_periodic_wakeups_per_day",
                format!(
                    "must be between 1 and {DAY} (a wake-up period of at least 1 ms), got {cap}"
                ),
            ));
        }
        // Durations that pace the model: zero would let a loop run at one instant forever
        // (or divide by zero).
        let positive = [
            (
                "min_periodic_sync_events_interval",
                self.min_periodic_sync_events_interval,
            ),
            ("min_sync_recovery_time", self.min_sync_recovery_time),
            ("max_sync_event_duration", self.max_sync_event_duration),
            ("decay_period", self.decay_period),
            ("work_min_backoff", self.work_min_backoff),
            (
                "work_min_periodic_interval",
                self.work_min_periodic_interval,
            ),
            ("work_max_duration", self.work_max_duration),
            // Doze's alarms: a zero period would cycle its states at one instant forever.
            (
                "light_idle_after_inactive_timeout",
                self.light_idle_after_inactive_timeout,
            ),
            ("light_idle_timeout", self.light_idle_timeout),
            ("light_max_idle_timeout", self.light_max_idle_timeout),
            (
                "light_idle_maintenance_min_budget",
                self.light_idle_maintenance_min_budget,
            ),
            (
                "light_idle_maintenance_max_budget",
                self.light_idle_maintenance_max_budget,
            ),
            ("inactive_timeout", self.inactive_timeout),
            ("motion_inactive_timeout", self.motion_inactive_timeout),
            (
                "idle_after_inactive_timeout",
                self.idle_after_inactive_timeout,
            ),
            ("locating_timeout", self.locating_timeout),
            ("idle_pending_timeout", self.idle_pending_timeout),
            ("max_idle_pending_timeout", self.max_idle_pending_timeout),
            ("idle_timeout", self.idle_timeout),
            ("max_idle_timeout", self.max_idle_timeout),
        ];
        for (name, value) in positive {
            if value.is_zero() {
                return Err((name, "must be greater than 0".into()));
            }
        }
        if self.work_min_backoff > self.work_max_backoff {
            return Err((
                "work_min_backoff",
                format!(
                    "must be at most work_max_backoff ({}), got {}",
                    format_ms(self.work_max_backoff.ms()),
                    format_ms(self.work_min_backoff.ms())
                ),
            ));
        }
        if self.work_min_flex > self.work_min_periodic_interval {
            return Err((
                "work_min_flex",
                format!(
                    "must be at most work_min_periodic_interval ({}): the flex window lies inside the interval, got {}",
                    format_ms(self.work_min_periodic_interval.ms()),
                    format_ms(self.work_min_flex.ms())
                ),
            ));
        }
        if !(1.0..=self.engagement_high_boundary).contains(&self.engagement_medium_boundary)
            || self.engagement_high_boundary > 100.0
        {
            return Err((
                "engagement_medium_boundary",
                format!(
                    "must satisfy 1 ≤ medium ({}) ≤ high ({}) ≤ 100",
                    self.engagement_medium_boundary, self.engagement_high_boundary
                ),
            ));
        }
        if self.max_decays_per_score == 0 || self.max_decays_per_score > MAX_ATTEMPTS {
            return Err((
                "max_decays_per_score",
                format!(
                    "must be between 1 and {MAX_ATTEMPTS}, got {}",
                    self.max_decays_per_score
                ),
            ));
        }
        for (name, factor) in [
            ("light_idle_factor", self.light_idle_factor),
            ("idle_pending_factor", self.idle_pending_factor),
            ("idle_factor", self.idle_factor),
        ] {
            if factor < 1.0 {
                return Err((
                    name,
                    format!(
                        "must be at least 1 (successive doze periods never shrink), got {factor}"
                    ),
                ));
            }
        }
        if self.decay_proportion > 1.0 {
            return Err(("decay_proportion", "must be at most 1".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_chromium_parameters() {
        // background_sync_parameters.cc: 3 attempts, 5 min × 3^(n−1), 6 min recovery, 3 min max event,
        // 12 h periodic interval.
        let p = Params::default();
        assert_eq!(p.max_sync_attempts, 3);
        assert_eq!(p.initial_retry_delay.ms(), 300_000);
        assert_eq!(p.retry_delay_factor, 3);
        assert_eq!(p.min_sync_recovery_time.ms(), 360_000);
        assert_eq!(p.max_sync_event_duration.ms(), 180_000);
        assert_eq!(p.min_periodic_sync_events_interval.ms(), 43_200_000);
    }

    #[test]
    fn set_by_name_round_trips() {
        let mut p = Params::default();
        let d = Params::def("initial_retry_delay").unwrap();
        d.set(&mut p, d.parse("90s").unwrap());
        assert_eq!(p.initial_retry_delay.ms(), 90_000);
        assert_eq!(d.get(&p).to_string(), "1m30s");
        assert!(Params::def("no_such_param").is_none());
        assert!(
            Params::def("max_sync_attempts")
                .unwrap()
                .parse("2.5")
                .is_err()
        );
    }
}
