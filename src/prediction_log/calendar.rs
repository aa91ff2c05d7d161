//! UTC calendar arithmetic for the log: timestamps to days and dates and back, so per-day counts
//! and date filters mean the same thing in every browser and time zone, without a date crate.

use super::PredictionLogError;

/// Milliseconds in one UTC day (UTC has no leap seconds in Unix time).
pub const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of the proleptic Gregorian date `year-month-day`.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Count from 0000-03-01 so that the leap day is the last day of the "year".
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (i64::from(month) + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The `(year, month, day)` of the day `days` after 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DD` of the UTC day containing `ms`.
pub fn format_utc_date(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    format!("{year:04}-{month:02}-{day:02}")
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of `ms`.
pub fn format_utc_datetime(ms: i64) -> String {
    let in_day = ms.rem_euclid(MS_PER_DAY) / 1000;
    format!(
        "{} {:02}:{:02}:{:02}",
        format_utc_date(ms),
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60
    )
}

/// Start of the UTC day `YYYY-MM-DD`, in ms since the epoch (what `<input type="date">` yields).
pub fn parse_utc_date(text: &str) -> Result<i64, PredictionLogError> {
    let bad = |reason| PredictionLogError::BadDate {
        text: text.to_owned(),
        reason,
    };
    let mut parts = text.trim().split('-');
    let (Some(year), Some(month), Some(day), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("expected three parts separated by '-'"));
    };
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return Err(bad("expected 4-digit year, 2-digit month and 2-digit day"));
    }
    let year: i64 = year.parse().map_err(|_| bad("year is not a number"))?;
    let month: u32 = month.parse().map_err(|_| bad("month is not a number"))?;
    let day: u32 = day.parse().map_err(|_| bad("day is not a number"))?;
    if !(1..=12).contains(&month) {
        return Err(bad("month must be 01 to 12"));
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_length = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day == 0 || day > month_length {
        return Err(bad("no such day in that month"));
    }
    Ok(days_from_civil(year, month, day) * MS_PER_DAY)
}
