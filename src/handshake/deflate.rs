//! Negotiating permessage-deflate in the opening handshake (RFC 7692 §5,
//! §7.1): the client's offers, the server's choice among them, and the
//! client's check of the answer.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::tokens::Extension;
use crate::extension::deflate::{EXTENSION_NAME, Params, parse_params};
use crate::extension::{DeflateConfig, DeflateParams};

/// Whether `e` is a permessage-deflate element.
pub(super) fn is_deflate(e: &Extension) -> bool {
    e.name().eq_ignore_ascii_case(EXTENSION_NAME)
}

fn params_of(e: &Extension) -> impl Iterator<Item = (&str, Option<&str>)> {
    e.params()
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_deref()))
}

/// The element for `p`, parameters in §7.1's order.
fn element(p: &Params) -> Extension {
    let mut e = Extension::new(EXTENSION_NAME);
    if p.server_no_context_takeover {
        e = e.param("server_no_context_takeover", None);
    }
    if p.client_no_context_takeover {
        e = e.param("client_no_context_takeover", None);
    }
    if let Some(bits) = p.server_max_window_bits {
        e = e.param("server_max_window_bits", Some(&bits.to_string()));
    }
    if let Some(bits) = p.client_max_window_bits {
        let value = bits.map(|b| b.to_string());
        e = e.param("client_max_window_bits", value.as_deref());
    }
    e
}

/// The client's offers, most preferred first (§5.1): one asking for the
/// configured server window, then, if that is below 15, the same without it
/// for servers that cannot limit their window (§7.1.2.1 lets a server decline
/// an offer it cannot meet). Both declare `client_max_window_bits`, with the
/// configured value as a hint below 15 (§7.1.2.2), so a server may ask for a
/// smaller window.
pub(super) fn client_offers(config: &DeflateConfig) -> Vec<Extension> {
    let client_bits = config.get_client_max_window_bits();
    let mut offer = Params {
        server_no_context_takeover: config.get_server_no_context_takeover(),
        client_no_context_takeover: config.get_client_no_context_takeover(),
        server_max_window_bits: None,
        client_max_window_bits: Some((client_bits < 15).then_some(client_bits)),
    };
    let server_bits = config.get_server_max_window_bits();
    let mut offers = Vec::new();
    if server_bits < 15 {
        let limited = Params {
            server_max_window_bits: Some(server_bits),
            ..offer
        };
        offers.push(element(&limited));
    }
    offer.server_max_window_bits = None;
    offers.push(element(&offer));
    offers
}

/// The server's choice (§7.1): the first permessage-deflate offer that is
/// valid, answered with the configuration; `None` declines them all.
///
/// Offers with unknown, repeated or malformed parameters are declined, as §7
/// requires, and the next one is tried. The answer:
/// - `server_no_context_takeover` if offered or configured (§7.1.1.1);
/// - `client_no_context_takeover` if configured (§7.1.1.2);
/// - `server_max_window_bits`: the smaller of the offered and configured
///   values, sent whenever offered or below 15 (§7.1.2.1);
/// - `client_max_window_bits`: only if offered (§7.1.2.2 forbids it
///   otherwise), the smaller of the hint and the configured value. A client
///   that does not offer it may use a 15-bit window, which is then accepted.
pub(super) fn accept_offer(
    config: &DeflateConfig,
    offered: &[Extension],
) -> Option<(Extension, DeflateParams)> {
    offered.iter().filter(|e| is_deflate(e)).find_map(|e| {
        let offer = parse_params(params_of(e), false).ok()?;
        let server_bits = match offer.server_max_window_bits {
            Some(limit) => limit.min(config.get_server_max_window_bits()),
            None => config.get_server_max_window_bits(),
        };
        let client_bits = match offer.client_max_window_bits {
            None => None,
            Some(None) => Some(config.get_client_max_window_bits()),
            Some(Some(hint)) => Some(hint.min(config.get_client_max_window_bits())),
        };
        let answer = Params {
            server_no_context_takeover: offer.server_no_context_takeover
                || config.get_server_no_context_takeover(),
            client_no_context_takeover: config.get_client_no_context_takeover(),
            server_max_window_bits: (offer.server_max_window_bits.is_some() || server_bits < 15)
                .then_some(server_bits),
            client_max_window_bits: client_bits.filter(|&b| b < 15).map(Some),
        };
        let agreed = Params {
            server_max_window_bits: Some(server_bits),
            client_max_window_bits: Some(Some(client_bits.unwrap_or(15))),
            ..answer
        };
        Some((element(&answer), DeflateParams::agreed(config, &agreed)))
    })
}

/// The client's check of the server's permessage-deflate element (§7.1):
/// the parameters this side will use, or why the handshake fails.
pub(super) fn check_response(
    config: &DeflateConfig,
    e: &Extension,
) -> Result<DeflateParams, String> {
    let answer =
        parse_params(params_of(e), true).map_err(|(err, name)| format!("{err} `{name}`"))?;
    if config.get_server_no_context_takeover() && !answer.server_no_context_takeover {
        return Err("server_no_context_takeover was offered and not accepted".into());
    }
    // Any server window 8..=15 matches one of the offers: the second one
    // sets no limit.
    let server_bits = answer.server_max_window_bits.unwrap_or(15);
    let client_bits = match answer.client_max_window_bits {
        Some(Some(bits)) => bits.min(config.get_client_max_window_bits()),
        _ => config.get_client_max_window_bits(),
    };
    let agreed = Params {
        server_no_context_takeover: answer.server_no_context_takeover,
        client_no_context_takeover: answer.client_no_context_takeover
            || config.get_client_no_context_takeover(),
        server_max_window_bits: Some(server_bits),
        client_max_window_bits: Some(Some(client_bits)),
    };
    Ok(DeflateParams::agreed(config, &agreed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::tokens::parse_extensions;

    fn exts(s: &str) -> Vec<Extension> {
        parse_extensions(s.as_bytes()).unwrap()
    }

    fn answer(config: &DeflateConfig, offer: &str) -> Option<String> {
        accept_offer(config, &exts(offer)).map(|(e, _)| e.to_string())
    }

    #[test]
    fn default_client_offers_a_limited_window_then_any() {
        let offers: Vec<String> = client_offers(&DeflateConfig::default())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            offers,
            [
                "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
                "permessage-deflate; client_max_window_bits=12",
            ]
        );
        let wide = DeflateConfig::default()
            .server_max_window_bits(15)
            .client_max_window_bits(15)
            .server_no_context_takeover(true);
        let offers = client_offers(&wide);
        assert_eq!(offers.len(), 1);
        assert_eq!(
            offers[0].to_string(),
            "permessage-deflate; server_no_context_takeover; client_max_window_bits"
        );
    }

    #[test]
    fn server_answers_browsers_and_autobahn_offers() {
        let c = DeflateConfig::default();
        // Chromium and Firefox.
        assert_eq!(
            answer(&c, "permessage-deflate; client_max_window_bits").as_deref(),
            Some("permessage-deflate; server_max_window_bits=12; client_max_window_bits=12")
        );
        // No client_max_window_bits offered: it must not be answered.
        assert_eq!(
            answer(&c, "permessage-deflate").as_deref(),
            Some("permessage-deflate; server_max_window_bits=12")
        );
        // Autobahn 13.5: asks for no takeover and a 9-bit server window.
        assert_eq!(
            answer(
                &c,
                "permessage-deflate; client_no_context_takeover; client_max_window_bits; \
                 server_no_context_takeover; server_max_window_bits=9"
            )
            .as_deref(),
            Some(
                "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; \
                 client_max_window_bits=12"
            )
        );
        let (_, p) =
            accept_offer(&c, &exts("permessage-deflate; client_max_window_bits=10")).unwrap();
        assert_eq!(
            (p.server_max_window_bits(), p.client_max_window_bits()),
            (12, 10)
        );
        let (_, p) = accept_offer(&c, &exts("permessage-deflate")).unwrap();
        assert_eq!(
            p.client_max_window_bits(),
            15,
            "the client may use any window"
        );
    }

    #[test]
    fn server_declines_invalid_offers_and_takes_the_next() {
        let c = DeflateConfig::default();
        for bad in [
            "permessage-deflate; foo",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        ] {
            assert_eq!(answer(&c, bad), None, "{bad}");
            let with_fallback =
                alloc::format!("{bad}, x-other, permessage-deflate; server_max_window_bits=10");
            assert_eq!(
                answer(&c, &with_fallback).as_deref(),
                Some("permessage-deflate; server_max_window_bits=10"),
                "{bad}"
            );
        }
    }

    fn check(config: &DeflateConfig, response: &str) -> Result<DeflateParams, String> {
        check_response(config, &exts(response)[0])
    }

    #[test]
    fn client_checks_the_answer() {
        let c = DeflateConfig::default();
        let p = check(&c, "permessage-deflate").unwrap();
        assert_eq!(
            (p.server_max_window_bits(), p.client_max_window_bits()),
            (15, 12)
        );
        let p = check(&c, "permessage-deflate; server_max_window_bits=9; client_max_window_bits=10; client_no_context_takeover").unwrap();
        assert_eq!(
            (p.server_max_window_bits(), p.client_max_window_bits()),
            (9, 10)
        );
        assert!(p.client_no_context_takeover() && !p.server_no_context_takeover());
        // A larger client window than the hint: the hint still bounds it.
        let p = check(&c, "permessage-deflate; client_max_window_bits=15").unwrap();
        assert_eq!(p.client_max_window_bits(), 12);
        for bad in [
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; server_max_window_bits=0",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; x=1",
            "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
        ] {
            assert!(check(&c, bad).is_err(), "{bad}");
        }
        let wants_reset = c.server_no_context_takeover(true);
        assert!(check(&wants_reset, "permessage-deflate").is_err());
        assert!(
            check(
                &wants_reset,
                "permessage-deflate; server_no_context_takeover"
            )
            .is_ok()
        );
    }

    /// Every answer the server gives to any offer the client makes is one the
    /// client accepts, with the same parameters on both sides.
    #[test]
    fn every_client_config_agrees_with_every_server_config() {
        let configs = |n: u32| {
            let bits = [8u8, 9, 12, 15];
            (0..n).map(move |i| {
                DeflateConfig::default()
                    .server_no_context_takeover(i & 1 != 0)
                    .client_no_context_takeover(i & 2 != 0)
                    .server_max_window_bits(bits[(i as usize >> 2) % 4])
                    .client_max_window_bits(bits[(i as usize >> 4) % 4])
            })
        };
        for client in configs(64) {
            let offers = client_offers(&client);
            for server in configs(64) {
                let (answer, on_server) = accept_offer(&server, &offers).expect("accepted");
                let on_client = check_response(&client, &answer).expect("valid answer");
                let wire = |p: &DeflateParams| {
                    (p.server_no_context_takeover(), p.server_max_window_bits())
                };
                assert_eq!(wire(&on_server), wire(&on_client), "{answer}");
                // A server that expects no takeover gets none (a client may
                // drop its context without being asked).
                assert!(
                    on_client.client_no_context_takeover()
                        >= on_server.client_no_context_takeover()
                );
                // The client compresses within what the server decompresses.
                assert!(on_client.client_max_window_bits() <= on_server.client_max_window_bits());
            }
        }
    }
}
