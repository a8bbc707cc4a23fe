//! Generalization hierarchies of a survey's quasi-identifiers (`[[hierarchies]]`), for
//! anonymized exports: each quasi-identifier's levels from its exact answer up, each a
//! coarsening of the one before; `*` (every answer merged, the column left out) always
//! comes last and is not written. The loader checks them against the questions.

use serde::{Deserialize, Serialize};

use super::{Code, QuestionId, Text};

/// The levels above a quasi-identifier's exact answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hierarchy {
    pub question: QuestionId,
    /// From the least general up; `*` is not among them.
    pub levels: Vec<Level>,
}

/// One level: what it is called, and how it merges the level below.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    pub name: Text,
    pub rule: Rule,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Named groups of the level below's values (choice codes, or the groups before).
    Groups(Vec<Group>),
    /// A number in bands this wide, from the question's minimum (0 when it has none).
    Width(u32),
    /// A multiple choice as how many choices were chosen.
    Count,
}

/// One merged value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub code: Code,
    pub label: Text,
    /// The codes of the level below it merges.
    pub members: Vec<Code>,
}
