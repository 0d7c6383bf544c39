//! Following redirects of the opening handshake (RFC 9110 §15.4): the loop
//! state every adapter's `connect_with` shares, so the blocking and the tokio
//! client follow the same rules. Where a redirect leads is decided by the
//! sans-IO [`redirect_location`]; this keeps the chain, the limit, and which
//! headers may follow the client to another origin.

use std::prelude::rust_2024::*;

use super::client::ClientOptions;
use super::error::Error;
use crate::handshake::{ClientRequest, HandshakeError, WsUrl, is_redirect, redirect_location};

/// The URLs requested so far, from the first.
#[derive(Debug)]
pub(crate) struct Redirects {
    first: WsUrl,
    chain: Vec<String>,
}

impl Redirects {
    /// Starts at `url`.
    pub(crate) fn new(url: &str) -> Result<Self, Error> {
        let first = WsUrl::parse(url).map_err(HandshakeError::InvalidUrl)?;
        Ok(Self {
            first,
            chain: Vec::from([url.to_owned()]),
        })
    }

    /// The request for the current URL. `Authorization` and `Cookie` from
    /// [`ClientOptions::headers`] go only to the first URL's scheme, host and
    /// port, as curl does.
    pub(crate) fn request(&self, options: &ClientOptions) -> Result<ClientRequest, Error> {
        let url = self.chain.last().map_or("", String::as_str);
        let request = options.request(url)?;
        let (u, first) = (request.url(), &self.first);
        let same_origin =
            (u.is_secure(), u.host(), u.port()) == (first.is_secure(), first.host(), first.port());
        if same_origin {
            return Ok(request);
        }
        let kept = ClientOptions {
            headers: options
                .headers
                .iter()
                .filter(|h| {
                    !["authorization", "cookie"].contains(&h.name.to_ascii_lowercase().as_str())
                })
                .cloned()
                .collect(),
            ..options.clone()
        };
        kept.request(url)
    }

    /// What to do after an attempt at `request`: `Ok(Some(_))` is the
    /// attempt's success, `Ok(None)` means a redirect was accepted and the
    /// next [`request`](Self::request) goes to its target, `Err` ends it
    /// (the attempt's own error, [`Error::Redirect`] or
    /// [`Error::TooManyRedirects`], each redirect one with the chain).
    ///
    /// Bounded: each `Ok(None)` adds a URL to a chain of at most
    /// `max_redirects + 1`.
    pub(crate) fn after<T>(
        &mut self,
        attempt: Result<T, Error>,
        request: &ClientRequest,
        max_redirects: u8,
    ) -> Result<Option<T>, Error> {
        let response = match attempt {
            Err(Error::Handshake(HandshakeError::UnexpectedStatus(response)))
                if max_redirects > 0 && is_redirect(response.status()) =>
            {
                response
            }
            other => return other.map(Some),
        };
        let chain = &mut self.chain;
        if chain.len() > usize::from(max_redirects) {
            let chain = core::mem::take(chain);
            return Err(Error::TooManyRedirects { chain, response });
        }
        match redirect_location(request.url(), &response) {
            Ok(next) => {
                chain.push(next);
                Ok(None)
            }
            Err(error) => Err(Error::Redirect {
                chain: core::mem::take(chain),
                response,
                error,
            }),
        }
    }
}
