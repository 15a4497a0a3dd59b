//! Parsing of unix-second timestamps and the freshness window.

use crate::VerifyError;

/// Maximum number of timestamp digits. Ten digits reach the year 2286, and a
/// 13-digit millisecond value fails here before any arithmetic can overflow.
const MAX_DIGITS: usize = 10;

/// Parses a timestamp of unix seconds.
///
/// The text must be 1 to 10 ASCII digits with no sign, fraction, inner space
/// or leading zero, which is what Python's `str(int(time.time()))` writes. The
/// canonical form matters because the signed message contains the text as
/// sent, so two spellings of one instant would be two different messages.
///
/// # Errors
///
/// Returns [`VerifyError::InvalidTimestamp`] for anything else.
pub fn parse_unix_seconds(text: &str) -> Result<i64, VerifyError> {
    let bytes = text.as_bytes();
    let well_formed =
        !bytes.is_empty() && bytes.len() <= MAX_DIGITS && (bytes[0] != b'0' || bytes.len() == 1);
    if !well_formed {
        return Err(VerifyError::InvalidTimestamp);
    }

    // At most ten digits, so the value is below 10^10 and fits an i64.
    let mut value = 0i64;
    for &byte in bytes {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return Err(VerifyError::InvalidTimestamp);
        }
        value = value * 10 + i64::from(digit);
    }
    Ok(value)
}

/// Checks that `timestamp` lies within `window_seconds` of `now`, in either
/// direction.
///
/// # Errors
///
/// Returns [`VerifyError::TimestampTooOld`] or
/// [`VerifyError::TimestampInFuture`] with the distance in seconds.
pub fn check_window(timestamp: i64, now: i64, window_seconds: u64) -> Result<(), VerifyError> {
    // The difference of two i64 values always fits an i128, so the check is
    // exact even for extreme clocks, where saturating i64 arithmetic would
    // pull a timestamp one second outside the window into it.
    let ahead = i128::from(timestamp) - i128::from(now);
    let window = i128::from(window_seconds);
    if -ahead > window {
        return Err(VerifyError::TimestampTooOld {
            age_seconds: saturate_seconds(-ahead),
            window_seconds,
        });
    }
    if ahead > window {
        return Err(VerifyError::TimestampInFuture {
            ahead_seconds: saturate_seconds(ahead),
            window_seconds,
        });
    }
    Ok(())
}

/// Returns `seconds` as an `i64`, or `i64::MAX` when it is larger, for the
/// distance reported in an error.
pub(crate) fn saturate_seconds(seconds: i128) -> i64 {
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_seconds_parse() {
        assert_eq!(parse_unix_seconds("1700000000"), Ok(1_700_000_000));
        assert_eq!(parse_unix_seconds("0"), Ok(0));
        assert_eq!(parse_unix_seconds("9999999999"), Ok(9_999_999_999));
    }

    #[test]
    fn non_canonical_forms_are_invalid() {
        for text in [
            "",
            "+1700000000",
            "-1700000000",
            "1700000000.5",
            "17000 00000",
            "1700000000000",
            "01700000000",
            "0170000000",
            "1e9",
            "170000000/",
            "17000000:0",
            "0x10",
            "١٢٣",
            "9223372036854775807",
            "99999999999999999999999",
        ] {
            assert_eq!(
                parse_unix_seconds(text),
                Err(VerifyError::InvalidTimestamp),
                "{text:?}"
            );
        }
    }

    #[test]
    fn window_edges_are_inclusive() {
        assert_eq!(check_window(1000, 1060, 60), Ok(()));
        assert_eq!(check_window(1060, 1000, 60), Ok(()));
        assert_eq!(
            check_window(1000, 1061, 60),
            Err(VerifyError::TimestampTooOld {
                age_seconds: 61,
                window_seconds: 60
            })
        );
        assert_eq!(
            check_window(1061, 1000, 60),
            Err(VerifyError::TimestampInFuture {
                ahead_seconds: 61,
                window_seconds: 60
            })
        );
    }

    #[test]
    fn window_handles_extreme_clocks() {
        assert!(check_window(0, i64::MAX, 60).is_err());
        assert!(check_window(9_999_999_999, i64::MIN, 60).is_err());
        assert_eq!(check_window(5, 5, u64::MAX), Ok(()));

        // The distance is 2^63 seconds, one more than the window.
        let window = i64::MAX as u64;
        assert_eq!(
            check_window(0, i64::MIN, window),
            Err(VerifyError::TimestampInFuture {
                ahead_seconds: i64::MAX,
                window_seconds: window,
            })
        );
        assert_eq!(
            check_window(i64::MIN, 0, window),
            Err(VerifyError::TimestampTooOld {
                age_seconds: i64::MAX,
                window_seconds: window,
            })
        );
        assert_eq!(check_window(-1, i64::MAX - 1, window), Ok(()));
        assert_eq!(check_window(i64::MIN, i64::MAX, u64::MAX), Ok(()));
    }
}
