// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", INDOCRYPT 2012), the
// HyperSync authentication tag (docs/hypersync.md, "Authentication"). 128-bit key, 64-bit output.
// C++17, header-only, no allocation: the sync_encoder kernel computes the tag with it, and the host
// codec (host/sync) and the member heartbeat (host/cluster) include it from here.
//
// Byte conventions of the reference implementation (github.com/veorq/SipHash): the key's bytes 0..7
// are k0 and 8..15 are k1, each read little-endian; message words are read little-endian; the
// 64-bit result is written out little-endian. Checked against the reference vectors in
// tests/sync/siphash_vectors.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace conductor::sync {

using SipKey = std::array<uint8_t, 16>;

namespace siphash_detail {
constexpr uint64_t rotl(uint64_t x, unsigned b) { return (x << b) | (x >> (64 - b)); }
constexpr uint64_t load_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
struct State {
  uint64_t v0, v1, v2, v3;
  constexpr void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  constexpr void compress(uint64_t m) {
    v3 ^= m;
    round();
    round();  // c = 2
    v0 ^= m;
  }
};
}  // namespace siphash_detail

// SipHash-2-4 of `size` bytes at `data`.
constexpr uint64_t siphash24(const SipKey& key, const uint8_t* data, size_t size) {
  using namespace siphash_detail;
  const uint64_t k0 = load_le64(key.data());
  const uint64_t k1 = load_le64(key.data() + 8);
  State s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
          k1 ^ 0x7465646279746573ULL};
  const size_t full = size - size % 8;
  for (size_t i = 0; i < full; i += 8) s.compress(load_le64(data + i));
  uint64_t last = static_cast<uint64_t>(size & 0xFF) << 56;
  for (size_t i = 0; i < size % 8; ++i) last |= static_cast<uint64_t>(data[full + i]) << (8 * i);
  s.compress(last);
  s.v2 ^= 0xFF;
  for (int i = 0; i < 4; ++i) s.round();  // d = 4
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

// The tag as it goes on the wire: the result's 8 bytes little-endian (the reference output order).
inline std::array<uint8_t, 8> siphash24_bytes(const SipKey& key, const uint8_t* data, size_t size) {
  const uint64_t h = siphash24(key, data, size);
  std::array<uint8_t, 8> out{};
  for (size_t i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(h >> (8 * i));
  return out;
}

}  // namespace conductor::sync
