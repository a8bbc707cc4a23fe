//! API tokens: made and revoked by admins, presented by scripts as `Authorization: Bearer
//! cnv_…` to read survey figures. Only a token's SHA-256 is stored. Each token is scoped —
//! one survey or every survey; the stats, the analysis, exports — and ends: at its expiry,
//! when revoked, or when the account that made it is deactivated.

use canvass_core::ids::{StaffId, SurveyId, TokenId};
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

/// What a token may read. At least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Uses {
    /// `/api/v1/surveys/{slug}/stats`: the monitoring figures.
    pub stats: bool,
    /// `/api/v1/surveys/{slug}/analysis` (JSON and CSV): the findings.
    pub analysis: bool,
    /// `/api/v1/surveys/{slug}/exports…`: start and download anonymized exports.
    pub export: bool,
}

impl Uses {
    pub fn any(self) -> bool {
        self.stats || self.analysis || self.export
    }
}

/// One of a token's [`Uses`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    Stats,
    Analysis,
    Export,
}

/// How long a new token works, in days: one of [`Lifetime::CHOICES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime(u16);

impl Lifetime {
    pub const CHOICES: [u16; 5] = [7, 30, 90, 180, 365];
    pub const DEFAULT: Lifetime = Lifetime(90);

    /// A number of days as sent by the form; `None` for anything not among the choices.
    pub fn parse(input: &str) -> Option<Lifetime> {
        let days: u16 = input.trim().parse().ok()?;
        Self::CHOICES.contains(&days).then_some(Lifetime(days))
    }

    pub fn days(self) -> u16 {
        self.0
    }
}

/// What a new token is for: its survey (`None`: every survey), its uses, its lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub survey: Option<SurveyId>,
    pub uses: Uses,
    pub lifetime: Lifetime,
}

/// What a presented token grants, as found at this use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: TokenId,
    /// The slug of the one survey it reads; `None`: every survey.
    pub survey: Option<String>,
    pub uses: Uses,
}

impl Grant {
    /// Whether it reads survey `slug` at all.
    pub fn reads(&self, slug: &str) -> bool {
        self.survey.as_deref().is_none_or(|own| own == slug)
    }

    /// Whether it may be used for `what`.
    pub fn may(&self, what: Use) -> bool {
        match what {
            Use::Stats => self.uses.stats,
            Use::Analysis => self.uses.analysis,
            Use::Export => self.uses.export,
        }
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
    /// The slug of the one survey it reads; `None`: every survey.
    pub survey: Option<String>,
    pub uses: Uses,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub expires_at: String,
    /// Past its expiry now.
    pub expired: bool,
    /// The account that made it is deactivated: it no longer works.
    pub creator_inactive: bool,
}

/// Makes a token; returns its ID and the token, which is not stored and cannot be read
/// again.
pub async fn create(
    conn: &mut PgConnection,
    name: &TokenName,
    created_by: Option<StaffId>,
    scope: &Scope,
) -> Result<(TokenId, ApiToken), sqlx::Error> {
    let token = ApiToken::generate();
    let id = sqlx::query_scalar!(
        r#"INSERT INTO api_tokens (name, token_hash, prefix, created_by, survey_id,
                                  may_stats, may_analysis, may_export, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(days => $9))
           RETURNING id"#,
        name.as_str(),
        crate::secret::hashed(token.reveal()),
        token.prefix(),
        created_by.map(StaffId::get),
        scope.survey.map(SurveyId::get),
        scope.uses.stats,
        scope.uses.analysis,
        scope.uses.export,
        i32::from(scope.lifetime.days())
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((TokenId::new(id), token))
}

/// Every token, newest first.
pub async fn list(conn: &mut PgConnection) -> Result<Vec<TokenRow>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT t.id, t.name, t.prefix, u.display_name AS "created_by?",
                  s.slug AS "survey?", t.may_stats, t.may_analysis, t.may_export,
                  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS "created_at!",
                  to_char(t.last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS last_used_at,
                  to_char(t.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS revoked_at,
                  to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS "expires_at!",
                  t.expires_at <= now() AS "expired!",
                  coalesce(NOT u.active, false) AS "creator_inactive!"
           FROM api_tokens t
           LEFT JOIN staff_users u ON u.id = t.created_by
           LEFT JOIN surveys s ON s.id = t.survey_id
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
            survey: r.survey,
            uses: Uses {
                stats: r.may_stats,
                analysis: r.may_analysis,
                export: r.may_export,
            },
            expires_at: r.expires_at,
            expired: r.expired,
            creator_inactive: r.creator_inactive,
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

/// What the token presented grants, if it works: not revoked, not expired, and made by an
/// account still active (a token made without one, by the command line, has no such
/// account to lose). Its use is noted at most once a minute.
pub async fn authenticate(
    conn: &mut PgConnection,
    token: &ApiToken,
) -> Result<Option<Grant>, sqlx::Error> {
    let row = sqlx::query!(
        r#"WITH found AS (
             SELECT t.id, s.slug AS survey, t.may_stats, t.may_analysis, t.may_export
             FROM api_tokens t
             LEFT JOIN surveys s ON s.id = t.survey_id
             LEFT JOIN staff_users u ON u.id = t.created_by
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now()
               AND (t.created_by IS NULL OR u.active)
           ), noted AS (
             UPDATE api_tokens t SET last_used_at = now() FROM found
             WHERE t.id = found.id
               AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
           )
           SELECT id AS "id!", survey AS "survey?", may_stats AS "may_stats!",
                  may_analysis AS "may_analysis!", may_export AS "may_export!"
           FROM found"#,
        crate::secret::hashed(token.reveal())
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| Grant {
        id: TokenId::new(r.id),
        survey: r.survey,
        uses: Uses {
            stats: r.may_stats,
            analysis: r.may_analysis,
            export: r.may_export,
        },
    }))
}

#[cfg(test)]
mod tests {
    use sqlx::PgPool;

    use super::*;

    const STATS_EVERYWHERE: Scope = Scope {
        survey: None,
        uses: Uses {
            stats: true,
            analysis: false,
            export: false,
        },
        lifetime: Lifetime::DEFAULT,
    };

    #[test]
    fn a_lifetime_is_one_of_the_offered_numbers_of_days() {
        assert_eq!(Lifetime::parse("90"), Some(Lifetime::DEFAULT));
        assert_eq!(Lifetime::parse(" 365 ").map(Lifetime::days), Some(365));
        for bad in ["", "0", "91", "366", "-7", "7.0", "ninety", "99999999"] {
            assert_eq!(Lifetime::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_grant_reads_its_own_survey_and_only_for_its_uses() {
        let grant = Grant {
            id: TokenId::new(1),
            survey: Some("ai-collab".to_owned()),
            uses: Uses {
                stats: true,
                analysis: false,
                export: true,
            },
        };
        assert!(grant.reads("ai-collab"));
        assert!(!grant.reads("other-survey"));
        assert!(grant.may(Use::Stats) && grant.may(Use::Export));
        assert!(!grant.may(Use::Analysis));
        let everywhere = Grant {
            survey: None,
            ..grant
        };
        assert!(everywhere.reads("other-survey"));
        assert!(!Uses::default().any());
    }

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
        let (id, token) = create(&mut conn, &name, None, &STATS_EVERYWHERE)
            .await
            .expect("made");
        let grant = authenticate(&mut conn, &token).await.expect("q");
        assert_eq!(grant.map(|g| g.id), Some(id));
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

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_token_stops_at_its_expiry_and_when_its_maker_is_deactivated(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let maker: i64 = sqlx::query_scalar(
            "INSERT INTO staff_users (email, display_name, role, password_hash)
             VALUES ('maker@hospital.cn', 'Maker', 'admin', 'x') RETURNING id",
        )
        .fetch_one(&mut *conn)
        .await
        .expect("maker");
        let survey: i64 =
            sqlx::query_scalar("INSERT INTO surveys (slug) VALUES ('ai-collab') RETURNING id")
                .fetch_one(&mut *conn)
                .await
                .expect("survey");
        let name = TokenName::parse("Weekly report").expect("name");
        let scope = Scope {
            survey: Some(SurveyId::new(survey)),
            uses: Uses {
                stats: false,
                analysis: true,
                export: true,
            },
            lifetime: Lifetime::parse("30").expect("days"),
        };
        let (id, token) = create(&mut conn, &name, Some(StaffId::new(maker)), &scope)
            .await
            .expect("made");
        assert_eq!(
            authenticate(&mut conn, &token).await.expect("q"),
            Some(Grant {
                id,
                survey: Some("ai-collab".to_owned()),
                uses: scope.uses,
            })
        );
        let listed = list(&mut conn).await.expect("list").remove(0);
        assert_eq!(listed.survey.as_deref(), Some("ai-collab"));
        assert!(!listed.expired && !listed.creator_inactive, "{listed:?}");
        let days: f64 = sqlx::query_scalar(
            "SELECT extract(epoch FROM expires_at - created_at)::float8 / 86400 FROM api_tokens",
        )
        .fetch_one(&mut *conn)
        .await
        .expect("days");
        assert!((days - 30.0).abs() < 0.01, "{days}");

        sqlx::query("UPDATE staff_users SET active = false")
            .execute(&mut *conn)
            .await
            .expect("deactivated");
        assert_eq!(authenticate(&mut conn, &token).await.expect("q"), None);
        assert!(list(&mut conn).await.expect("list")[0].creator_inactive);
        sqlx::query("UPDATE staff_users SET active = true")
            .execute(&mut *conn)
            .await
            .expect("active again");
        assert!(authenticate(&mut conn, &token).await.expect("q").is_some());

        sqlx::query("UPDATE api_tokens SET expires_at = now() - interval '1 second'")
            .execute(&mut *conn)
            .await
            .expect("expired");
        assert_eq!(authenticate(&mut conn, &token).await.expect("q"), None);
        assert!(list(&mut conn).await.expect("list")[0].expired);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_token_with_no_use_is_refused_by_the_database(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let name = TokenName::parse("Nothing").expect("name");
        let scope = Scope {
            uses: Uses::default(),
            ..STATS_EVERYWHERE
        };
        let refused = create(&mut conn, &name, None, &scope).await;
        assert!(
            matches!(&refused, Err(sqlx::Error::Database(e)) if e.constraint() == Some("api_tokens_some_use")),
            "{refused:?}"
        );
    }
}
