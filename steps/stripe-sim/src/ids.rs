//! Object ids with Stripe's prefixes and random, unguessable tails.

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `prefix` followed by `len` random alphanumerics.
pub fn new_id(prefix: &str, len: usize) -> String {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("the OS provides randomness");
    let tail: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("{prefix}{tail}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_have_the_prefix_and_differ() {
        let a = super::new_id("cs_test_", 24);
        let b = super::new_id("cs_test_", 24);
        assert!(a.starts_with("cs_test_") && a.len() == 32);
        assert_ne!(a, b);
    }
}
