//! Distribution links: `/l/{code}` addresses staff hand out, one per channel, each perhaps
//! fixing the respondent's role and province, with a target and an open/closed state.
//!
//! Raw input becomes a link only through [`NewLink::parse`], which checks the fixed role
//! and province against the survey's own choices.

use canvass_core::ids::{LinkId, StaffId, SurveyId};
use canvass_core::staff::StaffError;
use canvass_core::survey::{Stratum, Survey};
use sqlx::PgConnection;

/// A link's code as it appears in `/l/{code}`: ten lower-case letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LinkCode(String);

impl LinkCode {
    pub const LEN: usize = 10;

    /// `None` for anything that cannot be a code (checked before any query).
    pub fn parse(input: &str) -> Option<LinkCode> {
        (input.len() == Self::LEN
            && input
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()))
        .then(|| LinkCode(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A link to create, with every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    name: String,
    channel: String,
    fixed_role: Option<String>,
    fixed_province: Option<String>,
    target: Option<i32>,
}

/// A new link's fields as typed (empty means "none" for the optional ones).
#[derive(Debug, Clone, Copy, Default)]
pub struct LinkInput<'a> {
    pub name: &'a str,
    pub channel: &'a str,
    pub fixed_role: &'a str,
    pub fixed_province: &'a str,
    pub target: &'a str,
}

impl NewLink {
    pub const NAME_MAX: usize = 200;
    pub const CHANNEL_MAX: usize = 100;
    pub const TARGET_MAX: i32 = 1_000_000;

    /// Every field checked against `survey`; all problems at once, each with its field.
    pub fn parse(
        survey: &Survey,
        input: LinkInput<'_>,
    ) -> Result<NewLink, Vec<(&'static str, StaffError)>> {
        let mut errors = Vec::new();
        let text = |value: &str, max: usize, missing, too_long| {
            let value = value.trim();
            if value.is_empty() {
                Err(missing)
            } else if value.chars().count() > max {
                Err(too_long)
            } else {
                Ok(value.to_owned())
            }
        };
        let name = text(
            input.name,
            Self::NAME_MAX,
            StaffError::NameMissing,
            StaffError::NameTooLong {
                max: Self::NAME_MAX,
            },
        )
        .map_err(|e| errors.push(("name", e)))
        .ok();
        let channel = text(
            input.channel,
            Self::CHANNEL_MAX,
            StaffError::ChannelMissing,
            StaffError::ChannelTooLong {
                max: Self::CHANNEL_MAX,
            },
        )
        .map_err(|e| errors.push(("channel", e)))
        .ok();
        let mut choice = |field, question, value: &str, error| {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            if choice_codes(survey, question).any(|code| code == value) {
                Some(value.to_owned())
            } else {
                errors.push((field, error));
                None
            }
        };
        let fixed_role = choice(
            "fixed_role",
            Stratum::Role,
            input.fixed_role,
            StaffError::NotARole,
        );
        let fixed_province = choice(
            "fixed_province",
            Stratum::Province,
            input.fixed_province,
            StaffError::NotAProvince,
        );
        let target = match input.target.trim() {
            "" => None,
            typed => match typed.parse::<i32>() {
                Ok(n) if (1..=Self::TARGET_MAX).contains(&n) => Some(n),
                _ => {
                    errors.push((
                        "target",
                        StaffError::BadTarget {
                            max: Self::TARGET_MAX,
                        },
                    ));
                    None
                }
            },
        };
        match (name, channel) {
            (Some(name), Some(channel)) if errors.is_empty() => Ok(NewLink {
                name,
                channel,
                fixed_role,
                fixed_province,
                target,
            }),
            _ => Err(errors),
        }
    }
}

/// The choice codes of the question the survey names for `stratum` (none if it names none).
pub fn choice_codes(survey: &Survey, stratum: Stratum) -> impl Iterator<Item = &str> {
    survey
        .stratum_choices(stratum)
        .iter()
        .map(|c| c.code.as_str())
}

/// A link as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub id: LinkId,
    pub survey_id: SurveyId,
    pub code: LinkCode,
    pub name: String,
    pub channel: String,
    pub fixed_role: Option<String>,
    pub fixed_province: Option<String>,
    pub target: Option<i32>,
    pub open: bool,
    pub opens: i64,
}

struct LinkRow {
    id: i64,
    survey_id: i64,
    code: String,
    name: String,
    channel: String,
    fixed_role: Option<String>,
    fixed_province: Option<String>,
    target: Option<i32>,
    open: bool,
    opens: i64,
}

impl From<LinkRow> for Link {
    fn from(r: LinkRow) -> Link {
        Link {
            id: LinkId::new(r.id),
            survey_id: SurveyId::new(r.survey_id),
            code: LinkCode(r.code),
            name: r.name,
            channel: r.channel,
            fixed_role: r.fixed_role,
            fixed_province: r.fixed_province,
            target: r.target,
            open: r.open,
            opens: r.opens,
        }
    }
}

/// Creates an open link with a fresh random code.
pub async fn create(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    link: &NewLink,
    created_by: Option<StaffId>,
) -> Result<Link, sqlx::Error> {
    // Ten characters of base 36 from a random UUID: about 52 bits. A clash is retried by
    // drawing again (ON CONFLICT skips the row; the loop tries once more).
    loop {
        let row = sqlx::query_as!(
            LinkRow,
            r#"WITH code AS (
                   SELECT string_agg(substr('0123456789abcdefghijklmnopqrstuvwxyz',
                                            (get_byte(b, i) % 36) + 1, 1), '' ORDER BY i) AS value
                   FROM (SELECT uuid_send(gen_random_uuid()) AS b) r, generate_series(0, 9) AS i
               )
               INSERT INTO distribution_links
                   (survey_id, code, name, channel, fixed_role, fixed_province, target, created_by)
               SELECT $1, code.value, $2, $3, $4, $5, $6, $7 FROM code
               ON CONFLICT (code) DO NOTHING
               RETURNING id, survey_id, code, name, channel, fixed_role, fixed_province,
                         target, open, opens"#,
            survey_id.get(),
            link.name,
            link.channel,
            link.fixed_role,
            link.fixed_province,
            link.target,
            created_by.map(StaffId::get)
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            return Ok(row.into());
        }
    }
}

/// A survey's links, oldest first.
pub async fn for_survey(
    conn: &mut PgConnection,
    survey_id: SurveyId,
) -> Result<Vec<Link>, sqlx::Error> {
    let rows = sqlx::query_as!(
        LinkRow,
        r#"SELECT id, survey_id, code, name, channel, fixed_role, fixed_province, target, open, opens
           FROM distribution_links WHERE survey_id = $1 ORDER BY created_at, id"#,
        survey_id.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(Link::from).collect())
}

/// The link with this ID.
pub async fn by_id(conn: &mut PgConnection, id: LinkId) -> Result<Option<Link>, sqlx::Error> {
    let row = sqlx::query_as!(
        LinkRow,
        r#"SELECT id, survey_id, code, name, channel, fixed_role, fixed_province, target, open, opens
           FROM distribution_links WHERE id = $1"#,
        id.get()
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(Link::from))
}

/// A link opened by its code, with its survey's slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub link: Link,
    pub slug: String,
}

/// The link with this code, counting one more open when it is open and `count` says the
/// visit counts (see the handler: a person's first visit, not an embedded image).
pub async fn open_by_code(
    conn: &mut PgConnection,
    code: &LinkCode,
    count: bool,
) -> Result<Option<Opened>, sqlx::Error> {
    let row = sqlx::query!(
        r#"UPDATE distribution_links l
           SET opens = l.opens + CASE WHEN l.open AND $2 THEN 1 ELSE 0 END
           FROM surveys s
           WHERE l.code = $1 AND s.id = l.survey_id
           RETURNING l.id, l.survey_id, l.code, l.name, l.channel, l.fixed_role,
                     l.fixed_province, l.target, l.open, l.opens, s.slug"#,
        code.as_str(),
        count
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| Opened {
        slug: r.slug,
        link: Link::from(LinkRow {
            id: r.id,
            survey_id: r.survey_id,
            code: r.code,
            name: r.name,
            channel: r.channel,
            fixed_role: r.fixed_role,
            fixed_province: r.fixed_province,
            target: r.target,
            open: r.open,
            opens: r.opens,
        }),
    }))
}

/// An open link a response may come through: its ID and what it fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLink {
    pub id: LinkId,
    pub fixed_role: Option<String>,
    pub fixed_province: Option<String>,
}

/// The open link with this code for this survey, if any.
pub async fn open_link(
    conn: &mut PgConnection,
    survey_id: SurveyId,
    code: &LinkCode,
) -> Result<Option<OpenLink>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT id, fixed_role, fixed_province FROM distribution_links
         WHERE code = $1 AND survey_id = $2 AND open",
        code.as_str(),
        survey_id.get()
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| OpenLink {
        id: LinkId::new(r.id),
        fixed_role: r.fixed_role,
        fixed_province: r.fixed_province,
    }))
}

/// Opens or closes a link. `false` when there is no such link.
pub async fn set_open(
    conn: &mut PgConnection,
    id: LinkId,
    open: bool,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query!(
        "UPDATE distribution_links SET open = $2 WHERE id = $1",
        id.get(),
        open
    )
    .execute(&mut *conn)
    .await?;
    Ok(changed.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use sqlx::PgPool;

    use super::*;

    fn survey() -> Survey {
        Survey::from_toml(canvass_core::surveys::AI_COLLAB).expect("the bundled survey loads")
    }

    async fn survey_id(conn: &mut PgConnection) -> SurveyId {
        let survey = survey();
        crate::surveys::install(conn, &survey, canvass_core::surveys::AI_COLLAB)
            .await
            .expect("installed");
        sqlx::query_scalar("SELECT id FROM surveys WHERE slug = 'ai-collab'")
            .fetch_one(&mut *conn)
            .await
            .map(SurveyId::new)
            .expect("id")
    }

    #[test]
    fn a_code_is_ten_lower_case_letters_and_digits() {
        assert!(LinkCode::parse("ab12cd34ef").is_some());
        for bad in [
            "",
            "ab12cd34e",
            "ab12cd34efg",
            "AB12CD34EF",
            "ab12cd34e!",
            "ab12cd34é",
        ] {
            assert_eq!(LinkCode::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn each_bad_field_of_a_new_link_is_named_with_its_own_error() {
        let survey = survey();
        let long = "名".repeat(201);
        let errors = NewLink::parse(
            &survey,
            LinkInput {
                name: &long,
                channel: "  ",
                fixed_role: "surgeon",
                fixed_province: "atlantis",
                target: "0",
            },
        )
        .expect_err("refused");
        assert_eq!(
            errors,
            [
                ("name", StaffError::NameTooLong { max: 200 }),
                ("channel", StaffError::ChannelMissing),
                ("fixed_role", StaffError::NotARole),
                ("fixed_province", StaffError::NotAProvince),
                ("target", StaffError::BadTarget { max: 1_000_000 }),
            ]
        );
        let role = choice_codes(&survey, Stratum::Role).next().expect("a role");
        let province = choice_codes(&survey, Stratum::Province)
            .next()
            .expect("a province");
        let link = NewLink::parse(
            &survey,
            LinkInput {
                name: " Guangdong society ",
                channel: "WeChat",
                fixed_role: role,
                fixed_province: province,
                target: " 400 ",
            },
        )
        .expect("valid");
        assert_eq!(link.name, "Guangdong society");
        assert_eq!(link.target, Some(400));
        assert_eq!(link.fixed_role.as_deref(), Some(role));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_link_gets_a_random_code_counts_its_opens_and_stops_counting_when_closed(
        pool: PgPool,
    ) {
        let mut conn = pool.acquire().await.expect("connection");
        let survey_id = survey_id(&mut conn).await;
        let new = NewLink::parse(
            &survey(),
            LinkInput {
                name: "Hospital A",
                channel: "poster",
                ..LinkInput::default()
            },
        )
        .expect("valid");
        let first = create(&mut conn, survey_id, &new, None)
            .await
            .expect("created");
        let second = create(&mut conn, survey_id, &new, None)
            .await
            .expect("created");
        assert_ne!(first.code, second.code);
        assert!(
            LinkCode::parse(first.code.as_str()).is_some(),
            "{:?}",
            first.code
        );
        assert!(first.open);
        for _ in 0..3 {
            open_by_code(&mut conn, &first.code, true)
                .await
                .expect("opened");
        }
        open_by_code(&mut conn, &first.code, false)
            .await
            .expect("opened, not counted");
        assert!(set_open(&mut conn, first.id, false).await.expect("closed"));
        let closed = open_by_code(&mut conn, &first.code, true)
            .await
            .expect("read")
            .expect("found");
        assert_eq!(closed.slug, "ai-collab");
        assert!(!closed.link.open);
        assert_eq!(closed.link.opens, 3, "a closed link counts no open");
        assert_eq!(
            open_link(&mut conn, survey_id, &first.code)
                .await
                .expect("q"),
            None
        );
        assert_eq!(
            open_link(&mut conn, survey_id, &second.code)
                .await
                .expect("q")
                .map(|l| l.id),
            Some(second.id)
        );
        let listed: Vec<LinkId> = for_survey(&mut conn, survey_id)
            .await
            .expect("list")
            .iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(listed, [first.id, second.id]);
        assert!(
            !set_open(&mut conn, LinkId::new(999_999), true)
                .await
                .expect("q")
        );
        let unknown = LinkCode::parse("zzzzzzzzzz").expect("shape");
        assert_eq!(
            open_by_code(&mut conn, &unknown, true).await.expect("q"),
            None
        );
    }
}
