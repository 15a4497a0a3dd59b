//! Writes the seed corpus of the fuzz targets: valid signed requests.
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --example write_seeds
//! ```
//!
//! Every seed is signed with the secrets of `fuzz_support` at its fixed
//! clock, so each one is accepted by the target it seeds. The files are
//! written to `fuzz/corpus/<target>/seed-*`, replacing earlier seeds.

use std::fs;
use std::path::{Path, PathBuf};

use fuzz_support::{sign, webhook_signature, ALPHA_NEW, BETA, NOW, SECRET};
use http::Method;
use tower_hmac::{HmacSecret, HmacSigner, HttpSignatureOptions, ManualClock, SigningScheme};

const TS: &str = "1700000000";
const NONCE: &str = "Yk3Jq9ZpR2mWx7Lc5Vt8Hn4Bd6Fs1Ga0";

fn main() -> std::io::Result<()> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    write_layer_seeds(&corpus.join("layer_request"))?;
    write_header_seeds(&corpus.join("default_headers"))?;
    write_webhooks_seeds(&corpus.join("webhooks_headers"))?;
    write_httpsig_seeds(&corpus.join("httpsig_headers"))?;
    Ok(())
}

/// Returns a raw HTTP/1.1 request with an honest `Content-Length`.
fn http_request(method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    [head.as_bytes(), body].concat()
}

fn write_layer_seeds(dir: &Path) -> std::io::Result<()> {
    let json = br#"{"text":"hello"}"#;
    let korean = "{\"text\":\"안녕하세요\"}".as_bytes();
    let binary: Vec<u8> = (0u8..=255).collect();
    let at_small_limit = [b'x'; 32];

    let plain = |body: &[u8]| {
        vec![
            ("x-hmac-timestamp", TS.to_owned()),
            ("x-hmac-signature", sign(SECRET, TS, None, body)),
        ]
    };
    let seeds: Vec<(&str, u8, Vec<u8>)> = vec![
        ("json", 0, http_request("POST", "/v1/infer", &plain(json), json)),
        (
            "json-one-byte-chunks",
            0b001,
            http_request("POST", "/v1/infer", &plain(json), json),
        ),
        (
            "utf8-seven-byte-chunks",
            0b100,
            http_request("POST", "/v1/infer", &plain(korean), korean),
        ),
        (
            "binary-body",
            0b110,
            http_request("PUT", "/upload?part=1", &plain(&binary), &binary),
        ),
        (
            "empty-body",
            0,
            http_request("GET", "/v1/status", &plain(b""), b""),
        ),
        (
            "at-small-limit",
            0b1_0000,
            http_request("POST", "/v1/infer", &plain(&at_small_limit), &at_small_limit),
        ),
        (
            "uppercase-signature",
            0,
            http_request(
                "POST",
                "/v1/infer",
                &[
                    ("x-hmac-timestamp", TS.to_owned()),
                    ("x-hmac-signature", sign(SECRET, TS, None, json).to_uppercase()),
                ],
                json,
            ),
        ),
        (
            "nonce",
            0b10_0000,
            http_request(
                "POST",
                "/v1/infer",
                &[
                    ("x-hmac-timestamp", TS.to_owned()),
                    ("x-hmac-nonce", NONCE.to_owned()),
                    ("x-hmac-signature", sign(SECRET, TS, Some(NONCE), json)),
                ],
                json,
            ),
        ),
        (
            "ring-default-key",
            0b100_0000,
            http_request(
                "POST",
                "/v1/infer",
                &[
                    ("x-hmac-timestamp", TS.to_owned()),
                    ("x-hmac-signature", sign(ALPHA_NEW, TS, None, json)),
                ],
                json,
            ),
        ),
        (
            "ring-key-id",
            0b100_0000,
            http_request(
                "POST",
                "/v1/infer/batch",
                &[
                    ("x-hmac-key-id", "beta".to_owned()),
                    ("x-hmac-timestamp", TS.to_owned()),
                    ("x-hmac-signature", sign(BETA, TS, None, json)),
                ],
                json,
            ),
        ),
        (
            "ring-key-id-nonce",
            0b110_0010,
            http_request(
                "POST",
                "/v1/infer",
                &[
                    ("x-hmac-key-id", "alpha".to_owned()),
                    ("x-hmac-timestamp", TS.to_owned()),
                    ("x-hmac-nonce", NONCE.to_owned()),
                    ("x-hmac-signature", sign(ALPHA_NEW, TS, Some(NONCE), json)),
                ],
                json,
            ),
        ),
    ];
    let files: Vec<(String, Vec<u8>)> = seeds
        .into_iter()
        .map(|(name, flags, request)| (name.to_owned(), [&[flags][..], &request].concat()))
        .collect();
    write_dir(dir, &files)
}

/// Returns a `default_headers` input: flags, clock, window, header lines.
fn header_input(flags: u8, now: i64, window: u64, lines: &[(&str, String)]) -> Vec<u8> {
    let mut input = vec![flags];
    input.extend_from_slice(&now.to_le_bytes());
    input.extend_from_slice(&window.to_le_bytes());
    for (name, value) in lines {
        input.extend_from_slice(format!("{name}: {value}\n").as_bytes());
    }
    input
}

fn write_header_seeds(dir: &Path) -> std::io::Result<()> {
    let empty = sign(SECRET, TS, None, b"");
    let seeds = vec![
        (
            "single-secret",
            header_input(
                0,
                NOW,
                60,
                &[
                    ("x-hmac-timestamp", TS.to_owned()),
                    ("x-hmac-signature", empty.clone()),
                ],
            ),
        ),
        (
            "edge-of-window",
            header_input(
                0,
                NOW + 60,
                60,
                &[
                    ("x-hmac-timestamp", TS.to_owned()),
                    ("x-hmac-signature", empty.clone()),
                ],
            ),
        ),
        (
            "widest-window",
            header_input(
                0,
                i64::MIN,
                u64::MAX,
                &[
                    ("x-hmac-timestamp", "0".to_owned()),
                    ("x-hmac-signature", sign(SECRET, "0", None, b"")),
                ],
            ),
        ),
        (
            "nonce",
            header_input(
                1,
                NOW,
                60,
                &[
                    ("x-hmac-timestamp", TS.to_owned()),
                    ("x-hmac-nonce", NONCE.to_owned()),
                    ("x-hmac-signature", sign(SECRET, TS, Some(NONCE), b"")),
                ],
            ),
        ),
        (
            "ring-key-id",
            header_input(
                0b10,
                NOW,
                60,
                &[
                    ("x-hmac-key-id", "beta".to_owned()),
                    ("x-hmac-timestamp", TS.to_owned()),
                    ("x-hmac-signature", sign(BETA, TS, None, b"")),
                ],
            ),
        ),
        (
            "padded-values",
            header_input(
                0,
                NOW,
                60,
                &[
                    ("x-hmac-timestamp", format!(" \t{TS} ")),
                    ("x-hmac-signature", format!("  {empty}\t")),
                ],
            ),
        ),
    ];
    let files: Vec<(String, Vec<u8>)> = seeds
        .into_iter()
        .map(|(name, input)| (name.to_owned(), input))
        .collect();
    write_dir(dir, &files)
}

fn write_webhooks_seeds(dir: &Path) -> std::io::Result<()> {
    let json = br#"{"type":"invoice.paid","id":42}"#;
    let id = "msg_2bT8vW4kXq9LzR1mN6pS0dYc";
    let one = webhook_signature(SECRET, id, TS, json);
    let input = |lines: &[(&str, String)], body: &[u8]| {
        let mut input = Vec::new();
        for (name, value) in lines {
            input.extend_from_slice(format!("{name}: {value}\n").as_bytes());
        }
        input.extend_from_slice(b"\n");
        input.extend_from_slice(body);
        input
    };
    let base = |signature: String| {
        vec![
            ("webhook-id", id.to_owned()),
            ("webhook-timestamp", TS.to_owned()),
            ("webhook-signature", signature),
        ]
    };
    let files = vec![
        ("one-signature".to_owned(), input(&base(one.clone()), json)),
        (
            "several-signatures".to_owned(),
            input(&base(format!("v1,c2lnbmF0dXJl v2,future {one}")), json),
        ),
        (
            "empty-body".to_owned(),
            input(&base(webhook_signature(SECRET, id, TS, b"")), b""),
        ),
    ];
    write_dir(dir, &files)
}

fn write_httpsig_seeds(dir: &Path) -> std::io::Result<()> {
    let json = br#"{"text":"hello"}"#.to_vec();
    let cases: Vec<(&str, Method, &str, Vec<u8>, HttpSignatureOptions)> = vec![
        (
            "post-json",
            Method::POST,
            "/v1/infer?lang=en",
            json.clone(),
            HttpSignatureOptions::default(),
        ),
        (
            "get-no-body",
            Method::GET,
            "/v1/status",
            Vec::new(),
            HttpSignatureOptions::default(),
        ),
        (
            "extra-components",
            Method::PUT,
            "/v1/items/7?x=1&y=2",
            json.clone(),
            HttpSignatureOptions {
                label: "sig-a".to_owned(),
                components: [
                    "@method",
                    "@authority",
                    "@path",
                    "@query",
                    "@target-uri",
                    "content-type",
                    "\"@query-param\";name=\"y\"",
                ]
                .map(String::from)
                .to_vec(),
                tag: Some("fuzz".to_owned()),
                nonce: false,
                expires_in_seconds: Some(300),
                ..HttpSignatureOptions::default()
            },
        ),
    ];
    let mut files = Vec::new();
    for (name, method, target, body, options) in cases {
        let signer = HmacSigner::new(HmacSecret::from_bytes(SECRET).expect("non-empty"))
            .scheme(SigningScheme::HttpSignatures(options))
            .clock(ManualClock::new(NOW));
        let mut request = http::Request::builder()
            .method(method)
            .uri(target)
            .header("host", "api.example.com")
            .header("content-type", "application/json")
            .body(body)
            .expect("valid request parts");
        signer
            .sign_request(&mut request)
            .expect("every component is present");

        let mut input = format!("{} {}\n", request.method(), target).into_bytes();
        for (header, value) in request.headers() {
            input.extend_from_slice(header.as_str().as_bytes());
            input.extend_from_slice(b": ");
            input.extend_from_slice(value.as_bytes());
            input.push(b'\n');
        }
        input.push(b'\n');
        input.extend_from_slice(request.body());
        files.push((name.to_owned(), input));
    }
    write_dir(dir, &files)
}

/// Replaces the `seed-*` files of `dir` with `files`.
fn write_dir(dir: &Path, files: &[(String, Vec<u8>)]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with("seed-"))
        {
            fs::remove_file(path)?;
        }
    }
    for (name, bytes) in files {
        let path: PathBuf = dir.join(format!("seed-{name}"));
        fs::write(&path, bytes)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
