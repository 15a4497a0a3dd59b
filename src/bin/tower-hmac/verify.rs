//! `tower-hmac verify`.

use std::process::ExitCode;

use clap::Args;
use http::{HeaderValue, Request};
use sha2::{Digest, Sha256};
use tower_hmac::{
    Clock, HmacVerifier, KeyRing, ManualClock, SystemClock, VerifyError, DEFAULT_WINDOW_SECONDS,
};

use crate::input::{parse_timestamp, read_body, CliError, DataSource, SecretArgs};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    secret: SecretArgs,

    /// Sets the X-HMAC-Timestamp value of the captured request, as sent.
    #[arg(long, value_name = "TEXT")]
    timestamp: String,

    /// Sets the X-HMAC-Signature value of the captured request, as sent.
    #[arg(long, value_name = "HEX")]
    signature: String,

    /// Sets the body of the captured request: @PATH for a file, - for
    /// standard input, or literal text. Without it the body is empty.
    #[arg(long, value_name = "@PATH|-|TEXT", value_parser = DataSource::parse)]
    data: Option<DataSource>,

    /// Checks under this key id, as if the request carried it in X-HMAC-Key-Id.
    #[arg(long, value_name = "ID")]
    key_id: Option<String>,

    /// Sets the accepted distance between the timestamp and now, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_WINDOW_SECONDS)]
    window_seconds: u64,

    /// Checks the window against this unix time in seconds instead of the
    /// system clock, for example the time a request was captured.
    #[arg(long, value_name = "UNIX_SECONDS", value_parser = parse_timestamp)]
    now: Option<i64>,
}

pub fn run(args: &VerifyArgs) -> Result<ExitCode, CliError> {
    let secret = args.secret.load()?;
    let body = read_body(args.data.as_ref())?;

    let ring = match &args.key_id {
        Some(key_id) => {
            let mut ring = KeyRing::new();
            ring.add_secret(key_id, "cli", secret, None)?;
            ring
        }
        None => KeyRing::single(secret),
    };
    let now = args.now.unwrap_or_else(|| SystemClock.now_unix());
    let verifier = HmacVerifier::builder()
        .key_ring(ring)
        .window_seconds(args.window_seconds)
        .body_limit(usize::MAX)
        .clock(ManualClock::new(now))
        .build()?;

    let request = match build_request(args, &body) {
        Ok(request) => request,
        Err(error) => return Ok(report_failure(&error, args, &body, now)),
    };

    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    match runtime.block_on(verifier.verify(&request)) {
        Ok(caller) => {
            println!(
                "verified: the signature matches for key id {} ({} body bytes)",
                caller.key_id(),
                body.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => Ok(report_failure(&error, args, &body, now)),
    }
}

/// Builds the captured request. A header value that HTTP cannot carry at
/// all is reported as the same malformed header the verifier would see.
fn build_request<'a>(args: &VerifyArgs, body: &'a [u8]) -> Result<Request<&'a [u8]>, VerifyError> {
    let names = tower_hmac::HeaderNames::default();
    let value = |name: &http::HeaderName, text: &str| {
        HeaderValue::from_str(text).map_err(|_| VerifyError::NonAsciiHeader { header: name.clone() })
    };

    let mut request = Request::post("/")
        .body(body)
        .expect("a fixed method and path are valid");
    let headers = request.headers_mut();
    headers.insert(names.timestamp.clone(), value(&names.timestamp, &args.timestamp)?);
    headers.insert(names.signature.clone(), value(&names.signature, &args.signature)?);
    if let Some(key_id) = &args.key_id {
        headers.insert(names.key_id.clone(), value(&names.key_id, key_id)?);
    }
    Ok(request)
}

/// Prints why the request failed and what to check, and returns exit status 1.
fn report_failure(error: &VerifyError, args: &VerifyArgs, body: &[u8], now: i64) -> ExitCode {
    println!("not verified: {error}");
    let hint = match error {
        VerifyError::TimestampTooOld { .. } | VerifyError::TimestampInFuture { .. } => format!(
            "the timestamp is outside the window of {} s around {now}; check that both clocks are synchronized, \
             or pass --now with the time the request was captured",
            args.window_seconds
        ),
        VerifyError::InvalidTimestamp => {
            "X-HMAC-Timestamp must be unix seconds (1 to 10 digits), not milliseconds or a date".to_owned()
        }
        VerifyError::MalformedSignature => {
            "X-HMAC-Signature must be 64 hex characters, the HMAC-SHA256 of '<timestamp>.<body>'".to_owned()
        }
        VerifyError::MissingHeader { .. } | VerifyError::NonAsciiHeader { .. } => {
            "pass the header values exactly as captured".to_owned()
        }
        VerifyError::InvalidKeyId => "a key id is 1 to 64 characters of [A-Za-z0-9_.-]".to_owned(),
        VerifyError::SignatureMismatch => format!(
            "the secret, the timestamp or the body differs from what the sender signed; the body checked was \
             {} bytes with SHA-256 {}, so compare it byte for byte with what was sent (a trailing newline, \
             JSON spacing or key order all change it)",
            body.len(),
            const_hex::encode(Sha256::digest(body))
        ),
        _ => "check the secret and the captured values".to_owned(),
    };
    println!("hint: {hint}");
    ExitCode::FAILURE
}
