//! Property tests: whatever the signer produces, the verifier accepts, and
//! any single change to the body, timestamp or signature is rejected.

use http::{HeaderValue, Request};
use proptest::prelude::*;
use tower_hmac::{HmacSecret, HmacSigner, HmacVerifier, ManualClock, VerifyError};

fn verify(secret: &HmacSecret, now: i64, request: &Request<Vec<u8>>) -> Result<(), VerifyError> {
    let verifier = HmacVerifier::builder()
        .secret(secret.clone())
        .clock(ManualClock::new(now))
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(verifier.verify(request)).map(|_| ())
}

fn signed_request(secret: &HmacSecret, timestamp: i64, body: &[u8]) -> Request<Vec<u8>> {
    let signer = HmacSigner::new(secret.clone()).clock(ManualClock::new(timestamp));
    let mut request = Request::post("/v1/infer").body(body.to_vec()).unwrap();
    signer.sign_request(&mut request).unwrap();
    request
}

fn set_header(request: &mut Request<Vec<u8>>, name: &'static str, value: &str) {
    request
        .headers_mut()
        .insert(name, HeaderValue::from_str(value).unwrap());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn signed_request_verifies(
        secret in prop::collection::vec(any::<u8>(), 1..80),
        body in prop::collection::vec(any::<u8>(), 0..600),
        timestamp in 0i64..=9_999_999_999,
    ) {
        let secret = HmacSecret::from_bytes(secret).unwrap();
        let request = signed_request(&secret, timestamp, &body);
        prop_assert_eq!(verify(&secret, timestamp, &request), Ok(()));
    }

    #[test]
    fn changed_body_byte_is_rejected(
        secret in prop::collection::vec(any::<u8>(), 1..80),
        body in prop::collection::vec(any::<u8>(), 1..600),
        index in any::<prop::sample::Index>(),
        flip in 1u8..=255,
        timestamp in 0i64..=9_999_999_999,
    ) {
        let secret = HmacSecret::from_bytes(secret).unwrap();
        let mut request = signed_request(&secret, timestamp, &body);
        let position = index.index(body.len());
        request.body_mut()[position] ^= flip;
        prop_assert_eq!(verify(&secret, timestamp, &request), Err(VerifyError::SignatureMismatch));
    }

    #[test]
    fn changed_timestamp_is_rejected(
        secret in prop::collection::vec(any::<u8>(), 1..80),
        body in prop::collection::vec(any::<u8>(), 0..600),
        timestamp in 100i64..=9_999_999_899,
        shift in prop_oneof![-60i64..=-1, 1i64..=60],
    ) {
        // The shift stays inside the 60 s window, so the MAC check is what fails.
        let secret = HmacSecret::from_bytes(secret).unwrap();
        let mut request = signed_request(&secret, timestamp, &body);
        set_header(&mut request, "x-hmac-timestamp", &(timestamp + shift).to_string());
        prop_assert_eq!(verify(&secret, timestamp, &request), Err(VerifyError::SignatureMismatch));
    }

    #[test]
    fn changed_signature_character_is_rejected(
        secret in prop::collection::vec(any::<u8>(), 1..80),
        body in prop::collection::vec(any::<u8>(), 0..600),
        timestamp in 0i64..=9_999_999_999,
        index in 0usize..64,
        replacement in prop::sample::select(b"0123456789abcdef".to_vec()),
    ) {
        let secret = HmacSecret::from_bytes(secret).unwrap();
        let mut request = signed_request(&secret, timestamp, &body);
        let mut signature = request.headers()["x-hmac-signature"].to_str().unwrap().as_bytes().to_vec();
        prop_assume!(signature[index] != replacement);
        signature[index] = replacement;
        set_header(&mut request, "x-hmac-signature", std::str::from_utf8(&signature).unwrap());
        prop_assert_eq!(verify(&secret, timestamp, &request), Err(VerifyError::SignatureMismatch));
    }
}
