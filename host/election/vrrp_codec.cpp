// VRRPv3 advertisement codec (see vrrp_codec.hpp for the format, the sections and the checksum choice).
#include "host/election/vrrp_codec.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "host/traffic/checksum.hpp"  // ones_sum (RFC 1071), header-only

namespace conductor::election {

namespace {

constexpr size_t kIpv4HeaderBytes = 20;

RxReject reject(RxError reason, std::string message) { return RxReject{reason, std::move(message)}; }

std::string hex16(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

uint16_t load16(std::span<const uint8_t> b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }

void store16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v & 0xFF);
}

// One's complement sum of the pseudo-header of `form` (0 for the message-only form), folded.
uint32_t pseudo_header_sum(const IpAddress& source, const IpAddress& destination, size_t length, ChecksumForm form) {
  uint32_t sum = 0;
  switch (form) {
    case ChecksumForm::kIpv4MessageOnly:
      return 0;
    case ChecksumForm::kIpv4PseudoHeader: {
      // RFC 768 / RFC 793 layout: source, destination, zero, protocol, 16-bit length.
      sum = ones_sum(source.view(), sum);
      sum = ones_sum(destination.view(), sum);
      const uint8_t tail[4] = {0, kIpProtoVrrp, static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length)};
      return ones_sum(tail, sum);
    }
    case ChecksumForm::kIpv6PseudoHeader: {
      // RFC 8200 §8.1: source, destination, 32-bit upper-layer length, 3 zero bytes, next header.
      sum = ones_sum(source.view(), sum);
      sum = ones_sum(destination.view(), sum);
      const uint8_t tail[8] = {static_cast<uint8_t>(length >> 24),
                               static_cast<uint8_t>(length >> 16),
                               static_cast<uint8_t>(length >> 8),
                               static_cast<uint8_t>(length),
                               0,
                               0,
                               0,
                               kIpProtoVrrp};
      return ones_sum(tail, sum);
    }
  }
  return sum;
}

// The folded one's complement sum of pseudo-header + message as it stands (checksum field included):
// 0xFFFF when the stored checksum is right (RFC 1071 §1, receiver side).
uint32_t verify_sum(std::span<const uint8_t> message, const IpAddress& source, const IpAddress& destination,
                    ChecksumForm form) {
  return ones_sum(message, pseudo_header_sum(source, destination, message.size(), form));
}

std::string describe(const IpAddress& a) { return a.to_string(); }

}  // namespace

// ---- IpAddress -----------------------------------------------------------------------------------

IpAddress IpAddress::from_bytes(Family f, std::span<const uint8_t> b) {
  assert(b.size() == address_bytes(f));
  IpAddress ip;
  ip.family = f;
  std::copy(b.begin(), b.end(), ip.bytes.begin());
  return ip;
}

Expected<IpAddress> IpAddress::parse(std::string_view text) {
  const std::string s(text);
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) return ip;
  ip = IpAddress{};
  ip.family = Family::kIpv6;
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) return ip;
  return make_error(Errc::kInvalidArgument, "not an IPv4 or IPv6 address: '" + s + "'");
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == Family::kIpv4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

IpAddress vrrp_group(Family f) {
  if (f == Family::kIpv4) return IpAddress::v4(224, 0, 0, 18);
  std::array<uint8_t, 16> b{};
  b[0] = 0xFF, b[1] = 0x02, b[15] = 0x12;
  return IpAddress::v6(b);
}

// ---- Names ---------------------------------------------------------------------------------------

std::string_view checksum_form_name(ChecksumForm f) {
  switch (f) {
    case ChecksumForm::kIpv4PseudoHeader:
      return "ipv4-pseudo-header";
    case ChecksumForm::kIpv4MessageOnly:
      return "ipv4-message-only";
    case ChecksumForm::kIpv6PseudoHeader:
      return "ipv6-pseudo-header";
  }
  return "unknown";
}

std::string_view rx_error_name(RxError e) {
  switch (e) {
    case RxError::kTruncated:
      return "truncated";
    case RxError::kBadVersion:
      return "bad-version";
    case RxError::kBadType:
      return "bad-type";
    case RxError::kZeroAddressCount:
      return "zero-address-count";
    case RxError::kAddressCountMismatch:
      return "address-count-mismatch";
    case RxError::kBadChecksum:
      return "bad-checksum";
    case RxError::kZeroInterval:
      return "zero-interval";
    case RxError::kBadTtl:
      return "bad-ttl";
    case RxError::kBadProtocol:
      return "bad-protocol";
    case RxError::kBadDestination:
      return "bad-destination";
    case RxError::kFamilyMismatch:
      return "family-mismatch";
    case RxError::kBadIpHeader:
      return "bad-ip-header";
    case RxError::kBadLength:
      return "bad-length";
  }
  return "unknown";
}

// ---- Checksum ------------------------------------------------------------------------------------

uint16_t vrrp_checksum(std::span<const uint8_t> message, const IpAddress& source, const IpAddress& destination,
                       ChecksumForm form) {
  uint32_t sum = pseudo_header_sum(source, destination, message.size(), form);
  // Bytes 6..7 (the checksum field) count as zero: sum around them. 6 is even, so the halves stay
  // aligned to 16-bit words.
  const size_t head = std::min<size_t>(message.size(), 6);
  sum = ones_sum(message.first(head), sum);
  if (message.size() > 8) sum = ones_sum(message.subspan(8), sum);
  return static_cast<uint16_t>(~sum & 0xFFFFu);
}

// ---- Receive -------------------------------------------------------------------------------------

std::optional<RxReject> check_ip_meta(const IpMeta& ip, const RxOptions& options) {
  if (ip.source.family != ip.family || ip.destination.family != ip.family) {
    return reject(RxError::kFamilyMismatch, "an " + std::string(family_name(ip.family)) + " header with source " +
                                                describe(ip.source) + " and destination " + describe(ip.destination));
  }
  if (ip.protocol != kIpProtoVrrp) {
    return reject(RxError::kBadProtocol, "IP protocol " + std::to_string(ip.protocol) + ", expected 112");
  }
  // §7.1: MUST verify that the IPv4 TTL / IPv6 Hop Limit is 255 (RFC 5082: only a neighbour can
  // send a packet that arrives with 255).
  if (ip.ttl != kVrrpTtl) {
    return reject(RxError::kBadTtl, std::string(ip.family == Family::kIpv4 ? "TTL " : "hop limit ") +
                                        std::to_string(ip.ttl) + ", expected 255");
  }
  const bool group = ip.destination == vrrp_group(ip.family);
  const bool unicast_ok = options.allow_unicast && !ip.destination.is_multicast();
  if (!group && !unicast_ok) {
    return reject(RxError::kBadDestination, "destination " + describe(ip.destination) + ", expected " +
                                                describe(vrrp_group(ip.family)) +
                                                (options.allow_unicast ? " or a unicast address" : ""));
  }
  return std::nullopt;
}

RxResult<ReceivedAdvert> decode_advert(std::span<const uint8_t> message, const IpAddress& source,
                                       const IpAddress& destination, const RxOptions& options) {
  if (source.family != destination.family) {
    return reject(RxError::kFamilyMismatch,
                  "source " + describe(source) + " and destination " + describe(destination) + " differ in family");
  }
  const Family family = source.family;
  const size_t n = message.size();
  if (n < kVrrpHeaderBytes) {
    return reject(RxError::kTruncated, std::to_string(n) + " bytes, shorter than the 8-byte VRRP header");
  }
  const uint8_t version = message[0] >> 4;
  const uint8_t type = message[0] & 0x0F;
  if (version != kVrrpVersion) {
    return reject(RxError::kBadVersion, "version " + std::to_string(version) + ", expected 3");
  }
  if (type != kVrrpTypeAdvertisement) {
    return reject(RxError::kBadType, "type " + std::to_string(type) + ", expected 1 (ADVERTISEMENT)");
  }
  const size_t count = message[3];
  if (count == 0) return reject(RxError::kZeroAddressCount, "Count IPvX Addr is 0");
  const size_t want = kVrrpHeaderBytes + count * address_bytes(family);
  if (n < want) {
    return reject(RxError::kTruncated, std::to_string(n) + " bytes, but " + std::to_string(count) + " " +
                                           std::string(family_name(family)) + " addresses need " +
                                           std::to_string(want));
  }
  if (n > want) {
    return reject(RxError::kAddressCountMismatch, std::to_string(n - want) + " bytes follow the " +
                                                      std::to_string(count) + " counted " +
                                                      std::string(family_name(family)) + " addresses");
  }

  // §7.1: MUST verify the VRRP checksum.
  std::optional<ChecksumForm> matched;
  if (family == Family::kIpv6) {
    if (verify_sum(message, source, destination, ChecksumForm::kIpv6PseudoHeader) == 0xFFFF) {
      matched = ChecksumForm::kIpv6PseudoHeader;
    }
  } else {
    const bool try_pseudo = options.ipv4_checksum != Ipv4ChecksumAccept::kMessageOnly;
    const bool try_message = options.ipv4_checksum != Ipv4ChecksumAccept::kPseudoHeader;
    if (try_pseudo && verify_sum(message, source, destination, ChecksumForm::kIpv4PseudoHeader) == 0xFFFF) {
      matched = ChecksumForm::kIpv4PseudoHeader;
    } else if (try_message && verify_sum(message, source, destination, ChecksumForm::kIpv4MessageOnly) == 0xFFFF) {
      matched = ChecksumForm::kIpv4MessageOnly;
    }
  }
  if (!matched) {
    const uint16_t stored = load16(message, 6);
    std::string expect;
    if (family == Family::kIpv6) {
      expect = hex16(vrrp_checksum(message, source, destination, ChecksumForm::kIpv6PseudoHeader));
    } else {
      if (options.ipv4_checksum != Ipv4ChecksumAccept::kMessageOnly) {
        expect += hex16(vrrp_checksum(message, source, destination, ChecksumForm::kIpv4PseudoHeader)) +
                  " (with the IPv4 pseudo-header)";
      }
      if (options.ipv4_checksum == Ipv4ChecksumAccept::kEither) expect += " or ";
      if (options.ipv4_checksum != Ipv4ChecksumAccept::kPseudoHeader) {
        expect +=
            hex16(vrrp_checksum(message, source, destination, ChecksumForm::kIpv4MessageOnly)) + " (message only)";
      }
    }
    return reject(RxError::kBadChecksum,
                  "checksum " + hex16(stored) + " from " + describe(source) + ", expected " + expect);
  }

  ReceivedAdvert rx;
  rx.source = source;
  rx.destination = destination;
  rx.checksum_form = *matched;
  Advert& a = rx.advert;
  a.family = family;
  a.vrid = message[1];
  a.priority = message[2];
  a.max_adver_interval_cs = load16(message, 4) & 0x0FFF;  // §5.2.6: the reserved nibble is ignored
  if (a.max_adver_interval_cs == 0) {
    return reject(RxError::kZeroInterval, "Max Adver Int is 0 (VRID " + std::to_string(a.vrid) + ")");
  }
  a.addresses.reserve(count);
  const size_t len = address_bytes(family);
  for (size_t i = 0; i < count; ++i) {
    a.addresses.push_back(IpAddress::from_bytes(family, message.subspan(kVrrpHeaderBytes + i * len, len)));
  }
  return rx;
}

RxResult<ReceivedAdvert> decode_packet(const IpMeta& ip, std::span<const uint8_t> message, const RxOptions& options) {
  if (auto bad = check_ip_meta(ip, options)) return std::move(*bad);
  return decode_advert(message, ip.source, ip.destination, options);
}

RxResult<ReceivedAdvert> decode_ipv4_packet(std::span<const uint8_t> datagram, const RxOptions& options) {
  const size_t n = datagram.size();
  if (n < kIpv4HeaderBytes) {
    return reject(RxError::kTruncated, std::to_string(n) + " bytes, shorter than an IPv4 header");
  }
  const uint8_t version = datagram[0] >> 4;
  const size_t ihl = size_t{datagram[0] & 0x0Fu} * 4;
  if (version != 4) return reject(RxError::kBadIpHeader, "IP version " + std::to_string(version) + ", expected 4");
  if (ihl < kIpv4HeaderBytes) return reject(RxError::kBadIpHeader, "IHL of " + std::to_string(ihl) + " bytes");
  const size_t total = load16(datagram, 2);
  if (total != n || ihl > total) {
    return reject(RxError::kBadLength, "IPv4 total length " + std::to_string(total) + " with a header of " +
                                           std::to_string(ihl) + " bytes, but " + std::to_string(n) +
                                           " bytes received");
  }
  const uint16_t frag = load16(datagram, 6);
  if ((frag & 0x3FFF) != 0) {  // MF set or a non-zero offset: a piece of a datagram, never an advert
    return reject(RxError::kBadIpHeader, "a fragment (flags/offset " + hex16(frag) + ")");
  }
  IpMeta ip;
  ip.family = Family::kIpv4;
  ip.ttl = datagram[8];
  ip.protocol = datagram[9];
  ip.source = IpAddress::from_bytes(Family::kIpv4, datagram.subspan(12, 4));
  ip.destination = IpAddress::from_bytes(Family::kIpv4, datagram.subspan(16, 4));
  return decode_packet(ip, datagram.subspan(ihl), options);
}

// ---- Send ----------------------------------------------------------------------------------------

Expected<std::vector<uint8_t>> encode_advert(const Advert& advert, const IpAddress& source,
                                             const IpAddress& destination, Ipv4Checksum ipv4_checksum) {
  const Family f = advert.family;
  if (advert.vrid == 0) return make_error(Errc::kInvalidArgument, "VRID 0 (valid VRIDs are 1..255)");
  if (advert.max_adver_interval_cs == 0 || advert.max_adver_interval_cs > kMaxAdverIntervalCs) {
    return make_error(
        Errc::kInvalidArgument,
        "advertisement interval of " + std::to_string(advert.max_adver_interval_cs) + " cs (valid: 1..4095)");
  }
  if (advert.addresses.empty() || advert.addresses.size() > kMaxAddresses) {
    return make_error(Errc::kInvalidArgument,
                      std::to_string(advert.addresses.size()) + " addresses (an advert carries 1..255)");
  }
  for (const IpAddress& a : advert.addresses) {
    if (a.family != f) {
      return make_error(Errc::kInvalidArgument,
                        "address " + a.to_string() + " in an " + std::string(family_name(f)) + " advert");
    }
  }
  if (source.family != f || destination.family != f) {
    return make_error(Errc::kInvalidArgument, "endpoints " + source.to_string() + " -> " + destination.to_string() +
                                                  " for an " + std::string(family_name(f)) + " advert");
  }
  const size_t len = address_bytes(f);
  std::vector<uint8_t> m(kVrrpHeaderBytes + advert.addresses.size() * len);
  m[0] = static_cast<uint8_t>(kVrrpVersion << 4 | kVrrpTypeAdvertisement);
  m[1] = advert.vrid;
  m[2] = advert.priority;
  m[3] = static_cast<uint8_t>(advert.addresses.size());
  store16(m, 4, advert.max_adver_interval_cs);  // reserved nibble zero
  for (size_t i = 0; i < advert.addresses.size(); ++i) {
    const auto v = advert.addresses[i].view();
    std::copy(v.begin(), v.end(), m.begin() + static_cast<ptrdiff_t>(kVrrpHeaderBytes + i * len));
  }
  store16(m, 6, vrrp_checksum(m, source, destination, checksum_form_for(f, ipv4_checksum)));
  return m;
}

Expected<std::vector<uint8_t>> encode_ipv4_packet(const Advert& advert, const IpAddress& source,
                                                  const IpAddress& destination, Ipv4Checksum ipv4_checksum,
                                                  uint16_t ip_id) {
  if (advert.family != Family::kIpv4) {
    return make_error(Errc::kInvalidArgument, "encode_ipv4_packet with an IPv6 advert");
  }
  auto message = encode_advert(advert, source, destination, ipv4_checksum);
  if (!message) return message.error();
  std::vector<uint8_t> p(kIpv4HeaderBytes + message->size());
  p[0] = 0x45;  // version 4, IHL 5
  p[1] = 0xC0;  // DSCP CS6 (network control), as keepalived sends
  store16(p, 2, static_cast<uint16_t>(p.size()));
  store16(p, 4, ip_id);
  p[8] = kVrrpTtl;
  p[9] = kIpProtoVrrp;
  std::copy(source.bytes.begin(), source.bytes.begin() + 4, p.begin() + 12);
  std::copy(destination.bytes.begin(), destination.bytes.begin() + 4, p.begin() + 16);
  store16(p, 10, internet_checksum(std::span<const uint8_t>(p).first(kIpv4HeaderBytes)));
  std::copy(message->begin(), message->end(), p.begin() + kIpv4HeaderBytes);
  return p;
}

}  // namespace conductor::election
