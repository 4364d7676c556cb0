// Checksums the traffic generator (and its tests) need: the Internet checksum (RFC 1071) for IPv4,
// TCP, UDP, ICMP and ICMPv6, and CRC32c (Castagnoli, RFC 9260 appendix A) for SCTP.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace conductor {

// One's-complement sum of 16-bit big-endian words, folded but not inverted, so that sums over
// several pieces (pseudo header + segment) can be chained: pass the previous result as `sum`.
// An odd-length piece is padded with a zero byte (only the last piece may be odd).
constexpr uint32_t ones_sum(std::span<const uint8_t> data, uint32_t sum = 0) {
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += uint32_t{data[i]} << 8 | data[i + 1];
  if (i < data.size()) sum += uint32_t{data[i]} << 8;
  while (sum >> 16) sum = (sum & 0xFFFFu) + (sum >> 16);
  return sum;
}

// The value to store in a checksum field (the field itself zero while summing).
constexpr uint16_t internet_checksum(std::span<const uint8_t> data, uint32_t sum = 0) {
  return static_cast<uint16_t>(~ones_sum(data, sum) & 0xFFFFu);
}

namespace checksum_detail {
constexpr std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
inline constexpr std::array<uint32_t, 256> kCrc32cTable = make_crc32c_table();
}  // namespace checksum_detail

// CRC32c of `data` (reflected, initial value and final XOR 0xFFFFFFFF). SCTP stores it in its
// checksum field least significant byte first.
constexpr uint32_t crc32c(std::span<const uint8_t> data) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t b : data) c = checksum_detail::kCrc32cTable[(c ^ b) & 0xFFu] ^ (c >> 8);
  return ~c;
}

}  // namespace conductor
