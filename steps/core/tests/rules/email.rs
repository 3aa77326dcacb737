use std::sync::LazyLock;

use campaigns_core::email::{
    ADDR_SPEC_PATTERN, LOCAL_PART_PATTERN, MAX_LENGTH, canonical_key, normalize,
};
use proptest::prelude::*;
use serde_json::json;

/// Whether a request's email field would pass: the patterns and the length
/// limit as the API's schemas carry them, checked by the validator the API
/// uses (ECMA-262 patterns).
fn accepted(address: &str) -> bool {
    static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
        let schema = json!({
            "type": "string",
            "maxLength": MAX_LENGTH,
            "pattern": ADDR_SPEC_PATTERN,
            "allOf": [{"pattern": LOCAL_PART_PATTERN}],
        });
        jsonschema::validator_for(&schema).expect("the email schema compiles")
    });
    VALIDATOR.is_valid(&json!(address))
}

#[test]
fn plain_addresses_are_accepted() {
    for address in [
        "a@example.com",
        "Lena.Nguyen@Example.COM",
        "first.o'neil+promo@mail.example.com.au",
        "x!#$%&'*/=?^_`{|}~-@a-b.co",
        "user@xn--bcher-kva.example",
        "a@b.c",
        " \ta@example.com \t",
    ] {
        assert!(accepted(address), "{address:?} is an addr-spec");
    }
}

#[test]
fn display_names_and_header_injection_are_refused() {
    for address in [
        "Any Name <a@example.com>",
        "<a@example.com>",
        "\"Any Name\" <a@example.com>",
        "a@example.com (Any Name)",
        "a@example.com\r\nBcc: x@y.com",
        "a@example.com\nBcc: x@y.com",
        "a@example.com\r\n",
        "\r\na@example.com",
        "a@exam\rple.com",
    ] {
        assert!(!accepted(address), "{address:?} is refused");
    }
}

#[test]
fn what_is_not_a_plain_dot_atom_at_a_host_name_is_refused() {
    for address in [
        "",
        "a",
        "@example.com",
        "a@",
        "a@@example.com",
        "a@b@example.com",
        "a b@example.com",
        "a@exa mple.com",
        "\"a b\"@example.com",
        "\"a\"@example.com",
        ".a@example.com",
        "a.@example.com",
        "a..b@example.com",
        "a@localhost",
        "a@1.2.3.4",
        "a@[192.0.2.1]",
        "a@-example.com",
        "a@example-.com",
        "a@example..com",
        "a@.example.com",
        "a@example.com.",
        "a@ex_ample.com",
        "a(comment)@example.com",
        "ünï@example.com",
        "a@bücher.example",
        "a,b@example.com",
        "a;b@example.com",
        "a\u{0}@example.com",
    ] {
        assert!(!accepted(address), "{address:?} is refused");
    }
}

#[test]
fn length_limits_from_both_sides() {
    let local_64 = "l".repeat(64);
    assert!(accepted(&format!("{local_64}@example.com")));
    assert!(!accepted(&format!("{local_64}x@example.com")));

    let label_63 = "d".repeat(63);
    assert!(accepted(&format!("a@{label_63}.com")));
    assert!(!accepted(&format!("a@{label_63}d.com")));

    // 254 characters in all: "a@", labels of 62, 62, 62 and 59, and "com".
    let domain = format!("{0}.{0}.{0}.{1}.com", "d".repeat(62), "d".repeat(59));
    let longest = format!("a@{domain}");
    assert_eq!(longest.len(), MAX_LENGTH as usize);
    assert!(accepted(&longest));
    assert!(!accepted(&format!("ab@{domain}")));
}

#[test]
fn the_stored_form_is_trimmed_with_the_domain_in_lower_case() {
    assert_eq!(
        normalize("  Lena.Nguyen@Mail.Example.COM\t"),
        "Lena.Nguyen@mail.example.com"
    );
    assert_eq!(normalize("a@example.com"), "a@example.com");
}

#[test]
fn the_canonical_key_drops_case_and_tag() {
    assert_eq!(canonical_key("A+x@Example.com"), "a@example.com");
    assert_eq!(
        canonical_key(" Lena+promo+2@Example.com "),
        "lena@example.com"
    );
    assert_eq!(canonical_key("lena@example.com"), "lena@example.com");
    // A local part that is all tag is kept whole: nothing else names its owner.
    assert_eq!(canonical_key("+x@example.com"), "+x@example.com");
    assert_ne!(
        canonical_key("+x@example.com"),
        canonical_key("+y@example.com")
    );
}

const ATEXT: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*/=?^_`{|}~-";

/// RFC 5322 `atext` less `+`, which starts a tag.
fn atom() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(ATEXT.as_bytes()), 1..10)
        .prop_map(|bytes| String::from_utf8(bytes).expect("ASCII"))
}

/// A dot-atom without `+`: at most 4 atoms of 9, so within 64 characters.
fn local_part() -> impl Strategy<Value = String> {
    proptest::collection::vec(atom(), 1..=4).prop_map(|atoms| atoms.join("."))
}

fn label(first: &'static str) -> impl Strategy<Value = String> {
    let pattern = format!("[{first}]([A-Za-z0-9-]{{0,10}}[A-Za-z0-9])?");
    proptest::string::string_regex(&pattern).expect("a label pattern")
}

fn domain() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(label("A-Za-z0-9"), 1..4),
        label("A-Za-z"),
    )
        .prop_map(|(labels, top)| format!("{}.{top}", labels.join(".")))
}

fn addr_spec() -> impl Strategy<Value = String> {
    (local_part(), domain()).prop_map(|(local, domain)| format!("{local}@{domain}"))
}

/// `address` with the case of each letter flipped where `flips` says so.
fn recase(address: &str, flips: &[bool]) -> String {
    address
        .chars()
        .zip(flips.iter().cycle())
        .map(|(c, &flip)| {
            if !flip {
                c
            } else if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn an_addr_spec_is_accepted_and_its_stored_form_round_trips(
        address in addr_spec(),
        before in "[ \t]{0,3}",
        after in "[ \t]{0,3}",
    ) {
        let typed = format!("{before}{address}{after}");
        prop_assert!(accepted(&typed));
        let stored = normalize(&typed);
        let (local, domain) = address.rsplit_once('@').unwrap();
        prop_assert_eq!(&stored, &format!("{local}@{}", domain.to_ascii_lowercase()));
        prop_assert!(accepted(&stored));
        prop_assert_eq!(normalize(&stored), stored);
    }

    #[test]
    fn a_display_name_is_always_refused(address in addr_spec(), name in ".{0,20}") {
        for displayed in [format!("{name} <{address}>"), format!("{name}<{address}>")] {
            prop_assert!(!accepted(&displayed), "{:?} is refused", displayed);
        }
    }

    #[test]
    fn cr_or_lf_anywhere_is_always_refused(
        address in addr_spec(),
        at in any::<prop::sample::Index>(),
        line_break in prop::sample::select(vec!["\r", "\n", "\r\n"]),
        header in "(Bcc: [a-z]+@[a-z]+\\.com)?",
    ) {
        let at = at.index(address.len() + 1);
        let injected = format!("{}{line_break}{header}{}", &address[..at], &address[at..]);
        prop_assert!(!accepted(&injected), "{:?} is refused", injected);
    }

    #[test]
    fn case_and_tag_variants_share_one_key(
        address in addr_spec(),
        tag in proptest::collection::vec(prop_oneof![atom(), Just("+".to_owned())], 0..3),
        flips in proptest::collection::vec(any::<bool>(), 1..20),
    ) {
        let (local, domain) = address.rsplit_once('@').unwrap();
        let tagged = format!("{local}+{}@{domain}", tag.concat());
        let key = canonical_key(&address);
        prop_assert_eq!(canonical_key(&tagged), key.clone());
        prop_assert_eq!(canonical_key(&recase(&tagged, &flips)), key.clone());
        prop_assert_eq!(canonical_key(&format!(" {tagged}\t")), key.clone());
        prop_assert_eq!(key.clone(), address.to_ascii_lowercase());
    }

    #[test]
    fn the_key_is_idempotent_and_an_address(
        address in addr_spec(),
        tag in "(\\+[a-z0-9]{0,5})?",
    ) {
        let (local, domain) = address.rsplit_once('@').unwrap();
        let key = canonical_key(&format!("{local}{tag}@{domain}"));
        prop_assert_eq!(canonical_key(&key), key.clone());
        prop_assert_eq!(canonical_key(&normalize(&key)), key.clone());
        prop_assert!(accepted(&key));
    }

    #[test]
    fn different_people_keep_different_keys(a in addr_spec(), b in addr_spec()) {
        prop_assume!(!a.eq_ignore_ascii_case(&b));
        prop_assert_ne!(canonical_key(&a), canonical_key(&b));
    }
}
