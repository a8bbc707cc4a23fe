//! Splits an expression into tokens, each with its 1-based column.

use super::ExprError;

/// Longest expression accepted, in characters.
pub const MAX_LEN: usize = 2_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Number(f64),
    Text(String),
    Ident(String),
    Dot,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    EqEq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub column: usize,
}

pub fn tokenize(input: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = input.chars().collect();
    if chars.len() > MAX_LEN {
        return Err(ExprError::new(
            MAX_LEN + 1,
            format!("expression is longer than {MAX_LEN} characters"),
        ));
    }
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let column = i + 1;
        let next = chars.get(i + 1).copied();
        let simple = |tok: Tok, len: usize| (Some(tok), len);
        let (tok, len) = match (c, next) {
            (c, _) if c.is_whitespace() => (None, 1),
            ('.', _) => simple(Tok::Dot, 1),
            (',', _) => simple(Tok::Comma, 1),
            ('(', _) => simple(Tok::LParen, 1),
            (')', _) => simple(Tok::RParen, 1),
            ('[', _) => simple(Tok::LBracket, 1),
            (']', _) => simple(Tok::RBracket, 1),
            ('=', Some('=')) => simple(Tok::EqEq, 2),
            ('!', Some('=')) => simple(Tok::Ne, 2),
            ('<', Some('=')) => simple(Tok::Le, 2),
            ('>', Some('=')) => simple(Tok::Ge, 2),
            ('<', _) => simple(Tok::Lt, 1),
            ('>', _) => simple(Tok::Gt, 1),
            ('=', _) => return Err(ExprError::new(column, "use `==` to compare, not `=`")),
            ('"', _) => {
                let (text, len) = string(&chars[i..], column)?;
                (Some(Tok::Text(text)), len)
            }
            // A minus before a digit is a negative number unless a value precedes it
            // (`x -1` is a subtraction, `x > -1` a comparison with minus one).
            (c, _)
                if c.is_ascii_digit()
                    || (c == '-'
                        && next.is_some_and(|n| n.is_ascii_digit())
                        && !tokens.last().is_some_and(ends_value)) =>
            {
                let (number, len) = number(&chars[i..], column)?;
                (Some(Tok::Number(number)), len)
            }
            (c, _) if c.is_ascii_alphabetic() || c == '_' => {
                let len = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .count();
                (Some(Tok::Ident(chars[i..i + len].iter().collect())), len)
            }
            ('+', _) => simple(Tok::Plus, 1),
            ('-', _) => simple(Tok::Minus, 1),
            ('*', _) => simple(Tok::Star, 1),
            ('/', _) => simple(Tok::Slash, 1),
            (c, _) => {
                return Err(ExprError::new(
                    column,
                    format!("unexpected character `{c}`"),
                ));
            }
        };
        if let Some(tok) = tok {
            tokens.push(Token { tok, column });
        }
        i += len;
    }
    Ok(tokens)
}

/// Whether `token` ends a value, so that a `-` after it subtracts.
fn ends_value(token: &Token) -> bool {
    match &token.tok {
        Tok::Number(_) | Tok::Text(_) | Tok::RParen | Tok::RBracket => true,
        Tok::Ident(word) => !["and", "or", "not", "in", "mod"].contains(&word.as_str()),
        _ => false,
    }
}

/// A double-quoted string; `\"` and `\\` are the only escapes.
fn string(chars: &[char], column: usize) -> Result<(String, usize), ExprError> {
    let mut text = String::new();
    let mut i = 1;
    loop {
        match chars.get(i) {
            None => return Err(ExprError::new(column, "string is not closed with `\"`")),
            Some('"') => return Ok((text, i + 1)),
            Some('\\') => match chars.get(i + 1) {
                Some(&c @ ('"' | '\\')) => {
                    text.push(c);
                    i += 2;
                }
                _ => {
                    return Err(ExprError::new(
                        column + i,
                        "only `\\\"` and `\\\\` may follow `\\`",
                    ));
                }
            },
            Some(&c) => {
                text.push(c);
                i += 1;
            }
        }
    }
}

fn number(chars: &[char], column: usize) -> Result<(f64, usize), ExprError> {
    let len = 1 + chars[1..]
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == '.')
        .count();
    let text: String = chars[..len].iter().collect();
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok((n, len)),
        _ => Err(ExprError::new(column, format!("`{text}` is not a number"))),
    }
}
