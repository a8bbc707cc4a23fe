//! The expression language of relevance conditions and constraints.
//!
//! ```text
//! role == "clinician" and rd_interest >= 4 and "none" in rd_participation
//! count(priority_organs) <= 3 or not answered(comments)
//! collab_partners.ai_companies in ["formal", "long_term"]
//! ```
//!
//! Grammar, loosest binding first:
//!
//! ```text
//! expr    := or
//! or      := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | compare
//! compare := sum (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in") sum)?
//! sum     := product (("+" | "-") product)*
//! product := primary (("*" | "/" | "mod") primary)*
//! primary := number | string | "true" | "false" | list | call | reference | "(" expr ")"
//! list    := "[" (primary ("," primary)*)? "]"
//! call    := ("count" | "answered" | "length") "(" reference ")"
//! reference := identifier ("." identifier)?       -- a question, or a row of a matrix
//! ```
//!
//! An expression is parsed once ([`parse`]), checked against the questions it may see
//! ([`Expr::check`], which names the column of each problem), and then evaluated any number
//! of times ([`Expr::eval`]) — identically in the browser and on the server. A comparison
//! that involves a question with no answer is false: `rd_interest >= 4` does not hold for a
//! respondent who skipped `rd_interest`, and neither does `rd_interest < 4`. Arithmetic
//! with a missing answer, or a division by zero, is missing too (so compares false);
//! `length(q)` of an unanswered text is 0.
//! Nothing here panics, whatever the input: the parser limits nesting depth and length.

mod ast;
mod check;
mod eval;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;

pub use ast::{ArithOp, BinaryOp, Expr, ExprKind, Reference};
pub use check::{Scope, ValueType};
pub use eval::{Answers, Value};
pub use parser::parse;

/// A problem with an expression, at a column (1-based, counted in characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("column {column}: {message}")]
pub struct ExprError {
    pub column: usize,
    pub message: String,
}

impl ExprError {
    fn new(column: usize, message: impl Into<String>) -> Self {
        Self {
            column,
            message: message.into(),
        }
    }
}
