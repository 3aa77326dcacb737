//! Record ids: a short prefix naming the kind, then 128 random bits.
//!
//! Random (not sequential) so an id reveals nothing and cannot be guessed;
//! Crockford base32 so it is URL-safe and unambiguous when read aloud.

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new id such as `pur_7K3M9Q…` (26 characters after the prefix).
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    id_from_bytes(prefix, bytes)
}

/// An id in the same form from 128 bits the caller chose: a keyed hash, for
/// ids that must be the same for the same thing and still unguessable.
pub fn id_from_bytes(prefix: &str, bytes: [u8; 16]) -> String {
    let mut value = u128::from_be_bytes(bytes);
    let mut encoded = [0u8; 26];
    for slot in encoded.iter_mut().rev() {
        *slot = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    let encoded = std::str::from_utf8(&encoded).expect("the alphabet is ASCII");
    format!("{prefix}_{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_differ() {
        let first = new_id("pur");
        let second = new_id("pur");
        assert!(first.starts_with("pur_") && first.len() == 30, "{first}");
        assert_ne!(first, second);
        assert!(first[4..].bytes().all(|b| ALPHABET.contains(&b)));
    }
}
