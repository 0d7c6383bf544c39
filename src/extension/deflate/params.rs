//! The extension parameters of permessage-deflate (RFC 7692 §7.1), read from
//! an offer or a response.

use core::fmt;

/// The four parameters of §7.1 as one offer or response states them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Params {
    pub(crate) server_no_context_takeover: bool,
    pub(crate) client_no_context_takeover: bool,
    /// `server_max_window_bits=N`; it always has a value (§7.1.2.1).
    pub(crate) server_max_window_bits: Option<u8>,
    /// `client_max_window_bits[=N]`: absent, present without a value (only
    /// in an offer), or with one (§7.1.2.2).
    pub(crate) client_max_window_bits: Option<Option<u8>>,
}

/// Why a permessage-deflate element is not valid (§7: an offer with one of
/// these is declined; a response with one fails the handshake).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParamError {
    /// A parameter §7.1 does not define.
    Unknown,
    /// The same parameter twice.
    Duplicate,
    /// A value where none is allowed, none where one is required, or a
    /// window size that is not a decimal 8..=15 without leading zeros.
    InvalidValue,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unknown => "unknown parameter",
            Self::Duplicate => "repeated parameter",
            Self::InvalidValue => "invalid parameter value",
        })
    }
}

/// `8..=15` written in decimal without leading zeros (§7.1.2.1, §7.1.2.2).
fn window_bits(value: &str) -> Option<u8> {
    let bits = match value.as_bytes() {
        [d @ b'8'..=b'9'] => d - b'0',
        [b'1', d @ b'0'..=b'5'] => 10 + (d - b'0'),
        _ => return None,
    };
    Some(bits)
}

/// Reads the parameters of one permessage-deflate element. Names compare
/// case-insensitively, like the extension token (§9.1 tokens). `in_response`
/// requires `client_max_window_bits` to have a value (§7.1.2.2).
pub(crate) fn parse_params<'a>(
    params: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    in_response: bool,
) -> Result<Params, (ParamError, &'a str)> {
    let mut out = Params::default();
    let mut seen = [false; 4];
    for (name, value) in params {
        let which = [
            "server_no_context_takeover",
            "client_no_context_takeover",
            "server_max_window_bits",
            "client_max_window_bits",
        ]
        .iter()
        .position(|known| known.eq_ignore_ascii_case(name))
        .ok_or((ParamError::Unknown, name))?;
        if core::mem::replace(&mut seen[which], true) {
            return Err((ParamError::Duplicate, name));
        }
        let invalid = (ParamError::InvalidValue, name);
        match (which, value) {
            (0, None) => out.server_no_context_takeover = true,
            (1, None) => out.client_no_context_takeover = true,
            (2, Some(v)) => out.server_max_window_bits = Some(window_bits(v).ok_or(invalid)?),
            (3, None) if !in_response => out.client_max_window_bits = Some(None),
            (3, Some(v)) => out.client_max_window_bits = Some(Some(window_bits(v).ok_or(invalid)?)),
            _ => return Err(invalid),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        params: &[(&'static str, Option<&'static str>)],
        resp: bool,
    ) -> Result<Params, ParamError> {
        parse_params(params.iter().copied(), resp).map_err(|(e, _)| e)
    }

    #[test]
    fn window_bits_are_8_to_15_without_leading_zeros() {
        let ok: alloc::vec::Vec<u8> = (0..200u32)
            .filter_map(|n| window_bits(&alloc::format!("{n}")))
            .collect();
        assert_eq!(ok, [8, 9, 10, 11, 12, 13, 14, 15]);
        for bad in ["08", "015", "+9", " 9", "9 ", "", "1", "16", "7", "0x9"] {
            assert_eq!(window_bits(bad), None, "{bad:?}");
        }
    }

    type Case<'a> = (&'a [(&'a str, Option<&'a str>)], bool, ParamError);

    #[test]
    fn each_malformed_parameter_is_named() {
        use ParamError::*;
        let cases: &[Case<'_>] = &[
            (&[("x", None)], false, Unknown),
            (
                &[("server_no_context_takeover", Some("1"))],
                false,
                InvalidValue,
            ),
            (
                &[("client_no_context_takeover", Some("true"))],
                false,
                InvalidValue,
            ),
            (&[("server_max_window_bits", None)], false, InvalidValue),
            (
                &[("server_max_window_bits", Some("16"))],
                false,
                InvalidValue,
            ),
            (&[("server_max_window_bits", Some("7"))], true, InvalidValue),
            (&[("client_max_window_bits", None)], true, InvalidValue),
            (
                &[("client_max_window_bits", Some("0"))],
                false,
                InvalidValue,
            ),
            (
                &[
                    ("server_no_context_takeover", None),
                    ("Server_No_Context_Takeover", None),
                ],
                false,
                Duplicate,
            ),
            (
                &[
                    ("client_max_window_bits", None),
                    ("client_max_window_bits", Some("10")),
                ],
                false,
                Duplicate,
            ),
        ];
        for (params, resp, want) in cases {
            assert_eq!(parse(params, *resp), Err(want.clone()), "{params:?}");
        }
    }

    #[test]
    fn all_four_read_in_any_order() {
        let p = parse(
            &[
                ("client_max_window_bits", None),
                ("SERVER_MAX_WINDOW_BITS", Some("10")),
                ("client_no_context_takeover", None),
                ("server_no_context_takeover", None),
            ],
            false,
        )
        .unwrap();
        assert_eq!(
            p,
            Params {
                server_no_context_takeover: true,
                client_no_context_takeover: true,
                server_max_window_bits: Some(10),
                client_max_window_bits: Some(None),
            }
        );
        let r = parse(&[("client_max_window_bits", Some("9"))], true).unwrap();
        assert_eq!(r.client_max_window_bits, Some(Some(9)));
    }
}
