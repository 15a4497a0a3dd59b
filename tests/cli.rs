//! The `tower-hmac` binary: sign, verify with each failure reason, keygen,
//! and a printed curl command run against a verifying server on 127.0.0.1.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use axum::routing::post;
use axum::Router;
use tower_hmac::{HmacSecret, HmacSigner, HmacVerifyLayer};

const SECRET: &str = "cli-test-secret-0123456789abcdef0123";
const SECRET_VAR: &str = "TOWER_HMAC_CLI_TEST_SECRET";

fn tower_hmac(args: &[&str]) -> Output {
    run_with_stdin(args, b"")
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tower-hmac"))
        .args(args)
        .env(SECRET_VAR, SECRET)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Returns the value of `name` from `sign` output lines such as `x-hmac-timestamp: 1`.
fn header<'a>(output: &'a str, name: &str) -> &'a str {
    output
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in output {output:?}"))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn library_signer() -> HmacSigner {
    HmacSigner::new(HmacSecret::from_utf8(SECRET).unwrap())
}

#[test]
fn sign_prints_library_signature() {
    let output = tower_hmac(&[
        "sign",
        "--secret-env",
        SECRET_VAR,
        "--timestamp",
        "1700000000",
        "--data",
        "{\"text\":\"hi\"}",
    ]);

    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    let expected = library_signer().sign_at(1_700_000_000, br#"{"text":"hi"}"#);
    assert_eq!(header(&printed, "x-hmac-timestamp"), "1700000000");
    assert_eq!(header(&printed, "x-hmac-signature"), expected.signature());
    assert!(!printed.contains("x-hmac-key-id"), "{printed}");
}

#[test]
fn sign_reads_file_and_stdin_bytes() {
    let body = b"\x00\xffline one\nline two\n";
    let directory = tempdir();
    let path = directory.join("body.bin");
    std::fs::write(&path, body).unwrap();
    let expected = library_signer().sign_at(1_700_000_000, body);

    let from_file = tower_hmac(&[
        "sign",
        "--secret-env",
        SECRET_VAR,
        "--timestamp",
        "1700000000",
        "--data",
        &format!("@{}", path.display()),
    ]);
    let from_stdin = run_with_stdin(
        &[
            "sign",
            "--secret-env",
            SECRET_VAR,
            "--timestamp",
            "1700000000",
            "--data",
            "-",
        ],
        body,
    );

    assert_eq!(
        header(&stdout(&from_file), "x-hmac-signature"),
        expected.signature()
    );
    assert_eq!(
        header(&stdout(&from_stdin), "x-hmac-signature"),
        expected.signature()
    );
}

#[test]
fn sign_reads_secret_file() {
    let directory = tempdir();
    let path = directory.join("secret");
    std::fs::write(&path, format!("{SECRET}\n")).unwrap();

    let output = tower_hmac(&[
        "sign",
        "--secret-file",
        path.to_str().unwrap(),
        "--timestamp",
        "1700000000",
        "--data",
        "x",
    ]);

    assert!(output.status.success(), "{}", stderr(&output));
    let expected = library_signer().sign_at(1_700_000_000, b"x");
    assert_eq!(header(&stdout(&output), "x-hmac-signature"), expected.signature());
}

#[test]
fn secret_is_never_an_argument() {
    let output = tower_hmac(&["sign", "--secret", SECRET]);
    assert_eq!(output.status.code(), Some(2));

    let output = tower_hmac(&["sign"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--secret-env"), "{}", stderr(&output));
}

#[test]
fn missing_secret_variable_is_reported() {
    let output = tower_hmac(&["sign", "--secret-env", "TOWER_HMAC_CLI_TEST_UNSET"]);

    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("TOWER_HMAC_CLI_TEST_UNSET is not set"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn sign_output_verifies() {
    let signed = tower_hmac(&["sign", "--secret-env", SECRET_VAR, "--data", "payload"]);
    let printed = stdout(&signed);

    let output = tower_hmac(&[
        "verify",
        "--secret-env",
        SECRET_VAR,
        "--timestamp",
        header(&printed, "x-hmac-timestamp"),
        "--signature",
        header(&printed, "x-hmac-signature"),
        "--data",
        "payload",
    ]);

    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).starts_with("verified:"), "{}", stdout(&output));
}

#[test]
fn key_id_is_sent_and_checked() {
    let signed = tower_hmac(&[
        "sign",
        "--secret-env",
        SECRET_VAR,
        "--key-id",
        "billing",
        "--data",
        "x",
    ]);
    let printed = stdout(&signed);
    assert_eq!(header(&printed, "x-hmac-key-id"), "billing");

    let output = tower_hmac(&[
        "verify",
        "--secret-env",
        SECRET_VAR,
        "--key-id",
        "billing",
        "--timestamp",
        header(&printed, "x-hmac-timestamp"),
        "--signature",
        header(&printed, "x-hmac-signature"),
        "--data",
        "x",
    ]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).contains("key id billing"), "{}", stdout(&output));

    let invalid = tower_hmac(&["sign", "--secret-env", SECRET_VAR, "--key-id", "has space"]);
    assert_eq!(invalid.status.code(), Some(2));
    assert!(stderr(&invalid).contains("has space"), "{}", stderr(&invalid));
}

/// Runs `verify` with the given header values and body.
fn verify_with(timestamp: &str, signature: &str, body: &str) -> Output {
    tower_hmac(&[
        "verify",
        "--secret-env",
        SECRET_VAR,
        "--timestamp",
        timestamp,
        "--signature",
        signature,
        "--data",
        body,
    ])
}

#[test]
fn verify_reports_old_timestamp() {
    let timestamp = now() - 3600;
    let signature = library_signer().sign_at(timestamp, b"x").signature().to_owned();

    let output = verify_with(&timestamp.to_string(), &signature, "x");

    assert_eq!(output.status.code(), Some(1));
    let printed = stdout(&output);
    assert!(printed.starts_with("not verified: timestamp is"), "{printed}");
    assert!(printed.contains("old, more than the 60 s window"), "{printed}");
    assert!(printed.contains("--now"), "{printed}");
}

#[test]
fn verify_reports_future_timestamp() {
    let timestamp = now() + 3600;
    let signature = library_signer().sign_at(timestamp, b"x").signature().to_owned();

    let output = verify_with(&timestamp.to_string(), &signature, "x");

    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("ahead, more than the 60 s window"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn verify_accepts_old_capture_with_now() {
    let signature = library_signer()
        .sign_at(1_600_000_000, b"x")
        .signature()
        .to_owned();

    let output = tower_hmac(&[
        "verify",
        "--secret-env",
        SECRET_VAR,
        "--timestamp",
        "1600000000",
        "--signature",
        &signature,
        "--data",
        "x",
        "--now",
        "1600000030",
    ]);

    assert!(output.status.success(), "{}", stdout(&output));
}

#[test]
fn verify_reports_signature_mismatch() {
    let timestamp = now();
    let signature = library_signer()
        .sign_at(timestamp, b"original")
        .signature()
        .to_owned();

    let output = verify_with(&timestamp.to_string(), &signature, "changed");

    assert_eq!(output.status.code(), Some(1));
    let printed = stdout(&output);
    assert!(
        printed.contains("signature does not match the request"),
        "{printed}"
    );
    assert!(printed.contains("7 bytes with SHA-256"), "{printed}");
}

#[test]
fn verify_reports_malformed_signature() {
    let output = verify_with(&now().to_string(), "not-hex", "x");

    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("signature is not 64 hexadecimal characters"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn verify_reports_malformed_timestamp() {
    let signature = "0".repeat(64);
    let millis = (now() * 1000).to_string();

    let output = verify_with(&millis, &signature, "x");

    assert_eq!(output.status.code(), Some(1));
    let printed = stdout(&output);
    assert!(printed.contains("timestamp is not unix seconds"), "{printed}");
    assert!(printed.contains("not milliseconds"), "{printed}");
}

#[test]
fn verify_reports_non_ascii_header() {
    let output = verify_with("17000\u{e9}", &"0".repeat(64), "x");

    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("not visible ASCII"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn keygen_prints_fresh_hex_secrets() {
    let first = stdout(&tower_hmac(&["keygen"]));
    let second = stdout(&tower_hmac(&["keygen"]));

    let first = first.trim_end();
    assert_eq!(first.len(), 64, "{first}");
    assert!(first.bytes().all(|byte| byte.is_ascii_hexdigit()), "{first}");
    assert_ne!(first, second.trim_end());
}

#[test]
fn curl_command_passes_verifying_server() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let address = listener.local_addr().unwrap();
    let app = Router::new()
        .route(
            "/v1/infer",
            post(|body: String| async move { format!("received {body}") }),
        )
        .layer(HmacVerifyLayer::new(HmacSecret::from_utf8(SECRET).unwrap()));
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });

    let url = format!("http://{address}/v1/infer");
    let signed = tower_hmac(&[
        "sign",
        "--secret-env",
        SECRET_VAR,
        "--data",
        "{\"text\":\"it's\"}",
        "--curl",
        &url,
    ]);
    let command = stdout(&signed);
    assert!(command.starts_with("curl -X POST "), "{command}");
    assert!(command.contains("--data-binary"), "{command}");

    let curl = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} --silent --show-error --fail-with-body",
            command.trim()
        ))
        .output()
        .unwrap();
    assert!(
        curl.status.success(),
        "curl failed: {} {}",
        stdout(&curl),
        stderr(&curl)
    );
    assert_eq!(stdout(&curl), "received {\"text\":\"it's\"}");
}

/// Returns a fresh directory under the target directory's temp folder.
fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "cli-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&directory).unwrap();
    directory
}
