//! The maintained counts always equal a count of the responses, whatever is written
//! and however many write at once.
use std::time::Duration;

use canvass_core::ids::{LinkId, SurveyId};
use canvass_core::response::ResponseStatus;
use canvass_core::survey::Survey;
use canvass_core::surveys::AI_COLLAB;
use sqlx::PgPool;

/// Installs the national survey; its ID.
async fn national(conn: &mut sqlx::PgConnection) -> SurveyId {
    let survey = Survey::from_toml(AI_COLLAB).expect("survey");
    crate::surveys::install(conn, &survey, AI_COLLAB)
        .await
        .expect("installed");
    sqlx::query_scalar("SELECT id FROM surveys")
        .fetch_one(&mut *conn)
        .await
        .map(SurveyId::new)
        .expect("id")
}

/// The version of the national survey that ships (what `national` installs).
fn shipped_version() -> u32 {
    Survey::from_toml(AI_COLLAB).expect("survey").version
}

/// Rows where a maintained table and a fresh count of `responses` disagree, described.
async fn mismatches(pool: &PgPool) -> Vec<String> {
    let checks = [
        (
            "tallies",
            "SELECT survey_id, link_id, status::text, last_section, sum(n)::int8
             FROM response_tallies_live GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0",
            "SELECT survey_id, link_id, status::text, last_section, count(*)
             FROM responses GROUP BY 1, 2, 3, 4",
        ),
        (
            "choices",
            "SELECT survey_id, question_id, code, status::text, sum(n)::int8
             FROM choice_tallies GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0",
            "SELECT survey_id, e.key, e.value, status::text, count(*)
             FROM responses, jsonb_each_text(breakdown) e GROUP BY 1, 2, 3, 4",
        ),
        (
            "hours",
            "SELECT survey_id, hour, completed, sum(n)::int8
             FROM response_hours GROUP BY 1, 2, 3 HAVING sum(n) <> 0",
            "SELECT survey_id, date_trunc('hour', started_at, 'UTC'), false, count(*)
             FROM responses GROUP BY 1, 2, 3
             UNION ALL
             SELECT survey_id, date_trunc('hour', completed_at, 'UTC'), true, count(*)
             FROM responses WHERE completed_at IS NOT NULL GROUP BY 1, 2, 3",
        ),
        (
            "flags",
            "SELECT survey_id, flag, status::text, sum(n)::int8
             FROM flag_tallies GROUP BY 1, 2, 3 HAVING sum(n) <> 0",
            "SELECT survey_id, 'same_browser', status::text, count(*)
             FROM responses WHERE same_browser GROUP BY 1, 2, 3
             UNION ALL
             SELECT survey_id, 'invited', status::text, count(*)
             FROM responses WHERE invited GROUP BY 1, 2, 3",
        ),
        (
            "minutes",
            "SELECT survey_id, minutes, sum(n)::int8
             FROM completion_minutes GROUP BY 1, 2 HAVING sum(n) <> 0",
            "SELECT survey_id, canvass_completion_minutes(started_at, completed_at), count(*)
             FROM responses WHERE completed_at IS NOT NULL GROUP BY 1, 2",
        ),
    ];
    let mut found = Vec::new();
    for (name, kept, counted) in checks {
        let sql = format!(
            "SELECT 'kept, not counted: ' || row(k.*)::text FROM (({kept}) EXCEPT ({counted})) k
             UNION ALL
             SELECT 'counted, not kept: ' || row(c.*)::text FROM (({counted}) EXCEPT ({kept})) c"
        );
        let rows: Vec<String> = sqlx::query_scalar(&sql)
            .fetch_all(pool)
            .await
            .expect("comparison");
        found.extend(rows.into_iter().map(|r| format!("{name}: {r}")));
    }
    found
}

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Dice(u64);
impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }
}

/// One random write to one response, as any code path might make it.
async fn random_write(pool: &PgPool, dice: &mut Dice, survey_id: SurveyId, links: &[LinkId]) {
    let response = i64::try_from(dice.roll(40)).expect("small") + 1;
    let link = links.get(dice.roll(3) as usize).copied();
    let section = ["consent", "screening", "profile", "ai_use", "barriers"][dice.roll(5) as usize];
    let province = ["gd", "bj", "sh"][dice.roll(3) as usize];
    let role = ["clinician", "industry"][dice.roll(2) as usize];
    let minutes = i64::try_from(dice.roll(200)).expect("small");
    let query = match dice.roll(13) {
        // A server's fold of the saves' moves into the tallies, at any moment.
        12 => {
            let mut conn = pool.acquire().await.expect("connection");
            super::fold_moves(&mut conn, Duration::ZERO).await.expect("fold");
            return;
        }
        // A response started as a respondent starts one, with a link and maybe the
        // same-browser flag (counted by the insert triggers).
        11 => {
            let mut conn = pool.acquire().await.expect("connection");
            let origin = crate::responses::Origin {
                link_id: link,
                same_browser: minutes % 2 == 0,
                ..Default::default()
            };
            crate::responses::start(&mut conn, survey_id, shipped_version(), canvass_core::Lang::Zh, origin)
                .await
                .expect("start");
            return;
        }
        // A page save as a respondent makes it (it counts its own move), which may
        // also end or complete the response and set a breakdown answer.
        9 | 10 => {
            let public_id: Option<uuid::Uuid> =
                sqlx::query_scalar("SELECT public_id FROM responses WHERE id = $1")
                    .bind(response)
                    .fetch_optional(pool)
                    .await
                    .expect("read");
            let mut conn = pool.acquire().await.expect("connection");
            let read = match public_id {
                Some(id) => crate::responses::snapshot(&mut conn, crate::responses::PublicId(id))
                    .await
                    .expect("read"),
                None => None,
            };
            if let Some(read) = read {
                let status = [None, None, Some(ResponseStatus::Completed), Some(ResponseStatus::Refused)]
                    [dice.roll(4) as usize];
                let page = crate::responses::PageSave {
                    section: section.to_owned(),
                    status,
                    breakdown: vec![("province".to_owned(), Some(province.to_owned()))],
                    ..Default::default()
                };
                crate::responses::write(&mut conn, &read, &page)
                    .await
                    .expect("write");
            }
            return;
        }
        0 => sqlx::query("UPDATE responses SET last_section = $2 WHERE id = $1")
            .bind(response)
            .bind(section),
        1 => sqlx::query(
            "UPDATE responses SET breakdown = breakdown || jsonb_build_object('province', $2::text) WHERE id = $1",
        )
        .bind(response)
        .bind(province),
        2 => sqlx::query(
            "UPDATE responses SET breakdown = jsonb_strip_nulls(breakdown || jsonb_build_object('role', $2::text, 'province', null)) WHERE id = $1",
        )
        .bind(response)
        .bind(role),
        3 => sqlx::query(
            "UPDATE responses SET status = 'completed', completed_at = started_at + make_interval(mins => $2::int) WHERE id = $1",
        )
        .bind(response)
        .bind(i32::try_from(minutes).expect("small")),
        4 => sqlx::query(
            "UPDATE responses SET status = 'in_progress', completed_at = NULL, link_id = $2 WHERE id = $1",
        )
        .bind(response)
        .bind(link.map(LinkId::get)),
        5 => sqlx::query(
            "UPDATE responses SET started_at = started_at - make_interval(hours => $2::int),
                    completed_at = completed_at - make_interval(hours => $2::int) WHERE id = $1",
        )
        .bind(response)
        .bind(i32::try_from(minutes % 50).expect("small")),
        6 => sqlx::query("DELETE FROM responses WHERE id = $1").bind(response),
        7 => sqlx::query(
            "UPDATE responses SET same_browser = NOT same_browser, invited = (id % 3 = 0)
             WHERE id = $1",
        )
        .bind(response),
        _ => sqlx::query(
            "INSERT INTO responses (resume_hash, survey_id, survey_version, lang, link_id,
                                    breakdown, same_browser)
             VALUES (gen_random_uuid()::text::bytea, $1, (SELECT max(version) FROM survey_versions), 'en', $2,
                     jsonb_build_object('role', $3::text), $4)",
        )
        .bind(survey_id.get())
        .bind(link.map(LinkId::get))
        .bind(role)
        .bind(minutes % 2 == 0),
    };
    query.execute(pool).await.expect("write");
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn the_counts_equal_a_recount_after_many_concurrent_writes(pool: PgPool) {
    let survey_id = national(&mut pool.acquire().await.expect("connection")).await;
    let links: Vec<LinkId> = sqlx::query_scalar(
        "INSERT INTO distribution_links (survey_id, code, name, channel)
         VALUES ($1, 'aaaaaaaaaa', 'A', 'wechat'), ($1, 'bbbbbbbbbb', 'B', 'email')
         RETURNING id",
    )
    .bind(survey_id.get())
    .fetch_all(&pool)
    .await
    .expect("links")
    .into_iter()
    .map(LinkId::new)
    .collect();
    sqlx::query(
        "INSERT INTO responses (resume_hash, survey_id, survey_version, lang)
         SELECT sha256(convert_to(i::text, 'UTF8')), $1, (SELECT max(version) FROM survey_versions), 'zh' FROM generate_series(1, 40) i",
    )
    .bind(survey_id.get())
    .execute(&pool)
    .await
    .expect("responses");
    assert_eq!(mismatches(&pool).await, Vec::<String>::new());

    let writers: Vec<_> = (1..=4u64)
        .map(|seed| {
            let (pool, links) = (pool.clone(), links.clone());
            tokio::spawn(async move {
                let mut dice = Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                for _ in 0..150 {
                    random_write(&pool, &mut dice, survey_id, &links).await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("no writer failed (a deadlock would)");
    }
    assert_eq!(mismatches(&pool).await, Vec::<String>::new());
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM responses")
        .fetch_one(&pool)
        .await
        .expect("count");
    let kept: i64 = super::tallies(&mut pool.acquire().await.expect("conn"), survey_id)
        .await
        .expect("tallies")
        .iter()
        .map(|t| t.n)
        .sum();
    assert_eq!(kept, total);

    // Folded at the end, the counts are the same, and no move is left pending.
    super::fold_moves(&mut pool.acquire().await.expect("conn"), Duration::ZERO)
        .await
        .expect("fold");
    assert_eq!(mismatches(&pool).await, Vec::<String>::new());
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM response_moves")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(pending, 0);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn folding_the_saves_moves_empties_them_and_changes_no_count(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = national(&mut conn).await;
    // Three responses save consent; one of them goes on to screening, and one
    // completes there.
    let pages = [
        ("consent", None),
        ("consent", None),
        ("consent", None),
        ("screening", None),
        ("screening", Some(ResponseStatus::Completed)),
    ];
    let mut started = Vec::new();
    for _ in 0..3 {
        let origin = crate::responses::Origin::default();
        let one = crate::responses::start(
            &mut conn,
            survey_id,
            shipped_version(),
            canvass_core::Lang::En,
            origin,
        )
        .await
        .expect("start");
        started.push(one.public_id);
    }
    for (i, (section, status)) in pages.into_iter().enumerate() {
        let who = started[if i < 3 { i } else { i - 3 }];
        let read = crate::responses::snapshot(&mut conn, who)
            .await
            .expect("read")
            .expect("found");
        let page = crate::responses::PageSave {
            section: section.to_owned(),
            status,
            ..Default::default()
        };
        assert!(
            crate::responses::write(&mut conn, &read, &page)
                .await
                .expect("write")
        );
    }
    let mut before = super::tallies(&mut conn, survey_id).await.expect("tallies");
    before.sort_by_key(|t| (t.last_section.clone(), t.status as u8));
    assert_eq!(
        super::fold_moves(&mut conn, Duration::ZERO)
            .await
            .expect("fold"),
        5
    );
    let mut after = super::tallies(&mut conn, survey_id).await.expect("tallies");
    after.sort_by_key(|t| (t.last_section.clone(), t.status as u8));
    assert_eq!(after, before);
    assert_eq!(
        after
            .iter()
            .map(|t| (t.last_section.as_deref(), t.status, t.n))
            .collect::<Vec<_>>(),
        [
            (Some("consent"), ResponseStatus::InProgress, 1),
            (Some("screening"), ResponseStatus::InProgress, 1),
            (Some("screening"), ResponseStatus::Completed, 1),
        ]
    );
    assert_eq!(
        super::fold_moves(&mut conn, Duration::ZERO)
            .await
            .expect("fold"),
        0
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn days_run_from_the_first_to_today_and_hours_from_midnight_with_zeros(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = national(&mut conn).await;
    assert_eq!(
        super::per_day(&mut conn, survey_id, "UTC")
            .await
            .expect("q"),
        []
    );
    // One begun and submitted two days ago, one begun now.
    sqlx::query(
        "INSERT INTO responses (resume_hash, survey_id, survey_version, lang, status,
                                started_at, completed_at)
         VALUES ('a', $1, (SELECT max(version) FROM survey_versions), 'zh', 'completed', now() - interval '2 days', now() - interval '2 days'),
                ('b', $1, (SELECT max(version) FROM survey_versions), 'zh', 'in_progress', now(), NULL)",
    )
    .bind(survey_id.get())
    .execute(&mut *conn)
    .await
    .expect("responses");
    let (today, two_days_ago): (String, String) = sqlx::query_as(
        "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                to_char((now() - interval '2 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    )
    .fetch_one(&mut *conn)
    .await
    .expect("dates");
    let days = super::per_day(&mut conn, survey_id, "UTC")
        .await
        .expect("q");
    let shown: Vec<(&str, i64, i64)> = days
        .iter()
        .map(|d| (d.label.as_str(), d.started, d.completed))
        .collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert_eq!(shown[0], (two_days_ago.as_str(), 1, 1));
    assert_eq!((shown[1].1, shown[1].2), (0, 0));
    assert_eq!(shown[2], (today.as_str(), 1, 0));

    let hours = super::today_by_hour(&mut conn, survey_id, "UTC")
        .await
        .expect("q");
    let hour_now: String = sqlx::query_scalar("SELECT to_char(now() AT TIME ZONE 'UTC', 'HH24')")
        .fetch_one(&mut *conn)
        .await
        .expect("hour");
    assert_eq!(hours.first().map(|h| h.label.as_str()), Some("00"));
    assert_eq!(
        hours.last().map(|h| h.label.as_str()),
        Some(hour_now.as_str())
    );
    assert_eq!(
        hours.len(),
        usize::from(hour_now.parse::<u8>().expect("hour")) + 1
    );
    assert_eq!(hours.iter().map(|h| h.started).sum::<i64>(), 1);
    assert_eq!(hours.last().map(|h| h.started), Some(1));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_new_set_of_breakdowns_is_filled_from_the_stored_answers(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = national(&mut conn).await;
    // Two responses: a plain choice, and a choice with its "other" text.
    sqlx::query(
        r#"INSERT INTO responses (resume_hash, survey_id, survey_version, lang, answers)
           VALUES ('x', $1, (SELECT max(version) FROM survey_versions), 'zh', '{
                     "role": {"c": "industry"},
                     "province": {"c": "gd"},
                     "hospital_grade": "na"}'),
                  ('y', $1, (SELECT max(version) FROM survey_versions), 'zh', '{"role": {"co": ["industry", "a consultancy"]}}')"#,
    )
    .bind(survey_id.get())
    .execute(&mut *conn)
    .await
    .expect("responses");
    let role = canvass_core::survey::QuestionId::parse("role").expect("id");
    super::align_breakdowns(&mut conn, survey_id, std::slice::from_ref(&role))
        .await
        .expect("aligned");
    let found = super::choice_tallies(
        &mut conn,
        survey_id,
        &["role".to_owned(), "province".to_owned()],
    )
    .await
    .expect("q");
    assert_eq!(
        found,
        [super::ChoiceTally {
            question: "role".to_owned(),
            code: "industry".to_owned(),
            status: ResponseStatus::InProgress,
            n: 2
        }]
    );
    // The same set again changes nothing, even if the copy were stale.
    sqlx::query("UPDATE responses SET breakdown = '{}'")
        .execute(&mut *conn)
        .await
        .expect("cleared");
    super::align_breakdowns(&mut conn, survey_id, &[role])
        .await
        .expect("aligned");
    assert_eq!(
        super::choice_tallies(&mut conn, survey_id, &["role".to_owned()])
            .await
            .expect("q"),
        []
    );
    assert_eq!(mismatches(&pool).await, Vec::<String>::new());
}
