//! The JSON events the chat server sends (`welcome`, `join`, `leave`,
//! `message`); the page reads `type`, `you`, `who`, `from`, `text`, `online`
//! and `time` (milliseconds since the Unix epoch).

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, for the page's timestamps.
fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

pub(crate) fn welcome(id: u64, online: usize) -> String {
    format!(
        r#"{{"type":"welcome","you":{id},"online":{online},"time":{}}}"#,
        now_ms()
    )
}

/// `kind` is `join` or `leave`.
pub(crate) fn presence(kind: &str, id: u64, online: usize) -> String {
    format!(
        r#"{{"type":"{kind}","who":{id},"online":{online},"time":{}}}"#,
        now_ms()
    )
}

pub(crate) fn message(from: u64, text: &str) -> String {
    format!(
        r#"{{"type":"message","from":{from},"text":{},"time":{}}}"#,
        json_string(text),
        now_ms()
    )
}

/// `s` as a JSON string literal (RFC 8259 §7).
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
