//! The parameter table: every tunable constant with its unit, default and source.

use super::{ChoiceParam, ParamDef, Unit, Value};
use crate::engine::time::{DAY, HOUR, MINUTE, SECOND, SimDuration};
use crate::model::policy::chromium::WakeupReschedule;
use crate::model::policy::firefox::FiringState;
use crate::model::policy::workmanager::BackoffPolicy;

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
    /// Doze: light idle starts this long after the screen went off (not charging).
    light_idle_after_inactive_timeout: Duration = 60 * SECOND,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_LIGHT_IDLE_AFTER_INACTIVE_TIMEOUT; older releases 3-4 min)";
    /// Doze: the first light idle period; later ones grow by `light_idle_factor`.
    light_idle_timeout: Duration = 5 * MINUTE,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_LIGHT_IDLE_TIMEOUT)";
    /// Doze: growth of successive light idle periods.
    light_idle_factor: Real = 2.0,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_LIGHT_IDLE_FACTOR)";
    /// Doze: the longest light idle period.
    light_max_idle_timeout: Duration = 15 * MINUTE,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_LIGHT_MAX_IDLE_TIMEOUT)";
    /// Doze: length of a light maintenance window.
    light_idle_maintenance_min_budget: Duration = MINUTE,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_LIGHT_IDLE_MAINTENANCE_MIN_BUDGET)";
    /// Doze: cap on a light maintenance window.
    light_idle_maintenance_max_budget: Duration = 5 * MINUTE,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_LIGHT_IDLE_MAINTENANCE_MAX_BUDGET)";
    /// Doze: time inactive (screen off, not charging) before motion monitoring starts.
    inactive_timeout: Duration = 30 * MINUTE,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_INACTIVE_TIMEOUT)";
    /// Doze: the inactive time after motion was seen.
    motion_inactive_timeout: Duration = 10 * MINUTE,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_MOTION_INACTIVE_TIMEOUT)";
    /// Doze: time in IDLE_PENDING watching for motion before deep idle.
    idle_after_inactive_timeout: Duration = 30 * MINUTE,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_IDLE_AFTER_INACTIVE_TIMEOUT)";
    /// Doze: time spent getting a location fix before deep idle.
    locating_timeout: Duration = 30 * SECOND,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_LOCATING_TIMEOUT)";
    /// Doze: the first deep maintenance window; later ones grow by `idle_pending_factor`.
    idle_pending_timeout: Duration = 5 * MINUTE,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_IDLE_PENDING_TIMEOUT)";
    /// Doze: the longest deep maintenance window.
    max_idle_pending_timeout: Duration = 10 * MINUTE,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_MAX_IDLE_PENDING_TIMEOUT)";
    /// Doze: growth of successive deep maintenance windows.
    idle_pending_factor: Real = 2.0,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_IDLE_PENDING_FACTOR)";
    /// Doze: the first deep idle period; later ones grow by `idle_factor`.
    idle_timeout: Duration = HOUR,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_IDLE_TIMEOUT)";
    /// Doze: the longest deep idle period.
    max_idle_timeout: Duration = 6 * HOUR,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_MAX_IDLE_TIMEOUT)";
    /// Doze: growth of successive deep idle periods.
    idle_factor: Real = 2.0,
        source = "apex/jobscheduler/service/java/com/android/server/DeviceIdleController.java (DEFAULT_IDLE_FACTOR)";
    /// Standby: time since the app's last use before WORKING_SET.
    elapsed_threshold_working_set: Duration = 12 * HOUR,
        source = "apex/jobscheduler/service/java/com/android/server/usage/AppStandbyController.java (DEFAULT_ELAPSED_TIME_THRESHOLDS[1])";
    /// Standby: time since the app's last use before FREQUENT.
    elapsed_threshold_frequent: Duration = 24 * HOUR,
        source = "apex/jobscheduler/service/java/com/android/server/usage/AppStandbyController.java (DEFAULT_ELAPSED_TIME_THRESHOLDS[2])";
    /// Standby: time since the app's last use before RARE.
    elapsed_threshold_rare: Duration = 48 * HOUR,
        source = "apex/jobscheduler/service/java/com/android/server/usage/AppStandbyController.java (DEFAULT_ELAPSED_TIME_THRESHOLDS[3])";
    /// Standby: time since the app's last use before RESTRICTED.
    elapsed_threshold_restricted: Duration = 8 * DAY,
        source = "apex/jobscheduler/service/java/com/android/server/usage/AppStandbyController.java (DEFAULT_ELAPSED_TIME_THRESHOLDS[4])";
    /// Standby: screen-on time since the app's last use before WORKING_SET.
    screen_threshold_working_set: Duration = 0,
        source = "apex/jobscheduler/service/java/com/android/server/usage/AppStandbyController.java (DEFAULT_SCREEN_TIME_THRESHOLDS[1])";
    /// Standby: screen-on time since the app's last use before FREQUENT.
    screen_threshold_frequent: Duration = HOUR,
        source = "apex/jobscheduler/service/java/com/android/server/usage/AppStandbyController.java (DEFAULT_SCREEN_TIME_THRESHOLDS[2])";
    /// Standby: screen-on time since the app's last use before RARE.
    screen_threshold_rare: Duration = 2 * HOUR,
        source = "apex/jobscheduler/service/java/com/android/server/usage/AppStandbyController.java (DEFAULT_SCREEN_TIME_THRESHOLDS[3])";
    /// Standby: screen-on time since the app's last use before RESTRICTED.
    screen_threshold_restricted: Duration = 6 * HOUR,
        source = "apex/jobscheduler/service/java/com/android/server/usage/AppStandbyController.java (DEFAULT_SCREEN_TIME_THRESHOLDS[4])";
    /// Quota: background job time an app may use within its bucket's window.
    allowed_time_per_period: Duration = 10 * MINUTE,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_ALLOWED_TIME_PER_PERIOD_MS)";
    /// Quota: background job time an app may use within 24 h.
    max_execution_time: Duration = 4 * HOUR,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_MAX_EXECUTION_TIME_MS)";
    /// Quota: job sessions this close are counted as one.
    timing_session_coalescing_duration: Duration = 5 * SECOND,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_TIMING_SESSION_COALESCING_DURATION_MS)";
    /// Quota: the ACTIVE bucket's window.
    window_size_active: Duration = 10 * MINUTE,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_WINDOW_SIZE_ACTIVE_MS)";
    /// Quota: background jobs an app in ACTIVE may start per window.
    max_job_count_active: Count = 75,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_MAX_JOB_COUNT_ACTIVE)";
    /// Quota: job sessions an app in ACTIVE may have per window.
    max_session_count_active: Count = 75,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_MAX_SESSION_COUNT_ACTIVE)";
    /// Quota: the WORKING bucket's window.
    window_size_working: Duration = 2 * HOUR,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_WINDOW_SIZE_WORKING_MS)";
    /// Quota: background jobs an app in WORKING may start per window.
    max_job_count_working: Count = 120,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_MAX_JOB_COUNT_WORKING)";
    /// Quota: job sessions an app in WORKING may have per window.
    max_session_count_working: Count = 10,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_MAX_SESSION_COUNT_WORKING)";
    /// Quota: the FREQUENT bucket's window.
    window_size_frequent: Duration = 8 * HOUR,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_WINDOW_SIZE_FREQUENT_MS)";
    /// Quota: background jobs an app in FREQUENT may start per window.
    max_job_count_frequent: Count = 200,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_MAX_JOB_COUNT_FREQUENT)";
    /// Quota: job sessions an app in FREQUENT may have per window.
    max_session_count_frequent: Count = 8,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_MAX_SESSION_COUNT_FREQUENT)";
    /// Quota: the RARE bucket's window.
    window_size_rare: Duration = DAY,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_WINDOW_SIZE_RARE_MS)";
    /// Quota: background jobs an app in RARE may start per window.
    max_job_count_rare: Count = 48,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_MAX_JOB_COUNT_RARE)";
    /// Quota: job sessions an app in RARE may have per window.
    max_session_count_rare: Count = 3,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_MAX_SESSION_COUNT_RARE)";
    /// Quota: the RESTRICTED bucket's window.
    window_size_restricted: Duration = DAY,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_WINDOW_SIZE_RESTRICTED_MS)";
    /// Quota: background jobs an app in RESTRICTED may start per window.
    max_job_count_restricted: Count = 10,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_MAX_JOB_COUNT_RESTRICTED)";
    /// Quota: job sessions an app in RESTRICTED may have per window.
    max_session_count_restricted: Count = 1,
        source = "apex/jobscheduler/service/java/com/android/server/job/controllers/QuotaController.java (DEFAULT_MAX_SESSION_COUNT_RESTRICTED)";
    /// Battery: volts that turn energy (mJ) into charge (mAh).
    battery_voltage: Real = 3.85,
        source = "Li-ion nominal cell voltage of current phones (power_profile.xml currents are drawn at it)";
    /// Battery: current while the CPU runs the browser's start-up.
    cpu_active_ma: Real = 100.0,
        source = "frameworks/base/core/res/res/xml/power_profile.xml (cpu.active; device-specific, a typical value: set your device's)";
    /// Battery: current while the CPU is kept awake for background work.
    cpu_awake_ma: Real = 20.0,
        source = "frameworks/base/core/res/res/xml/power_profile.xml (cpu.awake; device-specific, a typical value: set your device's)";
    /// Battery: CPU time a wake-up's process start costs.
    process_start_cpu_time: Duration = SECOND,
        source = "bgsim assumption: CPU time of a cold browser start by a wake-up (measure yours)";
    /// Battery: LTE promotion (RRC_IDLE → RRC_CONNECTED) time.
    lte_promotion_time: Duration = 260,
        source = "Huang et al., A Close Examination of Performance and Power Characteristics of 4G LTE Networks, MobiSys 2012 (Table 3: promotion delay 260.1 ms)";
    /// Battery: LTE promotion power, mW.
    lte_promotion_power: Real = 1210.7,
        source = "Huang et al., A Close Examination of Performance and Power Characteristics of 4G LTE Networks, MobiSys 2012 (Table 3: promotion power 1210.7 mW)";
    /// Battery: LTE tail (the radio stays connected after the last transfer).
    lte_tail_time: Duration = 11_576,
        source = "Huang et al., A Close Examination of Performance and Power Characteristics of 4G LTE Networks, MobiSys 2012 (Table 3: tail time 11,576 ms)";
    /// Battery: LTE tail power, mW.
    lte_tail_power: Real = 1060.0,
        source = "Huang et al., A Close Examination of Performance and Power Characteristics of 4G LTE Networks, MobiSys 2012 (Table 3: tail power 1060.0 mW)";
    /// Battery: LTE power while transferring (base), mW.
    lte_active_power: Real = 1288.04,
        source = "Huang et al., A Close Examination of Performance and Power Characteristics of 4G LTE Networks, MobiSys 2012 (Table 4: β 1288.04 mW)";
    /// Battery: LTE power per Mbit/s downloaded (Background Fetch), mW.
    lte_downlink_power_per_mbps: Real = 51.97,
        source = "Huang et al., A Close Examination of Performance and Power Characteristics of 4G LTE Networks, MobiSys 2012 (Table 4: α_d 51.97 mW/Mbps)";
    /// Battery: Wi-Fi promotion time.
    wifi_promotion_time: Duration = 79,
        source = "Huang et al., A Close Examination of Performance and Power Characteristics of 4G LTE Networks, MobiSys 2012 (Table 3: Wi-Fi promotion 79.1 ms)";
    /// Battery: Wi-Fi promotion power, mW.
    wifi_promotion_power: Real = 124.4,
        source = "Huang et al., A Close Examination of Performance and Power Characteristics of 4G LTE Networks, MobiSys 2012 (Table 3: Wi-Fi promotion power 124.4 mW)";
    /// Battery: Wi-Fi tail time.
    wifi_tail_time: Duration = 238,
        source = "Huang et al., A Close Examination of Performance and Power Characteristics of 4G LTE Networks, MobiSys 2012 (Table 3: Wi-Fi tail 238.1 ms)";
    /// Battery: Wi-Fi tail power, mW.
    wifi_tail_power: Real = 119.3,
        source = "Huang et al., A Close Examination of Performance and Power Characteristics of 4G LTE Networks, MobiSys 2012 (Table 3: Wi-Fi tail power 119.3 mW)";
    /// Battery: Wi-Fi power while transferring (base), mW.
    wifi_active_power: Real = 132.86,
        source = "Huang et al., A Close Examination of Performance and Power Characteristics of 4G LTE Networks, MobiSys 2012 (Table 4: Wi-Fi β 132.86 mW)";
    /// Battery: Wi-Fi power per Mbit/s downloaded, mW.
    wifi_downlink_power_per_mbps: Real = 137.01,
        source = "Huang et al., A Close Examination of Performance and Power Characteristics of 4G LTE Networks, MobiSys 2012 (Table 4: Wi-Fi α_d 137.01 mW/Mbps)";
}
