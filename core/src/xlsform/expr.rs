//! XLSForm expressions (the XPath subset forms use) in Canvass's expression language.
//!
//! | XLSForm | Canvass |
//! |---|---|
//! | `${q}` | `q` |
//! | `.` (in a constraint: the question itself) | `q` |
//! | `'text'`, `"text"`, `‘text’`, `“text”` | `"text"` |
//! | `=`, `!=`, `<`, `<=`, `>`, `>=` | `==`, `not (… == …)`, `<`, `<=`, `>`, `>=` |
//! | `${q} = ''`, `${q} != ''` | `not answered(q)`, `answered(q)` |
//! | `and`, `or`, `not(…)` | `and`, `or`, `not (…)` |
//! | `selected(${q}, 'a')` | `"a" in q` |
//! | `count-selected(${q})` | `count(q)` |
//! | `true()`, `false()` | `true`, `false` |
//! | `+`, `-`, `*`, `div`, `mod` | `+`, `-`, `*`, `/`, `mod` |
//! | `string-length(${q})` | `length(q)` |
//!
//! `!=` becomes a negated equality so that it keeps XPath's meaning for a question left
//! unanswered (XPath compares an empty value, which differs from `'a'`; in Canvass a
//! comparison with a missing answer is false, and its negation true). Every other function
//! is refused at its column, rather than dropped: a condition that silently lost a part
//! would ask the wrong respondents.

use crate::expr::ExprError;

/// Longest expression accepted, in characters (as Canvass's own).
const MAX_LEN: usize = 2_000;

/// Deepest nesting of parentheses and calls accepted.
const MAX_DEPTH: usize = 64;

/// `source`, an XLSForm expression, in Canvass's expression language. `this` is the
/// question a constraint belongs to, which `.` names; `None` where `.` means nothing (a
/// `relevant` cell). A problem's column counts characters of `source`, from 1.
pub fn translate(source: &str, this: Option<&str>) -> Result<String, ExprError> {
    let chars: Vec<char> = source.chars().collect();
    if chars.len() > MAX_LEN {
        return Err(ExprError {
            column: MAX_LEN + 1,
            message: format!("expression is longer than {MAX_LEN} characters"),
        });
    }
    let tokens = tokenize(&chars)?;
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        depth: 0,
        end: chars.len() + 1,
    };
    let tree = parser.or()?;
    if let Some(extra) = parser.peek() {
        return Err(error(
            extra.column,
            format!(
                "unexpected {} after a complete expression",
                extra.tok.shown()
            ),
        ));
    }
    emit(&tree, this)
}

fn error(column: usize, message: impl Into<String>) -> ExprError {
    ExprError {
        column,
        message: message.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// `${name}`.
    Ref(String),
    /// `.`: the question itself.
    This,
    Text(String),
    /// A number as written.
    Number(String),
    /// A bare name: a function's, or an operator word (`and`, `or`, `div`, `mod`).
    Name(String),
    Comma,
    LParen,
    RParen,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `+`, `-`, `*`, or `|` (a union, which Canvass does not evaluate).
    Other(char),
}

impl Tok {
    fn shown(&self) -> String {
        match self {
            Tok::Ref(name) => format!("`${{{name}}}`"),
            Tok::This => "`.`".into(),
            Tok::Text(text) => format!("'{text}'"),
            Tok::Number(n) | Tok::Name(n) => format!("`{n}`"),
            Tok::Comma => "`,`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Eq => "`=`".into(),
            Tok::Ne => "`!=`".into(),
            Tok::Lt => "`<`".into(),
            Tok::Le => "`<=`".into(),
            Tok::Gt => "`>`".into(),
            Tok::Ge => "`>=`".into(),
            Tok::Other(c) => format!("`{c}`"),
        }
    }
}

#[derive(Debug)]
struct Token {
    tok: Tok,
    column: usize,
}

/// The quotes a string may open with, and the ones that close it: spreadsheets turn
/// straight quotes into typographic ones, which forms then carry.
fn closes(open: char, c: char) -> bool {
    match open {
        '\'' | '‘' | '’' => matches!(c, '\'' | '‘' | '’'),
        _ => matches!(c, '"' | '“' | '”'),
    }
}

fn tokenize(chars: &[char]) -> Result<Vec<Token>, ExprError> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let column = i + 1;
        let next = chars.get(i + 1).copied();
        let (tok, len) = match (c, next) {
            (c, _) if c.is_whitespace() => {
                i += 1;
                continue;
            }
            ('$', Some('{')) => {
                let name: String = chars[i + 2..].iter().take_while(|c| **c != '}').collect();
                let len = name.chars().count() + 3;
                if chars.get(i + len - 1) != Some(&'}') {
                    return Err(error(column, "`${` is not closed with `}`"));
                }
                let name = name.trim();
                if name.is_empty() {
                    return Err(error(column, "`${}` names no question"));
                }
                (Tok::Ref(name.to_string()), len)
            }
            ('.', next) if !next.is_some_and(|n| n.is_ascii_digit() || n == '.') => (Tok::This, 1),
            ('.', Some('.')) => {
                return Err(error(
                    column,
                    "`..` (a relative path) is not supported: name the question as `${name}`",
                ));
            }
            ('\'' | '"' | '‘' | '’' | '“' | '”', _) => {
                let text: String = chars[i + 1..]
                    .iter()
                    .take_while(|d| !closes(c, **d))
                    .collect();
                let len = text.chars().count() + 2;
                if !chars.get(i + len - 1).is_some_and(|d| closes(c, *d)) {
                    return Err(error(column, "a string is not closed"));
                }
                (Tok::Text(text), len)
            }
            (c, _) if c.is_ascii_digit() || c == '.' => {
                let len = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit() || **c == '.')
                    .count();
                let text: String = chars[i..i + len].iter().collect();
                if text.parse::<f64>().is_err() {
                    return Err(error(column, format!("`{text}` is not a number")));
                }
                (Tok::Number(text), len)
            }
            (c, _) if c.is_alphabetic() || c == '_' => {
                let len = chars[i..]
                    .iter()
                    .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':'))
                    .count();
                (Tok::Name(chars[i..i + len].iter().collect()), len)
            }
            (',', _) => (Tok::Comma, 1),
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            ('!', Some('=')) => (Tok::Ne, 2),
            ('<', Some('=')) => (Tok::Le, 2),
            ('>', Some('=')) => (Tok::Ge, 2),
            ('=', _) => (Tok::Eq, 1),
            ('<', _) => (Tok::Lt, 1),
            ('>', _) => (Tok::Gt, 1),
            ('+' | '-' | '*' | '|', _) => (Tok::Other(c), 1),
            ('/', _) => {
                return Err(error(
                    column,
                    "an XPath path is not supported: name the question as `${name}`",
                ));
            }
            (c, _) => return Err(error(column, format!("unexpected character `{c}`"))),
        };
        tokens.push(Token { tok, column });
        i += len;
    }
    Ok(tokens)
}

/// What an expression says, before it is written in Canvass's language.
#[derive(Debug)]
enum Tree {
    Ref(String),
    This(usize),
    Text(String),
    Number(String),
    Bool(bool),
    Not(Box<Tree>),
    And(Box<Tree>, Box<Tree>),
    Or(Box<Tree>, Box<Tree>),
    Compare(Tok, Box<Tree>, Box<Tree>),
    /// `selected(question, code)`.
    Selected(Box<Tree>, String),
    /// `count-selected(question)`.
    CountSelected(Box<Tree>),
    /// `string-length(question)`.
    Length(Box<Tree>),
    /// `a + b`…, with Canvass's symbol (`/` for `div`).
    Arith(&'static str, Box<Tree>, Box<Tree>),
}

struct Parser<'t> {
    tokens: &'t [Token],
    at: usize,
    depth: usize,
    /// The column just past the end, where a missing part is reported.
    end: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end, |t| t.column)
    }

    fn next(&mut self) -> Option<&Token> {
        let token = self.tokens.get(self.at);
        self.at += 1;
        token
    }

    fn word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Name(w), .. }) if w == word)
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), ExprError> {
        match self.peek() {
            Some(t) if t.tok == tok => {
                self.at += 1;
                Ok(())
            }
            Some(t) => Err(error(
                t.column,
                format!("expected {what}, found {}", t.tok.shown()),
            )),
            None => Err(error(self.end, format!("expected {what}"))),
        }
    }

    fn or(&mut self) -> Result<Tree, ExprError> {
        let mut left = self.and()?;
        while self.word("or") {
            self.at += 1;
            left = Tree::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Tree, ExprError> {
        let mut left = self.compare()?;
        while self.word("and") {
            self.at += 1;
            left = Tree::And(Box::new(left), Box::new(self.compare()?));
        }
        Ok(left)
    }

    fn compare(&mut self) -> Result<Tree, ExprError> {
        let left = self.sum()?;
        let Some(op) = self.peek() else {
            return Ok(left);
        };
        let op = op.tok.clone();
        if !matches!(
            op,
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge
        ) {
            return Ok(left);
        }
        self.at += 1;
        let right = self.sum()?;
        if let Some(t) = self.peek()
            && matches!(
                t.tok,
                Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge
            )
        {
            return Err(error(
                t.column,
                "comparisons cannot be chained: join them with `and`",
            ));
        }
        Ok(Tree::Compare(op, Box::new(left), Box::new(right)))
    }

    /// `product (("+" | "-") product)*`.
    fn sum(&mut self) -> Result<Tree, ExprError> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek().map(|t| &t.tok) {
                Some(Tok::Other('+')) => "+",
                Some(Tok::Other('-')) => "-",
                _ => return Ok(left),
            };
            self.at += 1;
            left = Tree::Arith(op, Box::new(left), Box::new(self.product()?));
        }
    }

    /// `primary (("*" | "div" | "mod") primary)*`.
    fn product(&mut self) -> Result<Tree, ExprError> {
        let mut left = self.primary()?;
        loop {
            let op = match self.peek().map(|t| &t.tok) {
                Some(Tok::Other('*')) => "*",
                Some(Tok::Name(w)) if w == "div" => "/",
                Some(Tok::Name(w)) if w == "mod" => "mod",
                _ => return Ok(left),
            };
            self.at += 1;
            left = Tree::Arith(op, Box::new(left), Box::new(self.primary()?));
        }
    }

    fn primary(&mut self) -> Result<Tree, ExprError> {
        let column = self.column();
        let Some(token) = self.next() else {
            return Err(error(column, "expected a value, found the end"));
        };
        match token.tok.clone() {
            Tok::Ref(name) => Ok(Tree::Ref(name)),
            Tok::This => Ok(Tree::This(column)),
            Tok::Text(text) => Ok(Tree::Text(text)),
            Tok::Number(n) => Ok(Tree::Number(n)),
            Tok::Other('-') => match self.next() {
                Some(Token {
                    tok: Tok::Number(n),
                    ..
                }) => Ok(Tree::Number(format!("-{n}"))),
                _ => Err(error(
                    column,
                    "a minus sign goes before a number: write `0 - …` to negate",
                )),
            },
            Tok::LParen => {
                self.deeper(column)?;
                let inner = self.or()?;
                self.expect(Tok::RParen, "`)`")?;
                self.depth -= 1;
                Ok(inner)
            }
            Tok::Name(name) => self.call(&name, column),
            other => Err(error(
                column,
                format!("expected a value, found {}", other.shown()),
            )),
        }
    }

    fn deeper(&mut self, column: usize) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error(
                column,
                format!("expression is nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn call(&mut self, name: &str, column: usize) -> Result<Tree, ExprError> {
        if matches!(name, "and" | "or" | "div" | "mod") {
            return Err(error(column, format!("expected a value, found `{name}`")));
        }
        if self.peek().map(|t| &t.tok) != Some(&Tok::LParen) {
            if name == "not" {
                return Err(error(column, "write `not` as a function: `not(…)`"));
            }
            return Err(error(
                column,
                format!("`{name}` is not a value here: name a question as `${{{name}}}`"),
            ));
        }
        self.at += 1;
        self.deeper(column)?;
        let mut args = Vec::new();
        if self.peek().map(|t| &t.tok) != Some(&Tok::RParen) {
            loop {
                args.push((self.column(), self.or()?));
                if self.peek().map(|t| &t.tok) == Some(&Tok::Comma) {
                    self.at += 1;
                } else {
                    break;
                }
            }
        }
        self.expect(Tok::RParen, "`,` or `)`")?;
        self.depth -= 1;
        let given = args.len();
        let arity = |n: usize| -> Result<(), ExprError> {
            if given == n {
                Ok(())
            } else {
                Err(error(
                    column,
                    format!("`{name}()` takes {n} argument(s), not {given}"),
                ))
            }
        };
        let mut args = args.into_iter();
        match name {
            "true" | "false" => {
                arity(0)?;
                Ok(Tree::Bool(name == "true"))
            }
            "not" => {
                arity(1)?;
                let (_, inner) = args.next().ok_or_else(|| error(column, "no argument"))?;
                Ok(Tree::Not(Box::new(inner)))
            }
            "selected" => {
                arity(2)?;
                let (at, question) = args.next().ok_or_else(|| error(column, "no argument"))?;
                let question = question_of(question, at, name)?;
                let (at, code) = args.next().ok_or_else(|| error(column, "no argument"))?;
                let code = match code {
                    Tree::Text(code) | Tree::Number(code) => code,
                    _ => {
                        return Err(error(
                            at,
                            "the second argument of `selected()` must be a choice's name in quotes",
                        ));
                    }
                };
                Ok(Tree::Selected(Box::new(question), code))
            }
            "string-length" => {
                arity(1)?;
                let (at, question) = args.next().ok_or_else(|| error(column, "no argument"))?;
                Ok(Tree::Length(Box::new(question_of(question, at, name)?)))
            }
            "count-selected" => {
                arity(1)?;
                let (at, question) = args.next().ok_or_else(|| error(column, "no argument"))?;
                Ok(Tree::CountSelected(Box::new(question_of(
                    question, at, name,
                )?)))
            }
            "pulldata" | "search" => Err(error(
                column,
                format!("`{name}()` reads external data, which Canvass does not support"),
            )),
            _ => Err(error(
                column,
                format!("`{name}()` has no equivalent in Canvass's expressions"),
            )),
        }
    }
}

/// The question argument of `selected()` or `count-selected()`.
fn question_of(tree: Tree, column: usize, function: &str) -> Result<Tree, ExprError> {
    match tree {
        Tree::Ref(_) | Tree::This(_) => Ok(tree),
        _ => Err(error(
            column,
            format!("the first argument of `{function}()` must be a question, as `${{name}}`"),
        )),
    }
}

/// A string in Canvass's syntax.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A number in Canvass's syntax (which wants a digit before a decimal point).
fn number(n: &str) -> String {
    match n.strip_prefix('-') {
        Some(rest) if rest.starts_with('.') => format!("-0{rest}"),
        _ if n.starts_with('.') => format!("0{n}"),
        _ => n.to_string(),
    }
}

fn emit(tree: &Tree, this: Option<&str>) -> Result<String, ExprError> {
    let reference = |tree: &Tree| -> Result<Option<String>, ExprError> {
        match tree {
            Tree::Ref(name) => Ok(Some(name.clone())),
            Tree::This(column) => match this {
                Some(this) => Ok(Some(this.to_string())),
                None => Err(error(
                    *column,
                    "`.` means the question itself, which only a constraint has",
                )),
            },
            _ => Ok(None),
        }
    };
    let grouped = |tree: &Tree| -> Result<String, ExprError> {
        let text = emit(tree, this)?;
        Ok(match tree {
            Tree::And(..)
            | Tree::Or(..)
            | Tree::Compare(..)
            | Tree::Selected(..)
            | Tree::Arith(..) => {
                format!("({text})")
            }
            _ => text,
        })
    };
    Ok(match tree {
        Tree::Ref(_) | Tree::This(_) => reference(tree)?.unwrap_or_default(),
        Tree::Text(text) => quoted(text),
        Tree::Number(n) => number(n),
        Tree::Bool(b) => b.to_string(),
        Tree::Not(inner) => format!("not ({})", emit(inner, this)?),
        Tree::And(a, b) => format!("{} and {}", grouped(a)?, grouped(b)?),
        Tree::Or(a, b) => format!("{} or {}", grouped(a)?, grouped(b)?),
        Tree::Selected(question, code) => {
            format!(
                "{} in {}",
                quoted(code),
                reference(question)?.unwrap_or_default()
            )
        }
        Tree::CountSelected(question) => {
            format!("count({})", reference(question)?.unwrap_or_default())
        }
        Tree::Length(question) => {
            format!("length({})", reference(question)?.unwrap_or_default())
        }
        Tree::Arith(op, a, b) => format!("{} {op} {}", grouped(a)?, grouped(b)?),
        Tree::Compare(op, a, b) => {
            // `${q} = ''` asks whether q is unanswered.
            let empty = |t: &Tree| matches!(t, Tree::Text(text) if text.is_empty());
            let blank = match (&**a, &**b) {
                (q, e) | (e, q) if empty(e) && !empty(q) => reference(q)?,
                _ => None,
            };
            match (op, blank) {
                (Tok::Eq, Some(q)) => format!("not answered({q})"),
                (Tok::Ne, Some(q)) => format!("answered({q})"),
                (Tok::Ne, None) => format!("not ({} == {})", grouped(a)?, grouped(b)?),
                (op, _) => {
                    let op = match op {
                        Tok::Eq => "==",
                        Tok::Lt => "<",
                        Tok::Le => "<=",
                        Tok::Gt => ">",
                        _ => ">=",
                    };
                    format!("{} {op} {}", grouped(a)?, grouped(b)?)
                }
            }
        }
    })
}

#[cfg(test)]
mod tests;
