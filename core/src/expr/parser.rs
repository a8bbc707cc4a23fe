//! Recursive descent over the tokens; see the grammar in the module above.

use super::ExprError;
use super::ast::{ArithOp, BinaryOp, Expr, ExprKind, Reference};
use super::lexer::{Tok, Token, tokenize};

/// Deepest nesting of parentheses, `not` and lists accepted.
const MAX_DEPTH: usize = 32;

/// Parses an expression. The error names the column of the first problem.
pub fn parse(input: &str) -> Result<Expr, ExprError> {
    let tokens = tokenize(input)?;
    let end = input.chars().count() + 1;
    let mut parser = Parser {
        tokens,
        pos: 0,
        end,
        depth: 0,
    };
    if parser.tokens.is_empty() {
        return Err(ExprError::new(1, "expression is empty"));
    }
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => Err(ExprError::new(
            token.column,
            format!(
                "unexpected {} after a complete expression",
                describe(&token.tok)
            ),
        )),
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Column just past the input, for "ended too early" errors.
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn is_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Ident(w), .. }) if w == word)
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end, |t| t.column)
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<(), ExprError> {
        match self.next() {
            Some(token) if token.tok == want => Ok(()),
            Some(token) => Err(ExprError::new(
                token.column,
                format!("expected {what}, found {}", describe(&token.tok)),
            )),
            None => Err(ExprError::new(
                self.end,
                format!("expected {what}, but the expression ended"),
            )),
        }
    }

    fn nested<T>(
        &mut self,
        column: usize,
        f: impl FnOnce(&mut Self) -> Result<T, ExprError>,
    ) -> Result<T, ExprError> {
        if self.depth >= MAX_DEPTH {
            return Err(ExprError::new(
                column,
                format!("expression is nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        self.chain("or", BinaryOp::Or, Self::and)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        self.chain("and", BinaryOp::And, Self::not)
    }

    /// `operand (keyword operand)*`, grouped to the left.
    fn chain(
        &mut self,
        keyword: &str,
        op: BinaryOp,
        operand: fn(&mut Self) -> Result<Expr, ExprError>,
    ) -> Result<Expr, ExprError> {
        let mut left = operand(self)?;
        while self.is_keyword(keyword) {
            self.pos += 1;
            let right = operand(self)?;
            left = binary(op, left, right);
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, ExprError> {
        if self.is_keyword("not") {
            let column = self.column();
            self.pos += 1;
            let inner = self.nested(column, Self::not)?;
            return Ok(Expr {
                column,
                kind: ExprKind::Not(Box::new(inner)),
            });
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, ExprError> {
        let left = self.sum()?;
        let op = match self.peek().map(|t| &t.tok) {
            Some(Tok::EqEq) => BinaryOp::Eq,
            Some(Tok::Ne) => BinaryOp::Ne,
            Some(Tok::Lt) => BinaryOp::Lt,
            Some(Tok::Le) => BinaryOp::Le,
            Some(Tok::Gt) => BinaryOp::Gt,
            Some(Tok::Ge) => BinaryOp::Ge,
            Some(Tok::Ident(w)) if w == "in" => BinaryOp::In,
            _ => return Ok(left),
        };
        self.pos += 1;
        let right = if op == BinaryOp::In {
            self.primary()?
        } else {
            self.sum()?
        };
        Ok(binary(op, left, right))
    }

    /// `product (("+" | "-") product)*`, grouped to the left.
    fn sum(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek().map(|t| &t.tok) {
                Some(Tok::Plus) => ArithOp::Add,
                Some(Tok::Minus) => ArithOp::Sub,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.product()?;
            left = arith(op, left, right);
        }
    }

    /// `primary (("*" | "/" | "mod") primary)*`, grouped to the left.
    fn product(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.primary()?;
        loop {
            let op = match self.peek().map(|t| &t.tok) {
                Some(Tok::Star) => ArithOp::Mul,
                Some(Tok::Slash) => ArithOp::Div,
                Some(Tok::Ident(w)) if w == "mod" => ArithOp::Mod,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.primary()?;
            left = arith(op, left, right);
        }
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let column = self.column();
        let Some(token) = self.next() else {
            return Err(ExprError::new(
                self.end,
                "expected a value, but the expression ended",
            ));
        };
        let kind = match token.tok {
            Tok::Number(n) => ExprKind::Number(n),
            Tok::Text(s) => ExprKind::Text(s),
            Tok::LParen => {
                let inner = self.nested(column, Self::or)?;
                self.expect(Tok::RParen, "`)`")?;
                return Ok(inner);
            }
            Tok::LBracket => ExprKind::List(self.nested(column, Self::list)?),
            Tok::Ident(word) => match word.as_str() {
                "true" => ExprKind::Bool(true),
                "false" => ExprKind::Bool(false),
                "count" | "answered" => {
                    self.expect(Tok::LParen, &format!("`(` after `{word}`"))?;
                    let reference = self.reference()?;
                    self.expect(Tok::RParen, "`)`")?;
                    if word == "count" {
                        ExprKind::Count(reference)
                    } else {
                        ExprKind::Answered(reference)
                    }
                }
                // `length` is a function only when called: a question may be named so.
                "length"
                    if matches!(
                        self.peek(),
                        Some(Token {
                            tok: Tok::LParen,
                            ..
                        })
                    ) =>
                {
                    self.pos += 1;
                    let reference = self.reference()?;
                    self.expect(Tok::RParen, "`)`")?;
                    ExprKind::Length(reference)
                }
                "and" | "or" | "not" | "in" => {
                    return Err(ExprError::new(
                        column,
                        format!("expected a value, found `{word}`"),
                    ));
                }
                _ => {
                    self.pos -= 1;
                    ExprKind::Ref(self.reference()?)
                }
            },
            other => {
                return Err(ExprError::new(
                    column,
                    format!("expected a value, found {}", describe(&other)),
                ));
            }
        };
        Ok(Expr { column, kind })
    }

    fn list(&mut self) -> Result<Vec<Expr>, ExprError> {
        let mut items = Vec::new();
        if matches!(
            self.peek(),
            Some(Token {
                tok: Tok::RBracket,
                ..
            })
        ) {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            items.push(self.primary()?);
            match self.next() {
                Some(Token {
                    tok: Tok::Comma, ..
                }) => {}
                Some(Token {
                    tok: Tok::RBracket, ..
                }) => return Ok(items),
                Some(token) => {
                    return Err(ExprError::new(
                        token.column,
                        format!("expected `,` or `]`, found {}", describe(&token.tok)),
                    ));
                }
                None => return Err(ExprError::new(self.end, "list is not closed with `]`")),
            }
        }
    }

    fn reference(&mut self) -> Result<Reference, ExprError> {
        let question = self.identifier("a question ID")?;
        let row = if matches!(self.peek(), Some(Token { tok: Tok::Dot, .. })) {
            self.pos += 1;
            Some(self.identifier("a row ID after `.`")?)
        } else {
            None
        };
        Ok(Reference { question, row })
    }

    fn identifier(&mut self, what: &str) -> Result<String, ExprError> {
        match self.next() {
            Some(Token {
                tok: Tok::Ident(word),
                column,
            }) => {
                if [
                    "and", "or", "not", "in", "true", "false", "count", "answered",
                ]
                .contains(&word.as_str())
                {
                    Err(ExprError::new(
                        column,
                        format!("expected {what}, found the keyword `{word}`"),
                    ))
                } else {
                    Ok(word)
                }
            }
            Some(token) => Err(ExprError::new(
                token.column,
                format!("expected {what}, found {}", describe(&token.tok)),
            )),
            None => Err(ExprError::new(
                self.end,
                format!("expected {what}, but the expression ended"),
            )),
        }
    }
}

fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    Expr {
        column: left.column,
        kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
    }
}

fn arith(op: ArithOp, left: Expr, right: Expr) -> Expr {
    Expr {
        column: left.column,
        kind: ExprKind::Arith(op, Box::new(left), Box::new(right)),
    }
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Number(n) => format!("number `{n}`"),
        Tok::Text(s) => format!("string \"{s}\""),
        Tok::Ident(w) => format!("`{w}`"),
        Tok::Dot => "`.`".into(),
        Tok::Comma => "`,`".into(),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::LBracket => "`[`".into(),
        Tok::RBracket => "`]`".into(),
        Tok::EqEq => "`==`".into(),
        Tok::Ne => "`!=`".into(),
        Tok::Lt => "`<`".into(),
        Tok::Le => "`<=`".into(),
        Tok::Gt => "`>`".into(),
        Tok::Ge => "`>=`".into(),
        Tok::Plus => "`+`".into(),
        Tok::Minus => "`-`".into(),
        Tok::Star => "`*`".into(),
        Tok::Slash => "`/`".into(),
    }
}
