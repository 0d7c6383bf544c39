//! Header-value grammar of the handshake, hand-written: RFC 7230 §7 lists
//! (`#element`), RFC 7230 §3.2.6 tokens and quoted strings, and the
//! `Sec-WebSocket-Extensions` ABNF of RFC 6455 §9.1.
//!
//! Every function here makes one pass over its input and never panics on any
//! bytes (see the proptests at the bottom).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Why a header value does not follow its ABNF (§4.3, §9.1).
// non_exhaustive: the RFC 7230 list grammar may be checked more finely later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// The list has no element (`1#` needs at least one).
    Empty,
    /// A `token` was expected at this byte offset.
    ExpectedToken {
        /// Byte offset in the header value.
        offset: usize,
    },
    /// A byte that the grammar does not allow here.
    UnexpectedByte {
        /// Byte offset in the header value.
        offset: usize,
    },
    /// A quoted-string opened at this offset is never closed.
    UnclosedQuote {
        /// Byte offset of the opening `"`.
        offset: usize,
    },
    /// A quoted parameter value is not a `token` once unescaped (§9.1).
    QuotedValueNotToken {
        /// Byte offset of the opening `"`.
        offset: usize,
    },
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty list"),
            Self::ExpectedToken { offset } => write!(f, "expected a token at byte {offset}"),
            Self::UnexpectedByte { offset } => write!(f, "unexpected byte at {offset}"),
            Self::UnclosedQuote { offset } => {
                write!(f, "quoted string at byte {offset} is not closed")
            }
            Self::QuotedValueNotToken { offset } => {
                write!(f, "quoted value at byte {offset} is not a token")
            }
        }
    }
}

impl core::error::Error for TokenError {}

/// `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
///  "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA` (RFC 7230 §3.2.6).
pub(crate) const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.'
        | b'^' | b'_' | b'`' | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// `token = 1*tchar`.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// `OWS = *( SP / HTAB )`.
const fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Trims OWS from both ends.
pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_ows(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_ows(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// The non-empty, OWS-trimmed elements of a comma-separated list, leniently:
/// elements are not checked against any grammar. Used to look for a token in
/// `Connection` and `Upgrade`, whose elements may be `protocol/version`.
pub(crate) fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|e| !e.is_empty())
}

/// Parses `1#token` (RFC 7230 §7: empty elements and OWS around commas are
/// allowed), as `Sec-WebSocket-Protocol` in a request (§4.1 step 10).
pub fn parse_token_list(value: &[u8]) -> Result<Vec<String>, TokenError> {
    let mut out = Vec::new();
    let mut offset = 0;
    for raw in value.split(|&b| b == b',') {
        let lead = raw.iter().take_while(|&&b| is_ows(b)).count();
        let element = trim_ows(raw);
        if !element.is_empty() {
            if !is_token(element) {
                return Err(TokenError::ExpectedToken {
                    offset: offset + lead,
                });
            }
            out.push(ascii_string(element));
        }
        offset += raw.len() + 1;
    }
    if out.is_empty() {
        return Err(TokenError::Empty);
    }
    Ok(out)
}

/// One extension of a `Sec-WebSocket-Extensions` list (§9.1):
/// `extension = extension-token *( ";" extension-param )`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    name: String,
    params: Vec<ExtensionParam>,
}

/// `extension-param = token [ "=" (token | quoted-string) ]` (§9.1); a quoted
/// value is stored unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionParam {
    /// The parameter name.
    pub name: String,
    /// The value, if the parameter has one.
    pub value: Option<String>,
}

impl Extension {
    /// An extension offer or acceptance with no parameters, e.g.
    /// `Extension::new("permessage-deflate")`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.into(),
            params: Vec::new(),
        }
    }

    /// Adds a parameter, e.g. `.param("client_max_window_bits", None)`.
    #[must_use]
    pub fn param(mut self, name: &str, value: Option<&str>) -> Self {
        self.params.push(ExtensionParam {
            name: name.into(),
            value: value.map(String::from),
        });
        self
    }

    /// The extension token.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameters, in order.
    pub fn params(&self) -> &[ExtensionParam] {
        &self.params
    }

    /// Whether every name and value is a `token`, so [`Display`](fmt::Display)
    /// gives a value that §9.1 allows.
    pub(crate) fn is_valid(&self) -> bool {
        is_token(self.name.as_bytes())
            && self.params.iter().all(|p| {
                is_token(p.name.as_bytes())
                    && p.value.as_ref().is_none_or(|v| is_token(v.as_bytes()))
            })
    }
}

/// Writes the wire form, e.g. `mux; max-channels=4; flow-control`.
impl fmt::Display for Extension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        for p in &self.params {
            write!(f, "; {}", p.name)?;
            if let Some(v) = &p.value {
                write!(f, "={v}")?;
            }
        }
        Ok(())
    }
}

/// Parses one `Sec-WebSocket-Extensions` value (§9.1):
///
/// ```text
/// extension-list = 1#extension
/// extension = extension-token *( ";" extension-param )
/// extension-param = token [ "=" (token | quoted-string) ]
/// ```
///
/// with the "implied *LWS rule" (OWS around `,` `;` `=`). A quoted value must
/// be a `token` after unescaping; an unclosed quote is an error. One pass.
pub fn parse_extensions(value: &[u8]) -> Result<Vec<Extension>, TokenError> {
    let mut cur = Cursor { s: value, pos: 0 };
    let mut out = Vec::new();
    loop {
        cur.skip_ows();
        match cur.peek() {
            None => break,
            Some(b',') => {
                cur.pos += 1;
                continue;
            }
            Some(_) => {}
        }
        let mut ext = Extension::new(&cur.token()?);
        loop {
            cur.skip_ows();
            match cur.peek() {
                None => break,
                Some(b',') => {
                    cur.pos += 1;
                    break;
                }
                Some(b';') => {
                    cur.pos += 1;
                    cur.skip_ows();
                    let name = cur.token()?;
                    cur.skip_ows();
                    let mut param = ExtensionParam { name, value: None };
                    if cur.peek() == Some(b'=') {
                        cur.pos += 1;
                        cur.skip_ows();
                        param.value = Some(if cur.peek() == Some(b'"') {
                            cur.quoted_token()?
                        } else {
                            cur.token()?
                        });
                    }
                    ext.params.push(param);
                }
                Some(_) => return Err(TokenError::UnexpectedByte { offset: cur.pos }),
            }
        }
        out.push(ext);
    }
    if out.is_empty() {
        return Err(TokenError::Empty);
    }
    Ok(out)
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ows(&mut self) {
        while self.peek().is_some_and(is_ows) {
            self.pos += 1;
        }
    }

    fn token(&mut self) -> Result<String, TokenError> {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(TokenError::ExpectedToken { offset: start });
        }
        Ok(ascii_string(&self.s[start..self.pos]))
    }

    /// `quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE`, whose
    /// unescaped content must be a token (§9.1).
    fn quoted_token(&mut self) -> Result<String, TokenError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let b = self
                .peek()
                .ok_or(TokenError::UnclosedQuote { offset: open })?;
            self.pos += 1;
            let c = match b {
                b'"' => break,
                b'\\' => {
                    let e = self
                        .peek()
                        .ok_or(TokenError::UnclosedQuote { offset: open })?;
                    self.pos += 1;
                    e
                }
                _ => b,
            };
            if !is_tchar(c) {
                return Err(TokenError::QuotedValueNotToken { offset: open });
            }
            out.push(char::from(c));
        }
        if out.is_empty() {
            return Err(TokenError::QuotedValueNotToken { offset: open });
        }
        Ok(out)
    }
}

/// Tokens are ASCII, so each byte is one `char`.
fn ascii_string(s: &[u8]) -> String {
    s.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use proptest::prelude::*;

    #[test]
    fn token_lists_follow_rfc7230_list_rules() {
        assert_eq!(
            parse_token_list(b"chat, superchat").unwrap(),
            ["chat", "superchat"]
        );
        assert_eq!(parse_token_list(b" ,, a ,\tb, ").unwrap(), ["a", "b"]);
        assert_eq!(parse_token_list(b" , ,"), Err(TokenError::Empty));
        assert_eq!(
            parse_token_list(b"a, b c"),
            Err(TokenError::ExpectedToken { offset: 3 })
        );
        assert_eq!(
            parse_token_list(b"a, \"b\""),
            Err(TokenError::ExpectedToken { offset: 3 })
        );
    }

    #[test]
    fn lenient_elements_for_connection_and_upgrade() {
        let e: Vec<&[u8]> = list_elements(b"keep-alive, Upgrade ,,HTTP/2.0").collect();
        assert_eq!(e, [&b"keep-alive"[..], b"Upgrade", b"HTTP/2.0"]);
    }

    #[test]
    fn extension_examples_of_section_9_1() {
        let e = parse_extensions(b"mux; max-channels=4; flow-control, deflate-stream").unwrap();
        assert_eq!(
            e,
            vec![
                Extension::new("mux")
                    .param("max-channels", Some("4"))
                    .param("flow-control", None),
                Extension::new("deflate-stream"),
            ]
        );
        assert_eq!(e[0].to_string(), "mux; max-channels=4; flow-control");
        let q = parse_extensions(b"foo ; a = \"1\\0\" ;b,,").unwrap();
        assert_eq!(
            q,
            vec![
                Extension::new("foo")
                    .param("a", Some("10"))
                    .param("b", None)
            ]
        );
    }

    #[test]
    fn extension_errors() {
        use TokenError::*;
        assert_eq!(parse_extensions(b""), Err(Empty));
        assert_eq!(
            parse_extensions(b"foo; a=\"12"),
            Err(UnclosedQuote { offset: 7 })
        );
        assert_eq!(
            parse_extensions(b"foo; a=\"1\\"),
            Err(UnclosedQuote { offset: 7 })
        );
        assert_eq!(
            parse_extensions(b"foo; a=\"1 2\""),
            Err(QuotedValueNotToken { offset: 7 })
        );
        assert_eq!(
            parse_extensions(b"foo; a=\"\""),
            Err(QuotedValueNotToken { offset: 7 })
        );
        assert_eq!(
            parse_extensions(b"foo bar"),
            Err(UnexpectedByte { offset: 4 })
        );
        assert_eq!(
            parse_extensions(b"foo; =1"),
            Err(ExpectedToken { offset: 5 })
        );
        assert_eq!(
            parse_extensions(b"foo; a="),
            Err(ExpectedToken { offset: 7 })
        );
        assert_eq!(parse_extensions(b";a"), Err(ExpectedToken { offset: 0 }));
    }

    #[test]
    fn long_unclosed_quote_is_one_pass() {
        let mut v = b"x; p=\"".to_vec();
        v.resize(1 << 20, b'a');
        assert_eq!(
            parse_extensions(&v),
            Err(TokenError::UnclosedQuote { offset: 5 })
        );
    }

    proptest! {
        #[test]
        fn tokenizers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_token_list(&bytes);
            let _ = parse_extensions(&bytes);
            let _ = list_elements(&bytes).count();
            let _ = trim_ows(&bytes);
        }

        #[test]
        fn extensions_from_grammar_alphabet_never_panic(
            bytes in proptest::collection::vec(proptest::sample::select(b"a=;,\" \t\\".to_vec()), 0..64)
        ) {
            let _ = parse_extensions(&bytes);
        }

        #[test]
        fn parsed_extensions_print_and_reparse(names in proptest::collection::vec("[a-z][a-z0-9_-]{0,8}", 1..4)) {
            let exts: Vec<Extension> = names.iter().map(|n| Extension::new(n).param("p", Some(n))).collect();
            let text = exts.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            prop_assert_eq!(parse_extensions(text.as_bytes()).unwrap(), exts);
        }
    }
}
