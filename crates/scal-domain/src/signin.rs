//! Sign-in throttling: how many failed sign-ins are allowed, and from where, before the next
//! attempt is refused.
//!
//! A guesser is limited three ways, each over the same sliding window:
//! - per account *and* client address (few failures: the guesser at one machine, or the owner
//!   mistyping, is slowed, but nobody else is affected);
//! - per client address, whatever accounts it tries (one machine spraying many accounts);
//! - per account across all addresses (many machines guessing one account), at a higher threshold
//!   and **not** applied to an address the account's owner has signed in from recently, so an
//!   attacker cannot lock the owner out of their own machine by failing on purpose.
//!
//! Attempts are counted before the password is checked, so parallel guesses cannot all slip under
//! a limit; a refused attempt is not counted, so retrying while refused does not extend the wait.

use std::net::IpAddr;

/// Allowed failures per scope within [`Limits::window`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_account_and_client: usize,
    pub per_client: usize,
    pub per_account: usize,
    /// Microseconds.
    pub window_micros: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_account_and_client: 5,
            per_client: 50,
            per_account: 100,
            window_micros: 15 * 60 * 1_000_000,
        }
    }
}

/// The failed attempts inside the window, oldest first, for each scope of this attempt.
#[derive(Debug, Clone, Default)]
pub struct Failures {
    pub account_and_client: Vec<i64>,
    pub client: Vec<i64>,
    pub account: Vec<i64>,
    /// The account's owner signed in successfully from this client recently.
    pub known_client: bool,
}

/// Which limit refused an attempt, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub scope: Scope,
    /// Microseconds: the first moment an attempt would be allowed again.
    pub retry_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    AccountAndClient,
    Client,
    Account,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccountAndClient => "account_and_client",
            Self::Client => "client",
            Self::Account => "account",
        }
    }
}

/// `None`: the attempt may go ahead (and counts as a failure until it succeeds). `Some`: refuse
/// it until the latest `retry_at` of every limit reached.
pub fn assess(limits: Limits, failures: &Failures) -> Option<Refusal> {
    let mut checks = vec![
        (
            Scope::AccountAndClient,
            limits.per_account_and_client,
            &failures.account_and_client,
        ),
        (Scope::Client, limits.per_client, &failures.client),
    ];
    if !failures.known_client {
        checks.push((Scope::Account, limits.per_account, &failures.account));
    }
    checks
        .into_iter()
        .filter_map(|(scope, limit, times)| {
            let limit = limit.max(1);
            // The attempt that made the count reach the limit must leave the window first.
            let oldest_relevant = times.len().checked_sub(limit).and_then(|i| times.get(i))?;
            Some(Refusal {
                scope,
                retry_at: oldest_relevant.saturating_add(limits.window_micros),
            })
        })
        .max_by_key(|refusal| refusal.retry_at)
}

/// The key a client address is counted under. IPv6 users are routinely given a whole /64, so an
/// IPv6 address counts as its /64: otherwise one machine could take a fresh address per guess.
/// IPv4-mapped IPv6 addresses count as their IPv4 address.
pub fn client_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60 * 1_000_000;

    fn times(n: usize) -> Vec<i64> {
        (0..n).map(|i| i as i64 * MINUTE).collect()
    }

    #[test]
    fn five_failures_from_one_address_on_one_account_refuse_the_sixth() {
        let limits = Limits::default();
        let mut failures = Failures {
            account_and_client: times(4),
            client: times(4),
            account: times(4),
            known_client: false,
        };
        assert_eq!(assess(limits, &failures), None);
        failures.account_and_client = times(5);
        let refusal = assess(limits, &failures).unwrap();
        assert_eq!(refusal.scope, Scope::AccountAndClient);
        // The first of the five leaves the window 15 minutes after it happened.
        assert_eq!(refusal.retry_at, 15 * MINUTE);
    }

    #[test]
    fn one_address_spraying_many_accounts_is_refused_at_the_client_limit() {
        let failures = Failures {
            account_and_client: vec![],
            client: times(50),
            account: vec![],
            known_client: false,
        };
        assert_eq!(assess(Limits::default(), &failures).unwrap().scope, Scope::Client);
    }

    #[test]
    fn many_addresses_on_one_account_lock_strangers_out_but_not_the_owner_s_machine() {
        let mut failures = Failures {
            account_and_client: vec![],
            client: vec![],
            account: times(100),
            known_client: false,
        };
        assert_eq!(assess(Limits::default(), &failures).unwrap().scope, Scope::Account);
        failures.known_client = true;
        assert_eq!(assess(Limits::default(), &failures), None);
    }

    #[test]
    fn the_wait_is_the_longest_of_the_limits_reached() {
        let failures = Failures {
            account_and_client: times(5),
            client: (0..50).map(|i| 10 * MINUTE + i).collect(),
            account: vec![],
            known_client: false,
        };
        let refusal = assess(Limits::default(), &failures).unwrap();
        assert_eq!(refusal.scope, Scope::Client);
        assert_eq!(refusal.retry_at, 25 * MINUTE);
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_eq!(client_key(a), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_key(mapped), "192.0.2.7");
    }
}
