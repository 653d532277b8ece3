//! Validation of a device's `android` block (DESIGN §4.7) into a [`PowerSpec`].

use super::InputError;
use super::format::{AndroidFile, SessionsFile, StationaryFile};
use super::resolve::Resolver;
use crate::model::android::{PowerSpec, Stationary};
use crate::model::browser::{Platform, Sessions};
use crate::model::timeline::Windows;

impl Resolver<'_> {
    /// The device's power management (`None` on desktop and when switched off) and its
    /// Wi-Fi windows (never on desktop).
    pub(super) fn power(
        &self,
        platform: Platform,
        android: Option<AndroidFile>,
        path: &str,
    ) -> Result<(Option<PowerSpec>, Sessions), InputError> {
        if platform != Platform::Android {
            return match android {
                Some(_) => Err(self.err(
                    path,
                    "the android block applies to android devices only (desktop runs on mains, without Doze)",
                )),
                None => Ok((None, Sessions::Windows(Windows::default()))),
            };
        }
        let a = android.unwrap_or_default();
        let never = || Sessions::Windows(Windows::default());
        let windows = |s: Option<SessionsFile>, field: &str| match s {
            None => Ok(never()),
            Some(s) => self.sessions(s, &format!("{path}.{field}")),
        };
        let charging = windows(a.charging, "charging")?;
        let screen_on = windows(a.screen_on, "screen_on")?;
        let wifi = windows(a.wifi, "wifi")?;
        let stationary = match a.stationary {
            None => Stationary::Windows(never()),
            Some(StationaryFile::Probability(p)) => {
                Stationary::Probability(self.probability(&format!("{path}.stationary"), p)?)
            }
            Some(StationaryFile::Windows(s)) => {
                Stationary::Windows(self.sessions(s, &format!("{path}.stationary"))?)
            }
        };
        if a.power_management == Some(false) {
            return Ok((None, wifi));
        }
        Ok((
            Some(PowerSpec {
                charging,
                stationary,
                screen_on,
            }),
            wifi,
        ))
    }
}
