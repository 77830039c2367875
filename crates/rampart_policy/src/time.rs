//! The two date functions policy rules use (`utcNow()`, `addDays()`), on ISO-8601 UTC strings,
//! without a calendar dependency (proleptic Gregorian day arithmetic).

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// `addDays(dateTime, n)`: shifts the date part, keeps the time part as written.
pub(crate) fn add_days(date: &str, days: i64) -> Option<String> {
    let (y, m, d) = (
        date.get(0..4)?.parse().ok()?,
        date.get(5..7)?.parse().ok()?,
        date.get(8..10)?.parse().ok()?,
    );
    if date.as_bytes().get(4) != Some(&b'-') || date.as_bytes().get(7) != Some(&b'-') {
        return None;
    }
    let (ny, nm, nd) = civil_from_days(days_from_civil(y, m, d) + days);
    Some(format!("{ny:04}-{nm:02}-{nd:02}{}", &date[10..]))
}

/// `utcNow()` in `yyyy-MM-ddTHH:mm:ss.fffffffZ`.
pub(crate) fn utc_now() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(now.as_secs()).unwrap_or(0);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:07}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60,
        now.subsec_nanos() / 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_days_across_months_and_leap_years() {
        assert_eq!(
            add_days("2024-02-28T10:00:00Z", 1).as_deref(),
            Some("2024-02-29T10:00:00Z")
        );
        assert_eq!(add_days("2023-12-31", 1).as_deref(), Some("2024-01-01"));
        assert_eq!(add_days("2024-03-01", -1).as_deref(), Some("2024-02-29"));
        assert_eq!(add_days("bad", 1), None);
        assert_eq!(utc_now().len(), 28);
    }
}
