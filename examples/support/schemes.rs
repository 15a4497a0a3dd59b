//! Choosing the signature scheme of the example server and the demo, from
//! `--scheme NAME` or the `HMAC_SCHEME` environment variable.

// Each example uses a different part of this module.
#![allow(dead_code)]

use tower_hmac::{HttpSignatureOptions, Scheme, SigningScheme};

/// Names accepted by `--scheme` and `HMAC_SCHEME`.
pub const SCHEME_NAMES: &str = "default, standard-webhooks, rfc9421, migration";

/// A scheme setting of the examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleScheme {
    /// `X-HMAC-*` headers, as Django services send them.
    Default,
    /// Standard Webhooks headers.
    StandardWebhooks,
    /// RFC 9421 HTTP Message Signatures with Content-Digest.
    Rfc9421,
    /// The server accepts both the default scheme and RFC 9421; the demo
    /// signs with RFC 9421.
    Migration,
}

impl ExampleScheme {
    /// Reads `--scheme NAME` from the arguments, else `HMAC_SCHEME`, else
    /// the default scheme.
    pub fn from_args_or_env() -> Result<Self, String> {
        let arguments: Vec<String> = std::env::args().skip(1).collect();
        let from_args = arguments
            .iter()
            .position(|argument| argument == "--scheme")
            .map(|index| {
                arguments
                    .get(index + 1)
                    .cloned()
                    .ok_or_else(|| format!("--scheme needs a value: one of {SCHEME_NAMES}"))
            })
            .transpose()?;
        let name = from_args
            .or_else(|| std::env::var("HMAC_SCHEME").ok())
            .unwrap_or_else(|| "default".to_owned());
        Self::parse(&name)
    }

    /// Parses a scheme name.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name.trim() {
            "default" => Ok(Self::Default),
            "standard-webhooks" => Ok(Self::StandardWebhooks),
            "rfc9421" => Ok(Self::Rfc9421),
            "migration" => Ok(Self::Migration),
            other => Err(format!("unknown scheme {other:?}; use one of {SCHEME_NAMES}")),
        }
    }

    /// Returns the schemes the server accepts.
    pub fn accepted(self) -> Vec<Scheme> {
        match self {
            Self::Default => vec![Scheme::Default],
            Self::StandardWebhooks => vec![Scheme::standard_webhooks()],
            Self::Rfc9421 => vec![Scheme::http_signatures()],
            Self::Migration => vec![Scheme::Default, Scheme::http_signatures()],
        }
    }

    /// Returns the scheme a client signs with.
    pub fn signing(self) -> SigningScheme {
        match self {
            Self::Default => SigningScheme::Default,
            Self::StandardWebhooks => SigningScheme::StandardWebhooks,
            Self::Rfc9421 | Self::Migration => SigningScheme::HttpSignatures(HttpSignatureOptions::default()),
        }
    }
}
