//! Where deliveries may connect: the egress policy, checked on the addresses a connection is
//! actually made to, so a name that resolves (or re-resolves, as in DNS rebinding) to a
//! refused address is refused at connect time.
//!
//! By default loopback (a handler on the same laptop) and public addresses are allowed;
//! link-local (cloud metadata at 169.254.169.254), private and shared ranges, and the special
//! ones (unspecified, multicast, broadcast, reserved) are refused. `--allow-egress CIDR` opens a
//! range and `--deny-egress CIDR` closes one; where both match, the longer prefix decides (as in a
//! routing table), and on a tie the denial. So `--deny-egress 0.0.0.0/0 --deny-egress ::/0
//! --allow-egress 127.0.0.0/8` allows loopback alone, and a policy that refuses every address does
//! not even look names up.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// What kind of address an IP is, for the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    Loopback,
    Public,
    /// 10/8, 172.16/12, 192.168/16, 100.64/10 (shared), fc00::/7 (unique local).
    Private,
    /// 169.254/16, fe80::/10: where cloud metadata services answer.
    LinkLocal,
    /// Unspecified, multicast, broadcast, documentation and reserved ranges.
    Special,
}

impl AddressKind {
    /// The address's kind; IPv4-mapped and NAT64 IPv6 addresses are judged by their IPv4 part.
    pub fn of(ip: IpAddr) -> AddressKind {
        match canonical(ip) {
            IpAddr::V4(v4) => kind_v4(v4),
            IpAddr::V6(v6) => kind_v6(v6),
        }
    }

    fn name(self) -> &'static str {
        match self {
            AddressKind::Loopback => "loopback",
            AddressKind::Public => "public",
            AddressKind::Private => "private",
            AddressKind::LinkLocal => "link-local",
            AddressKind::Special => "special-purpose",
        }
    }
}

fn kind_v4(ip: Ipv4Addr) -> AddressKind {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        AddressKind::Loopback
    } else if ip.is_link_local() {
        AddressKind::LinkLocal
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        AddressKind::Private
    } else if ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || a >= 240
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
    {
        AddressKind::Special
    } else {
        AddressKind::Public
    }
}

fn kind_v6(ip: Ipv6Addr) -> AddressKind {
    let [first, second, ..] = ip.segments();
    if ip.is_loopback() {
        AddressKind::Loopback
    } else if first & 0xffc0 == 0xfe80 {
        AddressKind::LinkLocal
    } else if first & 0xfe00 == 0xfc00 {
        AddressKind::Private
    } else if ip.is_unspecified() || ip.is_multicast() || (first == 0x2001 && second == 0x0db8) {
        AddressKind::Special
    } else {
        AddressKind::Public
    }
}

/// The IP address a URL host names, if it is a literal (`127.0.0.1`, `[::1]`).
pub fn host_ip(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// True for `localhost` and loopback literals: hosts on this machine.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host_ip(host).is_some_and(|ip| ip.is_loopback())
}

/// The address as the policy judges it: an IPv6 address that embeds an IPv4 one is that one.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => embedded_v4(v6).map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The IPv4 address inside `::ffff:a.b.c.d` or the NAT64 prefix `64:ff9b::/96`.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    match ip.segments() {
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => {
            let ([a, b], [c, d]) = (hi.to_be_bytes(), lo.to_be_bytes());
            Some(Ipv4Addr::new(a, b, c, d))
        }
        _ => None,
    }
}

/// The ranges deliveries may and may not reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EgressPolicy {
    /// Ranges allowed although their kind is refused by default.
    pub allow: Vec<IpNet>,
    /// Ranges refused whatever their kind; where an allowed range also matches, the longer prefix
    /// decides, and a tie is a refusal.
    pub deny: Vec<IpNet>,
}

impl EgressPolicy {
    /// Ok when a delivery may connect to `ip`; else why not, for the attempt's error.
    pub fn check(&self, ip: IpAddr) -> Result<(), String> {
        let ip = canonical(ip);
        let longest = |nets: &[IpNet]| nets.iter().filter(|n| n.contains(&ip)).map(IpNet::prefix_len).max();
        match (longest(&self.allow), longest(&self.deny)) {
            (allowed, Some(denied)) if allowed.is_none_or(|a| a <= denied) => {
                return Err(format!("the egress policy refuses {ip} (--deny-egress)"));
            }
            (Some(_), _) => return Ok(()),
            (None, _) => {}
        }
        let kind = AddressKind::of(ip);
        if matches!(kind, AddressKind::Loopback | AddressKind::Public) {
            return Ok(());
        }
        Err(format!(
            "the egress policy refuses {ip}, a {} address (allow its range with --allow-egress CIDR)",
            kind.name()
        ))
    }

    /// True when no address at all may be reached (every address denied, none allowed).
    pub fn refuses_everything(&self) -> bool {
        let everything = |net: &&IpNet| net.prefix_len() == 0;
        self.allow.is_empty()
            && self.deny.iter().filter(everything).any(|n| n.addr().is_ipv4())
            && self.deny.iter().filter(everything).any(|n| n.addr().is_ipv6())
    }

    /// The resolver deliveries connect through: names resolved by the system, then filtered by
    /// this policy, so the addresses connected to are exactly the ones checked.
    pub fn resolver(self: Arc<Self>) -> Arc<PolicyResolver> {
        Arc::new(PolicyResolver { policy: self })
    }
}

/// A reqwest resolver that keeps only the addresses the policy allows.
#[derive(Debug)]
pub struct PolicyResolver {
    policy: Arc<EgressPolicy>,
}

impl PolicyResolver {
    /// The allowed addresses among `resolved`, or an error naming what was refused.
    pub fn filter(&self, host: &str, resolved: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, String> {
        let mut refusal = None;
        let allowed: Vec<SocketAddr> = resolved
            .into_iter()
            .filter(|addr| match self.policy.check(addr.ip()) {
                Ok(()) => true,
                Err(why) => {
                    refusal.get_or_insert(why);
                    false
                }
            })
            .collect();
        match (allowed.is_empty(), refusal) {
            (false, _) => Ok(allowed),
            (true, Some(why)) => Err(format!("{host} resolves only to refused addresses: {why}")),
            (true, None) => Err(format!("{host} resolves to no address")),
        }
    }
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            if policy.refuses_everything() {
                return Err(
                    format!("the egress policy refuses every address, so {host} is not looked up").into()
                );
            }
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed = PolicyResolver { policy }.filter(&host, resolved)?;
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn kinds_of_addresses() {
        for (text, kind) in [
            ("127.0.0.1", AddressKind::Loopback),
            ("127.8.9.10", AddressKind::Loopback),
            ("::1", AddressKind::Loopback),
            ("93.184.216.34", AddressKind::Public),
            ("2606:4700::1111", AddressKind::Public),
            ("10.1.2.3", AddressKind::Private),
            ("172.16.0.1", AddressKind::Private),
            ("172.31.255.255", AddressKind::Private),
            ("192.168.1.1", AddressKind::Private),
            ("100.64.0.1", AddressKind::Private),
            ("fd00::1", AddressKind::Private),
            ("169.254.169.254", AddressKind::LinkLocal),
            ("fe80::1", AddressKind::LinkLocal),
            ("::ffff:169.254.169.254", AddressKind::LinkLocal),
            ("::ffff:10.0.0.1", AddressKind::Private),
            ("64:ff9b::a9fe:a9fe", AddressKind::LinkLocal),
            ("0.0.0.0", AddressKind::Special),
            ("::", AddressKind::Special),
            ("255.255.255.255", AddressKind::Special),
            ("224.0.0.1", AddressKind::Special),
            ("240.0.0.1", AddressKind::Special),
            ("ff02::1", AddressKind::Special),
            ("172.32.0.1", AddressKind::Public),
        ] {
            assert_eq!(AddressKind::of(ip(text)), kind, "{text}");
        }
    }

    #[test]
    fn the_default_policy_refuses_metadata_and_private_ranges() {
        let policy = EgressPolicy::default();
        assert!(policy.check(ip("127.0.0.1")).is_ok());
        assert!(policy.check(ip("8.8.8.8")).is_ok());
        let why = policy.check(ip("169.254.169.254")).unwrap_err();
        assert!(why.contains("link-local") && why.contains("--allow-egress"), "{why}");
        assert!(policy.check(ip("::ffff:169.254.169.254")).is_err());
        assert!(policy.check(ip("10.0.0.5")).is_err());
        assert!(policy.check(ip("0.0.0.0")).is_err());
    }

    #[test]
    fn allow_opens_a_range_and_deny_wins() {
        let policy = EgressPolicy {
            allow: vec!["10.0.0.0/8".parse().unwrap()],
            deny: vec!["10.9.0.0/16".parse().unwrap(), "127.0.0.0/8".parse().unwrap()],
        };
        assert!(policy.check(ip("10.1.0.1")).is_ok());
        assert!(policy.check(ip("10.9.0.1")).unwrap_err().contains("--deny-egress"));
        assert!(policy.check(ip("127.0.0.1")).is_err());
        assert!(policy.check(ip("192.168.0.1")).is_err());
    }

    #[test]
    fn the_longer_prefix_decides_and_a_tie_denies() {
        let loopback_only = EgressPolicy {
            allow: vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
            deny: vec!["0.0.0.0/0".parse().unwrap(), "::/0".parse().unwrap()],
        };
        assert!(loopback_only.check(ip("127.0.0.1")).is_ok());
        assert!(loopback_only.check(ip("::1")).is_ok());
        assert!(loopback_only.check(ip("8.8.8.8")).is_err());
        assert!(loopback_only.check(ip("2606:4700::1111")).is_err());
        assert!(!loopback_only.refuses_everything());
        let tie = EgressPolicy {
            allow: vec!["10.0.0.0/8".parse().unwrap()],
            deny: vec!["10.0.0.0/8".parse().unwrap()],
        };
        assert!(tie.check(ip("10.1.1.1")).is_err());
        let nothing =
            EgressPolicy { allow: vec![], deny: vec!["0.0.0.0/0".parse().unwrap(), "::/0".parse().unwrap()] };
        assert!(nothing.refuses_everything());
        assert!(nothing.check(ip("127.0.0.1")).is_err());
        assert!(!EgressPolicy::default().refuses_everything());
    }

    #[test]
    fn the_resolver_keeps_only_allowed_addresses() {
        let resolver = PolicyResolver { policy: Arc::new(EgressPolicy::default()) };
        let addr = |text: &str| SocketAddr::new(ip(text), 443);
        // A rebinding answer mixing a public and a metadata address keeps only the public one.
        let kept =
            resolver.filter("rebind.example", vec![addr("169.254.169.254"), addr("93.184.216.34")]).unwrap();
        assert_eq!(kept, vec![addr("93.184.216.34")]);
        let refused = resolver.filter("metadata.example", vec![addr("169.254.169.254")]).unwrap_err();
        assert!(refused.contains("metadata.example") && refused.contains("169.254.169.254"), "{refused}");
        assert!(resolver.filter("nothing.example", vec![]).is_err());
    }
}
