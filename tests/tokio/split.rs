//! `into_split`: an owned read half and a cloneable write half on many tasks.

use std::collections::HashMap;

use crate::support::*;

#[tokio::test]
async fn cloned_writers_on_many_tasks_send_whole_messages_in_order() {
    let (url, server) = ws_server(echo).await;
    let (client, _) = bounded(ws::connect(&url)).await.unwrap();
    let (mut reader, writer) = client.into_split();
    let mut senders = Vec::new();
    for task in 0..8 {
        let writer = writer.clone();
        senders.push(tokio::spawn(async move {
            for i in 0..100 {
                // Sizes vary so that some writes are partial.
                let body = format!("{task}-{i}-{}", "x".repeat(i * 37 % 3000));
                writer.send_text(&body).await?;
            }
            Ok::<_, Error>(())
        }));
    }
    let mut next: HashMap<usize, usize> = HashMap::new();
    for _ in 0..800 {
        let Message::Text(text) = bounded(reader.read()).await.unwrap() else {
            panic!("not text");
        };
        let mut parts = text.splitn(3, '-');
        let task: usize = parts.next().unwrap().parse().unwrap();
        let i: usize = parts.next().unwrap().parse().unwrap();
        let expected = next.entry(task).or_default();
        assert_eq!(i, *expected, "task {task}'s messages out of order");
        *expected += 1;
    }
    for sender in senders {
        bounded(sender).await.unwrap().unwrap();
    }
    bounded(writer.close(CloseCode::NORMAL, "")).await.unwrap();
    assert!(matches!(
        bounded(reader.read()).await.unwrap(),
        Message::Close(_)
    ));
    assert!(matches!(bounded(reader.read()).await, Err(Error::Closed)));
    bounded(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn the_read_half_answers_pings_while_the_writer_is_idle() {
    let (url, server) = ws_server(|mut ws| async move {
        for i in 0..20u8 {
            ws.ping(&[i]).await?;
            // The Pong comes from the client's read half.
            assert_eq!(ws.read().await?, Message::Pong(vec![i].into()));
        }
        ws.close(CloseCode::NORMAL, "").await
    })
    .await;
    let (client, _) = bounded(ws::connect(&url)).await.unwrap();
    let (mut reader, _writer) = client.into_split();
    let mut pings = 0;
    loop {
        match bounded(reader.read()).await.unwrap() {
            Message::Ping(_) => pings += 1,
            Message::Close(_) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(pings, 20);
    bounded(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn the_read_half_is_a_stream() {
    use futures_util::StreamExt;
    let (url, server) = ws_server(echo).await;
    let (client, _) = bounded(ws::connect(&url)).await.unwrap();
    let (reader, writer) = client.into_split();
    for i in 0..10 {
        bounded(writer.send_text(&format!("{i}"))).await.unwrap();
    }
    bounded(writer.close(CloseCode::NORMAL, "")).await.unwrap();
    let got: Vec<_> = bounded(reader.map(Result::unwrap).collect::<Vec<_>>()).await;
    assert_eq!(got.len(), 11);
    assert!(matches!(got[10], Message::Close(_)));
    bounded(server).await.unwrap().unwrap();
}

/// Split over TLS: the halves work over any `AsyncRead + AsyncWrite`.
#[cfg(feature = "tokio-rustls")]
#[tokio::test]
#[allow(deprecated)] // `ring::default_provider`: the crate's provider (see Cargo.toml)
async fn split_halves_work_over_tls() {
    use std::sync::Arc;

    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let der = cert.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let server_config = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der.clone()], key)
        .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der).unwrap();
    let client_config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();

    let (listener, addr) = bind().await;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let tls = acceptor.accept(tcp).await.unwrap();
        echo(ws::accept(tls).await?).await
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(client_config))
        .connect(name, tcp)
        .await
        .unwrap();
    let request = rfc6455::ClientRequest::new("wss://localhost/").unwrap();
    let (client, _) = bounded(ws::client_handshake(tls, &request, Config::default()))
        .await
        .unwrap();
    let (mut reader, writer) = client.into_split();
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let writer = writer.clone();
            tokio::spawn(async move { writer.send_binary(&pattern(10_000, t)).await })
        })
        .collect();
    for task in tasks {
        bounded(task).await.unwrap().unwrap();
    }
    let mut seeds = Vec::new();
    for _ in 0..4 {
        let Message::Binary(data) = bounded(reader.read()).await.unwrap() else {
            panic!("not binary");
        };
        assert_eq!(data.len(), 10_000);
        seeds.push(data[0]);
        assert_eq!(&data[..], &pattern(10_000, data[0])[..]);
    }
    seeds.sort();
    assert_eq!(seeds, [0, 1, 2, 3]);
    bounded(writer.close(CloseCode::NORMAL, "")).await.unwrap();
    assert!(matches!(
        bounded(reader.read()).await.unwrap(),
        Message::Close(_)
    ));
    bounded(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn reunite_gives_back_the_socket_only_with_its_own_last_write_half() {
    let (url, server) = ws_server(echo).await;
    let (client, _) = bounded(ws::connect(&url)).await.unwrap();
    let (reader, writer) = client.into_split();
    let extra = writer.clone();
    let Err((reader, writer)) = reader.reunite(writer) else {
        panic!("reunited while a clone of the write half is alive");
    };
    drop(extra);
    let Ok(mut client) = reader.reunite(writer) else {
        panic!("the halves of one socket");
    };
    bounded(client.send_text("whole again")).await.unwrap();
    assert_eq!(
        bounded(client.read()).await.unwrap(),
        Message::text("whole again")
    );
    bounded(client.close(CloseCode::NORMAL, "")).await.unwrap();
    bounded(server).await.unwrap().unwrap();
}

/// The futures of both halves are `Send`, so they can run on any task.
#[allow(dead_code)]
fn futures_are_send(reader: &mut ws::ReadHalf<TcpStream>, writer: &ws::WriteHalf<TcpStream>) {
    fn send<T: Send>(_: T) {}
    send(reader.read());
    send(writer.send_text("x"));
    send(writer.close(CloseCode::NORMAL, ""));
}
