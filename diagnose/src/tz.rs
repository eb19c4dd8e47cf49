//! Local time from the `TZ` environment variable, as the C library reads it, without `unsafe`
//! or a time crate: a POSIX TZ string (`EST5EDT,M3.2.0,M11.1.0`, `<+0530>-5:30`, `UTC0`) or a
//! zone name (`Europe/Berlin`, `:America/New_York`) read from `/usr/share/zoneinfo` in TZif
//! format (RFC 8536), footer rule included. TZ unset uses `/etc/localtime`; anything that
//! cannot be read is UTC.

use crate::LocalTime;

/// The local time now.
pub fn local_now() -> LocalTime {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    local_at(now, std::env::var("TZ").ok().as_deref())
}

/// The local time at Unix time `unix` under the TZ value `tz` (`None`: TZ unset).
pub fn local_at(unix: i64, tz: Option<&str>) -> LocalTime {
    let off = offset_at(unix, tz).unwrap_or(0);
    civil(unix + off as i64, off)
}

fn offset_at(unix: i64, tz: Option<&str>) -> Option<i32> {
    match tz {
        None => tzif_offset(&std::fs::read("/etc/localtime").ok()?, unix),
        Some(s) => {
            let s = s.strip_prefix(':').unwrap_or(s);
            if s.is_empty() {
                return Some(0);
            }
            if let Some(p) = Posix::parse(s) {
                return Some(p.offset_at(unix));
            }
            if s.split('/').any(|c| c == "..") {
                return None;
            }
            let path = if s.starts_with('/') {
                s.to_string()
            } else {
                format!("/usr/share/zoneinfo/{s}")
            };
            tzif_offset(&std::fs::read(path).ok()?, unix)
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day number since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn civil(local: i64, utc_offset: i32) -> LocalTime {
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    LocalTime {
        year: y.clamp(0, 9999) as u16,
        month: mo as u8,
        day: d as u8,
        hour: (secs / 3600) as u8,
        minute: (secs / 60 % 60) as u8,
        second: (secs % 60) as u8,
        utc_offset,
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// A rule date of a POSIX TZ string.
#[derive(Clone, Copy, Debug, PartialEq)]
enum RuleDate {
    /// `Jn`: day 1-365, February 29 never counted.
    Julian1(u32),
    /// `n`: day 0-365, February 29 counted.
    Julian0(u32),
    /// `Mm.w.d`: day d (0 = Sunday) of week w (5 = last) of month m.
    Month(u32, u32, u32),
}

impl RuleDate {
    /// Days since 1970 of this date in `year`.
    fn day(self, year: i64) -> i64 {
        let jan1 = days_from_civil(year, 1, 1);
        match self {
            RuleDate::Julian1(n) => {
                let n = n.clamp(1, 365) as i64;
                jan1 + n - 1 + i64::from(is_leap(year) && n >= 60)
            }
            RuleDate::Julian0(n) => jan1 + n.min(365) as i64,
            RuleDate::Month(m, w, d) => {
                let m = m.clamp(1, 12);
                let first = days_from_civil(year, m, 1);
                let wd_first = (first + 4).rem_euclid(7); // 1970-01-01 was a Thursday
                let mut day =
                    first + (d as i64 - wd_first).rem_euclid(7) + (w.clamp(1, 5) as i64 - 1) * 7;
                let next_month = if m == 12 {
                    days_from_civil(year + 1, 1, 1)
                } else {
                    days_from_civil(year, m + 1, 1)
                };
                while day >= next_month {
                    day -= 7;
                }
                day
            }
        }
    }
}

/// A rule: the date and the local time of day (seconds) of a switch.
type Rule = (RuleDate, i32);

/// A parsed POSIX TZ string.
#[derive(Clone, Debug, PartialEq)]
struct Posix {
    /// Standard time's local-minus-UTC seconds.
    std_off: i32,
    /// Daylight time: its offset and the start and end rules with their local times.
    dst: Option<(i32, Rule, Rule)>,
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn num(&mut self) -> Option<u32> {
        let start = self.i;
        let mut v: u32 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            v = v.checked_mul(10)?.checked_add((c - b'0') as u32)?;
            self.i += 1;
        }
        (self.i > start).then_some(v)
    }
    fn name(&mut self) -> Option<()> {
        if self.eat(b'<') {
            while self.peek()? != b'>' {
                self.i += 1;
            }
            self.i += 1;
            return Some(());
        }
        let start = self.i;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        (self.i - start >= 3).then_some(())
    }
    /// `[+-]hh[:mm[:ss]]` in seconds.
    fn time(&mut self) -> Option<i32> {
        let neg = if self.eat(b'-') {
            true
        } else {
            self.eat(b'+');
            false
        };
        let h = self.num()?;
        let mut t = h as i64 * 3600;
        if self.eat(b':') {
            t += self.num()? as i64 * 60;
            if self.eat(b':') {
                t += self.num()? as i64;
            }
        }
        if t > 167 * 3600 {
            return None;
        }
        Some(if neg { -t } else { t } as i32)
    }
    fn rule(&mut self) -> Option<Rule> {
        let date = if self.eat(b'J') {
            RuleDate::Julian1(self.num()?)
        } else if self.eat(b'M') {
            let m = self.num()?;
            if !self.eat(b'.') {
                return None;
            }
            let w = self.num()?;
            if !self.eat(b'.') {
                return None;
            }
            RuleDate::Month(m, w, self.num()?.min(6))
        } else {
            RuleDate::Julian0(self.num()?)
        };
        let time = if self.eat(b'/') { self.time()? } else { 7200 };
        Some((date, time))
    }
}

impl Posix {
    fn parse(s: &str) -> Option<Posix> {
        let mut c = Cursor {
            s: s.as_bytes(),
            i: 0,
        };
        c.name()?;
        let std_off = -c.time()?;
        if c.peek().is_none() {
            return Some(Posix { std_off, dst: None });
        }
        c.name()?;
        let dst_off = match c.peek() {
            Some(b',') | None => std_off + 3600,
            _ => -c.time()?,
        };
        let (start, end) = if c.eat(b',') {
            let start = c.rule()?;
            if !c.eat(b',') {
                return None;
            }
            (start, c.rule()?)
        } else {
            // No rule: the US rule the C library assumes.
            (
                (RuleDate::Month(3, 2, 0), 7200),
                (RuleDate::Month(11, 1, 0), 7200),
            )
        };
        if c.peek().is_some() {
            return None;
        }
        Some(Posix {
            std_off,
            dst: Some((dst_off, start, end)),
        })
    }

    fn offset_at(&self, unix: i64) -> i32 {
        let Some((dst_off, start, end)) = self.dst else {
            return self.std_off;
        };
        let (year, _, _) = civil_from_days((unix + self.std_off as i64).div_euclid(86_400));
        let start_utc = start.0.day(year) * 86_400 + start.1 as i64 - self.std_off as i64;
        let end_utc = end.0.day(year) * 86_400 + end.1 as i64 - dst_off as i64;
        let in_dst = if start_utc < end_utc {
            (start_utc..end_utc).contains(&unix)
        } else {
            !(end_utc..start_utc).contains(&unix)
        };
        if in_dst {
            dst_off
        } else {
            self.std_off
        }
    }
}

/// The UTC offset at `unix` from a TZif file.
fn tzif_offset(b: &[u8], unix: i64) -> Option<i32> {
    fn be32(b: &[u8], i: usize) -> Option<u32> {
        Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?))
    }
    fn counts(b: &[u8], at: usize) -> Option<[usize; 6]> {
        if b.get(at..at + 4)? != b"TZif" {
            return None;
        }
        let mut c = [0usize; 6];
        for (k, v) in c.iter_mut().enumerate() {
            *v = be32(b, at + 20 + 4 * k)? as usize;
        }
        Some(c)
    }
    let version = *b.get(4)?;
    let c1 = counts(b, 0)?;
    let v1_len = |c: [usize; 6], tsize: usize| {
        let [isut, isstd, leap, time, typ, chr] = c;
        time * tsize + time + typ * 6 + chr + leap * (tsize + 4) + isstd + isut
    };
    let (at, c, tsize) = if version >= b'2' {
        let at2 = 44 + v1_len(c1, 4);
        (at2, counts(b, at2)?, 8)
    } else {
        (0, c1, 4)
    };
    let [_, _, _, timecnt, typecnt, _] = c;
    let data = at + 44;
    let times = data;
    let idxs = times + timecnt * tsize;
    let types = idxs + timecnt;
    let utoff = |t: usize| -> Option<i32> { Some(be32(b, types + t * 6)? as i32) };
    let time_at = |k: usize| -> Option<i64> {
        let p = times + k * tsize;
        Some(if tsize == 8 {
            i64::from_be_bytes(b.get(p..p + 8)?.try_into().ok()?)
        } else {
            be32(b, p)? as i32 as i64
        })
    };
    if typecnt == 0 {
        return None;
    }
    // The last transition at or before `unix`.
    let mut found = None;
    for k in 0..timecnt {
        if time_at(k)? <= unix {
            found = Some(k);
        } else {
            break;
        }
    }
    if version >= b'2' && (timecnt == 0 || found == Some(timecnt - 1)) {
        // Past the last transition: the footer's POSIX string rules.
        let footer_at = data + v1_len(c, 8);
        if let Some(rest) = b.get(footer_at..) {
            let text = String::from_utf8_lossy(rest);
            let line = text
                .trim_start_matches('\n')
                .split('\n')
                .next()
                .unwrap_or("");
            if let Some(p) = Posix::parse(line) {
                return Some(p.offset_at(unix));
            }
        }
    }
    match found {
        Some(k) => utoff(*b.get(idxs + k)? as usize),
        None => utoff(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        for d in [-800_000i64, -1, 0, 59, 60, 365, 11_016, 20_000, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn posix_strings() {
        // 2026-07-01 12:00:00 UTC and 2026-01-15 12:00:00 UTC.
        let summer = days_from_civil(2026, 7, 1) * 86_400 + 12 * 3600;
        let winter = days_from_civil(2026, 1, 15) * 86_400 + 12 * 3600;
        let t = local_at(summer, Some("EST5EDT,M3.2.0,M11.1.0"));
        assert_eq!((t.hour, t.utc_offset), (8, -4 * 3600));
        let t = local_at(winter, Some("EST5EDT"));
        assert_eq!((t.hour, t.utc_offset), (7, -5 * 3600));
        let t = local_at(summer, Some("<+0530>-5:30"));
        assert_eq!((t.hour, t.minute, t.utc_offset), (17, 30, 19_800));
        let t = local_at(winter, Some("UTC0"));
        assert_eq!((t.year, t.month, t.day, t.hour), (2026, 1, 15, 12));
        // Southern hemisphere: daylight time across the new year.
        let t = local_at(winter, Some("AEST-10AEDT,M10.1.0,M4.1.0/3"));
        assert_eq!(t.utc_offset, 11 * 3600);
        let t = local_at(summer, Some("AEST-10AEDT,M10.1.0,M4.1.0/3"));
        assert_eq!(t.utc_offset, 10 * 3600);
        // The switch itself: 2026-03-08 02:00 EST = 07:00 UTC.
        let sw = days_from_civil(2026, 3, 8) * 86_400 + 7 * 3600;
        assert_eq!(local_at(sw - 1, Some("EST5EDT")).utc_offset, -5 * 3600);
        assert_eq!(local_at(sw, Some("EST5EDT")).utc_offset, -4 * 3600);
        // Empty TZ is UTC; garbage without a zone file is UTC.
        assert_eq!(local_at(summer, Some("")).utc_offset, 0);
        assert_eq!(local_at(summer, Some("No/Such/Zone")).utc_offset, 0);
        assert_eq!(local_at(summer, Some("../../etc/passwd")).utc_offset, 0);
    }

    #[test]
    fn zoneinfo_files_when_installed() {
        let summer = days_from_civil(2026, 7, 1) * 86_400 + 12 * 3600;
        if std::path::Path::new("/usr/share/zoneinfo/Europe/Berlin").exists() {
            assert_eq!(local_at(summer, Some("Europe/Berlin")).utc_offset, 7200);
            assert_eq!(local_at(0, Some(":Europe/Berlin")).utc_offset, 3600);
        }
    }
}
