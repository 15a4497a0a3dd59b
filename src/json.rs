//! JSON bytes that match Python's `json.dumps(data, sort_keys=True,
//! separators=(",", ":"))`.
//!
//! A Django service that signs a payload usually serializes it this way, and
//! a Rust service that talks to it gets the same bytes for the same data
//! here. Matching bytes are not needed for the signature to verify, because
//! the receiver checks the bytes it received, but they make payloads easy to
//! compare in logs and let both sides sign an identical message.
//!
//! The output follows CPython 3's `json` module with those arguments:
//!
//! * No whitespace: `,` between items and `:` after keys.
//! * Object keys sorted by Unicode code point, at every depth.
//! * `ensure_ascii=True`, the default: every character outside `' '..='~'`
//!   is escaped as `\uXXXX` in lowercase hex, and characters above U+FFFF as
//!   a UTF-16 surrogate pair. `"`, `\`, backspace, form feed, newline,
//!   carriage return and tab use their short escapes.
//! * Floats as Python's `repr`: the shortest digits that round-trip, in
//!   fixed notation for exponents from -4 to 15 (`0.0001`, `1e-05`,
//!   `1000000000000000.0`, `1e+16`), always with a `.0` or an exponent.
//! * Integers as their decimal digits.

use serde::Serialize;
use serde_json::{Map, Number, Value};

/// Serializes `value` to the bytes Python's `json.dumps(value,
/// sort_keys=True, separators=(",", ":"))` produces for the same data.
///
/// The value goes through [`serde_json::to_value`] first, so its rules
/// apply: map keys become strings, and NaN and the infinities become `null`
/// (Python would write `NaN` and `Infinity`, which are not JSON).
///
/// # Errors
///
/// Returns the [`serde_json::Error`] from [`serde_json::to_value`], for
/// example for a map with keys that are not strings or numbers, or an
/// integer outside the 64-bit range.
///
/// # Example
///
/// ```
/// let payload = serde_json::json!({"text": "안녕", "n": 1e16, "a": [1, 2.5]});
/// let bytes = tower_hmac::to_canonical_json(&payload)?;
/// assert_eq!(bytes, br#"{"a":[1,2.5],"n":1e+16,"text":"\uc548\ub155"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn to_canonical_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let value = serde_json::to_value(value)?;
    let mut output = String::new();
    write_value(&mut output, &value);
    Ok(output.into_bytes())
}

fn write_value(output: &mut String, value: &Value) {
    match value {
        Value::Null => output.push_str("null"),
        Value::Bool(true) => output.push_str("true"),
        Value::Bool(false) => output.push_str("false"),
        Value::Number(number) => write_number(output, number),
        Value::String(text) => write_string(output, text),
        Value::Array(items) => {
            output.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    output.push(',');
                }
                write_value(output, item);
            }
            output.push(']');
        }
        Value::Object(map) => write_object(output, map),
    }
}

fn write_object(output: &mut String, map: &Map<String, Value>) {
    // serde_json keeps insertion order when any crate in the build turns on
    // its `preserve_order` feature, so the keys are sorted here either way.
    // Comparing UTF-8 bytes orders strings by code point, as Python does.
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|left, right| left.0.as_bytes().cmp(right.0.as_bytes()));

    output.push('{');
    for (index, (key, item)) in entries.into_iter().enumerate() {
        if index > 0 {
            output.push(',');
        }
        write_string(output, key);
        output.push(':');
        write_value(output, item);
    }
    output.push('}');
}

fn write_number(output: &mut String, number: &Number) {
    if let Some(integer) = number.as_u64() {
        output.push_str(&integer.to_string());
    } else if let Some(integer) = number.as_i64() {
        output.push_str(&integer.to_string());
    } else if let Some(float) = number.as_f64() {
        output.push_str(&python_float_repr(float));
    }
}

/// Formats a finite float as Python's `repr(float)` does.
///
/// Rust's `{:e}` prints the shortest digits that round-trip, the same digits
/// Python picks. Python then uses fixed notation when the decimal exponent
/// of the leading digit is from -4 to 15, and otherwise scientific notation
/// with a signed exponent of at least two digits.
pub(crate) fn python_float_repr(value: f64) -> String {
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("LowerExp output of a finite float contains 'e'");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().expect("LowerExp exponent is an integer");

    let mut text = String::new();
    if value.is_sign_negative() {
        text.push('-');
    }

    if (-4..=15).contains(&exponent) {
        // The digits are d.ddd × 10^exponent, so the decimal point goes after
        // `exponent + 1` digits, padded with zeros on either side.
        let point = exponent + 1;
        if point <= 0 {
            text.push_str("0.");
            text.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
            text.push_str(&digits);
        } else {
            let point = point as usize;
            if point >= digits.len() {
                text.push_str(&digits);
                text.extend(std::iter::repeat_n('0', point - digits.len()));
                text.push_str(".0");
            } else {
                text.push_str(&digits[..point]);
                text.push('.');
                text.push_str(&digits[point..]);
            }
        }
    } else {
        text.push_str(&digits[..1]);
        if digits.len() > 1 {
            text.push('.');
            text.push_str(&digits[1..]);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        text.push_str(&format!("e{sign}{:02}", exponent.unsigned_abs()));
    }
    text
}

fn write_string(output: &mut String, text: &str) {
    output.push('"');
    for character in text.chars() {
        match character {
            '"' => output.push_str("\\\""),
            '\\' => output.push_str("\\\\"),
            '\n' => output.push_str("\\n"),
            '\r' => output.push_str("\\r"),
            '\t' => output.push_str("\\t"),
            '\u{08}' => output.push_str("\\b"),
            '\u{0c}' => output.push_str("\\f"),
            ' '..='~' => output.push(character),
            _ => {
                let mut units = [0u16; 2];
                for unit in character.encode_utf16(&mut units) {
                    output.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    output.push('"');
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn canonical(value: Value) -> String {
        String::from_utf8(to_canonical_json(&value).unwrap()).unwrap()
    }

    #[test]
    fn float_repr_switches_notation_like_python() {
        // Expected values are Python 3 `repr(float)` output.
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (0.1, "0.1"),
            (2.5, "2.5"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123456.789, "123456.789"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1e22, "1e+22"),
            (-2.5e-300, "-2.5e-300"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
        ];
        for (value, expected) in cases {
            assert_eq!(python_float_repr(value), expected, "repr of {value:e}");
        }
    }

    #[test]
    fn keys_are_sorted_at_every_depth() {
        let value = json!({"b": {"z": 1, "a": 2}, "a": [{"y": 0, "x": 0}]});
        assert_eq!(canonical(value), r#"{"a":[{"x":0,"y":0}],"b":{"a":2,"z":1}}"#);
    }

    #[test]
    fn keys_sort_by_code_point() {
        // U+FF61 sorts before U+1F600 by code point, but after it in UTF-16
        // units, so this pins the code point order Python uses.
        let value = json!({"\u{1F600}": 1, "\u{FF61}": 2, "Z": 3, "a": 4});
        assert_eq!(canonical(value), r#"{"Z":3,"a":4,"\uff61":2,"\ud83d\ude00":1}"#);
    }

    #[test]
    fn non_ascii_is_escaped_lowercase() {
        assert_eq!(canonical(json!("é한😀")), r#""\u00e9\ud55c\ud83d\ude00""#);
        assert_eq!(canonical(json!("\u{7f}\u{1f}")), r#""\u007f\u001f""#);
    }

    #[test]
    fn short_escapes_match_python() {
        assert_eq!(
            canonical(json!("\"\\\n\r\t\u{08}\u{0c}/")),
            r#""\"\\\n\r\t\b\f/""#
        );
    }

    #[test]
    fn integers_keep_all_digits() {
        assert_eq!(
            canonical(json!([u64::MAX, i64::MIN, 0])),
            "[18446744073709551615,-9223372036854775808,0]"
        );
    }
}
