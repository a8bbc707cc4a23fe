//! A condition in words, for the codebook's "who was asked": the questions it reads by
//! their text, the choices it compares with by their labels.

use crate::expr::{BinaryOp, Expr, ExprKind, Reference};
use crate::lang::Lang;
use crate::survey::{MatrixAnswer, QuestionKind, Survey};

/// `expr` in words in `lang`, such as `“您的身份” 为 “临床医生”`.
pub fn worded(expr: &Expr, survey: &Survey, lang: Lang) -> String {
    Words { survey, lang }.expr(expr, None)
}

struct Words<'a> {
    survey: &'a Survey,
    lang: Lang,
}

impl Words<'_> {
    fn en(&self) -> bool {
        self.lang == Lang::En
    }

    /// A question (or a matrix row) by its text.
    fn reference(&self, r: &Reference) -> String {
        let Some(question) = self.survey.question(&r.question) else {
            return r.to_string();
        };
        let label = question.label.get(self.lang);
        match &r.row {
            Some(row) => {
                let row_label = self
                    .survey
                    .items(&r.question)
                    .iter()
                    .find(|c| c.code.as_str() == row)
                    .map_or(row.as_str(), |c| c.label.get(self.lang));
                format!("“{label}: {row_label}”")
            }
            None => format!("“{label}”"),
        }
    }

    /// The label of choice `code` of what `r` reads, if it is one.
    fn choice(&self, r: &Reference, code: &str) -> Option<String> {
        let question = self.survey.question(&r.question)?;
        let choices = match (&question.kind, &r.row) {
            (QuestionKind::Matrix { answer, .. }, Some(_)) => match answer {
                MatrixAnswer::Choices(choices) => choices.as_slice(),
                MatrixAnswer::Scale(_) => return None,
            },
            _ => self.survey.items(&r.question),
        };
        choices
            .iter()
            .find(|c| c.code.as_str() == code)
            .map(|c| format!("“{}”", c.label.get(self.lang)))
    }

    /// `expr` in words; `about` is the question a text is compared with (for its label).
    fn expr(&self, expr: &Expr, about: Option<&Reference>) -> String {
        match &expr.kind {
            ExprKind::Number(n) => n.to_string(),
            ExprKind::Text(text) => about
                .and_then(|r| self.choice(r, text))
                .unwrap_or_else(|| format!("“{text}”")),
            ExprKind::Bool(b) => match (b, self.en()) {
                (true, true) => "true".into(),
                (false, true) => "false".into(),
                (true, false) => "真".into(),
                (false, false) => "假".into(),
            },
            ExprKind::List(items) => {
                let words: Vec<String> = items.iter().map(|e| self.expr(e, about)).collect();
                format!("({})", words.join(if self.en() { ", " } else { "、" }))
            }
            ExprKind::Ref(r) => self.reference(r),
            ExprKind::Count(r) => match self.en() {
                true => format!("the number chosen in {}", self.reference(r)),
                false => format!("{} 的选择数", self.reference(r)),
            },
            ExprKind::Answered(r) => match self.en() {
                true => format!("{} is answered", self.reference(r)),
                false => format!("{} 已作答", self.reference(r)),
            },
            ExprKind::Length(r) => match self.en() {
                true => format!("the length of {}", self.reference(r)),
                false => format!("{} 的字数", self.reference(r)),
            },
            ExprKind::Arith(op, left, right) => {
                let side = |e: &Expr| match &e.kind {
                    ExprKind::Arith(..) => format!("({})", self.expr(e, None)),
                    _ => self.expr(e, None),
                };
                format!("{} {} {}", side(left), op.symbol(), side(right))
            }
            ExprKind::Not(inner) => match self.en() {
                true => format!("not ({})", self.expr(inner, about)),
                false => format!("并非（{}）", self.expr(inner, about)),
            },
            ExprKind::Binary(op, left, right) => self.binary(*op, left, right),
        }
    }

    fn binary(&self, op: BinaryOp, left: &Expr, right: &Expr) -> String {
        let reference = |e: &Expr| match &e.kind {
            ExprKind::Ref(r) => Some(r.clone()),
            _ => None,
        };
        // A text on one side is read as a choice of the question on the other.
        let (l_ref, r_ref) = (reference(left), reference(right));
        let l = self.expr(left, r_ref.as_ref());
        let r = self.expr(right, l_ref.as_ref());
        let en = self.en();
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let group = |e: &Expr, words: String| match &e.kind {
                    ExprKind::Binary(inner, ..)
                        if *inner != op && matches!(inner, BinaryOp::And | BinaryOp::Or) =>
                    {
                        format!("({words})")
                    }
                    _ => words,
                };
                let joint = match (op, en) {
                    (BinaryOp::And, true) => " and ",
                    (BinaryOp::And, false) => " 且 ",
                    (_, true) => " or ",
                    (_, false) => " 或 ",
                };
                format!("{}{joint}{}", group(left, l), group(right, r))
            }
            BinaryOp::In => match en {
                true => format!("{r} includes {l}"),
                false => format!("{r} 包含 {l}"),
            },
            BinaryOp::Eq => match en {
                true => format!("{l} is {r}"),
                false => format!("{l} 为 {r}"),
            },
            BinaryOp::Ne => match en {
                true => format!("{l} is not {r}"),
                false => format!("{l} 不为 {r}"),
            },
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let symbol = match op {
                    BinaryOp::Lt => "<",
                    BinaryOp::Le => "≤",
                    BinaryOp::Gt => ">",
                    _ => "≥",
                };
                format!("{l} {symbol} {r}")
            }
        }
    }
}
