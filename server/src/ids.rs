//! Random identifiers and secrets, from the operating system's CSPRNG.

use base64::Engine as _;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // Without the OS's random source no secret can be made safely: stopping is the only answer
    // (an API request that meets it answers 500 through the panic guard).
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes
}

/// `len` base62 characters (rejection sampling keeps them uniform).
fn base62(len: usize) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in random_bytes::<32>() {
            // 248 = 4 * 62: bytes above it would favour the first characters.
            if let Some(&c) = BASE62.get(usize::from(byte % 62)).filter(|_| byte < 248 && out.len() < len) {
                out.push(char::from(c));
            }
        }
    }
    out
}

/// `wh_` and 12 base62 characters.
pub fn endpoint_id() -> String {
    format!("wh_{}", base62(12))
}

/// `req_` and 20 base62 characters.
pub fn request_id() -> String {
    format!("req_{}", base62(20))
}

/// `whsec_` and the base64 of 32 random bytes.
pub fn signing_secret() -> String {
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(random_bytes::<32>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let id = endpoint_id();
        assert_eq!(id.len(), 15);
        assert!(id[3..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(endpoint_id(), endpoint_id());
        let secret = signing_secret();
        assert!(send0::webhooks::WebhookSecret::parse(&secret).is_ok());
        assert_eq!(secret.len(), "whsec_".len() + 44);
    }
}
