//! Checking `[[hierarchies]]` against the survey's questions: every problem at once, each
//! with its place (`hierarchy province › level 1 › groups`).

use std::collections::{BTreeMap, HashSet};

use super::Loader;
use crate::survey::hierarchy::{Group, Hierarchy, Level, Rule};
use crate::survey::ids::MAX_ID_LEN;
use crate::survey::raw::{RawHierarchy, RawLevel};
use crate::survey::{Code, Disclosure, QuestionId, QuestionKind, Section};

/// What the level below a level holds, to check the level against.
enum Below {
    /// Codes (choices, or the groups of the level before).
    Codes(Vec<Code>),
    /// Numbers, exact (width 1) or in bands of this width.
    Numbers(u32),
    /// A multiple choice's sets of choices.
    Sets,
    /// Counts, or anything else no level may follow.
    Final,
}

impl Loader {
    /// The declared hierarchies, each checked; the loaded sections hold every question.
    pub(super) fn hierarchies(
        &mut self,
        raw: Vec<RawHierarchy>,
        sections: &[Section],
    ) -> Vec<Hierarchy> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for raw in raw {
            let shown: String = raw.question.chars().take(MAX_ID_LEN).collect();
            let place = format!("hierarchy {shown}");
            if !seen.insert(raw.question.clone()) {
                self.error(&place, "another hierarchy is for the same question");
            }
            let question = sections
                .iter()
                .flat_map(|s| &s.questions)
                .find(|q| q.id.as_str() == raw.question);
            let Some(question) = question else {
                self.error(&place, format!("unknown question `{shown}`"));
                continue;
            };
            if question.disclosure != Disclosure::QuasiIdentifier {
                self.error(
                    &place,
                    "only a quasi-identifier (disclosure = \"quasi_identifier\") is generalized",
                );
            }
            let mut below = match &question.kind {
                QuestionKind::SingleChoice { choices, .. } => {
                    Below::Codes(choices.iter().map(|c| c.code.clone()).collect())
                }
                QuestionKind::Integer { .. } => Below::Numbers(1),
                QuestionKind::MultipleChoice { .. } => Below::Sets,
                _ => {
                    self.error(
                        &place,
                        "only a single choice, a multiple choice or an integer question has a hierarchy",
                    );
                    continue;
                }
            };
            let mut levels = Vec::new();
            for (n, level) in raw.levels.into_iter().enumerate() {
                let place = format!("{place} › level {}", n + 1);
                if let Some(level) = self.level(&place, level, &mut below) {
                    levels.push(level);
                }
            }
            if let Ok(question) = QuestionId::parse(&raw.question) {
                out.push(Hierarchy { question, levels });
            }
        }
        out
    }

    /// The sensitive attributes: questions of one answer each (a choice, a point, a
    /// number) that are plain attributes.
    pub(super) fn sensitive(&mut self, raw: Vec<String>, sections: &[Section]) -> Vec<QuestionId> {
        let mut out: Vec<QuestionId> = Vec::new();
        for name in raw {
            let shown: String = name.chars().take(MAX_ID_LEN).collect();
            let question = sections
                .iter()
                .flat_map(|s| &s.questions)
                .find(|q| q.id.as_str() == name);
            let Some(question) = question else {
                self.error("sensitive", format!("unknown question `{shown}`"));
                continue;
            };
            if out.contains(&question.id) {
                self.error("sensitive", format!("`{shown}` is listed twice"));
                continue;
            }
            if question.disclosure != Disclosure::Attribute {
                self.error(
                    "sensitive",
                    format!("`{shown}` is not a plain attribute (disclosure = \"attribute\")"),
                );
                continue;
            }
            match question.kind {
                QuestionKind::SingleChoice { .. }
                | QuestionKind::Likert(_)
                | QuestionKind::Integer { .. } => out.push(question.id.clone()),
                _ => self.error(
                    "sensitive",
                    format!("`{shown}` is not a single choice, a rating or an integer question"),
                ),
            }
        }
        out
    }

    /// One level, checked against the level below, which it then becomes.
    fn level(&mut self, place: &str, raw: RawLevel, below: &mut Below) -> Option<Level> {
        let name = self.text(&format!("{place} › name"), &raw.name);
        let rule = match (raw.groups, raw.width, raw.count) {
            (Some(groups), None, None) => {
                let Below::Codes(codes) = below else {
                    self.error(
                        place,
                        "groups merge the codes of the level below: choices, or groups",
                    );
                    *below = Below::Final;
                    return None;
                };
                let groups = self.groups(place, groups, codes);
                *below = Below::Codes(groups.iter().map(|g| g.code.clone()).collect());
                Rule::Groups(groups)
            }
            (None, Some(width), None) => {
                let Below::Numbers(before) = *below else {
                    self.error(place, "only an integer question is banded by `width`");
                    *below = Below::Final;
                    return None;
                };
                match u32::try_from(width) {
                    Ok(w) if w > before && w % before == 0 => {
                        *below = Below::Numbers(w);
                        Rule::Width(w)
                    }
                    _ => {
                        self.error(
                            &format!("{place} › width"),
                            format!(
                                "must be a multiple of {before} above it, so each band of the level below falls in one band"
                            ),
                        );
                        *below = Below::Final;
                        return None;
                    }
                }
            }
            (None, None, Some(true)) => {
                if !matches!(below, Below::Sets) {
                    self.error(
                        place,
                        "only a multiple choice's first level counts the choices chosen",
                    );
                }
                *below = Below::Final;
                Rule::Count
            }
            _ => {
                self.error(
                    place,
                    "give a level exactly one of `groups`, `width` or `count = true`",
                );
                *below = Below::Final;
                return None;
            }
        };
        Some(Level { name, rule })
    }

    /// Groups that merge `codes`: each code in exactly one group.
    fn groups(
        &mut self,
        place: &str,
        raw: Vec<crate::survey::raw::RawGroup>,
        codes: &[Code],
    ) -> Vec<Group> {
        let mut owner: BTreeMap<&str, String> = BTreeMap::new();
        let mut group_codes = HashSet::new();
        let mut groups = Vec::new();
        for group in raw {
            let shown: String = group.code.chars().take(MAX_ID_LEN).collect();
            let gplace = format!("{place} › group {shown}");
            let label = self.text(&gplace, &group.label);
            if !group_codes.insert(group.code.clone()) {
                self.error(&gplace, "another group of this level has the same code");
            }
            if group.members.is_empty() {
                self.error(&gplace, "a group needs at least one member");
            }
            let mut members = Vec::new();
            for member in &group.members {
                match codes.iter().find(|c| c.as_str() == member) {
                    None => {
                        let m: String = member.chars().take(MAX_ID_LEN).collect();
                        self.error(&gplace, format!("`{m}` is not a value of the level below"));
                    }
                    Some(code) => {
                        if let Some(other) = owner.insert(code.as_str(), shown.clone()) {
                            self.error(
                                &gplace,
                                format!(
                                    "`{code}` is already in group `{other}`: a value goes to exactly one group"
                                ),
                            );
                        }
                        members.push(code.clone());
                    }
                }
            }
            match Code::parse(&group.code) {
                Ok(code) => groups.push(Group {
                    code,
                    label,
                    members,
                }),
                Err(e) => self.error(&gplace, e),
            }
        }
        let left: Vec<&str> = codes
            .iter()
            .map(Code::as_str)
            .filter(|c| !owner.contains_key(c))
            .collect();
        if !left.is_empty() {
            self.error(
                place,
                format!(
                    "{} in no group: every value of the level below goes to exactly one",
                    left.iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        groups
    }
}
