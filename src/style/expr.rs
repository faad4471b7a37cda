//! Band math for TiTiler's `expression` parameter (`(b4-b3)/(b4+b3)`, `where(b1>100, b1, 0)`, several
//! outputs separated by `;`), parsed into a tree and evaluated in Rust over whole bands: no `eval`.
//!
//! The language is the numexpr subset TiTiler users write: numbers, bands `b1`…`bN` (1-based, any
//! case), `+ - * / % **` (and `^` as power), comparisons `< <= > >= == !=` giving 1 or 0, `&` and
//! `|` on truth values, `~` (not), parentheses, and the functions `abs sqrt exp log log10 log1p
//! sin cos tan arcsin arccos arctan floor ceil`, `arctan2(y, x)`, `minimum(a, b)`, `maximum(a, b)`,
//! `where(condition, a, b)`; constants `pi` and `e`. Arithmetic is IEEE f64 as numpy's float64.

use crate::error::{Error, Result};

/// Longest expression text accepted.
const MAX_LEN: usize = 4096;
/// Deepest nesting accepted (keeps the recursive parser's stack bounded).
const MAX_DEPTH: usize = 64;

/// A parsed expression tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A constant.
    Num(f64),
    /// Band `i` (0-based).
    Band(usize),
    /// A unary operator or function.
    Unary(UnOp, Box<Expr>),
    /// A binary operator or two-argument function.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `where(condition, a, b)`.
    Where(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// One-argument operations.
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(missing_docs)]
pub enum UnOp {
    Neg,
    Not,
    Abs,
    Sqrt,
    Exp,
    Log,
    Log10,
    Log1p,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Floor,
    Ceil,
}

/// Two-argument operations.
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(missing_docs)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    Atan2,
    Min,
    Max,
}

impl UnOp {
    fn apply(self, a: f64) -> f64 {
        match self {
            UnOp::Neg => -a,
            UnOp::Not => f64::from(a == 0.0),
            UnOp::Abs => a.abs(),
            UnOp::Sqrt => a.sqrt(),
            UnOp::Exp => a.exp(),
            UnOp::Log => a.ln(),
            UnOp::Log10 => a.log10(),
            UnOp::Log1p => a.ln_1p(),
            UnOp::Sin => a.sin(),
            UnOp::Cos => a.cos(),
            UnOp::Tan => a.tan(),
            UnOp::Asin => a.asin(),
            UnOp::Acos => a.acos(),
            UnOp::Atan => a.atan(),
            UnOp::Floor => a.floor(),
            UnOp::Ceil => a.ceil(),
        }
    }
}

impl BinOp {
    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            BinOp::Add => a + b,
            BinOp::Sub => a - b,
            BinOp::Mul => a * b,
            BinOp::Div => a / b,
            // numpy's `%` takes the sign of the divisor.
            BinOp::Rem => a - b * (a / b).floor(),
            BinOp::Pow => a.powf(b),
            BinOp::Lt => f64::from(a < b),
            BinOp::Le => f64::from(a <= b),
            BinOp::Gt => f64::from(a > b),
            BinOp::Ge => f64::from(a >= b),
            BinOp::Eq => f64::from(a == b),
            BinOp::Ne => f64::from(a != b),
            BinOp::And => f64::from(a != 0.0 && b != 0.0),
            BinOp::Or => f64::from(a != 0.0 || b != 0.0),
            BinOp::Atan2 => a.atan2(b),
            BinOp::Min => a.min(b),
            BinOp::Max => a.max(b),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(&'static str),
}

fn tokenize(s: &str) -> Result<Vec<Tok>> {
    const OPS: [&str; 18] =
        ["**", "<=", ">=", "==", "!=", "+", "-", "*", "/", "%", "^", "<", ">", "&", "|", "~", "(", ")"];
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                let exp_digits = |j: usize| b.get(j).is_some_and(|d| d.is_ascii_digit());
                let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
                if exp_digits(i + 1 + sign) {
                    i += 1 + sign;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let t = &s[start..i];
            out.push(Tok::Num(t.parse().map_err(|_| Error::usage(format!("expression: bad number {t:?}")))?));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(s[start..i].to_ascii_lowercase()));
        } else if c == b',' {
            out.push(Tok::Op(","));
            i += 1;
        } else if let Some(op) = OPS.iter().find(|op| s[i..].starts_with(**op)) {
            out.push(Tok::Op(op));
            i += op.len();
        } else {
            let ch = s[i..].chars().next().unwrap_or('?');
            return Err(Error::usage(format!("expression: unexpected {ch:?} at character {}", i + 1)));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
    bands: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> Result<()> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(Error::usage(format!("expression: expected {op:?} {}", self.here())))
        }
    }

    fn here(&self) -> String {
        match self.peek() {
            Some(Tok::Num(n)) => format!("before {n}"),
            Some(Tok::Ident(s)) => format!("before {s:?}"),
            Some(Tok::Op(o)) => format!("before {o:?}"),
            None => "at the end".into(),
        }
    }

    /// Parses one level of left-associative binary operators.
    fn left(&mut self, ops: &[(&str, BinOp)], next: fn(&mut Self) -> Result<Expr>) -> Result<Expr> {
        let mut e = next(self)?;
        'outer: loop {
            for (s, op) in ops {
                if self.eat(s) {
                    e = Expr::Binary(*op, Box::new(e), Box::new(next(self)?));
                    continue 'outer;
                }
            }
            return Ok(e);
        }
    }

    fn or(&mut self) -> Result<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::usage(format!("expression: nested deeper than {MAX_DEPTH}")));
        }
        let e = self.left(&[("|", BinOp::Or)], Self::and);
        self.depth -= 1;
        e
    }

    fn and(&mut self) -> Result<Expr> {
        self.left(&[("&", BinOp::And)], Self::cmp)
    }

    fn cmp(&mut self) -> Result<Expr> {
        let ops = [
            ("<=", BinOp::Le),
            (">=", BinOp::Ge),
            ("==", BinOp::Eq),
            ("!=", BinOp::Ne),
            ("<", BinOp::Lt),
            (">", BinOp::Gt),
        ];
        self.left(&ops, Self::add)
    }

    fn add(&mut self) -> Result<Expr> {
        self.left(&[("+", BinOp::Add), ("-", BinOp::Sub)], Self::mul)
    }

    fn mul(&mut self) -> Result<Expr> {
        self.left(&[("*", BinOp::Mul), ("/", BinOp::Div), ("%", BinOp::Rem)], Self::unary)
    }

    fn unary(&mut self) -> Result<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::usage(format!("expression: nested deeper than {MAX_DEPTH}")));
        }
        let e = if self.eat("-") {
            Expr::Unary(UnOp::Neg, Box::new(self.unary()?))
        } else if self.eat("+") {
            self.unary()?
        } else if self.eat("~") {
            Expr::Unary(UnOp::Not, Box::new(self.unary()?))
        } else {
            let base = self.atom()?;
            if self.eat("**") || self.eat("^") {
                Expr::Binary(BinOp::Pow, Box::new(base), Box::new(self.unary()?))
            } else {
                base
            }
        };
        self.depth -= 1;
        Ok(e)
    }

    fn args(&mut self, name: &str, n: usize) -> Result<Vec<Expr>> {
        self.expect("(")?;
        let mut out = vec![self.or()?];
        while self.eat(",") {
            out.push(self.or()?);
        }
        self.expect(")")?;
        if out.len() != n {
            return Err(Error::usage(format!("expression: {name}() takes {n} argument(s), got {}", out.len())));
        }
        Ok(out)
    }

    fn atom(&mut self) -> Result<Expr> {
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(Expr::Num(n))
            }
            Some(Tok::Op("(")) => {
                self.pos += 1;
                let e = self.or()?;
                self.expect(")")?;
                Ok(e)
            }
            Some(Tok::Ident(name)) => {
                self.pos += 1;
                self.ident(&name)
            }
            _ => Err(Error::usage(format!("expression: expected a number, band or function {}", self.here()))),
        }
    }

    fn ident(&mut self, name: &str) -> Result<Expr> {
        if let Some(n) = name.strip_prefix('b').and_then(|d| d.parse::<usize>().ok()) {
            if n == 0 || n > self.bands {
                return Err(Error::usage(format!(
                    "expression: band {name} does not exist (the image has b1…b{})",
                    self.bands
                )));
            }
            return Ok(Expr::Band(n - 1));
        }
        let un = match name {
            "pi" => return Ok(Expr::Num(std::f64::consts::PI)),
            "e" => return Ok(Expr::Num(std::f64::consts::E)),
            "abs" => UnOp::Abs,
            "sqrt" => UnOp::Sqrt,
            "exp" => UnOp::Exp,
            "log" => UnOp::Log,
            "log10" => UnOp::Log10,
            "log1p" => UnOp::Log1p,
            "sin" => UnOp::Sin,
            "cos" => UnOp::Cos,
            "tan" => UnOp::Tan,
            "arcsin" => UnOp::Asin,
            "arccos" => UnOp::Acos,
            "arctan" => UnOp::Atan,
            "floor" => UnOp::Floor,
            "ceil" => UnOp::Ceil,
            "arctan2" | "minimum" | "maximum" => {
                let op = match name {
                    "arctan2" => BinOp::Atan2,
                    "minimum" => BinOp::Min,
                    _ => BinOp::Max,
                };
                let mut a = self.args(name, 2)?;
                let b = a.pop().map(Box::new);
                let a = a.pop().map(Box::new);
                return Ok(Expr::Binary(op, a.expect("two arguments"), b.expect("two arguments")));
            }
            "where" => {
                let mut a = self.args(name, 3)?.into_iter().map(Box::new);
                let (c, t, f) = (a.next(), a.next(), a.next());
                return Ok(Expr::Where(c.expect("three"), t.expect("three"), f.expect("three")));
            }
            other => return Err(Error::usage(format!("expression: unknown name {other:?}"))),
        };
        let mut a = self.args(name, 1)?;
        Ok(Expr::Unary(un, Box::new(a.pop().expect("one argument"))))
    }
}

/// Parses `text` (outputs separated by `;`) for an image with `bands` bands.
pub fn parse(text: &str, bands: usize) -> Result<Vec<Expr>> {
    if text.len() > MAX_LEN {
        return Err(Error::usage(format!("expression longer than {MAX_LEN} characters")));
    }
    let parts: Vec<&str> = text.split(';').map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return Err(Error::usage("expression is empty"));
    }
    parts
        .into_iter()
        .map(|p| {
            let mut ps = Parser { toks: tokenize(p)?, pos: 0, depth: 0, bands };
            let e = ps.or()?;
            if ps.pos != ps.toks.len() {
                return Err(Error::usage(format!("expression {p:?}: unexpected {}", ps.here())));
            }
            Ok(e)
        })
        .collect()
}

impl Expr {
    /// The bands the expression reads (0-based, sorted, unique).
    pub fn bands(&self, out: &mut Vec<usize>) {
        match self {
            Expr::Num(_) => {}
            Expr::Band(b) => {
                if let Err(i) = out.binary_search(b) {
                    out.insert(i, *b);
                }
            }
            Expr::Unary(_, a) => a.bands(out),
            Expr::Binary(_, a, b) => {
                a.bands(out);
                b.bands(out);
            }
            Expr::Where(c, a, b) => {
                c.bands(out);
                a.bands(out);
                b.bands(out);
            }
        }
    }

    /// Evaluates over `n` pixels; `band(i)` gives band `i`'s values (length `n`).
    pub fn eval(&self, n: usize, band: &dyn Fn(usize) -> Vec<f64>) -> Vec<f64> {
        match self {
            Expr::Num(v) => vec![*v; n],
            Expr::Band(b) => band(*b),
            Expr::Unary(op, a) => {
                let mut v = a.eval(n, band);
                v.iter_mut().for_each(|x| *x = op.apply(*x));
                v
            }
            Expr::Binary(op, a, b) => {
                let mut v = a.eval(n, band);
                let w = b.eval(n, band);
                v.iter_mut().zip(&w).for_each(|(x, y)| *x = op.apply(*x, *y));
                v
            }
            Expr::Where(c, a, b) => {
                let (c, mut a, b) = (c.eval(n, band), a.eval(n, band), b.eval(n, band));
                for i in 0..n {
                    if c[i] == 0.0 {
                        a[i] = b[i];
                    }
                }
                a
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval1(text: &str, bands: &[f64]) -> f64 {
        let e = parse(text, bands.len()).unwrap();
        e[0].eval(1, &|b| vec![bands[b]])[0]
    }

    #[test]
    fn precedence_follows_python() {
        assert_eq!(eval1("-2**2", &[]), -4.0);
        assert_eq!(eval1("2**3**2", &[]), 512.0);
        assert_eq!(eval1("1+2*3-4/2", &[]), 5.0);
        assert_eq!(eval1("-7 % 3", &[]), 2.0);
        assert_eq!(eval1("(b2-b1)/(b2+b1)", &[1.0, 3.0]), 0.5);
        assert_eq!(eval1("where((B1 > 2) & (b1 < 5), b1, 0) + 1e1", &[3.0]), 13.0);
        assert_eq!(eval1("maximum(b1, 2.5) * ~(b1 == 3)", &[1.0]), 2.5);
    }

    #[test]
    fn bad_expressions_say_why() {
        let msg = |t: &str| parse(t, 3).unwrap_err().to_string();
        assert!(msg("b4 + 1").contains("band b4 does not exist"), "{}", msg("b4 + 1"));
        assert!(msg("b1 +").contains("at the end"));
        assert!(msg("import os").contains("unknown name"));
        assert!(msg("b1 $ 2").contains("unexpected '$'"));
        assert!(msg("where(b1, 2)").contains("takes 3"));
        assert!(msg(&"(".repeat(500)).contains("nested deeper"));
        assert_eq!(parse("b1; b2*2 ;", 3).unwrap().len(), 2);
    }
}
