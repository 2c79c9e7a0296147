//! Signed statements: Ed25519 signatures over canonical JSON, as compact JWS, and the JSON Web Key
//! Set that publishes the keys to check them with.
//!
//! - **Canonical JSON** is RFC 8785, the JSON Canonicalization Scheme (JCS), through the
//!   `serde_jcs` crate: object members sorted by their UTF-16 code units, no insignificant
//!   whitespace, strings and numbers in their one ECMAScript form. The same facts always give the
//!   same bytes, whoever serialises them, so a payload can be rebuilt and compared.
//! - **Compact JWS** (RFC 7515) with `alg: EdDSA` (RFC 8037): `BASE64URL(header) "."
//!   BASE64URL(payload) "." BASE64URL(signature)`, base64url without padding; the header is
//!   `{"alg":"EdDSA","kid":…,"typ":…}`, itself in canonical form.
//! - **Keys** are named by their RFC 7638 JWK thumbprint (`kid`), so a key's name is derived from
//!   it and cannot be attached to another key; the JWKS lists them as RFC 8037 OKP keys.
//!
//! Pure: the private key's 32-byte seed is passed in; generating one (randomness) and keeping it
//! (files) belong to `scal_app::keys`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The one JWS algorithm scal signs and accepts.
pub const ALG: &str = "EdDSA";

/// The RFC 8785 (JCS) canonical form of `value`.
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, SignError> {
    serde_jcs::to_vec(value).map_err(|e| SignError(format!("cannot write canonical JSON: {e}")))
}

/// Why a statement could not be signed (a payload that is not representable as JSON).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SignError(String);

/// A JWS protected header as scal writes and reads it. Members scal does not know are ignored when
/// reading, except `crit`, which refuses the JWS (RFC 7515 §4.1.11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crit: Option<serde_json::Value>,
}

/// A private signing key and its name. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct Signer {
    kid: String,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("kid", &self.kid)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl Signer {
    /// The key whose 32-byte seed (RFC 8032's private key) is `seed`; its `kid` is its thumbprint.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(seed);
        let kid = thumbprint(&key.verifying_key());
        Self { kid, key }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The private seed, for writing it to the key file. Never log it.
    pub fn seed(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The public key as a JWK, with `status` (`active` or `retired`) when given.
    pub fn public_jwk(&self, status: Option<KeyStatus>) -> Jwk {
        Jwk::ed25519(&self.key.verifying_key(), &self.kid, status)
    }

    /// A compact JWS of `payload` (already bytes) with header `{"alg":"EdDSA","kid":…,"typ":…}`.
    pub fn sign(&self, typ: &str, payload: &[u8]) -> Result<String, SignError> {
        let header = Header {
            alg: ALG.into(),
            kid: Some(self.kid.clone()),
            typ: Some(typ.into()),
            crit: None,
        };
        self.sign_with_header(&header, payload)
    }

    /// A compact JWS of `payload` in its canonical JSON form.
    pub fn sign_json<T: Serialize + ?Sized>(&self, typ: &str, payload: &T) -> Result<String, SignError> {
        self.sign(typ, &canonical_json(payload)?)
    }

    /// A compact JWS with exactly this header (written in canonical form).
    pub fn sign_with_header(&self, header: &Header, payload: &[u8]) -> Result<String, SignError> {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(canonical_json(header)?),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let signature: Signature = self.key.sign(signing_input.as_bytes());
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ))
    }
}

/// The RFC 7638 thumbprint of an Ed25519 public key: base64url(SHA-256 of
/// `{"crv":"Ed25519","kty":"OKP","x":…}`).
pub fn thumbprint(key: &VerifyingKey) -> String {
    let x = URL_SAFE_NO_PAD.encode(key.as_bytes());
    let members = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(members.as_bytes()))
}

/// Whether a published key still signs (`active`) or only verifies what it signed (`retired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    Active,
    Retired,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Retired => "retired",
        }
    }
}

/// One JSON Web Key (RFC 7517). scal publishes RFC 8037 OKP Ed25519 keys
/// (`{"kty":"OKP","crv":"Ed25519","x":…,"kid":…,"use":"sig","alg":"EdDSA"}`, plus scal's own
/// `status`). When reading a set, every member but `kid` is optional so that keys of other types
/// in someone's set are skipped rather than refused; a key used for a JWS must be a usable
/// Ed25519 key (see [`VerifyError::BadKey`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// scal's own member: `active` or `retired`. Retired keys stay published so what they signed
    /// keeps verifying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<KeyStatus>,
}

impl Jwk {
    pub fn ed25519(key: &VerifyingKey, kid: &str, status: Option<KeyStatus>) -> Self {
        Self {
            kty: "OKP".into(),
            crv: Some("Ed25519".into()),
            x: Some(URL_SAFE_NO_PAD.encode(key.as_bytes())),
            kid: Some(kid.into()),
            use_: Some("sig".into()),
            alg: Some(ALG.into()),
            status,
        }
    }

    /// The Ed25519 public key this JWK describes, or why it does not describe one.
    pub fn verifying_key(&self) -> Result<VerifyingKey, String> {
        if self.kty != "OKP" {
            return Err(format!("its kty is {:?}, not \"OKP\"", self.kty));
        }
        if self.crv.as_deref() != Some("Ed25519") {
            return Err(format!(
                "its crv is {:?}, not \"Ed25519\"",
                self.crv.as_deref().unwrap_or("")
            ));
        }
        if let Some(alg) = self.alg.as_deref().filter(|alg| *alg != ALG) {
            return Err(format!("it is for alg {alg:?}, not \"EdDSA\""));
        }
        if let Some(use_) = self.use_.as_deref().filter(|u| *u != "sig") {
            return Err(format!("its use is {use_:?}, not \"sig\""));
        }
        let x = self.x.as_deref().ok_or("it has no x (public key)")?;
        let bytes = URL_SAFE_NO_PAD
            .decode(x)
            .map_err(|_| "its x is not base64url".to_string())?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("its x is {} bytes, not 32", b.len()))?;
        VerifyingKey::from_bytes(&bytes).map_err(|_| "its x is not an Ed25519 public key".to_string())
    }
}

/// A JSON Web Key Set (RFC 7517 §5): what `/.well-known/jwks.json` serves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// Reads a set; `Err` says what is wrong with the JSON.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not a JSON Web Key Set: {e}"))
    }

    pub fn find(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|k| k.kid.as_deref() == Some(kid))
    }
}

/// A JWS whose every check passed.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub kid: String,
    pub header: Header,
    /// The payload exactly as signed.
    pub payload: Vec<u8>,
    /// The payload read as JSON.
    pub json: serde_json::Value,
}

/// Which check a JWS failed. Checked in this order: its form, the algorithm, the key (known,
/// usable), the signature, the type (when one is expected), the payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not three base64url parts, or a header that is not a JSON object scal can read.
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("wrong algorithm: the header says {0:?}; only \"EdDSA\" is accepted")]
    WrongAlg(String),
    #[error("unknown key: no published key has kid {0:?}")]
    UnknownKid(String),
    /// The key named is published but is not a usable Ed25519 public key.
    #[error("unusable key {kid:?}: {reason}")]
    BadKey { kid: String, reason: String },
    /// The signature does not match the header and payload: forged, or altered after signing.
    #[error("bad signature: the signature does not match the header and payload (forged, or altered after signing)")]
    BadSignature,
    #[error("wrong type: expected typ {expected:?}, the header says {found:?}")]
    WrongType { expected: String, found: String },
    /// Correctly signed, but the payload is not JSON.
    #[error("bad payload: {0}")]
    BadPayload(String),
}

impl VerifyError {
    /// A stable name of the check that failed, for `--json` and scripts.
    pub fn check(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::WrongAlg(_) => "wrong_alg",
            Self::UnknownKid(_) => "unknown_kid",
            Self::BadKey { .. } => "bad_key",
            Self::BadSignature => "bad_signature",
            Self::WrongType { .. } => "wrong_type",
            Self::BadPayload(_) => "bad_payload",
        }
    }
}

/// Checks a compact JWS against the keys of `jwks`, whatever its `typ`.
pub fn verify(jws: &str, jwks: &Jwks) -> Result<Verified, VerifyError> {
    let jws = jws.trim();
    let mut parts = jws.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VerifyError::Malformed(
            "a compact JWS is three base64url parts separated by dots".into(),
        ));
    };
    let decode = |part: &str, name: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| VerifyError::Malformed(format!("its {name} is not base64url")))
    };
    let header_bytes = decode(header_b64, "header")?;
    let payload = decode(payload_b64, "payload")?;
    let signature_bytes = decode(signature_b64, "signature")?;
    let header: Header = serde_json::from_slice(&header_bytes)
        .map_err(|e| VerifyError::Malformed(format!("its header is not a JWS header in JSON: {e}")))?;
    if header.crit.is_some() {
        return Err(VerifyError::Malformed(
            "its header names critical extensions (crit), which scal does not support".into(),
        ));
    }
    if header.alg != ALG {
        return Err(VerifyError::WrongAlg(header.alg));
    }
    let kid = header
        .kid
        .clone()
        .ok_or_else(|| VerifyError::Malformed("its header has no kid naming the key".into()))?;
    let jwk = jwks.find(&kid).ok_or_else(|| VerifyError::UnknownKid(kid.clone()))?;
    let key = jwk.verifying_key().map_err(|reason| VerifyError::BadKey {
        kid: kid.clone(),
        reason,
    })?;
    let signature: [u8; 64] = signature_bytes.try_into().map_err(|_| VerifyError::BadSignature)?;
    let signing_input = &jws[..header_b64.len() + 1 + payload_b64.len()];
    key.verify_strict(signing_input.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| VerifyError::BadSignature)?;
    let json = serde_json::from_slice(&payload)
        .map_err(|e| VerifyError::BadPayload(format!("the signed payload is not JSON: {e}")))?;
    Ok(Verified {
        kid,
        header,
        payload,
        json,
    })
}

/// [`verify`], then the header's `typ` must be `typ`: a statement of one kind cannot be passed off
/// as another.
pub fn verify_typed(jws: &str, jwks: &Jwks, typ: &str) -> Result<Verified, VerifyError> {
    let verified = verify(jws, jwks)?;
    match verified.header.typ.as_deref() {
        Some(found) if found == typ => Ok(verified),
        found => Err(VerifyError::WrongType {
            expected: typ.into(),
            found: found.unwrap_or("").into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8037 appendix A.1: the private key's seed `d` and public key `x`.
    const RFC8037_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

    fn rfc8037_signer() -> Signer {
        let seed: [u8; 32] = URL_SAFE_NO_PAD.decode(RFC8037_D).unwrap().try_into().unwrap();
        Signer::from_seed(&seed)
    }

    fn signer(n: u8) -> Signer {
        Signer::from_seed(&[n; 32])
    }

    fn jwks(signers: &[&Signer]) -> Jwks {
        Jwks {
            keys: signers.iter().map(|s| s.public_jwk(Some(KeyStatus::Active))).collect(),
        }
    }

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn rfc8037_a3_thumbprint_names_the_key() {
        let signer = rfc8037_signer();
        assert_eq!(signer.public_jwk(None).x.as_deref(), Some(RFC8037_X));
        assert_eq!(signer.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }

    #[test]
    fn rfc8037_a4_known_answer() {
        let header = Header {
            alg: "EdDSA".into(),
            kid: None,
            typ: None,
            crit: None,
        };
        let jws = rfc8037_signer()
            .sign_with_header(&header, b"Example of Ed25519 signing")
            .unwrap();
        assert_eq!(
            jws,
            "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.\
             hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        );
    }

    #[test]
    fn canonical_json_sorts_members_and_drops_whitespace() {
        let value = serde_json::json!({"seq": 3, "hash": "ab", "at": "2026-11-24T09:00:00Z", "nested": {"z": 1, "a": [true, null]}});
        assert_eq!(
            String::from_utf8(canonical_json(&value).unwrap()).unwrap(),
            r#"{"at":"2026-11-24T09:00:00Z","hash":"ab","nested":{"a":[true,null],"z":1},"seq":3}"#
        );
        // RFC 8785's own examples: numbers in their ECMAScript form, and string escapes.
        let numbers: serde_json::Value = serde_json::from_str("[1e1, 1.0, -0, 0.000001, 1e-7, 1e21]").unwrap();
        assert_eq!(
            String::from_utf8(canonical_json(&numbers).unwrap()).unwrap(),
            "[10,1,0,0.000001,1e-7,1e+21]"
        );
        assert_eq!(
            String::from_utf8(canonical_json(&serde_json::json!("\u{20ac}$\u{f}\n\"\\")).unwrap()).unwrap(),
            "\"\u{20ac}$\\u000f\\n\\\"\\\\\""
        );
    }

    #[test]
    fn a_signed_payload_verifies_and_reads_back() {
        let a = signer(1);
        let jws = a.sign_json("scal-test", &serde_json::json!({"b": 2, "a": 1})).unwrap();
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jws.split('.').next().unwrap()).unwrap()).unwrap();
        assert_eq!(
            header,
            serde_json::json!({"alg": "EdDSA", "kid": a.kid(), "typ": "scal-test"})
        );
        let verified = verify(&jws, &jwks(&[&signer(2), &a])).unwrap();
        assert_eq!(verified.kid, a.kid());
        assert_eq!(verified.payload, br#"{"a":1,"b":2}"#);
        assert_eq!(verified.json, serde_json::json!({"a": 1, "b": 2}));
        assert_eq!(verify_typed(&jws, &jwks(&[&a]), "scal-test").unwrap().kid, a.kid());
    }

    #[test]
    fn a_retired_key_still_verifies() {
        let old = signer(1);
        let jws = old.sign_json("t", &serde_json::json!({})).unwrap();
        let set = Jwks {
            keys: vec![
                signer(2).public_jwk(Some(KeyStatus::Active)),
                old.public_jwk(Some(KeyStatus::Retired)),
            ],
        };
        assert_eq!(verify(&jws, &set).unwrap().kid, old.kid());
    }

    #[test]
    fn each_failed_check_is_named() {
        let a = signer(1);
        let set = jwks(&[&a]);
        let jws = a.sign_json("t", &serde_json::json!({"seq": 1})).unwrap();
        let parts: Vec<&str> = jws.split('.').collect();

        // Malformed: parts, base64url, header JSON, no kid, crit.
        for bad in [
            "only.two".to_string(),
            format!("{jws}.extra"),
            format!("{}.{}.{}", "not base64!", parts[1], parts[2]),
            format!("{}.{}.{}", b64(b"not json"), parts[1], parts[2]),
            format!("{}.{}.{}", b64(br#"{"alg":"EdDSA"}"#), parts[1], parts[2]),
            format!(
                "{}.{}.{}",
                b64(br#"{"alg":"EdDSA","kid":"k","crit":["exp"]}"#),
                parts[1],
                parts[2]
            ),
        ] {
            assert_eq!(verify(&bad, &set).map_err(|e| e.check()), Err("malformed"), "{bad}");
        }

        // Wrong algorithm, even with an otherwise valid signature over the new header.
        let none = format!("{}.{}.", b64(br#"{"alg":"none","kid":"x"}"#), parts[1]);
        assert_eq!(verify(&none, &set), Err(VerifyError::WrongAlg("none".into())));
        let hs256 = format!("{}.{}.{}", b64(br#"{"alg":"HS256"}"#), parts[1], parts[2]);
        assert_eq!(verify(&hs256, &set).map_err(|e| e.check()), Err("wrong_alg"));

        // Unknown kid: signed by a key the set does not hold.
        let stranger = signer(9).sign_json("t", &serde_json::json!({"seq": 1})).unwrap();
        assert_eq!(
            verify(&stranger, &set),
            Err(VerifyError::UnknownKid(signer(9).kid().to_string()))
        );

        // Altered payload: the original signature over a different payload.
        let altered = format!("{}.{}.{}", parts[0], b64(br#"{"seq":2}"#), parts[2]);
        assert_eq!(verify(&altered, &set), Err(VerifyError::BadSignature));

        // Forged signature: a stranger's signature under our kid.
        let forged_sig = stranger.split('.').nth(2).unwrap();
        let forged = format!("{}.{}.{forged_sig}", parts[0], parts[1]);
        assert_eq!(verify(&forged, &set), Err(VerifyError::BadSignature));
        let short = format!("{}.{}.{}", parts[0], parts[1], b64(&[0; 12]));
        assert_eq!(verify(&short, &set), Err(VerifyError::BadSignature));

        // A published key that is not a usable Ed25519 key.
        let mut broken = set.clone();
        broken.keys[0].x = Some(b64(&[1; 31]));
        assert_eq!(verify(&jws, &broken).map_err(|e| e.check()), Err("bad_key"));
        broken.keys[0].x = a.public_jwk(None).x;
        broken.keys[0].crv = Some("X25519".into());
        assert_eq!(verify(&jws, &broken).map_err(|e| e.check()), Err("bad_key"));

        // Wrong type.
        assert_eq!(
            verify_typed(&jws, &set, "scal-certificate"),
            Err(VerifyError::WrongType {
                expected: "scal-certificate".into(),
                found: "t".into()
            })
        );

        // Correctly signed, but not JSON.
        let text = a.sign("t", b"plain text").unwrap();
        assert_eq!(verify(&text, &set).map_err(|e| e.check()), Err("bad_payload"));
    }

    #[test]
    fn a_set_with_other_key_types_still_finds_ed25519_keys() {
        let a = signer(1);
        let text = format!(
            r#"{{"keys":[{{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}},{}]}}"#,
            serde_json::to_string(&a.public_jwk(None)).unwrap()
        );
        let set = Jwks::parse(text.as_bytes()).unwrap();
        let jws = a.sign("t", b"{}").unwrap();
        assert_eq!(verify(&jws, &set).unwrap().kid, a.kid());
        let mut header_for_rsa_kid = a.sign("t", b"{}").unwrap();
        header_for_rsa_kid = header_for_rsa_kid.replacen(
            header_for_rsa_kid.split('.').next().unwrap(),
            &b64(br#"{"alg":"EdDSA","kid":"r"}"#),
            1,
        );
        assert_eq!(verify(&header_for_rsa_kid, &set).map_err(|e| e.check()), Err("bad_key"));
        assert!(Jwks::parse(b"[]").is_err());
    }

    #[test]
    fn the_published_key_never_carries_the_private_part() {
        let a = signer(1);
        let jwk = serde_json::to_value(a.public_jwk(Some(KeyStatus::Retired))).unwrap();
        assert_eq!(
            jwk,
            serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": a.public_jwk(None).x, "kid": a.kid(), "use": "sig", "alg": "EdDSA", "status": "retired"})
        );
        assert!(!format!("{a:?}").contains(&hex::encode(a.seed())));
    }
}
