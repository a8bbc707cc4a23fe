//! The parsed form of an expression.

use serde::{Deserialize, Serialize};

/// A question, or one row of a matrix question (`collab_partners.ai_companies`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub question: String,
    pub row: Option<String>,
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.row {
            Some(row) => write!(f, "{}.{row}", self.question),
            None => f.write_str(&self.question),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinaryOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    And,
    Or,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
        }
    }
}

/// An arithmetic operator (`+ - * /` and `mod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl ArithOp {
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "mod",
        }
    }
}

/// A node with the column where it starts, for error messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expr {
    pub column: usize,
    pub kind: ExprKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ExprKind {
    Number(f64),
    Text(String),
    Bool(bool),
    List(Vec<Expr>),
    Ref(Reference),
    Count(Reference),
    Answered(Reference),
    /// The number of characters of a text answer (0 when unanswered).
    Length(Reference),
    Not(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Every question this expression reads, in order of appearance.
    pub fn references(&self) -> Vec<&Reference> {
        let mut out = Vec::new();
        self.collect_references(&mut out);
        out
    }

    fn collect_references<'a>(&'a self, out: &mut Vec<&'a Reference>) {
        match &self.kind {
            ExprKind::Ref(r) | ExprKind::Count(r) | ExprKind::Answered(r) | ExprKind::Length(r) => {
                out.push(r)
            }
            ExprKind::List(items) => items.iter().for_each(|e| e.collect_references(out)),
            ExprKind::Not(inner) => inner.collect_references(out),
            ExprKind::Binary(_, left, right) | ExprKind::Arith(_, left, right) => {
                left.collect_references(out);
                right.collect_references(out);
            }
            ExprKind::Number(_) | ExprKind::Text(_) | ExprKind::Bool(_) => {}
        }
    }
}
