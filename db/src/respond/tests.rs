use canvass_core::Lang;
use canvass_core::answers::section_fields;
use canvass_core::surveys::AI_COLLAB;
use canvass_core::synth::respondent;
use sqlx::PgPool;

use super::*;

fn national() -> Survey {
    Survey::from_toml(AI_COLLAB).expect("loads")
}

fn id(section: &str) -> SectionId {
    SectionId::parse(section).expect("section id")
}

fn fields(pairs: &[(&str, &str)]) -> RawAnswers {
    canvass_core::answers::from_pairs(pairs.iter().copied())
}

async fn started(pool: &PgPool) -> (PublicId, ResumeCode) {
    let mut conn = pool.acquire().await.expect("connection");
    let survey = national();
    crate::surveys::install(&mut conn, &survey, AI_COLLAB)
        .await
        .expect("install");
    let published = crate::surveys::latest(&mut conn, "ai-collab")
        .await
        .expect("query")
        .expect("present");
    let started = responses::start(
        &mut conn,
        published.survey_id,
        published.version,
        Lang::Zh,
        Origin::default(),
    )
    .await
    .expect("start");
    (started.public_id, started.resume_code)
}

async fn save(
    pool: &PgPool,
    who: PublicId,
    section: &str,
    pairs: &[(&str, &str)],
) -> Result<Saved, RespondError> {
    let mut tx = pool.begin().await.expect("tx");
    let result = save_section(&mut tx, who, &national(), &id(section), &fields(pairs)).await;
    tx.commit().await.expect("commit");
    result
}

async fn stored(pool: &PgPool, code: &ResumeCode) -> RawAnswers {
    let mut conn = pool.acquire().await.expect("connection");
    let snapshot = responses::snapshot_by_code(&mut conn, code)
        .await
        .expect("query")
        .expect("found");
    Stored(&snapshot).fields(&national())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn consent_then_screening_leads_on_to_the_profile(pool: PgPool) {
    let (who, _) = started(&pool).await;
    assert_eq!(
        save(&pool, who, "consent", &[("consent", "agree")])
            .await
            .expect("consent"),
        Saved::Next(id("screening"))
    );
    assert_eq!(
        save(&pool, who, "screening", &[("role", "clinician")])
            .await
            .expect("role"),
        Saved::Next(id("profile"))
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_saved_breakdown_answer_is_copied_onto_the_response_and_counted(pool: PgPool) {
    let (who, _) = started(&pool).await;
    let copied = || async {
        sqlx::query_scalar::<_, serde_json::Value>(
            "SELECT breakdown FROM responses WHERE public_id = $1",
        )
        .bind(who.0)
        .fetch_one(&pool)
        .await
        .expect("breakdown")
    };
    save(&pool, who, "consent", &[("consent", "agree")])
        .await
        .expect("consent");
    assert_eq!(copied().await, serde_json::json!({}));
    save(&pool, who, "screening", &[("role", "clinician")])
        .await
        .expect("role");
    assert_eq!(copied().await, serde_json::json!({ "role": "clinician" }));
    // Back to the screening page with another answer: the copy follows.
    save(&pool, who, "screening", &[("role", "industry")])
        .await
        .expect("role changed");
    assert_eq!(copied().await, serde_json::json!({ "role": "industry" }));
    let mut conn = pool.acquire().await.expect("connection");
    let survey_id = sqlx::query_scalar("SELECT id FROM surveys")
        .fetch_one(&mut *conn)
        .await
        .map(SurveyId::new)
        .expect("id");
    let counted = crate::monitor::choice_tallies(&mut conn, survey_id, &["role".to_owned()])
        .await
        .expect("tallies");
    assert_eq!(
        counted,
        [crate::monitor::ChoiceTally {
            question: "role".to_owned(),
            code: "industry".to_owned(),
            status: ResponseStatus::InProgress,
            n: 1
        }]
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_respondent_in_a_full_quota_cell_ends_as_quota_full(pool: PgPool) {
    let (first, _) = started(&pool).await;
    let survey_id = sqlx::query_scalar("SELECT id FROM surveys")
        .fetch_one(&pool)
        .await
        .map(SurveyId::new)
        .expect("id");
    let mut conn = pool.acquire().await.expect("connection");
    let quota = crate::quotas::NewQuota::parse(
        &national(),
        crate::quotas::QuotaInput {
            role: "clinician",
            province: "",
            cap: "1",
        },
    )
    .expect("quota");
    crate::quotas::create(&mut conn, survey_id, &quota, None)
        .await
        .expect("q")
        .expect("set");
    // The cell is not full yet: the first clinician goes on.
    save(&pool, first, "consent", &[("consent", "agree")])
        .await
        .expect("consent");
    assert_eq!(
        save(&pool, first, "screening", &[("role", "clinician")])
            .await
            .expect("role"),
        Saved::Next(id("profile"))
    );
    // Once a clinician has completed, the next one ends politely; an industry
    // representative still goes on.
    sqlx::query(
        "UPDATE responses SET status = 'completed', completed_at = now() WHERE public_id = $1",
    )
    .bind(first.0)
    .execute(&pool)
    .await
    .expect("completed");
    let (second, _) = started(&pool).await;
    save(&pool, second, "consent", &[("consent", "agree")])
        .await
        .expect("consent");
    assert_eq!(
        save(&pool, second, "screening", &[("role", "clinician")])
            .await
            .expect("role"),
        Saved::QuotaFull
    );
    let status: String =
        sqlx::query_scalar("SELECT status::text FROM responses WHERE public_id = $1")
            .bind(second.0)
            .fetch_one(&pool)
            .await
            .expect("status");
    assert_eq!(status, "quota_full");
    let closed = save(&pool, second, "screening", &[("role", "industry")])
        .await
        .expect_err("ended");
    assert!(
        matches!(closed, RespondError::Closed(ResponseStatus::QuotaFull)),
        "{closed:?}"
    );
    let (third, _) = started(&pool).await;
    save(&pool, third, "consent", &[("consent", "agree")])
        .await
        .expect("consent");
    assert_eq!(
        save(&pool, third, "screening", &[("role", "industry")])
            .await
            .expect("role"),
        Saved::Next(id("profile"))
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn many_saves_of_one_response_at_the_same_moment_all_land_once(pool: PgPool) {
    let (who, code) = started(&pool).await;
    save(&pool, who, "consent", &[("consent", "agree")])
        .await
        .expect("consent");
    // A quadruple tap, or several devices: each save reads, validates and writes
    // against its own read; the ones that lose the race read again. Each loss means
    // another save landed, so `ATTEMPTS` saves at once all land.
    let taps = (0..ATTEMPTS).map(|_| {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut conn = pool.acquire().await.expect("connection");
            save_section(
                &mut conn,
                who,
                &national(),
                &id("screening"),
                &fields(&[("role", "clinician")]),
            )
            .await
        })
    });
    for tap in taps.collect::<Vec<_>>() {
        assert_eq!(
            tap.await.expect("task").expect("saved"),
            Saved::Next(id("profile"))
        );
    }
    let holding: i64 = sqlx::query_scalar("SELECT count(*) FROM responses WHERE answers ? 'role'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(holding, 1);
    assert_eq!(
        stored(&pool, &code).await.get("role").map(Vec::as_slice),
        Some(&["clinician".to_owned()][..])
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn refusing_consent_ends_the_response_which_then_cannot_change(pool: PgPool) {
    let (who, _) = started(&pool).await;
    assert_eq!(
        save(&pool, who, "consent", &[("consent", "disagree")])
            .await
            .expect("refuse"),
        Saved::Ended(Ending::Refused)
    );
    let again = save(&pool, who, "consent", &[("consent", "agree")])
        .await
        .expect_err("closed");
    assert_eq!(
        again.to_string(),
        "this response is Refused and can no longer be changed"
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn none_of_these_is_screened_out(pool: PgPool) {
    let (who, _) = started(&pool).await;
    save(&pool, who, "consent", &[("consent", "agree")])
        .await
        .expect("consent");
    assert_eq!(
        save(&pool, who, "screening", &[("role", "none")])
            .await
            .expect("role"),
        Saved::Ended(Ending::ScreenedOut)
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_invalid_page_reports_each_error_and_leaves_saved_answers_untouched(pool: PgPool) {
    let (who, code) = started(&pool).await;
    save(&pool, who, "consent", &[("consent", "agree")])
        .await
        .expect("consent");
    let before = stored(&pool, &code).await;
    let error = save(&pool, who, "screening", &[("role", "astronaut")])
        .await
        .expect_err("invalid");
    match error {
        RespondError::Invalid(errors) => assert_eq!(
            errors,
            [(
                QuestionId::parse("role").expect("id"),
                AnswerError::NotAChoice {
                    value: "astronaut".into()
                }
            )]
        ),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(stored(&pool, &code).await, before);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn fields_of_another_page_are_refused(pool: PgPool) {
    let (who, _) = started(&pool).await;
    let error = save(
        &pool,
        who,
        "consent",
        &[("consent", "agree"), ("role", "clinician")],
    )
    .await
    .expect_err("stray");
    assert_eq!(error.to_string(), "fields that are not on this page: role");
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_page_out_of_order_is_refused(pool: PgPool) {
    let (who, _) = started(&pool).await;
    let early = save(&pool, who, "profile", &[("province", "beijing")])
        .await
        .expect_err("too early");
    assert!(matches!(early, RespondError::OutOfOrder), "{early:?}");
    save(&pool, who, "consent", &[("consent", "agree")])
        .await
        .expect("consent");
    save(&pool, who, "screening", &[("role", "industry")])
        .await
        .expect("role");
    let not_shown = save(&pool, who, "engagement", &[("rd_interest", "5")])
        .await
        .expect_err("not for industry");
    assert!(
        matches!(not_shown, RespondError::OutOfOrder),
        "{not_shown:?}"
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_generated_respondent_completes_page_by_page_and_a_replayed_submit_is_refused(
    pool: PgPool,
) {
    let survey = national();
    // A seed whose walk goes to the end (not refused or screened out).
    let (seed, raw) = (0..50u64)
        .map(|seed| (seed, respondent(&survey, seed).expect("walk")))
        .find(|(_, raw)| validate(&survey, raw).ended.is_none())
        .expect("a complete walk");
    let (who, code) = started(&pool).await;
    let walk = validate(&survey, &raw);
    let mut expected_next = Some(walk.relevant_sections[0].clone());
    for section_id in &walk.relevant_sections {
        assert_eq!(expected_next.as_ref(), Some(section_id), "seed {seed}");
        let section = survey.section(section_id.as_str()).expect("section");
        let posted = section_fields(section, &raw);
        let mut tx = pool.begin().await.expect("tx");
        let saved = save_section(&mut tx, who, &survey, section_id, &posted)
            .await
            .expect("page saves");
        tx.commit().await.expect("commit");
        expected_next = match saved {
            Saved::Next(next) => Some(next),
            Saved::Review => None,
            Saved::Ended(ending) => panic!("ended early: {ending:?}"),
            Saved::QuotaFull => panic!("no quota is set"),
        };
    }
    assert_eq!(expected_next, None, "the last page leads to the review");
    let mut conn = pool.acquire().await.expect("connection");
    submit(&mut conn, who, &survey).await.expect("submit");
    let replay = submit(&mut conn, who, &survey).await.expect_err("replayed");
    assert_eq!(
        replay.to_string(),
        "this response is Completed and can no longer be changed"
    );
    let response = responses::by_resume_code(&mut conn, &code)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(response.status, ResponseStatus::Completed);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_earlier_change_marks_answers_that_are_no_longer_relevant_as_not_asked(pool: PgPool) {
    let survey = national();
    let clinician = (0..200u64)
        .map(|seed| respondent(&survey, seed).expect("walk"))
        .find(|raw| {
            raw.get("role") == Some(&vec!["clinician".to_owned()]) && raw.contains_key("title")
        })
        .expect("a generated clinician");
    let (who, code) = started(&pool).await;
    save(&pool, who, "consent", &[("consent", "agree")])
        .await
        .expect("consent");
    save(&pool, who, "screening", &[("role", "clinician")])
        .await
        .expect("clinician");
    let profile = survey.section("profile").expect("profile");
    let posted = section_fields(profile, &clinician);
    let mut tx = pool.begin().await.expect("tx");
    save_section(&mut tx, who, &survey, &id("profile"), &posted)
        .await
        .expect("profile");
    tx.commit().await.expect("commit");
    let mut conn = pool.acquire().await.expect("connection");
    let before = responses::snapshot_by_code(&mut conn, &code)
        .await
        .expect("query")
        .expect("found")
        .answers;
    assert!(matches!(
        before.get("title"),
        Some(Outcome::Answered { .. })
    ));

    // Going back and changing the role drops what only clinicians are asked.
    save(&pool, who, "screening", &[("role", "industry")])
        .await
        .expect("industry");
    let after = responses::snapshot_by_code(&mut conn, &code)
        .await
        .expect("query")
        .expect("found")
        .answers;
    assert_eq!(after.get("title"), Some(&Outcome::NotAsked));
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_answer_to_a_question_that_does_not_apply_is_refused_and_nothing_is_saved(pool: PgPool) {
    let survey = national();
    let clinician = (0..200u64)
        .map(|seed| respondent(&survey, seed).expect("walk"))
        .find(|raw| raw.get("role") == Some(&vec!["clinician".to_owned()]))
        .expect("a generated clinician");
    let (who, code) = started(&pool).await;
    save(&pool, who, "consent", &[("consent", "agree")])
        .await
        .expect("consent");
    save(&pool, who, "screening", &[("role", "clinician")])
        .await
        .expect("clinician");
    let before = stored(&pool, &code).await;
    let mut posted = section_fields(survey.section("profile").expect("profile"), &clinician);
    // Asked of industry only; an empty value (an untouched hidden input) is no answer.
    posted.insert("company_size".into(), vec!["large".into()]);
    posted.insert("job_function".into(), vec![String::new()]);
    let mut tx = pool.begin().await.expect("tx");
    let error = save_section(&mut tx, who, &survey, &id("profile"), &posted)
        .await
        .expect_err("refused");
    tx.commit().await.expect("commit");
    match error {
        RespondError::Invalid(errors) => assert_eq!(
            errors,
            [(
                QuestionId::parse("company_size").expect("id"),
                AnswerError::NotAsked
            )]
        ),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(stored(&pool, &code).await, before);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_returning_respondent_goes_on_at_the_first_unanswered_page(pool: PgPool) {
    let (who, code) = started(&pool).await;
    save(&pool, who, "consent", &[("consent", "agree")])
        .await
        .expect("consent");
    save(&pool, who, "screening", &[("role", "institution")])
        .await
        .expect("role");
    let fields = stored(&pool, &code).await;
    let survey = national();
    let v = validate(&survey, &fields);
    assert_eq!(
        v.first_incomplete(&survey).map(|s| s.as_str()),
        Some("profile")
    );
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn answers_a_link_fixes_skip_their_page_and_win_over_any_post(pool: PgPool) {
    let survey = national();
    let mut tx = pool.begin().await.expect("tx");
    let survey_id = installed(&mut tx, &survey).await;
    let origin = Origin {
        fixed: vec![
            ("role".to_owned(), "clinician".to_owned()),
            ("province".to_owned(), "guangdong".to_owned()),
        ],
        ..Origin::default()
    };
    let begun = begin(
        &mut tx,
        survey_id,
        &survey,
        Lang::Zh,
        origin,
        &fields(&[("consent", "agree")]),
    )
    .await
    .expect("begun");
    tx.commit().await.expect("commit");
    // The screening page, all fixed, is saved and skipped.
    assert_eq!(begun.saved, Saved::Next(id("profile")));
    let who = begun.started.public_id;
    // The profile posted with another province: the fixed one is kept.
    let clinician = (0..200)
        .map(|seed| respondent(&survey, seed).expect("walk"))
        .find(|raw| raw.get("role") == Some(&vec!["clinician".to_owned()]))
        .expect("a generated clinician");
    let profile = survey.section("profile").expect("profile");
    let mut posted = section_fields(profile, &clinician);
    posted.insert("province".to_owned(), vec!["beijing".to_owned()]);
    let mut conn = pool.acquire().await.expect("connection");
    save_section(&mut conn, who, &survey, &id("profile"), &posted)
        .await
        .expect("profile");
    let snapshot = responses::snapshot(&mut conn, who)
        .await
        .expect("query")
        .expect("found");
    let code = |q: &str| match snapshot.answers.get(q) {
        Some(Outcome::Answered {
            answer: Answer::Choice { code, .. },
        }) => code.to_string(),
        other => panic!("{q}: {other:?}"),
    };
    assert_eq!(code("role"), "clinician");
    assert_eq!(code("province"), "guangdong");
    assert_eq!(
        snapshot.fixed.get("province").map(String::as_str),
        Some("guangdong")
    );
    // Going back to the screening page cannot change the role either.
    save_section(
        &mut conn,
        who,
        &survey,
        &id("screening"),
        &fields(&[("role", "industry")]),
    )
    .await
    .expect("screening");
    let again = responses::snapshot(&mut conn, who)
        .await
        .expect("query")
        .expect("found");
    assert!(matches!(
        again.answers.get("role"),
        Some(Outcome::Answered { answer: Answer::Choice { code, .. } }) if code.as_str() == "clinician"
    ));
}

/// Installs the national survey; its ID.
async fn installed(conn: &mut PgConnection, survey: &Survey) -> SurveyId {
    crate::surveys::install(conn, survey, AI_COLLAB)
        .await
        .expect("install");
    crate::surveys::latest(conn, "ai-collab")
        .await
        .expect("query")
        .expect("present")
        .survey_id
}

async fn begin_with(pool: &PgPool, pairs: &[(&str, &str)]) -> Result<Begun, RespondError> {
    let mut tx = pool.begin().await.expect("tx");
    let survey = national();
    let survey_id = installed(&mut tx, &survey).await;
    let result = begin(
        &mut tx,
        survey_id,
        &survey,
        Lang::En,
        Origin::default(),
        &fields(pairs),
    )
    .await;
    tx.commit().await.expect("commit");
    result
}

async fn response_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM responses")
        .fetch_one(pool)
        .await
        .expect("count")
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_unanswered_consent_page_creates_no_response(pool: PgPool) {
    let error = begin_with(&pool, &[]).await.expect_err("required");
    match error {
        RespondError::Invalid(errors) => assert_eq!(
            errors,
            [(
                QuestionId::parse("consent").expect("id"),
                AnswerError::Required
            )]
        ),
        other => panic!("unexpected {other:?}"),
    }
    let stray = begin_with(&pool, &[("consent", "agree"), ("role", "clinician")])
        .await
        .expect_err("stray");
    assert_eq!(stray.to_string(), "fields that are not on this page: role");
    assert_eq!(response_count(&pool).await, 0);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn agreeing_begins_a_response_that_opens_by_its_code_at_screening(pool: PgPool) {
    let begun = begin_with(&pool, &[("consent", "agree")])
        .await
        .expect("begun");
    assert_eq!(begun.saved, Saved::Next(id("screening")));
    let mut conn = pool.acquire().await.expect("connection");
    let opened = open(&mut conn, &Catalog::default(), &begun.started.resume_code)
        .await
        .expect("opened");
    assert_eq!(opened.response.public_id, begun.started.public_id);
    assert_eq!(opened.response.lang, Lang::En);
    assert_eq!(opened.fields, fields(&[("consent", "agree")]));
}

/// One invitation for the national survey; its token.
async fn invitation(pool: &PgPool, survey: &Survey, survey_id: SurveyId) -> ResumeCode {
    let mut conn = pool.acquire().await.expect("connection");
    let invitees = canvass_core::invitees::parse_csv(b"id\nA1\n", survey).expect("reads");
    crate::invitations::create(&mut conn, survey_id, &invitees, None)
        .await
        .expect("q")
        .expect("made")
        .remove(0)
        .1
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_invitation_begins_a_response_with_a_code_of_its_own(pool: PgPool) {
    use crate::begin::{Arrival, Arrived, begin as arrive};
    let survey = national();
    let survey_id = installed(&mut pool.acquire().await.expect("connection"), &survey).await;
    let token = invitation(&pool, &survey, survey_id).await;
    let consent = fields(&[("consent", "agree")]);
    let invited = Arrival {
        invitation: Some(token.clone()),
        ..Arrival::default()
    };
    let mut tx = pool.begin().await.expect("tx");
    let arrived = arrive(
        &mut tx,
        survey_id,
        &survey,
        Lang::Zh,
        invited.clone(),
        &consent,
    )
    .await
    .expect("begun");
    tx.commit().await.expect("commit");
    let Arrived::Begun { code, .. } = arrived else {
        panic!("a first use begins: {arrived:?}");
    };
    assert_ne!(code, token, "the roster's token is not the resume code");
    let mut conn = pool.acquire().await.expect("connection");
    assert!(
        crate::responses::by_resume_code(&mut conn, &token)
            .await
            .expect("q")
            .is_none(),
        "the token opens no answers"
    );
    drop(conn);

    // Used again: in the browser holding the response's code, that response…
    let mut tx = pool.begin().await.expect("tx");
    let again = Arrival {
        resume: Some(code.clone()),
        ..invited.clone()
    };
    let resumed = arrive(&mut tx, survey_id, &survey, Lang::Zh, again, &consent).await;
    assert!(
        matches!(&resumed, Ok(Arrived::Resume(c)) if *c == code),
        "{resumed:?}"
    );
    drop(tx);
    // …anywhere else (no code, or another response's), a refusal that asks for it.
    let (_, other) = started(&pool).await;
    for resume in [None, Some(other)] {
        let mut tx = pool.begin().await.expect("tx");
        let elsewhere = Arrival {
            resume,
            ..invited.clone()
        };
        let refused = arrive(&mut tx, survey_id, &survey, Lang::Zh, elsewhere, &consent).await;
        assert!(
            matches!(refused, Err(RespondError::InvitationUsed)),
            "{refused:?}"
        );
    }
    assert_eq!(response_count(&pool).await, 2);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_second_first_use_of_an_invitation_at_the_same_moment_is_refused(pool: PgPool) {
    use crate::begin::{Arrival, begin as arrive};
    let survey = national();
    let survey_id = installed(&mut pool.acquire().await.expect("connection"), &survey).await;
    let token = invitation(&pool, &survey, survey_id).await;
    let invited = Arrival {
        invitation: Some(token),
        ..Arrival::default()
    };
    let consent = fields(&[("consent", "agree")]);
    // The first begins and holds its transaction open.
    let mut first = pool.begin().await.expect("tx");
    arrive(
        &mut first,
        survey_id,
        &survey,
        Lang::Zh,
        invited.clone(),
        &consent,
    )
    .await
    .expect("first");
    // The second waits on the first's claim of the invitation…
    let second = tokio::spawn({
        let (pool, survey, consent) = (pool.clone(), survey.clone(), consent.clone());
        async move {
            let mut tx = pool.begin().await.expect("tx");
            arrive(&mut tx, survey_id, &survey, Lang::Zh, invited, &consent).await
            // (dropped without commit: the caller rolls back a refusal)
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!second.is_finished(), "the second waits for the first");
    // …and, once the first commits, learns it lost; its response is rolled back.
    first.commit().await.expect("commit");
    let lost = second.await.expect("task").expect_err("the first won");
    assert!(matches!(lost, RespondError::InvitationUsed), "{lost:?}");
    assert_eq!(response_count(&pool).await, 1);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn refusing_at_the_start_records_a_refusal(pool: PgPool) {
    let begun = begin_with(&pool, &[("consent", "disagree")])
        .await
        .expect("recorded");
    assert_eq!(begun.saved, Saved::Ended(Ending::Refused));
    let mut conn = pool.acquire().await.expect("connection");
    let found = find(&mut conn, &Catalog::default(), &begun.started.resume_code)
        .await
        .expect("found");
    assert_eq!(found.response.status, ResponseStatus::Refused);
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_page_by_code_must_be_a_page_of_the_survey(pool: PgPool) {
    let (_, code) = started(&pool).await;
    let mut conn = pool.acquire().await.expect("connection");
    let catalog = Catalog::default();
    for section in ["nowhere", "../consent", ""] {
        let error = save_by_code(
            &mut conn,
            &catalog,
            &Recent::default(),
            &code,
            section,
            &RawAnswers::new(),
            Lang::Zh,
        )
        .await
        .expect_err("no such page");
        assert_eq!(
            error.to_string(),
            "the survey has no such page",
            "{section:?}"
        );
    }
    let unknown = ResumeCode::parse("0123456789abcdef0123456789abcdef").expect("well formed");
    let error = save_by_code(
        &mut conn,
        &catalog,
        &Recent::default(),
        &unknown,
        "consent",
        &RawAnswers::new(),
        Lang::Zh,
    )
    .await
    .expect_err("unknown");
    assert_eq!(error.to_string(), "no such response");
}

/// Saves through `recent` as the route does.
async fn save_kept(
    conn: &mut PgConnection,
    recent: &Recent,
    code: &ResumeCode,
    section: &str,
    posted: &RawAnswers,
) -> Result<Saved, RespondError> {
    let catalog = Catalog::default();
    save_by_code(conn, &catalog, recent, code, section, posted, Lang::Zh)
        .await
        .map(|(saved, _)| saved)
}

async fn fresh(conn: &mut PgConnection, code: &ResumeCode) -> Snapshot {
    responses::snapshot_by_code(conn, code)
        .await
        .expect("query")
        .expect("found")
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn what_a_save_keeps_is_what_a_fresh_read_returns_after_any_saves(pool: PgPool) {
    let survey = national();
    let (catalog, recent) = (Catalog::default(), Recent::default());
    let mut conn = pool.acquire().await.expect("connection");
    let languages = [Lang::Zh, Lang::En];
    let mut saves = 0;
    for seed in 0..16u64 {
        let (_, code) = started(&pool).await;
        let mut dice = canvass_core::synth::Rng::new(seed);
        // Two generated respondents: pages saved from one and then the other, and earlier
        // pages saved again, change branching (answers become not asked), contacts (set,
        // then erased) and the language.
        let both = [seed * 2, seed * 2 + 1].map(|s| respondent(&survey, s).expect("walk"));
        let mut next = survey.sections.first().expect("a first page").id.clone();
        let mut done: Vec<SectionId> = Vec::new();
        for _ in 0..60 {
            let raw = dice.pick(&both).expect("two");
            let section = match dice.pick(&done) {
                Some(earlier) if dice.chance(30) => earlier.clone(),
                _ => next.clone(),
            };
            let page = survey.section(section.as_str()).expect("a page");
            let posted = section_fields(page, raw);
            let lang = *dice.pick(&languages).expect("two");
            let result = save_by_code(
                &mut conn,
                &catalog,
                &recent,
                &code,
                section.as_str(),
                &posted,
                lang,
            )
            .await;
            let Ok((saved, _)) = result else {
                assert!(recent.take(&code).is_none(), "a failed save keeps nothing");
                continue;
            };
            saves += 1;
            let kept = recent.take(&code).expect("a save keeps what it wrote");
            assert_eq!(kept, fresh(&mut conn, &code).await, "seed {seed}");
            recent.keep(&code, kept);
            if !done.contains(&section) {
                done.push(section.clone());
            }
            match saved {
                Saved::Next(following) => next = following,
                // The last page again, from the other respondent, may erase a contact.
                Saved::Review => next = section,
                Saved::Ended(_) | Saved::QuotaFull => break,
            }
        }
    }
    assert!(saves > 100, "only {saves} saves landed");
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_kept_snapshot_that_another_server_made_stale_is_read_again(pool: PgPool) {
    let (_, code) = started(&pool).await;
    let (here, elsewhere) = (Recent::default(), Recent::default());
    let mut conn = pool.acquire().await.expect("connection");
    for (section, pairs) in [
        ("consent", [("consent", "agree")]),
        ("screening", [("role", "clinician")]),
    ] {
        save_kept(&mut conn, &here, &code, section, &fields(&pairs))
            .await
            .expect("saved here");
    }
    // Another server changes the role.
    save_kept(
        &mut conn,
        &elsewhere,
        &code,
        "screening",
        &fields(&[("role", "industry")]),
    )
    .await
    .expect("saved elsewhere");
    // What `here` kept says clinician, so a clinician's profile (with the title only
    // clinicians are asked) validates against it; the write finds the response moved on,
    // and the fresh read refuses the title as not asked.
    let survey = national();
    let clinician = (0..200u64)
        .map(|seed| respondent(&survey, seed).expect("walk"))
        .find(|raw| {
            raw.get("role") == Some(&vec!["clinician".to_owned()]) && raw.contains_key("title")
        })
        .expect("a generated clinician");
    let profile = section_fields(survey.section("profile").expect("profile"), &clinician);
    let error = save_kept(&mut conn, &here, &code, "profile", &profile)
        .await
        .expect_err("an industry respondent is not asked the title");
    let RespondError::Invalid(errors) = error else {
        panic!("{error}");
    };
    assert!(
        errors.contains(&(
            QuestionId::parse("title").expect("id"),
            AnswerError::NotAsked
        )),
        "{errors:?}"
    );
    let now = fresh(&mut conn, &code).await;
    assert_eq!(now.response.last_section.as_deref(), Some("screening"));
    assert_eq!(now.answers.get("title"), Some(&Outcome::NotAsked));
    assert!(here.take(&code).is_none(), "nothing stale is kept");
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_save_inside_a_transaction_keeps_nothing(pool: PgPool) {
    let (_, code) = started(&pool).await;
    let recent = Recent::default();
    let mut tx = pool.begin().await.expect("tx");
    save_kept(
        &mut tx,
        &recent,
        &code,
        "consent",
        &fields(&[("consent", "agree")]),
    )
    .await
    .expect("saved");
    tx.rollback().await.expect("rolled back");
    assert!(recent.is_empty());
    let mut conn = pool.acquire().await.expect("connection");
    assert_eq!(fresh(&mut conn, &code).await.revision, 0);
}

/// The national survey with its role question renamed `group` and its province question
/// `region`, under the slug `renamed`.
fn renamed() -> (String, Survey) {
    let source = AI_COLLAB
        .replace("slug = \"ai-collab\"", "slug = \"renamed\"")
        .replace("\"role\"", "\"group\"")
        .replace("'role ", "'group ")
        .replace("\"province\"", "\"region\"");
    let survey = Survey::from_toml(&source).expect("loads");
    (source, survey)
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_survey_naming_other_questions_as_its_strata_gets_fixed_answers_and_quotas(pool: PgPool) {
    let (source, survey) = renamed();
    assert!(survey.question("role").is_none());
    let mut conn = pool.acquire().await.expect("connection");
    crate::surveys::install(&mut conn, &survey, &source)
        .await
        .expect("install");
    let survey_id = crate::surveys::latest(&mut conn, "renamed")
        .await
        .expect("query")
        .expect("present")
        .survey_id;
    // A link fixing the role and the province, checked against `group` and `region`.
    let link = crate::links::NewLink::parse(
        &survey,
        crate::links::LinkInput {
            name: "Guangdong clinicians",
            channel: "wechat",
            fixed_role: "clinician",
            fixed_province: "guangdong",
            target: "",
        },
    )
    .expect("link");
    let link = crate::links::create(&mut conn, survey_id, &link, None)
        .await
        .expect("created");
    let quota = crate::quotas::NewQuota::parse(
        &survey,
        crate::quotas::QuotaInput {
            role: "clinician",
            province: "",
            cap: "1",
        },
    )
    .expect("quota");
    crate::quotas::create(&mut conn, survey_id, &quota, None)
        .await
        .expect("q")
        .expect("set");
    drop(conn);

    // Through the link, the screening page is fixed and skipped.
    let through_link = || async {
        let mut tx = pool.begin().await.expect("tx");
        let arrival = crate::begin::Arrival {
            link: Some(link.code.clone()),
            ..Default::default()
        };
        let consent = fields(&[("consent", "agree")]);
        let arrived =
            crate::begin::begin(&mut tx, survey_id, &survey, Lang::Zh, arrival, &consent).await;
        tx.commit().await.expect("commit");
        arrived.expect("arrived")
    };
    let crate::begin::Arrived::Begun { code, saved } = through_link().await else {
        panic!("a new response");
    };
    assert_eq!(saved, Saved::Next(id("profile")));
    let mut conn = pool.acquire().await.expect("connection");
    let snapshot = responses::snapshot_by_code(&mut conn, &code)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(
        snapshot.fixed.get("group").map(String::as_str),
        Some("clinician")
    );
    assert_eq!(
        snapshot.fixed.get("region").map(String::as_str),
        Some("guangdong")
    );
    // Once that response completes, the clinicians' cell (counted by `group`) is full.
    sqlx::query("UPDATE responses SET status = 'completed', completed_at = now()")
        .execute(&mut *conn)
        .await
        .expect("completed");
    let quotas = crate::quotas::for_survey(&mut conn, survey_id, &survey.strata)
        .await
        .expect("quotas");
    assert_eq!(quotas.iter().map(|q| q.completed).collect::<Vec<_>>(), [1]);
    drop(conn);
    let crate::begin::Arrived::Begun { saved, .. } = through_link().await else {
        panic!("a new response");
    };
    assert_eq!(saved, Saved::QuotaFull);
}
