//! Evaluating a checked expression against the answers given so far.

use super::ast::{ArithOp, BinaryOp, Expr, ExprKind, Reference};

/// The value of an answer, as expressions see it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Not answered, or not asked.
    Missing,
    Bool(bool),
    Number(f64),
    Text(String),
    /// Selected (or ranked) codes.
    Set(Vec<String>),
}

/// Where an expression reads answers from.
pub trait Answers {
    fn value(&self, reference: &Reference) -> Value;
}

impl Expr {
    /// Evaluates a condition. Anything that is not `true` — including a comparison with a
    /// missing answer — counts as false.
    pub fn holds(&self, answers: &dyn Answers) -> bool {
        self.eval(answers) == Value::Bool(true)
    }

    /// Evaluates to a value. Comparisons involving [`Value::Missing`] are false.
    pub fn eval(&self, answers: &dyn Answers) -> Value {
        match &self.kind {
            ExprKind::Number(n) => Value::Number(*n),
            ExprKind::Text(s) => Value::Text(s.clone()),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::List(items) => Value::Set(
                items
                    .iter()
                    .filter_map(|item| match item.eval(answers) {
                        Value::Text(s) => Some(s),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect(),
            ),
            ExprKind::Ref(reference) => answers.value(reference),
            ExprKind::Count(reference) => match answers.value(reference) {
                Value::Set(codes) => Value::Number(codes.len() as f64),
                _ => Value::Number(0.0),
            },
            ExprKind::Answered(reference) => {
                Value::Bool(answers.value(reference) != Value::Missing)
            }
            ExprKind::Length(reference) => match answers.value(reference) {
                Value::Text(text) => Value::Number(text.chars().count() as f64),
                _ => Value::Number(0.0),
            },
            ExprKind::Arith(op, left, right) => match (left.eval(answers), right.eval(answers)) {
                (Value::Number(a), Value::Number(b)) => arith(*op, a, b),
                _ => Value::Missing,
            },
            ExprKind::Not(inner) => Value::Bool(!inner.holds(answers)),
            ExprKind::Binary(BinaryOp::And, left, right) => {
                Value::Bool(left.holds(answers) && right.holds(answers))
            }
            ExprKind::Binary(BinaryOp::Or, left, right) => {
                Value::Bool(left.holds(answers) || right.holds(answers))
            }
            ExprKind::Binary(op, left, right) => {
                Value::Bool(compare(*op, &left.eval(answers), &right.eval(answers)))
            }
        }
    }
}

/// `a op b`; missing when it has no finite value (a division by zero).
fn arith(op: ArithOp, a: f64, b: f64) -> Value {
    let value = match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Div => a / b,
        // The sign of the dividend, as XPath's `mod` (and Rust's `%`).
        ArithOp::Mod => a % b,
    };
    if value.is_finite() {
        Value::Number(value)
    } else {
        Value::Missing
    }
}

fn compare(op: BinaryOp, left: &Value, right: &Value) -> bool {
    use std::cmp::Ordering;
    if op == BinaryOp::In {
        return match (left, right) {
            (Value::Text(item), Value::Set(set)) => set.iter().any(|s| s == item),
            (Value::Number(n), Value::Set(set)) => {
                set.iter().any(|s| s.parse::<f64>().ok() == Some(*n))
            }
            _ => false,
        };
    }
    let ordering = match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.partial_cmp(b),
        (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    };
    let Some(ordering) = ordering else {
        return false;
    };
    match op {
        BinaryOp::Eq => ordering == Ordering::Equal,
        BinaryOp::Ne => ordering != Ordering::Equal,
        BinaryOp::Lt => ordering == Ordering::Less,
        BinaryOp::Le => ordering != Ordering::Greater,
        BinaryOp::Gt => ordering == Ordering::Greater,
        BinaryOp::Ge => ordering != Ordering::Less,
        BinaryOp::In | BinaryOp::And | BinaryOp::Or => false,
    }
}
