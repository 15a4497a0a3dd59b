//! `tower-hmac`: signs and verifies requests of the `X-HMAC-*` scheme from
//! the command line, for operators debugging a live integration.
//!
//! Exit status: 0 on success, 1 when `verify` finds the request invalid,
//! 2 for invalid arguments or unreadable input.

mod input;
mod sign;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tower_hmac::HmacSecret;

/// Exit status for invalid arguments and unreadable input, the same as
/// clap's own usage errors.
const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "tower-hmac",
    version,
    about = "Signs and verifies HMAC-SHA256 request signatures (X-HMAC-Timestamp, X-HMAC-Signature)",
    long_about = "Signs and verifies HMAC-SHA256 request signatures of the default scheme: \
X-HMAC-Timestamp is unix seconds and X-HMAC-Signature is the lowercase hex HMAC-SHA256 \
of '<timestamp>.<raw body>'. Secrets are read from an environment variable or a file, \
never from an argument, so they stay out of shell history and the process list."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Prints the signature headers for a body, or a curl command that sends it.
    Sign(sign::SignArgs),
    /// Checks whether a captured request verifies, and explains why not.
    Verify(verify::VerifyArgs),
    /// Prints a new random secret: 32 random bytes as 64 hex characters.
    Keygen,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Sign(args) => sign::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Keygen => {
            // The hex text itself is the secret: both sides key the HMAC with
            // its UTF-8 bytes, as Python's `secret.encode()` does.
            println!("{}", const_hex::encode(HmacSecret::generate().expose_bytes()));
            Ok(ExitCode::SUCCESS)
        }
    };

    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
