//! Reading the secret and the body from the places the options name.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;
use tower_hmac::HmacSecret;

/// Error with a message for the operator.
pub type CliError = Box<dyn std::error::Error>;

/// Source of the secret: an environment variable or a file, never an argument.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SecretArgs {
    /// Reads the secret from the environment variable NAME.
    #[arg(long, value_name = "NAME")]
    pub secret_env: Option<String>,

    /// Reads the secret from the file PATH. One trailing newline is removed.
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
}

impl SecretArgs {
    /// Loads the secret from the variable or file that was given.
    pub fn load(&self) -> Result<HmacSecret, CliError> {
        if let Some(name) = &self.secret_env {
            return Ok(HmacSecret::from_env_var(name)?);
        }
        let path = self
            .secret_file
            .as_ref()
            .expect("clap requires --secret-env or --secret-file");
        let mut bytes = std::fs::read(path)
            .map_err(|error| format!("failed to read secret file {}: {error}", path.display()))?;
        // Files written by `echo` or an editor end in a newline that is not
        // part of the secret.
        if bytes.ends_with(b"\n") {
            bytes.pop();
            if bytes.ends_with(b"\r") {
                bytes.pop();
            }
        }
        HmacSecret::from_bytes(bytes)
            .map_err(|error| format!("secret file {}: {error}", path.display()).into())
    }
}

/// Source of the body, as given to `--data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// `@PATH`: the bytes of a file.
    File(PathBuf),
    /// `-`: standard input.
    Stdin,
    /// Any other text: its UTF-8 bytes.
    Text(String),
}

impl DataSource {
    /// Parses a `--data` value.
    pub fn parse(value: &str) -> Result<Self, String> {
        if value == "-" {
            Ok(Self::Stdin)
        } else if let Some(path) = value.strip_prefix('@') {
            if path.is_empty() {
                return Err("'@' must be followed by a file path, as in @body.json".to_owned());
            }
            Ok(Self::File(PathBuf::from(path)))
        } else {
            Ok(Self::Text(value.to_owned()))
        }
    }

    /// Reads the body bytes, exactly as stored: no newline is added or removed.
    pub fn read(&self) -> Result<Vec<u8>, CliError> {
        match self {
            Self::File(path) => std::fs::read(path)
                .map_err(|error| format!("failed to read body file {}: {error}", path.display()).into()),
            Self::Stdin => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut bytes)
                    .map_err(|error| format!("failed to read the body from standard input: {error}"))?;
                Ok(bytes)
            }
            Self::Text(text) => Ok(text.as_bytes().to_vec()),
        }
    }
}

/// Reads the body of an optional `--data`; no option means an empty body.
pub fn read_body(data: Option<&DataSource>) -> Result<Vec<u8>, CliError> {
    data.map_or(Ok(Vec::new()), DataSource::read)
}

/// Parses a `--timestamp` value with the verifier's rules for the header.
pub fn parse_timestamp(value: &str) -> Result<i64, String> {
    tower_hmac::parse_unix_seconds(value)
        .map_err(|_| format!("'{value}' is not unix seconds as 1 to 10 digits without a leading zero"))
}
