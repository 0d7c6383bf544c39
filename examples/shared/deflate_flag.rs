//! The examples' `--deflate SPEC` flag, and how they log what a handshake
//! agreed on (the interop tests in `tests/peers/` read these lines).
//!
//! SPEC is `off` (no permessage-deflate), `default` ([`DeflateConfig::default`]),
//! or a comma-separated list of changes to the default, named as in RFC 7692
//! §7.1: `server_no_context_takeover`, `client_no_context_takeover`,
//! `server_max_window_bits=N`, `client_max_window_bits=N`, plus the local
//! settings `level=N`, `mem_level=N` and `threshold=N`. For example
//! `server_no_context_takeover,server_max_window_bits=9,client_max_window_bits=9`.

use rfc6455::extension::{DeflateConfig, DeflateParams};

/// The configuration SPEC names (`None` for `off`).
pub(crate) fn parse(spec: &str) -> Result<Option<DeflateConfig>, String> {
    match spec.trim() {
        "off" | "none" => return Ok(None),
        "" | "default" => return Ok(Some(DeflateConfig::default())),
        _ => {}
    }
    let mut config = DeflateConfig::default();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, value) = match item.split_once('=') {
            Some((name, value)) => (name.trim(), Some(value.trim())),
            None => (item, None),
        };
        let number = || -> Result<u64, String> {
            value
                .ok_or_else(|| format!("--deflate: {name} needs =N"))?
                .parse()
                .map_err(|e| format!("--deflate: {name}: {e}"))
        };
        let small = || -> Result<u8, String> {
            u8::try_from(number()?).map_err(|e| format!("--deflate: {name}: {e}"))
        };
        config = match (name, value) {
            ("server_no_context_takeover", None) => config.server_no_context_takeover(true),
            ("client_no_context_takeover", None) => config.client_no_context_takeover(true),
            ("server_max_window_bits", Some(_)) => config.server_max_window_bits(small()?),
            ("client_max_window_bits", Some(_)) => config.client_max_window_bits(small()?),
            ("level", Some(_)) => config.compression_level(small()?),
            ("mem_level", Some(_)) => config.mem_level(small()?),
            ("threshold", Some(_)) => config.threshold(
                usize::try_from(number()?).map_err(|e| format!("--deflate: {name}: {e}"))?,
            ),
            _ => return Err(format!("--deflate: unknown setting {item:?}")),
        };
    }
    Ok(Some(config))
}

/// The value of `--deflate SPEC` or `--deflate=SPEC` in `args`, removed from
/// them; `Ok(None)` when the flag is absent.
pub(crate) fn take_flag(args: &mut Vec<String>) -> Result<Option<Option<DeflateConfig>>, String> {
    let Some(i) = args
        .iter()
        .position(|a| a == "--deflate" || a.starts_with("--deflate="))
    else {
        return Ok(None);
    };
    let flag = args.remove(i);
    let spec = match flag.strip_prefix("--deflate=") {
        Some(spec) => spec.to_owned(),
        None if i < args.len() => args.remove(i),
        None => return Err("--deflate needs a value (off, default, or settings)".into()),
    };
    parse(&spec).map(Some)
}

/// One line for the logs: `permessage-deflate server_no_context_takeover=…
/// client_no_context_takeover=… server_max_window_bits=… client_max_window_bits=…`,
/// or `no permessage-deflate`.
pub(crate) fn describe(params: Option<&DeflateParams>) -> String {
    match params {
        Some(p) => format!(
            "permessage-deflate server_no_context_takeover={} client_no_context_takeover={} \
             server_max_window_bits={} client_max_window_bits={}",
            p.server_no_context_takeover(),
            p.client_no_context_takeover(),
            p.server_max_window_bits(),
            p.client_max_window_bits(),
        ),
        None => "no permessage-deflate".into(),
    }
}
