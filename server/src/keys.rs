//! API keys: loaded from the command line, kept only as SHA-256 hashes, with their workspace and
//! scopes.

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The key the server accepts when none is configured.
pub const DEFAULT_KEY: &str = "sk_test_send0_local";
/// The workspace of the default key and of `--api-key`.
pub const DEFAULT_WORKSPACE: &str = "ws_local";

/// A permission an API key can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `platform:webhooks:read`: list and get.
    Read,
    /// `platform:webhooks:manage`: everything (implies read).
    Manage,
}

impl Scope {
    /// The scope's name in keys files and 403 messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "platform:webhooks:read",
            Scope::Manage => "platform:webhooks:manage",
        }
    }

    fn parse(name: &str) -> Result<Scope, String> {
        match name {
            "platform:webhooks:read" => Ok(Scope::Read),
            "platform:webhooks:manage" => Ok(Scope::Manage),
            other => Err(format!(
                "unknown scope `{other}` (known: platform:webhooks:read, platform:webhooks:manage)"
            )),
        }
    }
}

/// Who a request is: the workspace its key belongs to and what the key may do.
#[derive(Clone, PartialEq, Eq)]
pub struct Principal {
    pub workspace: String,
    pub scopes: Vec<Scope>,
    /// The key's public prefix (`sk_test_…`), for logs.
    pub key_hint: String,
    /// The SHA-256 of the key: names it (e.g. for its rate limit) without holding it.
    pub key_hash: String,
    /// Requests per second this key may make (bursts of as many); None: unlimited.
    pub rate_limit: Option<u32>,
}

impl Principal {
    /// True when the key holds `scope` (manage implies read).
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) || (scope == Scope::Read && self.scopes.contains(&Scope::Manage))
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("workspace", &self.workspace)
            .field("scopes", &self.scopes)
            .field("key", &self.key_hint)
            .finish()
    }
}

/// The keys the server accepts, by the hex SHA-256 of the key.
#[derive(Debug, Default, Clone)]
pub struct KeyRing {
    by_hash: HashMap<String, Principal>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    key: String,
    workspace: String,
    scopes: Vec<String>,
    /// Optional: requests per second (with bursts of as many) before 429.
    #[serde(default)]
    rate_limit: Option<u32>,
}

/// The hex SHA-256 of a key: the only form in which keys are kept.
pub fn hash_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl KeyRing {
    /// The keys of `--api-key` and `--keys FILE`, or the default key when neither is given.
    pub fn load(api_key: Option<&str>, keys_file: Option<&std::path::Path>) -> Result<KeyRing, String> {
        let mut ring = KeyRing::default();
        if let Some(key) = api_key {
            ring.add(key, DEFAULT_WORKSPACE, vec![Scope::Manage], None)?;
        }
        if let Some(path) = keys_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the keys file {}: {e}", path.display()))?;
            let entries: Vec<KeyEntry> = serde_json::from_str(&text)
                .map_err(|e| format!("the keys file {} is not a list of keys: {e}", path.display()))?;
            for entry in entries {
                let scopes = entry.scopes.iter().map(|s| Scope::parse(s)).collect::<Result<Vec<_>, _>>()?;
                if entry.rate_limit == Some(0) {
                    return Err(format!(
                        "the key {} has rate_limit 0; omit it for no limit",
                        send0::redact(&entry.key)
                    ));
                }
                ring.add(&entry.key, &entry.workspace, scopes, entry.rate_limit)?;
            }
        }
        if api_key.is_none() && keys_file.is_none() {
            ring.add(DEFAULT_KEY, DEFAULT_WORKSPACE, vec![Scope::Manage], None)?;
        }
        Ok(ring)
    }

    fn add(
        &mut self,
        key: &str,
        workspace: &str,
        scopes: Vec<Scope>,
        rate_limit: Option<u32>,
    ) -> Result<(), String> {
        if key.len() < 8 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "the key {} must be at least 8 visible ASCII characters",
                send0::redact(key)
            ));
        }
        if workspace.is_empty() {
            return Err(format!("the key {} has an empty workspace", send0::redact(key)));
        }
        if scopes.is_empty() {
            return Err(format!("the key {} has no scopes", send0::redact(key)));
        }
        let key_hash = hash_key(key);
        let principal = Principal {
            workspace: workspace.to_owned(),
            scopes,
            key_hint: send0::redact(key),
            key_hash: key_hash.clone(),
            rate_limit,
        };
        if self.by_hash.insert(key_hash, principal).is_some() {
            return Err(format!("the key {} is given twice", send0::redact(key)));
        }
        Ok(())
    }

    /// The principal of a presented key.
    pub fn authenticate(&self, key: &str) -> Option<&Principal> {
        self.by_hash.get(&hash_key(key))
    }

    /// Every key as (hash, principal), for storing.
    pub fn entries(&self) -> impl Iterator<Item = (&String, &Principal)> {
        self.by_hash.iter()
    }

    /// Every key, for the start-up banner (prefixes only).
    pub fn principals(&self) -> impl Iterator<Item = &Principal> {
        self.by_hash.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_key_and_scopes() {
        let ring = KeyRing::load(None, None).unwrap();
        let p = ring.authenticate(DEFAULT_KEY).unwrap();
        assert_eq!(p.workspace, DEFAULT_WORKSPACE);
        assert!(p.allows(Scope::Read) && p.allows(Scope::Manage));
        assert!(ring.authenticate("sk_test_other").is_none());
        assert!(!format!("{p:?}").contains("send0_local"));
    }

    #[test]
    fn keys_file() {
        let dir = std::env::temp_dir().join(format!("send0-keys-{}", std::process::id()));
        std::fs::write(
            &dir,
            r#"[{"key":"sk_test_reader1","workspace":"ws_a","scopes":["platform:webhooks:read"]}]"#,
        )
        .unwrap();
        let ring = KeyRing::load(None, Some(&dir)).unwrap();
        let reader = ring.authenticate("sk_test_reader1").unwrap();
        assert!(reader.allows(Scope::Read) && !reader.allows(Scope::Manage));
        assert!(ring.authenticate(DEFAULT_KEY).is_none());
        std::fs::write(&dir, r#"[{"key":"sk_test_reader1","workspace":"ws_a","scopes":["admin"]}]"#).unwrap();
        assert!(KeyRing::load(None, Some(&dir)).unwrap_err().contains("unknown scope `admin`"));
        std::fs::remove_file(&dir).unwrap();
    }
}
