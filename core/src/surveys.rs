//! The surveys that ship with Canvass. `ai-collab` is installed on first start.

/// The National Survey on Medical-Imaging AI Collaboration (slug `ai-collab`), in
/// Simplified Chinese and English. See `core/surveys/ai-collab.toml`.
pub const AI_COLLAB: &str = include_str!("../surveys/ai-collab.toml");

/// How demo respondents answer the national survey (`canvass seed-demo`): its
/// distributions, per role where it matters. See `core/src/synth/draws.rs`.
pub const AI_COLLAB_DEMO: &str = include_str!("../surveys/ai-collab.demo.toml");

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::AI_COLLAB;
    use crate::answers::{Outcome, RawAnswers, from_pairs, validate};
    use crate::survey::{Disclosure, Ending, Survey};
    use crate::synth::respondent;

    fn national() -> Survey {
        match Survey::from_toml(AI_COLLAB) {
            Ok(survey) => survey,
            Err(errors) => panic!("{errors}"),
        }
    }

    fn raw(fields: &[(&str, &str)]) -> RawAnswers {
        from_pairs(fields.iter().copied())
    }

    fn asked(fields: &[(&str, &str)], question: &str) -> bool {
        let v = validate(&national(), &raw(fields));
        !matches!(v.outcome(question), Some(Outcome::NotAsked) | None)
    }

    /// The browser receives the model as JSON with the page (it validates with it), so the
    /// trip must give back exactly the survey the server holds.
    #[test]
    fn the_national_survey_survives_a_trip_through_json() {
        let survey = crate::survey::Survey::from_toml(AI_COLLAB).expect("loads");
        let json = serde_json::to_string(&survey).expect("serializes");
        let back: crate::survey::Survey = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, survey);
    }

    #[test]
    fn the_national_survey_loads_in_chinese_and_english() {
        let survey = national();
        assert_eq!(survey.slug.as_str(), "ai-collab");
        assert_eq!(survey.languages, [crate::Lang::Zh, crate::Lang::En]);
    }

    #[test]
    fn it_declares_the_outlines_metrics() {
        let survey = national();
        let declared: Vec<(&str, &str)> = survey
            .metrics
            .iter()
            .map(|m| (m.id.as_str(), m.kind.name()))
            .collect();
        assert_eq!(
            declared,
            [
                ("interest_engagement", "gap"),
                ("ai_adoption", "share"),
                ("ai_applications", "top_choices"),
                ("share_willingness", "matrix"),
                ("share_concerns", "matrix"),
                ("barrier_importance", "matrix"),
                ("barrier_top3", "ranking"),
                ("priorities", "ranking"),
                ("collaboration", "network"),
                ("support_measures", "matrix"),
            ]
        );
        assert_eq!(survey.suppress_below, 5);
    }

    #[test]
    fn its_questions_carry_the_outlines_disclosure_classes() {
        let survey = national();
        let class = |id: &str| survey.question(id).map(|q| q.disclosure);
        assert_eq!(class("contact_email"), Some(Disclosure::DirectIdentifier));
        for id in [
            "role",
            "province",
            "institution_type",
            "hospital_grade",
            "age_band",
            "gender",
            "years_experience",
            "title",
            "subspecialty",
            "company_size",
            "job_function",
        ] {
            assert_eq!(class(id), Some(Disclosure::QuasiIdentifier), "{id}");
        }
        assert_eq!(class("comments"), Some(Disclosure::FreeText));
        assert_eq!(class("rd_interest"), Some(Disclosure::Attribute));
    }

    #[test]
    fn every_quasi_identifier_has_a_hierarchy_and_provinces_go_to_the_seven_regions() {
        use crate::survey::hierarchy::Rule;
        let survey = national();
        let quasi: Vec<&str> = survey
            .questions()
            .filter(|(_, q)| q.disclosure == Disclosure::QuasiIdentifier)
            .map(|(_, q)| q.id.as_str())
            .collect();
        let declared: Vec<&str> = survey
            .hierarchies
            .iter()
            .map(|h| h.question.as_str())
            .collect();
        assert_eq!(quasi, declared);
        assert_eq!(quasi.len(), 11);
        let province = &survey.hierarchies[1];
        let Rule::Groups(regions) = &province.levels[0].rule else {
            panic!("regions are groups");
        };
        let names: Vec<&str> = regions
            .iter()
            .map(|r| r.label.get(crate::Lang::Zh))
            .collect();
        assert_eq!(
            names,
            ["华北", "东北", "华东", "华中", "华南", "西南", "西北"]
        );
        assert_eq!(regions.iter().map(|r| r.members.len()).sum::<usize>(), 31);
        let sensitive: Vec<&str> = survey.sensitive.iter().map(|q| q.as_str()).collect();
        assert_eq!(
            sensitive,
            ["rd_interest", "ai_governance", "collab_ip_clarity"]
        );
    }

    #[test]
    fn all_31_provinces_are_offered_in_a_select() {
        let survey = national();
        match &survey.question("province").expect("province").kind {
            crate::survey::QuestionKind::SingleChoice { choices, display } => {
                assert_eq!(choices.len(), 31);
                assert_eq!(*display, crate::survey::ChoiceDisplay::Select);
            }
            other => panic!("province is {other:?}"),
        }
    }

    #[test]
    fn refusing_consent_ends_as_refused_and_none_of_these_as_screened_out() {
        let survey = national();
        assert_eq!(
            validate(&survey, &raw(&[("consent", "disagree")])).ended,
            Some(Ending::Refused)
        );
        let none = validate(&survey, &raw(&[("consent", "agree"), ("role", "none")]));
        assert_eq!(none.ended, Some(Ending::ScreenedOut));
    }

    #[test]
    fn each_role_sees_its_own_questions_and_not_the_others() {
        let clinician = [("consent", "agree"), ("role", "clinician")];
        let institution = [("consent", "agree"), ("role", "institution")];
        let industry = [("consent", "agree"), ("role", "industry")];
        assert!(
            asked(&clinician, "title")
                && asked(&clinician, "dept_uses_ai")
                && asked(&clinician, "rd_interest")
        );
        assert!(!asked(&clinician, "company_size") && !asked(&clinician, "ai_strategy"));
        assert!(
            asked(&institution, "hospital_grade")
                && asked(&institution, "ai_strategy")
                && asked(&institution, "rd_interest")
        );
        assert!(!asked(&institution, "title") && !asked(&institution, "products_certified"));
        assert!(asked(&industry, "company_size") && asked(&industry, "products_certified"));
        assert!(
            !asked(&industry, "hospital_grade")
                && !asked(&industry, "rd_interest")
                && !asked(&industry, "dept_uses_ai")
        );
    }

    #[test]
    fn keen_but_idle_respondents_are_asked_what_blocks_them() {
        let keen_idle = [
            ("consent", "agree"),
            ("role", "clinician"),
            ("rd_interest", "5"),
            ("rd_participation", "none"),
        ];
        let keen_active = [
            ("consent", "agree"),
            ("role", "clinician"),
            ("rd_interest", "5"),
            ("rd_participation", "data_annotation"),
        ];
        assert!(asked(&keen_idle, "rd_blockers"));
        assert!(!asked(&keen_active, "rd_blockers"));
    }

    #[test]
    fn the_contact_email_is_asked_only_of_those_who_agree_to_follow_up() {
        assert!(asked(
            &[
                ("consent", "agree"),
                ("role", "clinician"),
                ("followup_ok", "yes")
            ],
            "contact_email"
        ));
        assert!(!asked(
            &[
                ("consent", "agree"),
                ("role", "clinician"),
                ("followup_ok", "no")
            ],
            "contact_email"
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn every_generated_respondent_of_the_national_survey_validates(seed in any::<u64>()) {
            let survey = national();
            let raw = respondent(&survey, seed).expect("the walk ends");
            let v = validate(&survey, &raw);
            let invalid: Vec<_> = v.outcomes.iter().filter(|(_, o)| matches!(o, Outcome::Invalid { .. })).collect();
            prop_assert!(invalid.is_empty(), "{:?}", invalid);
            prop_assert!(v.unknown_fields.is_empty());
        }
    }
}
