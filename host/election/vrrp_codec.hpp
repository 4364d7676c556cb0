// VRRPv3 advertisements on the wire (RFC 5798 §5, as updated by RFC 9568): encoding, decoding and the
// receive checks of §7.1, as pure functions over bytes (docs/architecture.md rule 4: no sockets, no clock).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|   RFC 5798 §5.1, §5.2.1-5
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |(rsvd) |     Max Adver Int     |          Checksum             |   §5.2.6-8
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                IPvX Address(es): Count x 4 or x 16            |   §5.2.9
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Version 3, Type 1 (ADVERTISEMENT, the only type). Priority 255 = the address owner, 0 = the current
// Master is leaving (§5.2.4). Count >= 1 (§5.2.5; RFC 9568 erratum 8299: a count of 0 is ignored).
// Rsvd is sent as zero and ignored on receipt (§5.2.6). Max Adver Int is 12 bits of centiseconds,
// 1..4095 (§5.2.7; RFC 9568 erratum 8301: 0 is discarded). All addresses share the family of
// the IP header that carried them (§5.2.9); for IPv6 the first is the virtual router's link-local
// address (§5.2.9, checked on configuration, not on receipt).
//
// Checksum (§5.2.8). The 16-bit one's complement of the one's complement sum (RFC 1071) of the whole
// VRRP message, checksum field zero, plus a pseudo-header:
//   IPv6: always the RFC 8200 §8.1 pseudo-header (source, destination, 32-bit length, next header 112).
//   IPv4: RFC 5798 points at the IPv6 pseudo-header (RFC 2460 §8.1) without saying what it means for
//         IPv4. keepalived prepends the IPv4 pseudo-header (source, destination, zero, protocol
//         112, 16-bit length) by default, over the real IP destination (keepalived issue #642 fixed
//         it for unicast), and leaves it out with `v3_checksum_as_v2`; FRR has the same switch
//         (`checksum-with-ipv4-pseudoheader`). Cisco leaves it out, and RFC 9568 §5.2.8 now says the
//         IPv4 checksum covers the VRRP message only. Both forms are on the wire, so:
//           sending:   Ipv4Checksum::kPseudoHeader by default (what Debian 12's keepalived 2.2.7
//                      sends and accepts), kMessageOnly on request (RFC 9568);
//           receiving: Ipv4ChecksumAccept::kEither by default, and the result says which form
//                      matched; kPseudoHeader / kMessageOnly to be strict.
//
// IP layer (§5.1, §7.1): protocol 112, TTL / Hop Limit 255 (the receiver MUST discard anything else,
// RFC 5082), destination 224.0.0.18 or ff02::12. The socket layer supplies those fields as an IpMeta
// (an IPv4 raw socket hands over the whole datagram instead: decode_ipv4_packet parses its header).
//
// Nothing here throws or asserts on input: every malformed packet is a RxReject with a reason the
// caller counts (RxError) and a message for people.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "host/common/status.hpp"

namespace conductor::election {

inline constexpr uint8_t kVrrpVersion = 3;            // RFC 5798 §5.2.1
inline constexpr uint8_t kVrrpTypeAdvertisement = 1;  // §5.2.2
inline constexpr uint8_t kIpProtoVrrp = 112;          // §5.1.1.4 / §5.1.2.4
inline constexpr uint8_t kVrrpTtl = 255;              // §5.1.1.3 / §5.1.2.3
inline constexpr size_t kVrrpHeaderBytes = 8;
inline constexpr uint8_t kPriorityShutdown = 0;        // §5.2.4: the Master stops participating
inline constexpr uint8_t kPriorityOwner = 255;         // §5.2.4: owns the virtual addresses
inline constexpr uint16_t kMaxAdverIntervalCs = 4095;  // §5.2.7: 12 bits of centiseconds
inline constexpr size_t kMaxAddresses = 255;           // the count is one octet

enum class Family : uint8_t { kIpv4, kIpv6 };

constexpr size_t address_bytes(Family f) { return f == Family::kIpv4 ? 4 : 16; }
constexpr std::string_view family_name(Family f) { return f == Family::kIpv4 ? "IPv4" : "IPv6"; }

// An IPv4 or IPv6 address in network byte order. Ordering compares the family, then the bytes as one
// unsigned big-endian integer: the RFC 9568 §6.4.3 tie-break ("unsigned integer comparison of the
// IPvX addresses in network byte order").
struct IpAddress {
  Family family = Family::kIpv4;
  std::array<uint8_t, 16> bytes{};  // an IPv4 address uses bytes[0..3]; the rest stay zero

  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    IpAddress ip;
    ip.bytes[0] = a, ip.bytes[1] = b, ip.bytes[2] = c, ip.bytes[3] = d;
    return ip;
  }
  static IpAddress v6(const std::array<uint8_t, 16>& b) { return IpAddress{Family::kIpv6, b}; }
  // `b` must hold address_bytes(f) bytes.
  static IpAddress from_bytes(Family f, std::span<const uint8_t> b);
  // "198.18.0.1", "fe80::1". Fails on anything inet_pton does not take.
  static Expected<IpAddress> parse(std::string_view text);

  std::span<const uint8_t> view() const { return {bytes.data(), address_bytes(family)}; }
  std::string to_string() const;
  bool is_multicast() const { return family == Family::kIpv4 ? (bytes[0] & 0xF0) == 0xE0 : bytes[0] == 0xFF; }
  bool is_link_local_v6() const { return family == Family::kIpv6 && bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80; }

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

// 224.0.0.18 (RFC 5798 §5.1.1.2) or ff02::12 (§5.1.2.2).
IpAddress vrrp_group(Family f);

// The fields of one advertisement (the checksum is derived, the reserved bits are always zero).
struct Advert {
  Family family = Family::kIpv4;
  uint8_t vrid = 1;                      // 1..255
  uint8_t priority = 100;                // 0..255
  uint16_t max_adver_interval_cs = 100;  // 1..4095 centiseconds
  std::vector<IpAddress> addresses;      // 1..255, all of `family`

  friend bool operator==(const Advert&, const Advert&) = default;
};

// ---- Checksum ------------------------------------------------------------------------------------

enum class ChecksumForm : uint8_t {
  kIpv4PseudoHeader,  // RFC 5798 §5.2.8 as keepalived applies it to IPv4 by default (FRR: an option)
  kIpv4MessageOnly,   // RFC 9568 §5.2.8 for IPv4; keepalived v3_checksum_as_v2; Cisco
  kIpv6PseudoHeader,  // RFC 5798 and RFC 9568 §5.2.8 for IPv6 (RFC 8200 §8.1 pseudo-header)
};
std::string_view checksum_form_name(ChecksumForm f);

enum class Ipv4Checksum : uint8_t { kPseudoHeader, kMessageOnly };                 // what to send
enum class Ipv4ChecksumAccept : uint8_t { kEither, kPseudoHeader, kMessageOnly };  // what to take

// The form used for a message of family `f` sent with `mode` (IPv6 ignores `mode`).
constexpr ChecksumForm checksum_form_for(Family f, Ipv4Checksum mode) {
  if (f == Family::kIpv6) return ChecksumForm::kIpv6PseudoHeader;
  return mode == Ipv4Checksum::kPseudoHeader ? ChecksumForm::kIpv4PseudoHeader : ChecksumForm::kIpv4MessageOnly;
}

// The value for bytes 6..7 of `message` (whatever those bytes hold now is taken as zero), for the
// given endpoints of the IP header (the pseudo-header forms use them; kIpv4MessageOnly does not).
uint16_t vrrp_checksum(std::span<const uint8_t> message, const IpAddress& source, const IpAddress& destination,
                       ChecksumForm form);

// ---- Receive errors ------------------------------------------------------------------------------

enum class RxError : uint8_t {
  // VRRP message (§5.2, §7.1)
  kTruncated,             // shorter than the 8-byte header, or than the addresses its count promises
  kBadVersion,            // version is not 3 (VRRPv2 is not spoken here)
  kBadType,               // type is not 1 (ADVERTISEMENT)
  kZeroAddressCount,      // Count IPvX Addr is 0 (§5.2.5, RFC 9568 erratum 8299)
  kAddressCountMismatch,  // bytes follow the counted addresses (the count disagrees with the length)
  kBadChecksum,           // no accepted checksum form sums to 0xFFFF
  kZeroInterval,          // Max Adver Int is 0 (RFC 9568 erratum 8301)
  // IP layer (§5.1, §7.1)
  kBadTtl,          // TTL / Hop Limit is not 255
  kBadProtocol,     // IPv4 protocol / IPv6 next header is not 112
  kBadDestination,  // not 224.0.0.18 / ff02::12 (nor, when allowed, a unicast address)
  kFamilyMismatch,  // source, destination and header disagree on the address family
  kBadIpHeader,     // IPv4 header: version not 4, IHL < 5, a fragment
  kBadLength,       // IPv4 total length disagrees with the datagram received
};
inline constexpr size_t kRxErrorCount = static_cast<size_t>(RxError::kBadLength) + 1;
std::string_view rx_error_name(RxError e);

struct RxReject {
  RxError reason = RxError::kTruncated;
  std::string message;  // what was wrong, with the offending values

  operator Error() const { return make_error(Errc::kCorrupt, message); }
};

// Either a T or a RxReject: status.hpp's Expected with a reason code for counters
// (result.error().reason); the reject converts to the project's Error (code kCorrupt).
template <class T>
using RxResult = Expected<T, RxReject>;

// ---- Receive -------------------------------------------------------------------------------------

// What the socket layer knows about one received datagram besides its VRRP payload (IP_RECVTTL /
// IPV6_RECVHOPLIMIT for the TTL, IP_PKTINFO / IPV6_RECVPKTINFO for the destination).
struct IpMeta {
  Family family = Family::kIpv4;
  IpAddress source;
  IpAddress destination;
  uint8_t ttl = kVrrpTtl;           // IPv4 TTL or IPv6 Hop Limit
  uint8_t protocol = kIpProtoVrrp;  // IPv4 Protocol or the IPv6 Next Header that carried the message
};

struct RxOptions {
  Ipv4ChecksumAccept ipv4_checksum = Ipv4ChecksumAccept::kEither;
  // Also accept a unicast destination (keepalived's unicast_peer mode). TTL 255 is still required.
  bool allow_unicast = false;
};

struct ReceivedAdvert {
  Advert advert;
  IpAddress source;  // the sender's primary address: the tie-break of §6.4.3
  IpAddress destination;
  ChecksumForm checksum_form = ChecksumForm::kIpv4PseudoHeader;  // the form that matched
};

// The IP-layer checks of §7.1 over the header fields; nullopt when the datagram may be decoded.
std::optional<RxReject> check_ip_meta(const IpMeta& ip, const RxOptions& options = {});

// The VRRP-layer checks of §7.1 and the fields, for a message carried from `source` to `destination`.
RxResult<ReceivedAdvert> decode_advert(std::span<const uint8_t> message, const IpAddress& source,
                                       const IpAddress& destination, const RxOptions& options = {});

// check_ip_meta, then decode_advert.
RxResult<ReceivedAdvert> decode_packet(const IpMeta& ip, std::span<const uint8_t> message,
                                       const RxOptions& options = {});

// A whole IPv4 datagram as an IPPROTO_VRRP raw socket returns it: the header (options allowed) is
// parsed into an IpMeta, then decode_packet. The header checksum is not checked (the kernel drops
// datagrams whose header checksum is wrong before a raw socket sees them).
RxResult<ReceivedAdvert> decode_ipv4_packet(std::span<const uint8_t> datagram, const RxOptions& options = {});

// ---- Send ----------------------------------------------------------------------------------------

// The VRRP message for `advert` sent from `source` to `destination` (the group, or a unicast peer).
// Fails on a VRID of 0, an interval outside 1..4095, 0 or more than 255 addresses, or addresses and
// endpoints not all of advert.family.
Expected<std::vector<uint8_t>> encode_advert(const Advert& advert, const IpAddress& source,
                                             const IpAddress& destination,
                                             Ipv4Checksum ipv4_checksum = Ipv4Checksum::kPseudoHeader);

// The message above behind a 20-byte IPv4 header (TOS 0xC0 network control, TTL 255, protocol 112,
// identification `ip_id`, header checksum filled in), as sent with IP_HDRINCL. IPv4 only.
Expected<std::vector<uint8_t>> encode_ipv4_packet(const Advert& advert, const IpAddress& source,
                                                  const IpAddress& destination,
                                                  Ipv4Checksum ipv4_checksum = Ipv4Checksum::kPseudoHeader,
                                                  uint16_t ip_id = 0);

}  // namespace conductor::election
