//! Webhook verification and parsing, with signatures computed independently of our code.

use campaigns_payments::{
    EventKind, SessionPaymentStatus, SignatureError, SignatureVerifier, WebhookError,
    metadata_keys, sign, verify_event,
};

const PAYLOAD: &str = r#"{"id":"evt_1","type":"checkout.session.completed","created":1700000000,"data":{"object":{"id":"cs_test_1","object":"checkout.session","payment_status":"paid","metadata":{"recordId":"team_1"}}}}"#;
const T: i64 = 1_700_000_000;

// Computed with Python's hmac, independently of this crate:
// python3 -c "import hmac,hashlib;p=open('payload','rb').read();print(hmac.new(b'whsec_current',b'1700000000.'+p,hashlib.sha256).hexdigest())"
// (and the same with b'whsec_previous'), where `payload` holds PAYLOAD byte for byte.
const SIG_CURRENT: &str = "c346b4e4cda0ffdb94bd585d5d41fa8d1f229a3268e72f25f35ca9455a883b21";
const SIG_PREVIOUS: &str = "365cf05b2d49cf736c5a5dfbb676a7d751111f0d1b1e477efa66da08e1cb0d66";

fn verifier() -> SignatureVerifier {
    SignatureVerifier::new("whsec_current")
}

fn check(header: &str, now: i64) -> Result<(), SignatureError> {
    verifier().verify(PAYLOAD.as_bytes(), Some(header), now)
}

#[test]
fn accepts_the_independent_vector_and_signs_the_same() {
    assert_eq!(check(&format!("t={T},v1={SIG_CURRENT}"), T), Ok(()));
    assert_eq!(
        sign("whsec_current", T, PAYLOAD.as_bytes()),
        format!("t={T},v1={SIG_CURRENT}")
    );
}

#[test]
fn any_of_several_v1_signatures_may_match_and_other_schemes_are_ignored() {
    let header = format!("t={T},v0=abcdef,v1={SIG_PREVIOUS},v1=zz-not-hex,v1={SIG_CURRENT}");
    assert_eq!(check(&header, T + 10), Ok(()));
}

#[test]
fn previous_secret_is_accepted_only_while_configured_for_a_roll() {
    let header = format!("t={T},v1={SIG_PREVIOUS}");
    assert_eq!(check(&header, T), Err(SignatureError::Mismatch));
    let rolling = verifier().with_previous_secret("whsec_previous");
    assert_eq!(rolling.verify(PAYLOAD.as_bytes(), Some(&header), T), Ok(()));
}

#[test]
fn tampered_body_or_wrong_secret_is_rejected() {
    let header = format!("t={T},v1={SIG_CURRENT}");
    let tampered = PAYLOAD.replace("team_1", "team_2");
    assert_eq!(
        verifier().verify(tampered.as_bytes(), Some(&header), T),
        Err(SignatureError::Mismatch)
    );
    let other = SignatureVerifier::new("whsec_other");
    assert_eq!(
        other.verify(PAYLOAD.as_bytes(), Some(&header), T),
        Err(SignatureError::Mismatch)
    );
    // The signed timestamp is part of the MAC: changing it breaks the signature.
    assert_eq!(
        check(&format!("t={},v1={SIG_CURRENT}", T + 1), T),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn stale_and_future_timestamps_outside_300_seconds_are_rejected() {
    let header = format!("t={T},v1={SIG_CURRENT}");
    assert_eq!(check(&header, T + 300), Ok(()));
    assert_eq!(check(&header, T - 300), Ok(()));
    assert_eq!(
        check(&header, T + 301),
        Err(SignatureError::OutsideTolerance {
            timestamp: T,
            now: T + 301
        })
    );
    assert_eq!(
        check(&header, T - 301),
        Err(SignatureError::OutsideTolerance {
            timestamp: T,
            now: T - 301
        })
    );
}

#[test]
fn missing_or_malformed_headers_are_rejected() {
    assert_eq!(
        verifier().verify(PAYLOAD.as_bytes(), None, T),
        Err(SignatureError::MissingHeader)
    );
    assert_eq!(check("", T), Err(SignatureError::MalformedHeader));
    assert_eq!(check("garbage", T), Err(SignatureError::MalformedHeader));
    assert_eq!(
        check(&format!("v1={SIG_CURRENT}"), T),
        Err(SignatureError::MalformedHeader)
    );
    assert_eq!(
        check(&format!("t=soon,v1={SIG_CURRENT}"), T),
        Err(SignatureError::MalformedHeader)
    );
    assert_eq!(
        check(&format!("t={T}"), T),
        Err(SignatureError::NoV1Signature)
    );
    assert_eq!(
        check(&format!("t={T},v0={SIG_CURRENT}"), T),
        Err(SignatureError::NoV1Signature)
    );
}

#[test]
fn verified_events_expose_the_fields_the_journeys_read() {
    let event = verify_event(
        &verifier(),
        PAYLOAD.as_bytes(),
        Some(&format!("t={T},v1={SIG_CURRENT}")),
        T,
    )
    .unwrap();
    assert_eq!(event.id, "evt_1");
    assert_eq!(event.kind, EventKind::CheckoutSessionCompleted);
    assert_eq!(event.created, T);
    let object = &event.data.object;
    assert_eq!(object.id, "cs_test_1");
    assert_eq!(object.payment_status, Some(SessionPaymentStatus::Paid));
    assert_eq!(
        object.metadata_value(metadata_keys::RECORD_ID),
        Some("team_1")
    );
    assert_eq!(object.metadata_value(metadata_keys::MEMBER_ID), None);
}

#[test]
fn unknown_types_fields_and_values_are_tolerated() {
    let body =
        br#"{"id":"evt_2","object":"event","type":"payment_intent.partially_funded","created":5,
        "api_version":"2099-01-01.future","brand_new":{"x":[1,2]},
        "data":{"object":{"id":"pi_1","object":"payment_intent","status":"requires_teleport",
        "amount":9967,"amount_capturable":9967,"payment_intent":null,"metadata":null,
        "charge":{"id":"ch_1","object":"charge"},"payment_status":"partially_paid"}}}"#;
    let event = campaigns_payments::parse_event(body).unwrap();
    assert_eq!(
        event.kind,
        EventKind::Other("payment_intent.partially_funded".into())
    );
    let object = event.data.object;
    assert_eq!(object.status.as_deref(), Some("requires_teleport"));
    assert_eq!(object.amount_capturable, Some(9967));
    assert_eq!(object.charge.as_deref(), Some("ch_1"));
    assert_eq!(
        object.payment_status,
        Some(SessionPaymentStatus::Other("partially_paid".into()))
    );
    assert_eq!(object.metadata_value("recordId"), None);
}

#[test]
fn a_signed_body_that_is_not_an_event_is_a_parse_error() {
    let body = br#"{"hello":"world"}"#;
    let header = sign("whsec_current", T, body);
    assert!(matches!(
        verify_event(&verifier(), body, Some(&header), T),
        Err(WebhookError::Parse(_))
    ));
}
