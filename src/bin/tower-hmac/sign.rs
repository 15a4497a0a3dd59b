//! `tower-hmac sign`.

use std::process::ExitCode;

use clap::Args;
use tower_hmac::{HmacSigner, SignedHeaders};

use crate::input::{parse_timestamp, read_body, CliError, DataSource, SecretArgs};

#[derive(Debug, Args)]
pub struct SignArgs {
    #[command(flatten)]
    secret: SecretArgs,

    /// Sets the body to sign: @PATH for a file, - for standard input, or
    /// literal text. Without it the body is empty.
    #[arg(long, value_name = "@PATH|-|TEXT", value_parser = DataSource::parse)]
    data: Option<DataSource>,

    /// Signs with this unix time in seconds instead of the current time.
    #[arg(long, value_name = "UNIX_SECONDS", value_parser = parse_timestamp)]
    timestamp: Option<i64>,

    /// Sends this key id in X-HMAC-Key-Id, for receivers with several keys.
    #[arg(long, value_name = "ID")]
    key_id: Option<String>,

    /// Prints a curl command that sends the signed body to URL instead of the headers.
    #[arg(long, value_name = "URL")]
    curl: Option<String>,

    /// Sets the HTTP method of the curl command.
    #[arg(long, value_name = "METHOD", default_value = "POST", requires = "curl")]
    method: String,

    /// Sets the Content-Type of the curl command; an empty value sends none.
    #[arg(
        long,
        value_name = "TYPE",
        default_value = "application/json",
        requires = "curl"
    )]
    content_type: String,
}

pub fn run(args: &SignArgs) -> Result<ExitCode, CliError> {
    let mut signer = HmacSigner::new(args.secret.load()?);
    if let Some(key_id) = &args.key_id {
        signer = signer.key_id(key_id)?;
    }

    let body = read_body(args.data.as_ref())?;
    let signed = match args.timestamp {
        Some(timestamp) => signer.sign_at(timestamp, &body),
        None => signer.sign(&body),
    };

    match &args.curl {
        Some(url) => println!("{}", curl_command(args, url, &signed, &body)?),
        None => {
            for (name, value) in signed.pairs() {
                let value = value.to_str().expect("signer output is visible ASCII");
                println!("{name}: {value}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds a curl command that sends exactly `body` with the signed headers.
fn curl_command(args: &SignArgs, url: &str, signed: &SignedHeaders, body: &[u8]) -> Result<String, CliError> {
    let mut words = vec![
        "curl".to_owned(),
        "-X".to_owned(),
        shell_quote(&args.method),
        shell_quote(url),
    ];
    if !args.content_type.is_empty() {
        words.push("-H".to_owned());
        words.push(shell_quote(&format!("Content-Type: {}", args.content_type)));
    }
    for (name, value) in signed.pairs() {
        let value = value.to_str().expect("signer output is visible ASCII");
        words.push("-H".to_owned());
        words.push(shell_quote(&format!("{name}: {value}")));
    }

    // --data-binary sends the bytes unchanged; plain -d would strip newlines.
    words.push("--data-binary".to_owned());
    match &args.data {
        Some(DataSource::File(path)) => {
            let path = path
                .to_str()
                .ok_or_else(|| format!("body file path {} is not valid UTF-8", path.display()))?;
            words.push(shell_quote(&format!("@{path}")));
        }
        _ => {
            let text = std::str::from_utf8(body)
                .ok()
                .filter(|text| !text.contains('\0'))
                .ok_or("the body is not UTF-8 text without NUL bytes, so it cannot be written into a curl command; save it to a file and pass --data @PATH")?;
            words.push(shell_quote(text));
        }
    }
    Ok(words.join(" "))
}

/// Quotes `text` for a POSIX shell.
fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-_./:@=,".contains(&byte));
    if plain {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn shell_quote_wraps_special_text() {
        assert_eq!(
            shell_quote("http://127.0.0.1:8000/v1/infer"),
            "http://127.0.0.1:8000/v1/infer"
        );
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's $HOME"), r"'it'\''s $HOME'");
    }
}
