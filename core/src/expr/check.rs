//! Type-checking an expression against the questions it may read.

use super::ExprError;
use super::ast::{ArithOp, BinaryOp, Expr, ExprKind, Reference};

/// What a reference evaluates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Bool,
    Number,
    /// Free text or a date (ISO 8601, so it compares in order).
    Text,
    /// One code of a single-choice question (or a matrix row).
    Choice,
    /// The set of codes of a multiple-choice or ranking question.
    Choices,
}

impl ValueType {
    fn name(self) -> &'static str {
        match self {
            ValueType::Bool => "true/false",
            ValueType::Number => "a number",
            ValueType::Text => "text",
            ValueType::Choice => "a choice",
            ValueType::Choices => "a set of choices",
        }
    }

    fn is_textual(self) -> bool {
        matches!(self, ValueType::Text | ValueType::Choice)
    }
}

/// The questions an expression may read: in a survey, those before it.
pub trait Scope {
    /// The type of a reference, or why it may not be read here ("unknown question …",
    /// "… comes later in the survey", "… is a matrix: name a row").
    fn resolve(&self, reference: &Reference) -> Result<ValueType, String>;
    /// Whether `code` is one of the referenced question's choices.
    fn has_code(&self, reference: &Reference, code: &str) -> bool;
}

/// The type of a checked sub-expression, with the reference it came from when it is one.
struct Typed<'a> {
    ty: ValueType,
    reference: Option<&'a Reference>,
}

impl Expr {
    /// Checks that the expression is a condition (true/false) that reads only what `scope`
    /// allows, with operands of matching types and choice codes that exist.
    pub fn check(&self, scope: &dyn Scope) -> Result<(), ExprError> {
        let typed = self.typed(scope)?;
        if typed.ty == ValueType::Bool {
            Ok(())
        } else {
            Err(ExprError::new(
                self.column,
                format!(
                    "a condition must be true or false, but this is {}",
                    typed.ty.name()
                ),
            ))
        }
    }

    fn typed<'a>(&'a self, scope: &dyn Scope) -> Result<Typed<'a>, ExprError> {
        let plain = |ty| {
            Ok(Typed {
                ty,
                reference: None,
            })
        };
        match &self.kind {
            ExprKind::Number(_) => plain(ValueType::Number),
            ExprKind::Text(_) => plain(ValueType::Text),
            ExprKind::Bool(_) => plain(ValueType::Bool),
            ExprKind::List(_) => Err(ExprError::new(self.column, "a list may only follow `in`")),
            ExprKind::Ref(reference) => {
                let ty = scope
                    .resolve(reference)
                    .map_err(|message| ExprError::new(self.column, message))?;
                Ok(Typed {
                    ty,
                    reference: Some(reference),
                })
            }
            ExprKind::Count(reference) => match scope.resolve(reference) {
                Ok(ValueType::Choices) => plain(ValueType::Number),
                Ok(other) => Err(ExprError::new(
                    self.column,
                    format!(
                        "count() needs a multiple-choice or ranking question, but `{reference}` is {}",
                        other.name()
                    ),
                )),
                Err(message) => Err(ExprError::new(self.column, message)),
            },
            ExprKind::Answered(reference) => match scope.resolve(reference) {
                Ok(_) => plain(ValueType::Bool),
                Err(message) => Err(ExprError::new(self.column, message)),
            },
            ExprKind::Length(reference) => match scope.resolve(reference) {
                Ok(ValueType::Text) => plain(ValueType::Number),
                Ok(other) => Err(ExprError::new(
                    self.column,
                    format!(
                        "length() needs a text question, but `{reference}` is {}",
                        other.name()
                    ),
                )),
                Err(message) => Err(ExprError::new(self.column, message)),
            },
            ExprKind::Arith(op, left, right) => {
                for side in [left, right] {
                    let ty = side.typed(scope)?.ty;
                    if ty != ValueType::Number {
                        return Err(arith_needs_numbers(side, *op, ty));
                    }
                }
                plain(ValueType::Number)
            }
            ExprKind::Not(inner) => {
                let typed = inner.typed(scope)?;
                expect_bool(inner, typed.ty, "not")?;
                plain(ValueType::Bool)
            }
            ExprKind::Binary(op, left, right) => self.binary(*op, left, right, scope),
        }
    }

    fn binary<'a>(
        &'a self,
        op: BinaryOp,
        left: &'a Expr,
        right: &'a Expr,
        scope: &dyn Scope,
    ) -> Result<Typed<'a>, ExprError> {
        let l = left.typed(scope)?;
        let bool_result = Ok(Typed {
            ty: ValueType::Bool,
            reference: None,
        });
        if op == BinaryOp::In {
            return match (&right.kind, l.ty) {
                (ExprKind::List(items), ty) => {
                    for item in items {
                        let item_ty = item.typed(scope)?.ty;
                        let fits = (ty.is_textual() && item_ty == ValueType::Text)
                            || (ty == ValueType::Number && item_ty == ValueType::Number);
                        if !fits {
                            return Err(ExprError::new(
                                item.column,
                                format!(
                                    "this list item is {}, but the left side is {}",
                                    item_ty.name(),
                                    ty.name()
                                ),
                            ));
                        }
                        check_code(l.reference, item, scope)?;
                    }
                    bool_result
                }
                (_, ty) if ty.is_textual() => {
                    let r = right.typed(scope)?;
                    if r.ty != ValueType::Choices {
                        return Err(ExprError::new(
                            right.column,
                            format!(
                                "`in` needs a list or a multiple-choice question on its right, but this is {}",
                                r.ty.name()
                            ),
                        ));
                    }
                    check_code(r.reference, left, scope)?;
                    bool_result
                }
                (_, ty) => Err(ExprError::new(
                    left.column,
                    format!(
                        "`in` needs text or a choice on its left, but this is {}",
                        ty.name()
                    ),
                )),
            };
        }
        let r = right.typed(scope)?;
        match op {
            BinaryOp::And | BinaryOp::Or => {
                expect_bool(left, l.ty, op.symbol())?;
                expect_bool(right, r.ty, op.symbol())?;
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                let same = l.ty == r.ty || (l.ty.is_textual() && r.ty.is_textual());
                if !same || l.ty == ValueType::Choices {
                    return Err(mismatch(self, op, l.ty, r.ty));
                }
                check_code(l.reference, right, scope)?;
                check_code(r.reference, left, scope)?;
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let ordered = (l.ty == ValueType::Number && r.ty == ValueType::Number)
                    || (l.ty == ValueType::Text && r.ty == ValueType::Text);
                if !ordered {
                    return Err(mismatch(self, op, l.ty, r.ty));
                }
            }
            BinaryOp::In => {}
        }
        bool_result
    }
}

fn expect_bool(expr: &Expr, ty: ValueType, op: &str) -> Result<(), ExprError> {
    if ty == ValueType::Bool {
        Ok(())
    } else {
        Err(ExprError::new(
            expr.column,
            format!("`{op}` needs true/false here, but this is {}", ty.name()),
        ))
    }
}

fn arith_needs_numbers(side: &Expr, op: ArithOp, ty: ValueType) -> ExprError {
    ExprError::new(
        side.column,
        format!("`{}` needs numbers, but this is {}", op.symbol(), ty.name()),
    )
}

fn mismatch(expr: &Expr, op: BinaryOp, left: ValueType, right: ValueType) -> ExprError {
    ExprError::new(
        expr.column,
        format!(
            "cannot compare {} with {} using `{}`",
            left.name(),
            right.name(),
            op.symbol()
        ),
    )
}

/// A string literal compared with a choice question must be one of its codes.
fn check_code(
    reference: Option<&Reference>,
    literal: &Expr,
    scope: &dyn Scope,
) -> Result<(), ExprError> {
    if let (Some(reference), ExprKind::Text(code)) = (reference, &literal.kind) {
        let is_choice = matches!(
            scope.resolve(reference),
            Ok(ValueType::Choice | ValueType::Choices)
        );
        if is_choice && !scope.has_code(reference, code) {
            return Err(ExprError::new(
                literal.column,
                format!("\"{code}\" is not a choice of `{reference}`"),
            ));
        }
    }
    Ok(())
}
