// Byte helpers shared by the cluster's own datagrams (heartbeat_wire, sync_report_wire): big-endian
// fields (network order) and the SipHash-2-4 tag under the [sync] key that ends each datagram.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/siphash.hpp"

namespace conductor::cluster::wire {

inline void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
inline void put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
}
inline uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t get32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | p[i];
  return v;
}
inline uint64_t get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

// Writes the 8-byte tag over bytes [0, tag_at) at tag_at.
inline void put_tag(uint8_t* p, size_t tag_at, const sync::SipKey& key) {
  const auto tag = sync::siphash24_bytes(key, p, tag_at);
  for (size_t i = 0; i < tag.size(); ++i) p[tag_at + i] = tag[i];
}
// The tag at tag_at matches bytes [0, tag_at) (compared without an early exit).
inline bool tag_matches(const uint8_t* p, size_t tag_at, const sync::SipKey& key) {
  const auto tag = sync::siphash24_bytes(key, p, tag_at);
  uint8_t diff = 0;
  for (size_t i = 0; i < tag.size(); ++i) diff |= tag[i] ^ p[tag_at + i];
  return diff == 0;
}

}  // namespace conductor::cluster::wire
