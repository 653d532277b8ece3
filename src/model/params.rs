//! Every tunable constant of the scheduler, in one place (DEVELOPERS non-negotiable 2).
//!
//! The same table drives the policy, `policy.params` in scenarios, `--set name=value`, `bgsim
//! params` and the resolved parameters in `summary.json`, so documentation cannot drift from
//! what the model reads. Each entry cites where its default comes from.

use std::fmt;

use crate::engine::time::{DAY, HOUR, MINUTE, SECOND, SimDuration};
use crate::model::duration::format_ms;
use crate::model::policy::chromium::WakeupReschedule;
use crate::model::policy::firefox::FiringState;
use crate::model::policy::workmanager::BackoffPolicy;

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

params! {
    /// Attempts before a one-shot registration is given up (without notification permission).
    max_sync_attempts: Count = 3,
        source = "content/public/browser/background_sync_parameters.cc (kMaxSyncAttempts)";
    /// Attempts when the origin has notification permission; fixed at registration.
    max_sync_attempts_with_notification_permission: Count = 3,
        source = "content/public/browser/background_sync_parameters.cc (kMaxSyncAttemptsWithNotificationPermission)";
    /// Delay before the first retry; later retries multiply it by `retry_delay_factor`.
    initial_retry_delay: Duration = 5 * MINUTE,
        source = "content/public/browser/background_sync_parameters.cc (kInitialRetryDelay)";
    /// Multiplier between successive retry delays (an integer, as in Chromium).
    retry_delay_factor: Count = 3,
        source = "content/public/browser/background_sync_parameters.cc (kRetryDelayFactor)";
    /// Wake-up delta used while events are firing (recovery if the browser dies mid-event).
    min_sync_recovery_time: Duration = 6 * MINUTE,
        source = "content/public/browser/background_sync_parameters.cc (kMinSyncRecoveryTime)";
    /// A sync event still running after this long is timed out and counts as a failure.
    max_sync_event_duration: Duration = 3 * MINUTE,
        source = "content/public/browser/background_sync_parameters.cc (kMaxSyncEventDuration)";
    /// Base gap between periodic sync events of one origin (multiplied by the engagement penalty).
    min_periodic_sync_events_interval: Duration = 12 * HOUR,
        source = "content/public/browser/background_sync_parameters.cc (kMinPeriodicSyncEventsInterval)";
    /// Keep the Android browser process alive until running events complete.
    keep_browser_awake_till_events_complete: Bool = false,
        source = "content/public/browser/background_sync_parameters.cc (keep_browser_awake_till_events_complete)";
    /// Let Android's network detection, not the browser's, decide when to fire (Android only).
    rely_on_android_network_detection: Bool = false,
        source = "content/public/browser/background_sync_parameters.cc (rely_on_android_network_detection)";
    /// Minimum spacing between periodic browser wake-ups when no retries are pending. 0 (the
    /// default) is production Chrome, which never applies it; > 0 models the limit as designed.
    periodic_wakeup_min_spacing: Duration = 0,
        source = "content/browser/background_sync/background_sync_manager.cc (ScheduleDelayedProcessingOfRegistrations passes a null last wake-up, so MaybeApplyBrowserWakeupCountLimit never limits: 0)";
    /// How Chrome moves its Android wake-up task: `earlier_only` (trunk: only to an earlier time
    /// than it last scheduled, forgotten when the process dies or its in-process timer fires) or
    /// `always` (the older scheduler: every new window replaces the task).
    wakeup_reschedule: Choice(WakeupReschedule) = WakeupReschedule::EarlierOnly,
        source = "content/browser/background_sync/background_sync_scheduler.cc (ScheduleOrCancelBrowserWakeupForSyncType, scheduled_wakeup_time_)";
    /// firefox: where the firing state lives. `in_memory` is the shipped fix; `persisted` is the
    /// original bug (firing written to disk before dispatch, stuck forever after a crash).
    firing_state: Choice(FiringState) = FiringState::InMemory,
        source = "seeds/firefox-background-sync-landing-notes.txt (Part 10: crash resiliency)";
    /// workmanager: backoff delay of a retried job (the base, before the policy).
    work_backoff_delay: Duration = 30 * SECOND,
        source = "androidx work-runtime WorkRequest.kt (DEFAULT_BACKOFF_DELAY_MILLIS)";
    /// workmanager: `exponential` (delay × 2^(n−1)) or `linear` (delay × n) backoff.
    work_backoff_policy: Choice(BackoffPolicy) = BackoffPolicy::Exponential,
        source = "androidx work-runtime BackoffPolicy.kt (default EXPONENTIAL)";
    /// workmanager: smallest allowed backoff delay.
    work_min_backoff: Duration = 10 * SECOND,
        source = "androidx work-runtime WorkRequest.kt (MIN_BACKOFF_MILLIS)";
    /// workmanager: largest backoff delay.
    work_max_backoff: Duration = 5 * HOUR,
        source = "androidx work-runtime WorkRequest.kt (MAX_BACKOFF_MILLIS)";
    /// workmanager: shortest period of periodic work.
    work_min_periodic_interval: Duration = 15 * MINUTE,
        source = "androidx work-runtime PeriodicWorkRequest.kt (MIN_PERIODIC_INTERVAL_MILLIS)";
    /// workmanager: shortest flex window of periodic work.
    work_min_flex: Duration = 5 * MINUTE,
        source = "androidx work-runtime PeriodicWorkRequest.kt (MIN_PERIODIC_FLEX_MILLIS)";
    /// workmanager: flex window of periodic work; 0 = the whole interval (the default).
    work_flex: Duration = 0,
        source = "androidx work-runtime PeriodicWorkRequest.kt (flex defaults to the interval)";
    /// workmanager: runs before one-time work gives up; 0 = retry forever (WorkManager's default).
    work_max_attempts: Count = 0,
        source = "androidx work-runtime (no built-in attempt cap)";
    /// workmanager: a job running longer is stopped and retried.
    work_max_duration: Duration = 10 * MINUTE,
        source = "Android JobScheduler execution limit (JobServiceContext, 10 min)";
    /// workmanager: job deferral window of the WORKING_SET standby bucket (MEDIUM engagement).
    /// Unconfirmed for current Android (which states quotas instead): a parameter on purpose.
    standby_working_set_deferral: Duration = 2 * HOUR,
        source = "developer.android.com/topic/performance/appstandby (Android 9: deferred up to 2 h; unconfirmed since)";
    /// workmanager: job deferral window of the FREQUENT bucket (LOW engagement).
    /// Unconfirmed for current Android: a parameter on purpose.
    standby_frequent_deferral: Duration = 8 * HOUR,
        source = "developer.android.com/topic/performance/appstandby (Android 9: deferred up to 8 h; unconfirmed since)";
    /// workmanager: job deferral window of the RARE bucket (MINIMAL engagement).
    /// Unconfirmed for current Android: a parameter on purpose.
    standby_rare_deferral: Duration = 24 * HOUR,
        source = "developer.android.com/topic/performance/appstandby (Android 9: deferred up to 24 h; unconfirmed since)";
    /// workmanager: job deferral window of the RESTRICTED bucket (NONE engagement).
    /// Unconfirmed for current Android: a parameter on purpose.
    standby_restricted_deferral: Duration = 24 * HOUR,
        source = "developer.android.com/topic/performance/power-details (Android 12: restricted jobs once a day; unconfirmed since)";
    /// Background Fetch: registrations downloading at once per profile, from distinct origins;
    /// the others wait in registration order.
    max_active_fetches: Count = 2,
        source = "content/browser/background_fetch/background_fetch_scheduler.cc (kMaxActiveRegistrationsDefaultValue)";
    /// Background Fetch: downloads running at once; they share the device's bandwidth.
    max_running_downloads: Count = 2,
        source = "content/browser/background_fetch/background_fetch_scheduler.cc (kMaxRunningDownloadsDefaultValue)";
    /// Background Fetch: failed attempts of one request before the fetch ends with
    /// `backgroundfetchfail`.
    max_request_failures: Count = 3,
        source = "bgsim modelling choice for DESIGN §8 (Chromium's download service retries transient failures)";
    /// design-2019: how many times a day the browser may be woken for periodic sync.
    max_periodic_wakeups_per_day: Count = 2,
        source = "seeds/periodic-background-sync-design.txt (Waking up the browser: cap defaults to 2)";
    /// design-2019: retries allowed per periodic event (they never wake the browser).
    periodic_retries: Count = 2,
        source = "seeds/periodic-background-sync-design.txt (Retries: two retries per task)";
    /// Site engagement: points for a navigation (a visit).
    navigation_points: Real = 1.5,
        source = "components/site_engagement/content/site_engagement_score.cc (kNavigationPoints)";
    /// Site engagement: points per user interaction during a visit.
    user_input_points: Real = 0.6,
        source = "components/site_engagement/content/site_engagement_score.cc (kUserInputPoints)";
    /// Site engagement: bonus for the first engagement of a (local) day.
    first_daily_engagement_points: Real = 1.5,
        source = "components/site_engagement/content/site_engagement_score.cc (kFirstDailyEngagementPoints)";
    /// Site engagement: cap on points added per day.
    max_points_per_day: Real = 15.0,
        source = "components/site_engagement/content/site_engagement_score.cc (kMaxPointsPerDay)";
    /// Site engagement: the raw score decays once per this period since the last engagement.
    decay_period: Duration = 2 * HOUR,
        source = "components/site_engagement/content/site_engagement_score.cc (kDecayPeriodInHours)";
    /// Site engagement: multiplier applied per decay period.
    decay_proportion: Real = 0.984,
        source = "components/site_engagement/content/site_engagement_score.cc (kDecayProportion)";
    /// Site engagement: points subtracted per decay period.
    decay_points: Real = 0.0,
        source = "components/site_engagement/content/site_engagement_score.cc (kDecayPoints)";
    /// Site engagement: scores below this are cleaned up to 0.
    score_cleanup_threshold: Real = 0.5,
        source = "components/site_engagement/content/site_engagement_score.cc (kScoreCleanupThreshold)";
    /// Site engagement: bonus while an installed web app was launched recently.
    web_app_installed_points: Real = 5.0,
        source = "components/site_engagement/content/site_engagement_score.cc (kWebAppInstalledPoints)";
    /// Site engagement: how recent a launch must be for the installed-app bonus.
    installed_app_launch_window: Duration = 10 * DAY,
        source = "components/site_engagement/content/site_engagement_score.cc (kMaxDaysSinceShortcutLaunch)";
    /// Site engagement: score from which an origin is MEDIUM (a Finch variable).
    engagement_medium_boundary: Real = 15.0,
        source = "components/site_engagement/content/site_engagement_score.cc (kMediumEngagementBoundary)";
    /// Site engagement: score from which an origin is HIGH (a Finch variable).
    engagement_high_boundary: Real = 50.0,
        source = "components/site_engagement/content/site_engagement_score.cc (kHighEngagementBoundary)";
    /// Site engagement: decay periods a score may lose while the whole profile is idle (the
    /// rebase counts back this many periods from now).
    max_decays_per_score: Count = 4,
        source = "components/site_engagement/content/site_engagement_score.cc (kMaxDecaysPerScore)";
    /// Site engagement: added to the max decay period to decide that the profile's last
    /// engagement is stale (IsLastEngagementStale).
    last_engagement_grace_period: Duration = HOUR,
        source = "components/site_engagement/content/site_engagement_score.cc (kLastEngagementGracePeriodInHours); site_engagement_service.cc GetStalePeriod";
}

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
