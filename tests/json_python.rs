//! The canonical JSON bytes against real Python's
//! `json.dumps(data, sort_keys=True, separators=(",", ":"))`.
//!
//! Each payload goes to Python as standard JSON text, so Python dumps the
//! same data that [`to_canonical_json`] serializes.

mod support;

use serde_json::{json, Value};
use support::run_python;
use tower_hmac::to_canonical_json;

const PYTHON_DUMPS: &str = r#"
import json, sys
texts = json.load(sys.stdin)
dumped = [json.dumps(json.loads(text), sort_keys=True, separators=(",", ":")) for text in texts]
sys.stdout.write(json.dumps(dumped))
"#;

/// Returns Python's canonical dump of each value.
fn python_dumps(values: &[Value]) -> Vec<String> {
    let texts: Vec<String> = values
        .iter()
        .map(|value| serde_json::to_string(value).unwrap())
        .collect();
    let output = run_python(PYTHON_DUMPS, serde_json::to_string(&texts).unwrap().as_bytes());
    serde_json::from_slice(&output).unwrap()
}

fn rust_dumps(value: &Value) -> String {
    String::from_utf8(to_canonical_json(value).unwrap()).unwrap()
}

fn payload_table() -> Vec<(&'static str, Value)> {
    vec![
        ("empty object", json!({})),
        ("empty array", json!([])),
        ("scalars", json!([null, true, false, 0, "", "plain"])),
        (
            "nested objects",
            json!({"z": {"b": [1, {"y": 2, "x": [3, {}]}], "a": null}, "a": {"c": {"d": {"e": "deep"}}}}),
        ),
        ("korean", json!({"text": "안녕하세요, 세계", "키": "값"})),
        ("emoji", json!({"text": "😀🌏👩‍💻", "😀": 1, "plain": "a"})),
        (
            "mixed scripts",
            json!(["é", "ß", "中文", "עברית", "\u{FEFF}", "\u{FFFF}", "\u{10FFFF}"]),
        ),
        (
            "key order by code point",
            json!({"b": 1, "B": 2, "é": 3, "e": 4, "😀": 5, "\u{FF61}": 6, "": 7}),
        ),
        (
            "control characters",
            json!("\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1f} \u{7f}\u{80}\u{2028}"),
        ),
        (
            "quotes and slashes",
            json!("\"quoted\" \\back\\ /slash/ <tag> &amp;"),
        ),
        ("small ints", json!([0, 1, -1, 42, -42])),
        (
            "large ints",
            json!([
                i64::MAX,
                i64::MIN,
                u64::MAX,
                9_007_199_254_740_993_u64,
                -9_007_199_254_740_993_i64
            ]),
        ),
        ("negative zero", json!([-0.0, 0.0, {"z": -0.0}])),
        (
            "floats",
            json!([
                0.1,
                0.5,
                1.0,
                -1.5,
                3.0,
                100.0,
                1e15,
                1e16,
                1.5e16,
                1e22,
                1e-4,
                1e-5,
                1.5e-7,
                1e-7,
                123456.789,
                0.30000000000000004,
                2.5e-300,
                1.7976931348623157e308,
                5e-324,
                2.2250738585072014e-308,
                9007199254740993.0,
                1234567890123456.7
            ]),
        ),
        (
            "infer request",
            json!({"text": "오늘 날씨 어때?", "top_k": 5, "temperature": 0.7, "stop": ["\n", "###"], "meta": {"request_id": "b1f0", "retry": false}}),
        ),
    ]
}

#[test]
#[ignore = "needs Python; run by scripts/test.sh"]
fn canonical_json_matches_python_table() {
    let table = payload_table();
    let values: Vec<Value> = table.iter().map(|(_, value)| value.clone()).collect();
    let python = python_dumps(&values);

    for ((name, value), expected) in table.iter().zip(&python) {
        assert_eq!(&rust_dumps(value), expected, "payload {name:?}");
    }
}

/// A small deterministic generator, so a failure reproduces.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
#[ignore = "needs Python; run by scripts/test.sh"]
fn canonical_floats_match_python_repr() {
    let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut floats = Vec::new();
    while floats.len() < 4000 {
        // Random bit patterns cover every exponent, and short decimals cover
        // the values people write, near the fixed/scientific boundaries.
        let from_bits = f64::from_bits(random.next());
        if from_bits.is_finite() {
            floats.push(from_bits);
        }
        let mantissa = (random.next() % 100_000) as f64;
        let exponent = (random.next() % 50) as i32 - 25;
        floats.push(mantissa * 10f64.powi(exponent));
    }
    let values: Vec<Value> = floats.iter().map(|float| json!(float)).collect();
    let python = python_dumps(&values);

    for (value, expected) in values.iter().zip(&python) {
        assert_eq!(&rust_dumps(value), expected, "float {value}");
    }
}

#[test]
#[ignore = "needs Python; run by scripts/test.sh"]
fn canonical_strings_match_python_escapes() {
    let mut random = XorShift(0x2545_F491_4F6C_DD1D);
    let mut strings = Vec::new();
    for _ in 0..500 {
        let length = random.next() % 12;
        let text: String = (0..length)
            .filter_map(|_| {
                // Mostly ASCII and BMP, with some characters above U+FFFF.
                let range = [0x80, 0x800, 0x1_0000, 0x11_0000][(random.next() % 4) as usize];
                char::from_u32((random.next() % range) as u32)
            })
            .collect();
        strings.push(json!({ text.clone(): text }));
    }
    let python = python_dumps(&strings);

    for (value, expected) in strings.iter().zip(&python) {
        assert_eq!(&rust_dumps(value), expected, "string {value}");
    }
}
