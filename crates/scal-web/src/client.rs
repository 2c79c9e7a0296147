//! Which address a request came from.
//!
//! The socket's peer address, unless that peer is a proxy the operator trusts (`trusted_proxies`):
//! then `X-Forwarded-For` is read from the right, skipping trusted proxies, and the first address
//! that is not one is the client. An untrusted peer's `X-Forwarded-For` is ignored, so a client
//! cannot choose the address its sign-in failures are counted under.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::AppState;

/// Parses `trusted_proxies`: addresses or CIDR networks, separated by commas or whitespace.
pub fn parse_trusted_proxies(text: &str) -> Result<Vec<IpNet>, String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("trusted_proxies: {item:?} is not an IP address or network (e.g. 10.0.0.0/8)"))
        })
        .collect()
}

/// The client's address; see the module documentation.
pub fn client_address(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    let peer = peer.map(canonical)?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    // Every X-Forwarded-For header, in order, as one list; read from the nearest hop outwards.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut nearest = peer;
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) if is_trusted(&ip) => nearest = ip,
            Some(ip) => return Some(ip),
            // A hop we cannot read: the last address we could is as far as we can see.
            None => return Some(nearest),
        }
    }
    Some(nearest)
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:4711`, `[2001:db8::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(canonical)
}

/// IPv4-mapped IPv6 (`::ffff:192.0.2.1`, as dual-stack sockets report IPv4 peers) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The requesting client's address, for handlers (`None` when the server was not started with
/// connection information, as in-process tests without it).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Through the extractor, which also reads axum's `MockConnectInfo` in tests.
        let peer = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .ok()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(Self(client_address(
            peer,
            &parts.headers,
            &state.settings.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in xff {
            map.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address() {
        let trusted = parse_trusted_proxies("10.0.0.0/8").unwrap();
        let got = client_address(Some(ip("198.51.100.7")), &headers(&["203.0.113.9"]), &trusted);
        assert_eq!(got, Some(ip("198.51.100.7")));
        assert_eq!(
            client_address(Some(ip("198.51.100.7")), &headers(&["203.0.113.9"]), &[]),
            Some(ip("198.51.100.7"))
        );
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let trusted = parse_trusted_proxies("10.0.0.0/8, 192.168.1.1").unwrap();
        // The client forged the leftmost entry; the proxies appended the real ones.
        let got = client_address(
            Some(ip("10.0.0.2")),
            &headers(&["1.2.3.4, 203.0.113.9", "192.168.1.1"]),
            &trusted,
        );
        assert_eq!(got, Some(ip("203.0.113.9")));
        let with_port = client_address(Some(ip("10.0.0.2")), &headers(&["[2001:db8::5]:443"]), &trusted);
        assert_eq!(with_port, Some(ip("2001:db8::5")));
        let garbage = client_address(Some(ip("10.0.0.2")), &headers(&["not-an-address"]), &trusted);
        assert_eq!(garbage, Some(ip("10.0.0.2")));
        let none = client_address(Some(ip("::ffff:10.0.0.2")), &HeaderMap::new(), &trusted);
        assert_eq!(none, Some(ip("10.0.0.2")));
    }

    #[test]
    fn bad_settings_are_named() {
        assert!(parse_trusted_proxies("10.0.0.0/8 nonsense")
            .unwrap_err()
            .contains("\"nonsense\""));
        assert_eq!(parse_trusted_proxies("").unwrap(), vec![]);
    }
}
