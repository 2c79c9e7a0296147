//! The audit chain. Each entry's hash covers its own content and the previous entry's hash, so
//! editing, deleting or reordering any stored entry breaks every hash after it.

use sha2::{Digest, Sha256};

/// The `kind` filter value that selects every security event.
pub const SECURITY_EVENTS: &str = "security";

/// Kinds of the security events: sign-ins, passwords and API tokens. Filtering by
/// [`SECURITY_EVENTS`] selects these.
pub const SECURITY_EVENT_KINDS: &[&str] = &[
    "session.signed_in",
    "session.sign_in_failed",
    "session.signed_out",
    "password.changed",
    "password.change_refused",
    "password.reset_requested",
    "password.reset",
    "token.created",
    "token.revoked",
    "token.used_from_new_address",
];

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored. `at` is microseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor_user_id: Option<String>,
    /// Who acted, readable without a join: an email address, or `cli` for the command line.
    pub actor_label: String,
    /// The organisation whose data changed, for filtering and tenant scoping.
    pub org_id: Option<String>,
    /// What happened, as `entity.verb` (`product.created`).
    pub kind: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry must carry, computed from its content and `prev_hash`. Field values are
    /// length-prefixed so no two different entries hash the same input.
    pub fn compute_hash(&self) -> String {
        let mut hasher = Sha256::new();
        let before = self.before.as_ref().map(serde_json::Value::to_string);
        let after = self.after.as_ref().map(serde_json::Value::to_string);
        let fields: [Option<&str>; 8] = [
            Some(&self.prev_hash),
            self.actor_user_id.as_deref(),
            Some(&self.actor_label),
            self.org_id.as_deref(),
            Some(&self.kind),
            Some(&self.entity_id),
            before.as_deref(),
            after.as_deref(),
        ];
        hasher.update(self.seq.to_be_bytes());
        hasher.update(self.at.to_be_bytes());
        for field in fields {
            match field {
                None => hasher.update([0u8]),
                Some(value) => {
                    hasher.update([1u8]);
                    hasher.update((value.len() as u64).to_be_bytes());
                    hasher.update(value.as_bytes());
                }
            }
        }
        hex::encode(hasher.finalize())
    }
}

/// Why the chain is broken, naming the first bad entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "audit entry {} is broken: {}", self.seq, self.reason)
    }
}

/// Walks the chain in order. Entries must arrive sorted by `seq`; it is streamed so a long log is
/// never held in memory at once.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
        }
    }
}

impl ChainVerifier {
    pub fn next(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        let broken = |reason: String| Err(ChainBreak { seq: entry.seq, reason });
        if entry.seq != self.expected_seq {
            return broken(format!(
                "expected entry {} here (an entry is missing or out of order)",
                self.expected_seq
            ));
        }
        if entry.prev_hash != self.prev_hash {
            return broken("its previous-hash does not match the entry before it".into());
        }
        if entry.compute_hash() != entry.hash {
            return broken("its content does not match its hash (it was edited)".into());
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&entry.hash);
        Ok(())
    }

    /// After the last entry: the head the store recorded must be where the walk ended, which
    /// catches entries deleted from the end.
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<u64, ChainBreak> {
        let last = self.expected_seq - 1;
        if head_seq != last || head_hash != self.prev_hash {
            return Err(ChainBreak {
                seq: last + 1,
                reason: format!("the log ends at entry {last} but its head records entry {head_seq}"),
            });
        }
        Ok(u64::try_from(last).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut entry = AuditEntry {
                    seq,
                    at: 1_700_000_000_000_000 + seq,
                    actor_user_id: Some("u1".into()),
                    actor_label: "a@b.org".into(),
                    org_id: None,
                    kind: "product.created".into(),
                    entity_id: format!("p{seq}"),
                    before: None,
                    after: Some(serde_json::json!({"name": "x"})),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                entry.hash = entry.compute_hash();
                prev.clone_from(&entry.hash);
                entry
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry], head: (i64, &str)) -> Result<u64, ChainBreak> {
        let mut verifier = ChainVerifier::default();
        for entry in entries {
            verifier.next(entry)?;
        }
        verifier.finish(head.0, head.1)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let entries = chain(3);
        assert_eq!(verify(&entries, (3, &entries[2].hash)), Ok(3));
    }

    #[test]
    fn an_edited_entry_is_named() {
        let mut entries = chain(3);
        entries[1].after = Some(serde_json::json!({"name": "forged"}));
        assert_eq!(
            verify(&entries, (3, &entries[2].hash.clone())).map_err(|b| b.seq),
            Err(2)
        );
    }

    #[test]
    fn a_deleted_entry_is_named() {
        let mut entries = chain(3);
        let head = entries[2].hash.clone();
        entries.remove(1);
        assert_eq!(verify(&entries, (3, &head)).map_err(|b| b.seq), Err(3));
        entries.pop();
        assert_eq!(verify(&entries, (3, &head)).map_err(|b| b.seq), Err(2));
    }
}
