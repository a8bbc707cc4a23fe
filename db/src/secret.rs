//! Secrets: resume codes, invitation tokens and API tokens. Each is stored only as its
//! SHA-256, and the hash is computed here, in Rust, so that a secret never reaches
//! PostgreSQL: not its statements, nor its statement or error logs. New secrets are drawn
//! here too, from the operating system's random generator.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// What a secret is stored and looked up as.
pub(crate) fn hashed(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// `bytes` random bytes as lowercase hex digits.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut drawn = vec![0u8; bytes];
    OsRng.fill_bytes(&mut drawn);
    drawn.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_stored_as_its_sha_256() {
        // SHA-256 of "abc" (FIPS 180-2, appendix B.1).
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let hex: String = hashed("abc").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
    }

    #[test]
    fn random_hex_has_two_digits_per_byte_and_differs_each_time() {
        let (a, b) = (random_hex(16), random_hex(16));
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
    }

    /// The invariant, kept by reading this crate's SQL: no statement hashes a parameter
    /// itself (which would mean the secret was sent in the clear).
    #[test]
    fn no_query_hashes_a_secret_in_sql() {
        fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("the source folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 10);
        let pattern = ["sha256(convert_to(", "$"].concat();
        let offending: Vec<_> = files
            .iter()
            .filter(|f| std::fs::read_to_string(f).is_ok_and(|s| s.contains(&pattern)))
            .collect();
        assert!(offending.is_empty(), "{offending:?}");
    }
}
