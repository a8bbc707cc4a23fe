//! The one rule of what an e-mail address is, for respondents' answers, invitee lists and
//! staff accounts alike.
//!
//! Deliberately plain: one `@`; a local part of 1–64 characters without spaces, control
//! characters or `@ < > ( ) [ ] \ , ; : "`; a domain of at least two dot-separated labels
//! of letters (any script: `医院.cn` is a domain), digits and inner hyphens, whose last
//! label is not all digits (so no IP addresses, bracketed or bare); at most 254 characters
//! (RFC 5321's limit on a path). Deliverability is not ours to judge.

/// Whether `value` is an e-mail address by the rule above.
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(
                    c,
                    '@' | '<' | '>' | '(' | ')' | '[' | ']' | '\\' | ',' | ';' | ':' | '"'
                )
        });
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let labels: Vec<&str> = domain.split('.').collect();
    value.chars().count() <= 254
        && local_ok
        && labels.len() >= 2
        && labels.iter().all(|l| label_ok(l))
        && labels
            .last()
            .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::is_email;

    #[test]
    fn ordinary_addresses_are_addresses() {
        for address in [
            "wang.li@hospital.org.cn",
            "li+survey@example.com",
            "a@b.cn",
            "x_y-z@sub-domain.example.org",
        ] {
            assert!(is_email(address), "{address}");
        }
    }

    #[test]
    fn internationalized_addresses_are_addresses() {
        assert!(is_email("张三@医院.cn"));
        assert!(is_email("wang@放射科.中国"));
    }

    #[test]
    fn ip_literals_and_hosts_without_a_domain_are_not() {
        for address in [
            "a@[127.0.0.1]",
            "a@127.0.0.1",
            "wang@localhost",
            "wang@hospital",
        ] {
            assert!(!is_email(address), "{address}");
        }
    }

    #[test]
    fn malformed_addresses_are_not() {
        for address in [
            "",
            "@hospital.cn",
            "wang@",
            "wang li@hospital.cn",
            "wang@@hospital.cn",
            "wang@hospital..cn",
            "wang@-hospital.cn",
            "wang@hospital-.cn",
            "wang@hos pital.cn",
            "\"wang\"@hospital.cn",
            "wang,li@hospital.cn",
            "wang\n@hospital.cn",
            "<wang@hospital.cn>",
        ] {
            assert!(!is_email(address), "{address:?}");
        }
    }

    #[test]
    fn length_limits_hold() {
        let local = "a".repeat(64);
        assert!(is_email(&format!("{local}@hospital.cn")));
        assert!(!is_email(&format!("a{local}@hospital.cn")));
        let label = "b".repeat(63);
        assert!(is_email(&format!("a@{label}.cn")));
        assert!(!is_email(&format!("a@b{label}.cn")));
        let long = format!("a@{}cn", format!("{label}.").repeat(4));
        assert!(long.chars().count() > 254);
        assert!(!is_email(&long));
    }
}
