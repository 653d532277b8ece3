//! The scenario file's `network` block (DESIGN §4.1, §11): the model, its fields, and the
//! bandwidth notation. Split from `format.rs`; the types are re-exported there.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::format::{Dur, Tod};

/// The network model. The schema is this enum's (tagged by `model`); the loader reads the
/// fields of every model in one typed pass (`NetworkFields`) so that an error inside a field
/// keeps its JSON path (serde's internally tagged enums buffer their content and lose it), then
/// checks which fields the chosen model takes.
#[derive(Debug, JsonSchema)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum NetworkFile {
    AlwaysOnline {
        /// Download bandwidth (Background Fetch): bytes/s as a number, or a rate such as
        /// "1MB/s", "500kB/s", "2MiB/s", "8Mbit/s". Default: 1,000,000 bytes/s.
        bandwidth: Option<Bandwidth>,
    },
    Schedule {
        offline: Vec<(Dur, Dur)>,
        bandwidth: Option<Bandwidth>,
    },
    Markov {
        mean_online: Dur,
        mean_offline: Dur,
        bandwidth: Option<Bandwidth>,
    },
    Diurnal {
        offline_daily: Vec<(Tod, Tod)>,
        flaky: Option<FlakyFile>,
        bandwidth: Option<Bandwidth>,
    },
    /// Online during each row of a CSV trace, offline between them (DESIGN §14,
    /// docs/traces.md): `device,from,to[,radio]`.
    Trace {
        /// The CSV file, relative to the scenario file.
        file: String,
        bandwidth: Option<Bandwidth>,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum NetworkModel {
    AlwaysOnline,
    Schedule,
    Markov,
    Diurnal,
    Trace,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkFields {
    model: NetworkModel,
    bandwidth: Option<Bandwidth>,
    offline: Option<Vec<(Dur, Dur)>>,
    mean_online: Option<Dur>,
    mean_offline: Option<Dur>,
    offline_daily: Option<Vec<(Tod, Tod)>>,
    flaky: Option<FlakyFile>,
    file: Option<String>,
}

impl<'de> Deserialize<'de> for NetworkFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = NetworkFields::deserialize(d)?;
        let (model, allowed): (&str, &[&str]) = match f.model {
            NetworkModel::AlwaysOnline => ("always_online", &[]),
            NetworkModel::Schedule => ("schedule", &["offline"]),
            NetworkModel::Markov => ("markov", &["mean_online", "mean_offline"]),
            NetworkModel::Diurnal => ("diurnal", &["offline_daily", "flaky"]),
            NetworkModel::Trace => ("trace", &["file"]),
        };
        let given = [
            ("offline", f.offline.is_some()),
            ("mean_online", f.mean_online.is_some()),
            ("mean_offline", f.mean_offline.is_some()),
            ("offline_daily", f.offline_daily.is_some()),
            ("flaky", f.flaky.is_some()),
            ("file", f.file.is_some()),
        ];
        if let Some((field, _)) = given.iter().find(|(n, g)| *g && !allowed.contains(n)) {
            return Err(de::Error::custom(format!(
                "field `{field}` is not used by model \"{model}\" (it takes {})",
                if allowed.is_empty() {
                    "only `bandwidth`".to_string()
                } else {
                    allowed.join(", ")
                }
            )));
        }
        let missing = |field: &str| {
            de::Error::custom(format!(
                "missing field `{field}` (required by model \"{model}\")"
            ))
        };
        Ok(match f.model {
            NetworkModel::AlwaysOnline => NetworkFile::AlwaysOnline {
                bandwidth: f.bandwidth,
            },
            NetworkModel::Schedule => NetworkFile::Schedule {
                offline: f.offline.ok_or_else(|| missing("offline"))?,
                bandwidth: f.bandwidth,
            },
            NetworkModel::Markov => NetworkFile::Markov {
                mean_online: f.mean_online.ok_or_else(|| missing("mean_online"))?,
                mean_offline: f.mean_offline.ok_or_else(|| missing("mean_offline"))?,
                bandwidth: f.bandwidth,
            },
            NetworkModel::Diurnal => NetworkFile::Diurnal {
                offline_daily: f.offline_daily.ok_or_else(|| missing("offline_daily"))?,
                flaky: f.flaky,
                bandwidth: f.bandwidth,
            },
            NetworkModel::Trace => NetworkFile::Trace {
                file: f.file.ok_or_else(|| missing("file"))?,
                bandwidth: f.bandwidth,
            },
        })
    }
}

/// A download bandwidth in bytes/s: a whole number, or a string with a byte or bit rate unit
/// (`B/s`, `kB/s`, `MB/s`, `GB/s` are powers of 1000; `KiB/s`, `MiB/s`, `GiB/s` of 1024;
/// `kbit/s`, `Mbit/s`, `Gbit/s` are bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bandwidth(pub u64);

impl JsonSchema for Bandwidth {
    fn schema_name() -> Cow<'static, str> {
        "Bandwidth".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "bytes/s, or a rate such as \"1MB/s\", \"2MiB/s\", \"8Mbit/s\"",
            "oneOf": [
                { "type": "integer", "minimum": 1 },
                { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?(B|kB|KiB|MB|MiB|GB|GiB|kbit|Mbit|Gbit)/s$" }
            ]
        })
    }
}

/// Parses `"1MB/s"`-style rates into bytes/s.
pub fn parse_bandwidth(text: &str) -> Result<u64, String> {
    let err = || {
        let shown: String = text.chars().take(40).collect();
        format!(
            "expected bytes/s as a number, or a rate like \"1MB/s\", \"500kB/s\", \"2MiB/s\" or \"8Mbit/s\", got {shown:?}"
        )
    };
    let rate = text.strip_suffix("/s").ok_or_else(err)?;
    let split = rate
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(err)?;
    let (number, unit) = rate.split_at(split);
    let scale: f64 = match unit {
        "B" => 1.0,
        "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "kbit" => 1e3 / 8.0,
        "Mbit" => 1e6 / 8.0,
        "Gbit" => 1e9 / 8.0,
        _ => return Err(err()),
    };
    let x: f64 = number.parse().map_err(|_| err())?;
    let bytes = (x * scale).round();
    if !(1.0..=1e15).contains(&bytes) {
        return Err(format!(
            "expected a bandwidth between 1 B/s and 1 PB/s, got {text:?}"
        ));
    }
    Ok(bytes as u64)
}

impl<'de> Deserialize<'de> for Bandwidth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = u64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("bytes/s as a number, or a rate like \"1MB/s\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
                if v == 0 || v > 1_000_000_000_000_000 {
                    return Err(E::custom(format!(
                        "expected a bandwidth between 1 and 10^15 bytes/s, got {v}"
                    )));
                }
                Ok(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
                Err(E::custom(format!(
                    "expected a bandwidth of at least 1 byte/s, got {v}"
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
                Err(E::custom(format!(
                    "expected whole bytes/s or a rate like \"1MB/s\", got {v}"
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
                parse_bandwidth(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V).map(Bandwidth)
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlakyFile {
    pub mean_online: Dur,
    pub mean_offline: Dur,
}
