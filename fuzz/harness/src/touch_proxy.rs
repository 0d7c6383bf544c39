//! `touch.rs` for the proxy and redirect types: every public accessor,
//! `Display` and `Debug` of what `proxy_negotiation`, `proxy_url_env` and
//! `redirect_location` produce (the rule in `fuzz/README.md`), with the
//! documented agreements between them asserted.

use std::error::Error as _;
use std::format;
use std::string::String;

use rfc6455::handshake::{RedirectError, WsUrl};
use rfc6455::proxy::{
    Credentials, ProxyError, ProxyScheme, ProxyUrl, ProxyUrlError, SocksReply, TunnelStatus,
};

pub(crate) use super::touch::debug;
use super::touch::http_response;

/// A proxy URL: its `Display` is the URL with `***` for the password (so
/// never the password), built here from the accessors.
pub(crate) fn proxy_url(p: &ProxyUrl) {
    debug(p);
    let (scheme, host, port) = (p.scheme(), p.host(), p.port());
    debug(&scheme);
    assert_eq!(p.resolves_locally(), scheme == ProxyScheme::Socks5);
    let name = match scheme {
        ProxyScheme::Http => "http",
        ProxyScheme::Socks5 => "socks5",
        ProxyScheme::Socks5h => "socks5h",
    };
    let user = match p.credentials() {
        Some(c) => {
            credentials(c);
            format!("{}:***@", c.username())
        }
        None => String::new(),
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.into()
    };
    assert_eq!(p.to_string(), format!("{name}://{user}{host}:{port}"));
    assert_eq!(&p.clone(), p);
}

/// Credentials: `Debug` shows the user name and hides the password.
pub(crate) fn credentials(c: &Credentials) {
    let (user, password) = (c.username(), c.password());
    assert_eq!(
        format!("{c:?}"),
        format!("Credentials {{ username: {user:?}, password: \"<hidden>\" }}")
    );
    assert_eq!(&Credentials::new(user, password), c);
}

pub(crate) fn proxy_url_error(e: &ProxyUrlError) {
    debug(e);
    assert!(!e.to_string().is_empty());
    assert!(e.source().is_none());
}

pub(crate) fn socks_reply(r: SocksReply) {
    debug(&r);
    let name = r.name();
    assert_eq!(name == "unassigned", r.0 > 8, "{r:?}");
    assert_eq!(r.to_string(), format!("{name} (code {})", r.0));
}

/// A negotiation's error: its status only for an HTTP answer, its source
/// only for a URL error, and what it carries.
pub(crate) fn proxy_error(e: &ProxyError) {
    debug(e);
    let _ = e.to_string();
    assert_eq!(&e.clone(), e);
    match e {
        ProxyError::AuthRequired(r) | ProxyError::Refused(r) => {
            http_response(r);
            assert_eq!(e.status(), Some(r.status()));
            assert_eq!(matches!(e, ProxyError::AuthRequired(_)), r.status() == 407);
        }
        _ => assert_eq!(e.status(), None),
    }
    match e {
        ProxyError::Url(u) | ProxyError::InvalidEnv { error: u, .. } => {
            proxy_url_error(u);
            assert!(e.source().is_some());
        }
        ProxyError::SocksFailure(r) => {
            socks_reply(*r);
            assert_ne!(r.0, 0, "a failure that succeeded");
        }
        _ => assert!(e.source().is_none()),
    }
}

pub(crate) fn tunnel_result(r: &Result<TunnelStatus, ProxyError>) {
    match r {
        Ok(s) => {
            debug(s);
            assert_eq!(*s, s.clone());
        }
        Err(e) => proxy_error(e),
    }
}

pub(crate) fn redirect_error(e: &RedirectError) {
    debug(e);
    let _ = e.to_string();
    assert_eq!(&e.clone(), e);
    match e {
        RedirectError::InvalidUrl(u) => {
            debug(u);
            let _ = u.to_string();
            assert!(e.source().is_some());
        }
        RedirectError::UnsupportedScheme { scheme } => {
            assert!(scheme.chars().count() <= 32, "{scheme:?}");
            assert!(e.source().is_none());
        }
        _ => assert!(e.source().is_none()),
    }
}

/// A WebSocket URL: the `Host` value names its host, and the resource is a path.
pub(crate) fn ws_url(u: &WsUrl) {
    debug(u);
    let (host, port, resource) = (u.host(), u.port(), u.resource_name());
    let _ = (u.is_secure(), port);
    assert!(resource.starts_with('/'), "{resource:?}");
    let header = u.host_header();
    assert!(header.contains(host), "{header:?} and {host:?}");
    assert_eq!(&u.clone(), u);
}
