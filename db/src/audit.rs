//! The audit log: an append-only record of who did what to which account, and when.
//! Callers write the entry in the same transaction as the action it records.

use canvass_core::ids::{AuditId, StaffId};
use sqlx::PgConnection;

/// What was done (the `audit_action` type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "audit_action", rename_all = "snake_case")]
pub enum Action {
    SignIn,
    SignInFailed,
    SignOut,
    UserCreated,
    UserChanged,
    UserDeactivated,
    UserReactivated,
    RoleChanged,
    PasswordChanged,
    SurveyPublished,
    ExportMade,
    LinkCreated,
    LinkClosed,
    LinkReopened,
    TokenCreated,
    TokenRevoked,
    QuotaSet,
    QuotaRemoved,
    InvitationsMade,
    /// The invitee list with e-mail addresses was downloaded.
    InviteesExported,
}

/// One entry as stored. `actor` is `None` for the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: AuditId,
    pub actor: Option<StaffId>,
    pub action: Action,
    pub target: Option<StaffId>,
    pub detail: Option<String>,
}

/// Appends an entry. `detail` says what changed beyond the target (the new role, say); it
/// must never hold personal data.
pub async fn record(
    conn: &mut PgConnection,
    actor: Option<StaffId>,
    action: Action,
    target: Option<StaffId>,
    detail: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO audit_log (actor_id, action, target_user_id, detail) VALUES ($1, $2, $3, $4)",
        actor.map(StaffId::get),
        action as Action,
        target.map(StaffId::get),
        detail
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The newest entries first, at most `limit`.
pub async fn latest(conn: &mut PgConnection, limit: i64) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, actor_id, action AS "action: Action", target_user_id, detail
           FROM audit_log ORDER BY at DESC, id DESC LIMIT $1"#,
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Entry {
            id: AuditId::new(r.id),
            actor: r.actor_id.map(StaffId::new),
            action: r.action,
            target: r.target_user_id.map(StaffId::new),
            detail: r.detail,
        })
        .collect())
}

/// Which entries to list; every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Entries this account made or that concern it.
    pub user: Option<StaffId>,
    pub action: Option<Action>,
    /// From the start of this day (UTC).
    pub from: Option<Date>,
    /// To the end of this day (UTC).
    pub to: Option<Date>,
}

/// One entry as the audit page shows it, with the accounts' names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub id: AuditId,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub at: String,
    /// `None`: the command line.
    pub actor: Option<String>,
    pub action: Action,
    pub target: Option<String>,
    pub detail: Option<String>,
}

/// The newest entries matching `filter`, at most `limit`.
pub async fn list(
    conn: &mut PgConnection,
    filter: &Filter,
    limit: i64,
) -> Result<Vec<Shown>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT l.id, to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS "at!",
                  a.display_name || ' <' || a.email || '>' AS actor,
                  l.action AS "action: Action",
                  t.display_name || ' <' || t.email || '>' AS target,
                  l.detail
           FROM audit_log l
           LEFT JOIN staff_users a ON a.id = l.actor_id
           LEFT JOIN staff_users t ON t.id = l.target_user_id
           WHERE ($1::bigint IS NULL OR l.actor_id = $1 OR l.target_user_id = $1)
             AND ($2::audit_action IS NULL OR l.action = $2)
             AND ($3::date IS NULL OR l.at >= ($3::date)::timestamp AT TIME ZONE 'UTC')
             AND ($4::date IS NULL OR l.at < ($4::date + 1)::timestamp AT TIME ZONE 'UTC')
           ORDER BY l.at DESC, l.id DESC
           LIMIT $5"#,
        filter.user.map(StaffId::get),
        filter.action as Option<Action>,
        filter.from.map(Date::sql) as Option<time::Date>,
        filter.to.map(Date::sql) as Option<time::Date>,
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Shown {
            id: AuditId::new(r.id),
            at: r.at,
            actor: r.actor,
            action: r.action,
            target: r.target,
            detail: r.detail,
        })
        .collect())
}

/// A calendar day typed into a filter, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(time::Date);

impl Date {
    /// `None` for anything that is not a real day in `YYYY-MM-DD` form.
    pub fn parse(input: &str) -> Option<Date> {
        let mut parts = input.trim().splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
        time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?)
            .ok()
            .map(Date)
    }

    fn sql(self) -> time::Date {
        self.0
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl Action {
    pub const ALL: [Action; 20] = [
        Action::SignIn,
        Action::SignInFailed,
        Action::SignOut,
        Action::UserCreated,
        Action::UserChanged,
        Action::UserDeactivated,
        Action::UserReactivated,
        Action::RoleChanged,
        Action::PasswordChanged,
        Action::SurveyPublished,
        Action::ExportMade,
        Action::LinkCreated,
        Action::LinkClosed,
        Action::LinkReopened,
        Action::TokenCreated,
        Action::TokenRevoked,
        Action::QuotaSet,
        Action::QuotaRemoved,
        Action::InvitationsMade,
        Action::InviteesExported,
    ];

    /// The name used in the database, filters and URLs (`sign_in_failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::SignInFailed => "sign_in_failed",
            Action::SignOut => "sign_out",
            Action::UserCreated => "user_created",
            Action::UserChanged => "user_changed",
            Action::UserDeactivated => "user_deactivated",
            Action::UserReactivated => "user_reactivated",
            Action::RoleChanged => "role_changed",
            Action::PasswordChanged => "password_changed",
            Action::SurveyPublished => "survey_published",
            Action::ExportMade => "export_made",
            Action::LinkCreated => "link_created",
            Action::LinkClosed => "link_closed",
            Action::LinkReopened => "link_reopened",
            Action::TokenCreated => "token_created",
            Action::TokenRevoked => "token_revoked",
            Action::QuotaSet => "quota_set",
            Action::QuotaRemoved => "quota_removed",
            Action::InvitationsMade => "invitations_made",
            Action::InviteesExported => "invitees_exported",
        }
    }

    pub fn parse(input: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == input)
    }
}

#[cfg(test)]
mod tests {
    use sqlx::PgPool;

    use super::*;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn entries_are_appended_and_read_newest_first(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        record(&mut conn, None, Action::SurveyPublished, None, None)
            .await
            .expect("first");
        record(&mut conn, None, Action::ExportMade, None, None)
            .await
            .expect("second");
        let entries = latest(&mut conn, 10).await.expect("read");
        let actions: Vec<Action> = entries.iter().map(|e| e.action).collect();
        assert_eq!(actions, [Action::ExportMade, Action::SurveyPublished]);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_log_refuses_to_change_or_lose_an_entry(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        record(&mut conn, None, Action::ExportMade, None, None)
            .await
            .expect("recorded");
        for statement in [
            "UPDATE audit_log SET action = 'sign_in'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ] {
            let error = sqlx::query(statement)
                .execute(&pool)
                .await
                .expect_err(statement);
            assert!(
                error.to_string().contains("the audit log is append-only"),
                "{statement}: {error}"
            );
        }
        assert_eq!(latest(&mut conn, 10).await.expect("read").len(), 1);
    }

    #[test]
    fn a_filter_day_is_a_real_calendar_day_in_iso_form() {
        assert_eq!(
            Date::parse(" 2026-11-28 ").map(|d| d.to_string()),
            Some("2026-11-28".to_owned())
        );
        assert_eq!(
            Date::parse("2028-02-29").map(|d| d.to_string()),
            Some("2028-02-29".to_owned())
        );
        for bad in [
            "",
            "2026-02-30",
            "2026-13-01",
            "2026-1-1",
            "26-11-28",
            "2026/11/28",
            "yesterday",
            "2026-11-28T00:00",
            "-001-01-01",
            "２０２６-11-28",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_action_reads_back_from_its_name() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Action::parse("drop_table"), None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_list_filters_by_user_action_and_days(pool: PgPool) {
        let mut conn = pool.acquire().await.expect("connection");
        let ids: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO staff_users (email, display_name, role, password_hash)
             VALUES ('a@x.cn', 'Ann', 'admin', 'h'), ('b@x.cn', 'Bo', 'viewer', 'h') RETURNING id",
        )
        .fetch_all(&pool)
        .await
        .expect("users");
        let (ann, bo) = (StaffId::new(ids[0]), StaffId::new(ids[1]));
        record(
            &mut conn,
            None,
            Action::UserCreated,
            Some(ann),
            Some("admin"),
        )
        .await
        .expect("1");
        record(
            &mut conn,
            Some(ann),
            Action::UserCreated,
            Some(bo),
            Some("viewer"),
        )
        .await
        .expect("2");
        record(&mut conn, Some(bo), Action::SignIn, Some(bo), None)
            .await
            .expect("3");
        // The first entry happened three days ago.
        sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
            .execute(&pool)
            .await
            .expect("test only");
        sqlx::query("UPDATE audit_log SET at = now() - interval '3 days' WHERE detail = 'admin'")
            .execute(&pool)
            .await
            .expect("aged");
        let shown = |filter: Filter| {
            let pool = pool.clone();
            async move {
                let mut conn = pool.acquire().await.expect("connection");
                list(&mut conn, &filter, 100)
                    .await
                    .expect("list")
                    .into_iter()
                    .map(|e| (e.actor, e.action, e.target))
                    .collect::<Vec<_>>()
            }
        };
        let ann_s = Some("Ann <a@x.cn>".to_owned());
        let bo_s = Some("Bo <b@x.cn>".to_owned());
        assert_eq!(
            shown(Filter {
                user: Some(bo),
                ..Filter::default()
            })
            .await,
            [
                (bo_s.clone(), Action::SignIn, bo_s.clone()),
                (ann_s.clone(), Action::UserCreated, bo_s.clone()),
            ]
        );
        assert_eq!(
            shown(Filter {
                action: Some(Action::UserCreated),
                ..Filter::default()
            })
            .await,
            [
                (ann_s.clone(), Action::UserCreated, bo_s.clone()),
                (None, Action::UserCreated, ann_s.clone()),
            ]
        );
        let today: String =
            sqlx::query_scalar("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
                .fetch_one(&pool)
                .await
                .expect("today");
        let today = Date::parse(&today);
        assert_eq!(
            shown(Filter {
                from: today,
                ..Filter::default()
            })
            .await
            .len(),
            2
        );
        assert_eq!(
            shown(Filter {
                to: Date::parse("2000-01-01"),
                ..Filter::default()
            })
            .await,
            []
        );
    }
}
