//! `futures` traits: [`WebSocket`] is a [`Stream`] of received messages and a
//! [`Sink`] of messages to send, so `StreamExt::split`, `forward` and the
//! rest of `futures-util` work on it.

use std::prelude::rust_2024::*;

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use ::tokio::io::{AsyncRead, AsyncWrite};
use futures_core::Stream;
use futures_sink::Sink;

use super::driver;
use super::socket::WebSocket;
use crate::blocking::Error;
use crate::connection::{CloseCode, Message, State};

/// The received messages, owned, as [`WebSocket::read`] returns them (Pings
/// answered, a Close echoed, keepalive as set). The stream ends (`None`)
/// once the connection is closed: after the Close message, or after an error.
impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocket<S> {
    type Item = Result<Message<'static>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let mut owned = Some(driver::owned);
        match ready!(driver::poll_read_with(this, cx, &mut owned)) {
            Ok(message) => Poll::Ready(Some(Ok(message))),
            Err(Error::Closed) => Poll::Ready(None),
            Err(e) => Poll::Ready(Some(Err(e))),
        }
    }
}

/// Messages to send, as [`WebSocket::write`] queues them: `start_send`
/// queues, `poll_flush` writes (with the write timeout), `poll_ready` writes
/// first once the queue exceeds the write buffer. `poll_close` sends a Close
/// (1000) unless one was sent, and writes it; it does not wait for the peer's
/// Close (read on, or use [`WebSocket::close`], for that).
impl<'a, S: AsyncRead + AsyncWrite + Unpin> Sink<Message<'a>> for WebSocket<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        if this.conn.poll_output().len() > this.write_buffer() {
            ready!(this.poll_flush_out(cx))?;
        }
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, message: Message<'a>) -> Result<(), Error> {
        self.get_mut().conn.sender().send(&message)?;
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().poll_flush_out(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        if this.conn.state() == State::Open {
            this.conn.close(CloseCode::NORMAL, "")?;
        }
        this.poll_flush_out(cx)
    }
}
