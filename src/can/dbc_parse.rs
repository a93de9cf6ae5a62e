//! A small parser for the subset of the DBC format the vehicle protocol uses.
//!
//! Understood: `VERSION`, `NS_`, `BS_`, `BU_`, `BO_` with its `SG_` lines (little-endian `@1`,
//! signed `-` or unsigned `+`), `CM_` comments, `VAL_` value names and the `GenMsgCycleTime`
//! attribute (`BA_ "GenMsgCycleTime" BO_ id ms;`). Other `…_` statements are skipped up to their
//! `;`. Big-endian (`@0`) and multiplexed signals are refused with the line number, not guessed.

use super::dbc::{DbcError, MessageDef, SignalDef};
use super::frame::{ExtendedId, Id, StandardId};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Num(f64, String),
    Str(String),
    Punct(char),
}

struct Lexer {
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

fn lex(text: &str) -> Result<Vec<(Tok, usize)>, DbcError> {
    let b = text.as_bytes();
    let (mut i, mut line, mut out) = (0usize, 1usize, Vec::new());
    while i < b.len() {
        let c = b[i];
        let starts_number = |j: usize| j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.');
        if c == b'\n' {
            line += 1;
            i += 1;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'"' {
            let (start_line, mut s) = (line, Vec::new());
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                }
                if b[i] == b'\n' {
                    line += 1;
                }
                s.push(b[i]);
                i += 1;
            }
            if i >= b.len() {
                return Err(DbcError::Parse {
                    line: start_line,
                    msg: "unterminated string".into(),
                });
            }
            i += 1;
            out.push((Tok::Str(String::from_utf8_lossy(&s).into_owned()), start_line));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Ident(text[s..i].to_owned()), line));
        } else if c.is_ascii_digit() || ((c == b'-' || c == b'+') && starts_number(i + 1)) {
            let s = i;
            i += 1;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                i += 1;
                if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
                    i += 1;
                }
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let s = &text[s..i];
            let v = s.parse::<f64>().map_err(|_| DbcError::Parse {
                line,
                msg: format!("bad number {s:?}"),
            })?;
            out.push((Tok::Num(v, s.to_owned()), line));
        } else {
            out.push((Tok::Punct(c as char), line));
            i += 1;
        }
    }
    Ok(out)
}

impl Lexer {
    fn line(&self) -> usize {
        self.toks.get(self.pos).or(self.toks.last()).map_or(0, |t| t.1)
    }
    fn err<T>(&self, msg: impl Into<String>) -> Result<T, DbcError> {
        Err(DbcError::Parse {
            line: self.line(),
            msg: msg.into(),
        })
    }
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|t| t.0.clone());
        self.pos += 1;
        t
    }
    fn ident(&mut self) -> Result<String, DbcError> {
        match self.next() {
            Some(Tok::Ident(s)) => Ok(s),
            t => self.err(format!("expected a name, found {t:?}")),
        }
    }
    fn num(&mut self) -> Result<f64, DbcError> {
        match self.next() {
            Some(Tok::Num(v, _)) => Ok(v),
            t => self.err(format!("expected a number, found {t:?}")),
        }
    }
    fn string(&mut self) -> Result<String, DbcError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(s),
            t => self.err(format!("expected a string, found {t:?}")),
        }
    }
    fn punct(&mut self, c: char) -> Result<(), DbcError> {
        match self.next() {
            Some(Tok::Punct(p)) if p == c => Ok(()),
            t => self.err(format!("expected {c:?}, found {t:?}")),
        }
    }
    fn skip_to_semicolon(&mut self) {
        while let Some(t) = self.next() {
            if t == Tok::Punct(';') {
                return;
            }
        }
    }
    fn at_keyword(&self) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if is_keyword(s))
    }
}

fn is_keyword(s: &str) -> bool {
    s == "VERSION" || (s.ends_with('_') && s.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
}

fn frame_id(raw: f64, line: usize) -> Result<Id, DbcError> {
    let raw = raw as u64;
    let bad = || DbcError::Parse {
        line,
        msg: format!("bad frame id {raw}"),
    };
    if raw & 0x8000_0000 != 0 {
        Ok(Id::Extended(
            ExtendedId::new((raw & 0x1FFF_FFFF) as u32).ok_or_else(bad)?,
        ))
    } else {
        Ok(Id::Standard(
            StandardId::new(u16::try_from(raw).map_err(|_| bad())?).ok_or_else(bad)?,
        ))
    }
}

/// Parses DBC text into messages and node names.
pub(super) fn parse(text: &str) -> Result<(Vec<MessageDef>, Vec<String>), DbcError> {
    let mut lx = Lexer {
        toks: lex(text)?,
        pos: 0,
    };
    let (mut messages, mut nodes): (Vec<MessageDef>, Vec<String>) = (Vec::new(), Vec::new());
    let mut raw_ids: Vec<u32> = Vec::new();
    let find = |raw_ids: &[u32], id: f64, line: usize| {
        raw_ids.iter().position(|&r| f64::from(r) == id).ok_or(DbcError::Parse {
            line,
            msg: format!("no message {id}"),
        })
    };
    while let Some(tok) = lx.next() {
        let line = lx.line();
        let kw = match tok {
            Tok::Ident(s) => s,
            t => return lx.err(format!("expected a keyword, found {t:?}")),
        };
        match kw.as_str() {
            "VERSION" => {
                lx.string()?;
            }
            "NS_" => {
                lx.punct(':')?;
                // The NS_ list names keywords itself; it ends where BS_ (or BU_/BO_) begins.
                while let Some(t) = lx.peek() {
                    if matches!(t, Tok::Ident(k) if k == "BS_" || k == "BU_" || k == "BO_") {
                        break;
                    }
                    lx.next();
                }
            }
            "BS_" => {
                lx.punct(':')?;
                while !lx.at_keyword() && lx.peek().is_some() {
                    lx.next();
                }
            }
            "BU_" => {
                lx.punct(':')?;
                while !lx.at_keyword() && lx.peek().is_some() {
                    nodes.push(lx.ident()?);
                }
            }
            "BO_" => {
                let raw = lx.num()?;
                let id = frame_id(raw, line)?;
                let name = lx.ident()?;
                lx.punct(':')?;
                let dlc = lx.num()?;
                if !(0.0..=8.0).contains(&dlc) {
                    return lx.err(format!("message {name}: DLC {dlc} above 8"));
                }
                let sender = lx.ident()?;
                raw_ids.push(raw as u32);
                messages.push(MessageDef {
                    id,
                    name,
                    dlc: dlc as u8,
                    sender,
                    signals: Vec::new(),
                    cycle_time_ms: None,
                    comment: None,
                });
            }
            "SG_" => {
                let name = lx.ident()?;
                if !matches!(lx.peek(), Some(Tok::Punct(':'))) {
                    return lx.err(format!("signal {name}: multiplexed signals are not supported"));
                }
                lx.punct(':')?;
                let start = lx.num()?;
                lx.punct('|')?;
                let length = lx.num()?;
                lx.punct('@')?;
                let order = lx.num()?;
                if order != 1.0 {
                    return lx.err(format!("signal {name}: only little-endian (@1) signals are supported"));
                }
                let signed = match lx.next() {
                    Some(Tok::Punct('-')) => true,
                    Some(Tok::Punct('+')) => false,
                    t => return lx.err(format!("signal {name}: expected + or -, found {t:?}")),
                };
                lx.punct('(')?;
                let factor = lx.num()?;
                lx.punct(',')?;
                let offset = lx.num()?;
                lx.punct(')')?;
                lx.punct('[')?;
                let min = lx.num()?;
                lx.punct('|')?;
                let max = lx.num()?;
                lx.punct(']')?;
                let unit = lx.string()?;
                let mut receivers = Vec::new();
                while !lx.at_keyword() && lx.peek().is_some() {
                    match lx.next() {
                        Some(Tok::Ident(r)) => receivers.push(r),
                        Some(Tok::Punct(',')) => {}
                        t => return lx.err(format!("signal {name}: bad receiver {t:?}")),
                    }
                }
                if !(1.0..=64.0).contains(&length) || start < 0.0 || start + length > 64.0 || factor == 0.0 {
                    return lx.err(format!("signal {name}: bad bit range or factor"));
                }
                let Some(msg) = messages.last_mut() else {
                    return lx.err("SG_ before any BO_");
                };
                if (start + length) as usize > usize::from(msg.dlc) * 8 {
                    return lx.err(format!(
                        "signal {name}: does not fit the {}-byte message {}",
                        msg.dlc, msg.name
                    ));
                }
                msg.signals.push(SignalDef {
                    name,
                    start_bit: start as u8,
                    length: length as u8,
                    signed,
                    factor,
                    offset,
                    min,
                    max,
                    unit,
                    receivers,
                    choices: Vec::new(),
                    comment: None,
                });
            }
            "CM_" => {
                match lx.peek().cloned() {
                    Some(Tok::Ident(k)) if k == "BO_" => {
                        lx.next();
                        let i = find(&raw_ids, lx.num()?, line)?;
                        messages[i].comment = Some(lx.string()?);
                    }
                    Some(Tok::Ident(k)) if k == "SG_" => {
                        lx.next();
                        let i = find(&raw_ids, lx.num()?, line)?;
                        let sig = lx.ident()?;
                        let text = lx.string()?;
                        if let Some(s) = messages[i].signals.iter_mut().find(|s| s.name == sig) {
                            s.comment = Some(text);
                        }
                    }
                    _ => {}
                }
                lx.skip_to_semicolon();
            }
            "BA_" => {
                let attr = lx.string()?;
                if attr == "GenMsgCycleTime" && matches!(lx.peek(), Some(Tok::Ident(k)) if k == "BO_") {
                    lx.next();
                    let i = find(&raw_ids, lx.num()?, line)?;
                    let ms = lx.num()?;
                    messages[i].cycle_time_ms = (ms > 0.0).then_some(ms as u32);
                }
                lx.skip_to_semicolon();
            }
            "VAL_" => {
                let i = find(&raw_ids, lx.num()?, line)?;
                let sig = lx.ident()?;
                let mut choices = Vec::new();
                while let Some(Tok::Num(..)) = lx.peek() {
                    let v = lx.num()?;
                    choices.push((v as i64, lx.string()?));
                }
                lx.punct(';')?;
                match messages[i].signals.iter_mut().find(|s| s.name == sig) {
                    Some(s) => s.choices = choices,
                    None => return lx.err(format!("VAL_ for unknown signal {sig}")),
                }
            }
            k if is_keyword(k) => lx.skip_to_semicolon(),
            k => return lx.err(format!("unexpected {k:?}")),
        }
    }
    Ok((messages, nodes))
}
