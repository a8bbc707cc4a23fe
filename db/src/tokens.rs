//! API tokens: made and revoked by admins, presented by scripts as `Authorization: Bearer
//! cnv_…` to read survey figures. Only a token's SHA-256 is stored.

use canvass_core::ids::{StaffId, TokenId};
use canvass_core::staff::StaffError;
use std::fmt;

use sqlx::PgConnection;

/// `cnv_` and 64 lowercase hex digits (256 random bits). Never printed, even in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    const PREFIX: &'static str = "cnv_";

    /// A new token from the operating system's random generator.
    fn generate() -> ApiToken {
        ApiToken(format!("{}{}", Self::PREFIX, crate::secret::random_hex(32)))
    }

    /// A token as presented; `None` for anything not shaped like one.
    pub fn parse(input: &str) -> Option<ApiToken> {
        let hex = input.strip_prefix(Self::PREFIX)?;
        (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| ApiToken(input.to_owned()))
    }

    /// The whole token: to show once, to the admin who made it.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// The first characters, kept to tell tokens apart (`cnv_1a2b3c4d`).
    pub fn prefix(&self) -> &str {
        self.0.get(..12).unwrap_or(&self.0)
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(…)")
    }
}

/// What a token is for ("Provincial society's weekly report"), trimmed, 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub const MAX: usize = 200;

    pub fn parse(input: &str) -> Result<TokenName, StaffError> {
        let name = input.trim();
        if name.is_empty() {
            Err(StaffError::NameMissing)
        } else if name.chars().count() > Self::MAX {
            Err(StaffError::NameTooLong { max: Self::MAX })
        } else {
            Ok(TokenName(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A token as listed to admins: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: TokenId,
    pub name: String,
    pub prefix: String,
    pub created_by: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS`, UTC, as in the audit log.
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// It may start and download dataset exports.
    pub may_export: bool,
}

/// Makes a token; returns its ID and the token, which is not stored and cannot be read
/// again.
pub async fn create(
    conn: &mut PgConnection,
    name: &TokenName,
    created_by: Option<StaffId>,
    may_export: bool,
) -> Result<(TokenId, ApiToken), sqlx::Error> {
    let token = ApiToken::generate();
    let id = sqlx::query_scalar!(
        r#"INSERT INTO api_tokens (name, token_hash, prefix, created_by, may_export)
           VALUES ($1, $2, $3, $4, $5)
           RETURNING id"#,
        name.as_str(),
        crate::secret::hashed(token.reveal()),
        token.prefix(),
        created_by.map(StaffId::get),
        may_export
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((TokenId::new(id), token))
}

/// Every token, newest first.
pub async fn list(conn: &mut PgConnection) -> Result<Vec<TokenRow>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT t.id, t.name, t.prefix, u.display_name AS "created_by?", t.may_export,
                  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS "created_at!",
                  to_char(t.last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS last_used_at,
                  to_char(t.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS revoked_at
           FROM api_tokens t LEFT JOIN staff_users u ON u.id = t.created_by
           ORDER BY t.created_at DESC, t.id DESC"#
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| TokenRow {
            id: TokenId::new(r.id),
            name: r.name,
            prefix: r.prefix,
            created_by: r.created_by,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
            may_export: r.may_export,
        })
        .collect())
}

/// What revoking a token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// It was active and no longer is; its prefix, for the audit log.
    Now {
        prefix: String,
    },
    /// It had been revoked before (a second click): nothing changed.
    Already,
    NoSuchToken,
}

/// Revokes a token for good.
pub async fn revoke(conn: &mut PgConnection, id: TokenId) -> Result<Revoked, sqlx::Error> {
    let row = sqlx::query!(
        r#"WITH revoked AS (
             UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL
             RETURNING prefix
           )
           SELECT (SELECT prefix FROM revoked) AS prefix,
                  EXISTS (SELECT 1 FROM api_tokens WHERE id = $1) AS "exists!""#,
        id.get()
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(match (row.prefix, row.exists) {
        (Some(prefix), _) => Revoked::Now { prefix },
        (None, true) => Revoked::Already,
        (None, false) => Revoked::NoSuchToken,
    })
}

/// The ID of the active token presented, noting (at most once a minute) that it was used.
pub async fn authenticate(
    conn: &mut PgConnection,
    token: &ApiToken,
) -> Result<Option<TokenId>, sqlx::Error> {
    let id = sqlx::query_scalar!(
        r#"WITH found AS (
             SELECT id FROM api_tokens
             WHERE token_hash = $1 AND revoked_at IS NULL
           ), noted AS (
             UPDATE api_tokens t SET last_used_at = now() FROM found
             WHERE t.id = found.id
               AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
           )
           SELECT id AS "id!" FROM found"#,
        crate::secret::hashed(token.reveal())
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(id.map(TokenId::new))
}

#[cfg(test)]
mod tests {
    use sqlx::PgPool;

    use super::*;

    #[test]
    fn a_token_is_cnv_and_64_lowercase_hex_digits_and_never_printed() {
        let token = ApiToken::generate();
        assert!(ApiToken::parse(token.reveal()).is_some());
        assert_eq!(token.reveal().len(), 68);
        assert_ne!(ApiToken::generate(), token);
        assert_eq!(format!("{token:?}"), "ApiToken(…)");
        let hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert!(ApiToken::parse(&format!("cnv_{hex}")).is_some());
        for bad in [
            String::new(),
            hex.to_owned(),
            format!("cnv_{}", &hex[1..]),
            format!("cnv_{hex}0"),
            format!("cnv_{}", hex.to_uppercase()),
            format!("CNV_{hex}"),
            format!("cnv_{}g", &hex[1..]),
            format!("Bearer cnv_{hex}"),
        ] {
            assert!(ApiToken::parse(&bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_token_name_is_trimmed_and_between_1_and_200_characters() {
        assert_eq!(
            TokenName::parse("  Weekly report  ").map(|n| n.as_str().to_owned()),
            Ok("Weekly report".to_owned())
        );
        assert_eq!(TokenName::parse("   "), Err(StaffError::NameMissing));
        assert!(TokenName::parse(&"报".repeat(200)).is_ok());
        assert_eq!(
            TokenName::parse(&"报".repeat(201)),
            Err(StaffError::NameTooLong { max: 200 })
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_token_opens_until_revoked_and_only_its_hash_is_stored(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let name = TokenName::parse("Weekly report").expect("name");
        let (id, token) = create(&mut conn, &name, None, false).await.expect("made");
        assert_eq!(authenticate(&mut conn, &token).await.expect("q"), Some(id));
        let other = ApiToken::generate();
        assert_eq!(authenticate(&mut conn, &other).await.expect("q"), None);

        let stored: Vec<String> = sqlx::query_scalar(
            "SELECT concat_ws(' ', name, encode(token_hash, 'hex'), prefix) FROM api_tokens",
        )
        .fetch_all(&mut *conn)
        .await
        .expect("rows");
        assert!(!stored[0].contains(token.reveal()), "{stored:?}");
        assert!(stored[0].ends_with(&token.reveal()[..12]), "{stored:?}");

        let listed = list(&mut conn).await.expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].prefix, &token.reveal()[..12]);
        assert!(listed[0].last_used_at.is_some(), "its use was noted");
        assert_eq!(listed[0].revoked_at, None);

        assert_eq!(
            revoke(&mut conn, id).await.expect("revoked"),
            Revoked::Now {
                prefix: token.prefix().to_owned()
            }
        );
        assert_eq!(
            revoke(&mut conn, id).await.expect("again"),
            Revoked::Already
        );
        assert_eq!(
            revoke(&mut conn, TokenId::new(id.get() + 1))
                .await
                .expect("none"),
            Revoked::NoSuchToken
        );
        assert_eq!(authenticate(&mut conn, &token).await.expect("q"), None);
        assert!(list(&mut conn).await.expect("list")[0].revoked_at.is_some());
    }
}
