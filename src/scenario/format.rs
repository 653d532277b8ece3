//! The scenario file's serde types (DESIGN §11): untrusted JSON, exactly as users write it.
//!
//! Unknown fields are errors everywhere (`deny_unknown_fields`): a typo must never be silently
//! ignored. Defaults are those of SEMANTICS S12 and are noted on each field.

use std::collections::BTreeMap;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::borrow::Cow;

use crate::model::duration::{parse_ms, parse_time_of_day};

pub use super::network_file::{Bandwidth, FlakyFile, NetworkFile, parse_bandwidth};

/// A duration string (`"12h"`, `"1d2h"`) in ms. A bare number is an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dur(pub u64);

/// A time of day `"HH:MM"` in ms after midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tod(pub u64);

struct StrVisitor {
    what: &'static str,
    parse: fn(&str) -> Result<u64, String>,
}

impl Visitor<'_> for StrVisitor {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.what)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        (self.parse)(v).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Err(E::custom(format!("expected {}, got {v}", self.what)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        Err(E::custom(format!("expected {}, got {v}", self.what)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        Err(E::custom(format!("expected {}, got {v}", self.what)))
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor {
            what: "a duration like \"12h\"",
            parse: parse_ms,
        })
        .map(Dur)
    }
}

impl<'de> Deserialize<'de> for Tod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor {
            what: "a time of day like \"08:00\"",
            parse: parse_time_of_day,
        })
        .map(Tod)
    }
}

/// A JSON object whose keys must be unique (serde's maps keep the last of duplicates silently).
fn unique_keys<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, serde_json::Value>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = BTreeMap<String, serde_json::Value>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object of parameter names and values")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                if out.contains_key(&k) {
                    return Err(de::Error::custom(format!("duplicate parameter {k:?}")));
                }
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(V)
}

/// A `count`: a whole number of at least 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count(pub u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = u64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number of at least 1")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
                if v == 0 {
                    return Err(E::custom("expected a count of at least 1, got 0"));
                }
                Ok(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
                Err(E::custom(format!(
                    "expected a count of at least 1, got {v}"
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
                Err(E::custom(format!(
                    "expected a count of at least 1, got {v}"
                )))
            }
        }
        d.deserialize_any(V).map(Count)
    }
}

impl JsonSchema for Dur {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^([0-9]+(ms|s|m|h|d))+$",
            "description": "A duration: <integer><unit> pairs with units ms, s, m, h, d, e.g. \"12h\" or \"1d2h30m\". A bare number is an error."
        })
    }
}

impl JsonSchema for Tod {
    fn schema_name() -> Cow<'static, str> {
        "TimeOfDay".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$",
            "description": "A time of day \"HH:MM\", 00:00 to 24:00."
        })
    }
}

impl JsonSchema for Count {
    fn schema_name() -> Cow<'static, str> {
        "Count".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "integer",
            "minimum": 1,
            "description": "A whole number of at least 1."
        })
    }
}

fn one() -> Count {
    Count(1)
}

fn chromium() -> String {
    "chromium".to_string()
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Editors' schema reference (e.g. "../docs/scenario.schema.json"); ignored by bgsim.
    #[serde(rename = "$schema", default)]
    pub schema: Option<String>,
    pub name: String,
    /// Default: empty.
    #[serde(default)]
    pub description: String,
    pub duration: Dur,
    /// Default: 0.
    #[serde(default)]
    pub seed: u64,
    /// Default: the `chromium` preset with its default parameters.
    #[serde(default)]
    pub policy: PolicyFile,
    pub devices: Vec<DeviceFile>,
    #[serde(default)]
    pub expect: Vec<ExpectFile>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    #[serde(default = "chromium")]
    #[schemars(extend("enum" = ["chromium", "design-2019", "firefox", "workmanager"]))]
    pub preset: String,
    /// Parameter overrides by name; checked against the parameter table.
    #[serde(default, deserialize_with = "unique_keys")]
    pub params: BTreeMap<String, serde_json::Value>,
}

impl Default for PolicyFile {
    fn default() -> Self {
        PolicyFile {
            preset: chromium(),
            params: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceFile {
    /// Default: the devices the block's traces name (the highest device + 1), or 1 without
    /// traces.
    pub count: Option<Count>,
    pub platform: PlatformFile,
    pub browser: BrowserFile,
    pub network: NetworkFile,
    pub crashes: Option<CrashesFile>,
    /// Android only: Android's power management (DESIGN §4.7). Default: on, never charging,
    /// never stationary, the screen on only during user sessions.
    pub android: Option<AndroidFile>,
    #[serde(default)]
    pub origins: Vec<OriginFile>,
}

/// Android's power management inputs (DESIGN §4.7).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AndroidFile {
    /// Doze, App Standby Buckets and JobScheduler quotas decide when jobs run. `false`: every
    /// job runs at its window start whenever the device is online (the earlier model).
    /// Default: true.
    pub power_management: Option<bool>,
    /// When the phone charges (windows like `sessions`). Default: never.
    pub charging: Option<SessionsFile>,
    /// Whether the phone is left still: a probability per screen-off period, or windows
    /// (`"always"`, `"never"`, `{"daily": …}`, `{"at": …}`). Default: never (no deep doze).
    pub stationary: Option<StationaryFile>,
    /// Screen-on time besides user sessions (other apps), which ages the app's standby bucket.
    /// Default: never.
    pub screen_on: Option<SessionsFile>,
    /// When the phone is on Wi-Fi rather than cellular (battery cost, DESIGN §13), as windows
    /// like `sessions`. Default: never (always cellular).
    pub wifi: Option<SessionsFile>,
}

/// A probability per screen-off period, or windows.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum StationaryFile {
    Probability(f64),
    Windows(SessionsFile),
}

#[derive(Debug, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PlatformFile {
    Desktop,
    Android,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BrowserFile {
    pub sessions: SessionsFile,
    /// Android only. Default: 60 s.
    pub idle_kill_after: Option<Dur>,
    /// Android only: delay the OS adds before a wake-up task runs. Default: none.
    pub task_latency: Option<DurationDistFile>,
    /// Whether user sessions count as engagement with the profile (browsing other sites): the
    /// site-engagement decay stops only while the whole profile is idle. Default: true.
    pub sessions_engage: Option<bool>,
    /// Android only: whether Google Play Services is up to date. `false` disables Background
    /// Sync (GooglePlayServicesChecker.shouldDisableBackgroundSync): every register call is
    /// rejected. Default: true.
    pub play_services: Option<bool>,
}

/// `"always"`, `"never"`, `{ "daily": [["08:00", "18:00"]] }`, `{ "at": [["1h", "5h"]] }` or
/// `{ "model": "trace", "file": "traces/sessions.csv" }` (DESIGN §14). The schema is derived
/// from this enum; the loader is written out (below) so that an error inside `daily` or `at`
/// keeps its message and path, which serde's untagged fallback would replace by "did not match
/// any variant".
#[derive(Debug, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SessionsFile {
    Always,
    Never,
    Daily(Vec<(Tod, Tod)>),
    At(Vec<(Dur, Dur)>),
    #[serde(untagged)]
    Trace(TraceFile),
}

impl<'de> Deserialize<'de> for SessionsFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const FORMS: &[&str] = &["always", "never", "daily", "at", "model"];
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SessionsFile;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "\"always\", \"never\", {\"daily\": …}, {\"at\": …} or {\"model\": \"trace\", \"file\": …}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SessionsFile, E> {
                match v {
                    "always" => Ok(SessionsFile::Always),
                    "never" => Ok(SessionsFile::Never),
                    other => Err(E::unknown_variant(other, FORMS)),
                }
            }
            fn visit_map<A: de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<SessionsFile, A::Error> {
                let Some(key) = map.next_key::<String>()? else {
                    return Err(de::Error::invalid_length(0, &self));
                };
                let one = |map: &mut A, value: SessionsFile| match map.next_key::<String>()? {
                    None => Ok(value),
                    Some(k) => Err(de::Error::custom(format!(
                        "unexpected field `{k}`: the windows are given by one field"
                    ))),
                };
                match key.as_str() {
                    "daily" => {
                        let v = map.next_value()?;
                        one(&mut map, SessionsFile::Daily(v))
                    }
                    "at" => {
                        let v = map.next_value()?;
                        one(&mut map, SessionsFile::At(v))
                    }
                    "model" | "file" => {
                        let (mut model, mut file) = (None, None);
                        let mut key = Some(key);
                        while let Some(k) = key {
                            match k.as_str() {
                                "model" if model.is_none() => {
                                    model = Some(map.next_value::<TraceModel>()?)
                                }
                                "file" if file.is_none() => {
                                    file = Some(map.next_value::<String>()?)
                                }
                                "model" | "file" => {
                                    return Err(de::Error::custom(format!(
                                        "duplicate field `{k}`"
                                    )));
                                }
                                other => {
                                    return Err(de::Error::unknown_field(
                                        other,
                                        &["model", "file"],
                                    ));
                                }
                            }
                            key = map.next_key::<String>()?;
                        }
                        let model = model.ok_or_else(|| de::Error::missing_field("model"))?;
                        let file = file.ok_or_else(|| de::Error::missing_field("file"))?;
                        Ok(SessionsFile::Trace(TraceFile { model, file }))
                    }
                    other => Err(de::Error::unknown_variant(other, FORMS)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Rows of a CSV trace file (DESIGN §14, docs/traces.md), relative to the scenario file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceFile {
    pub model: TraceModel,
    pub file: String,
}

/// The one model a trace reference names.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TraceModel {
    Trace,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrashesFile {
    /// `"trace"`: the crash instants come from `file` (DESIGN §14): `device,at` rows.
    pub model: Option<TraceModel>,
    /// The CSV trace of crash instants, relative to the scenario file (with `"model": "trace"`).
    pub file: Option<String>,
    #[serde(default)]
    pub at: Vec<Dur>,
    /// Default: 0 (no random crashes).
    #[serde(default)]
    pub rate_per_day: f64,
    #[schemars(range(min = 0.0, max = 1.0))]
    pub during_event_probability: Option<f64>,
    /// Required (SEMANTICS S7: DESIGN has no default).
    pub restart_delay: Option<Dur>,
    /// Time for a durable write to commit. Default: 0 (immediate).
    pub storage_write_latency: Option<Dur>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OriginFile {
    pub name: String,
    /// Default: 1.
    #[serde(default = "one")]
    pub count: Count,
    /// Default: false.
    #[serde(default)]
    pub installed: bool,
    /// Default: false.
    #[serde(default)]
    pub notification_permission: bool,
    /// The origin's `background_sync` content setting: `allow` (default) or `block` (register
    /// calls are rejected as permission denied).
    #[serde(default)]
    pub background_sync: ContentSettingFile,
    pub engagement: EngagementFile,
    pub handler: HandlerFile,
    #[serde(default)]
    pub registrations: Vec<RegistrationFile>,
    #[serde(default)]
    pub events: Vec<EventFile>,
}

/// A content setting.
#[derive(Debug, Default, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ContentSettingFile {
    #[default]
    Allow,
    Block,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EngagementFile {
    #[schemars(extend("enum" = ["NONE", "MINIMAL", "LOW", "MEDIUM", "HIGH", "MAX", null]))]
    pub level: Option<String>,
    pub initial_score: Option<f64>,
    pub visits: Option<VisitsFile>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitsFile {
    /// Poisson visits with this mean gap.
    pub mean_interval: Option<Dur>,
    /// Explicit visit times.
    pub at: Option<Vec<Dur>>,
    /// User interactions per visit. Default: 0.
    pub interactions: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct HandlerFile {
    pub duration: Option<DurationDistFile>,
    pub outcomes: Option<Vec<OutcomeFile>>,
    /// Default: 1.0.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub success_probability: Option<f64>,
    /// Default: 0.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub hang_probability: Option<f64>,
    /// Default: false.
    pub needs_network: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DurationDistFile {
    Fixed(Dur),
    Uniform((Dur, Dur)),
    Exponential(Dur),
    Lognormal(LognormalFile),
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct LognormalFile {
    pub median: Dur,
    pub p95: Dur,
}

#[derive(Debug, Deserialize, JsonSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeFile {
    Success,
    Fail,
    Hang,
}

#[derive(Debug, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KindFile {
    OneShot,
    Periodic,
    Fetch,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationFile {
    pub kind: KindFile,
    pub tag: Option<String>,
    pub at: Option<Dur>,
    pub arrivals: Option<ArrivalsFile>,
    pub min_interval: Option<Dur>,
    /// Fetch only: the requests, in order.
    pub requests: Option<Vec<RequestFile>>,
    /// Fetch only: the developer id. Default: the tag.
    pub id: Option<String>,
    /// Fetch only: interrupted downloads resume (range requests). Default: false.
    pub resume: Option<bool>,
    /// Fetch only: probability that a finished request attempt fails and is retried. Default: 0.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub request_failure_probability: Option<f64>,
    pub handler: Option<HandlerFile>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestFile {
    /// Size of the response in bytes.
    pub bytes: u64,
}

/// `arrivals.during`.
#[derive(Debug, Default, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DuringFile {
    #[default]
    Sessions,
    Always,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrivalsFile {
    /// Mean time between register calls: session time with `during: "sessions"` (the default).
    pub mean_interval: Dur,
    /// `sessions` (default): calls happen only while a user session is open, as pages make
    /// them; `always`: a plain Poisson process, whose calls outside sessions are rejected.
    #[serde(default)]
    pub during: DuringFile,
    /// Tag template; `{n}` is the 0-based arrival index. Default: the registration's `tag`.
    pub tag: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ActionFile {
    Unregister,
    Visit,
    ClearHistory,
    ClearSiteData,
    UnregisterServiceWorker,
    /// Abort the fetch with developer id `id`.
    Abort,
    /// The user blocks the origin's `background_sync` content setting: later register calls
    /// are denied and its periodic registrations are unregistered.
    BlockBackgroundSync,
    /// The user allows it again.
    AllowBackgroundSync,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventFile {
    pub at: Dur,
    pub action: ActionFile,
    pub kind: Option<KindFile>,
    pub tag: Option<String>,
    /// The fetch's developer id, for `abort`.
    pub id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct ExpectFile {
    pub metric: String,
    pub le: Option<f64>,
    pub ge: Option<f64>,
    pub eq: Option<f64>,
    pub between: Option<(f64, f64)>,
}
