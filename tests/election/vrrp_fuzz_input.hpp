// The input format of the VRRP fuzz target (tests/fuzz/fuzz_vrrp.cpp), shared with the seed-corpus
// generator (gen_vrrp_corpus.cpp): one mode byte, then the bytes a socket would hand over.
//
//   bit 0     family: 0 IPv4, 1 IPv6
//   bit 1     IPv4 only: the rest is a whole IPv4 datagram (decode_ipv4_packet); otherwise it is a bare
//             VRRP message from kFuzzSource to the group (decode_packet with TTL 255, protocol 112)
//   bit 2     bare message only: write the right checksum into bytes 6..7 before decoding, so the
//             fuzzer gets past the checksum into the fields
//   bit 3     RxOptions::allow_unicast
//   bits 4-5  RxOptions::ipv4_checksum: 0 either, 1 pseudo-header, 2 message only, 3 either
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "host/election/vrrp_codec.hpp"

namespace conductor::election::fuzz {

inline constexpr uint8_t kModeIpv6 = 0x01;
inline constexpr uint8_t kModeDatagram = 0x02;
inline constexpr uint8_t kModeFixChecksum = 0x04;
inline constexpr uint8_t kModeUnicast = 0x08;
inline constexpr uint8_t kModeAcceptPseudo = 0x10;
inline constexpr uint8_t kModeAcceptMessageOnly = 0x20;

inline Family mode_family(uint8_t mode) { return (mode & kModeIpv6) ? Family::kIpv6 : Family::kIpv4; }

// Where a bare message comes from: 198.18.0.1 or fe80::1, to the VRRP group.
inline IpAddress fuzz_source(Family f) {
  if (f == Family::kIpv4) return IpAddress::v4(198, 18, 0, 1);
  std::array<uint8_t, 16> b{0xFE, 0x80};
  b[15] = 1;
  return IpAddress::v6(b);
}

inline RxOptions mode_options(uint8_t mode) {
  RxOptions o;
  o.allow_unicast = (mode & kModeUnicast) != 0;
  switch ((mode >> 4) & 3) {
    case 1:
      o.ipv4_checksum = Ipv4ChecksumAccept::kPseudoHeader;
      break;
    case 2:
      o.ipv4_checksum = Ipv4ChecksumAccept::kMessageOnly;
      break;
    default:
      o.ipv4_checksum = Ipv4ChecksumAccept::kEither;
      break;
  }
  return o;
}

// Decodes one fuzz input (mode byte included). `bytes` receives the input after the mode byte (with the
// checksum filled in under kModeFixChecksum) and `message` the VRRP message within it when accepted.
inline RxResult<ReceivedAdvert> decode_input(std::span<const uint8_t> input, std::vector<uint8_t>& bytes,
                                             std::span<const uint8_t>& message) {
  if (input.empty()) return RxReject{RxError::kTruncated, "no mode byte"};
  const uint8_t mode = input[0];
  const Family family = mode_family(mode);
  const RxOptions options = mode_options(mode);
  bytes.assign(input.begin() + 1, input.end());
  if (family == Family::kIpv4 && (mode & kModeDatagram)) {
    auto rx = decode_ipv4_packet(bytes, options);
    if (rx) message = std::span<const uint8_t>(bytes).subspan(size_t{bytes[0] & 0x0Fu} * 4);
    return rx;
  }
  const IpMeta ip{family, fuzz_source(family), vrrp_group(family), kVrrpTtl, kIpProtoVrrp};
  if ((mode & kModeFixChecksum) && bytes.size() >= kVrrpHeaderBytes) {
    const ChecksumForm form = checksum_form_for(
        family, (mode & kModeAcceptMessageOnly) ? Ipv4Checksum::kMessageOnly : Ipv4Checksum::kPseudoHeader);
    const uint16_t c = vrrp_checksum(bytes, ip.source, ip.destination, form);
    bytes[6] = static_cast<uint8_t>(c >> 8);
    bytes[7] = static_cast<uint8_t>(c);
  }
  message = bytes;
  return decode_packet(ip, bytes, options);
}

}  // namespace conductor::election::fuzz
