// The fuzz_sync input format, shared by the fuzz target (tests/fuzz/fuzz_sync.cpp) and the seed corpus
// generator (gen_sync_corpus): one mode byte, then the UDP payload of a HyperSync frame.
//   mode bit 0: re-sign: overwrite the last 8 bytes with the right tag under kFuzzKey (slot 0), so the
//               fuzzer gets past the tag check into the record parser;
//   mode bit 1: pre-accept: decode the frame once before the checked decode (exercises the replay path).
// The receiver is member 1 site 0 of cluster 7; members 0..5 of both sites are known.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "host/sync/codec.hpp"

namespace conductor::sync::fuzz {

inline constexpr uint8_t kModeResign = 0x01;
inline constexpr uint8_t kModePreAccept = 0x02;
inline constexpr uint16_t kFuzzCluster = 7;

inline const SipKey& fuzz_key() {
  static const SipKey k = {0x48, 0x79, 0x70, 0x65, 0x72, 0x53, 0x79, 0x6e,
                           0x63, 0x20, 0x66, 0x75, 0x7a, 0x7a, 0x21, 0x00};
  return k;
}
inline const SipKey& other_key() {
  static const SipKey k = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  return k;
}

inline Membership fuzz_membership() {
  Membership m;
  m.cluster_id = kFuzzCluster;
  m.self = member_byte(1, 0);
  for (unsigned site = 0; site < 2; ++site)
    for (unsigned id = 0; id <= 5; ++id) m.add(member_byte(id, site));
  return m;
}

inline KeyRing fuzz_keys() {
  KeyRing k;
  k.slots[0] = fuzz_key();
  k.slots[1] = other_key();
  return k;
}

// Overwrites the tag of `frame` (if it has room for one) with the right one under `key`.
inline void resign(std::vector<uint8_t>& frame, const SipKey& key) {
  if (frame.size() < kTagBytes) return;
  const auto tag = siphash24_bytes(key, frame.data(), frame.size() - kTagBytes);
  for (size_t i = 0; i < kTagBytes; ++i) frame[frame.size() - kTagBytes + i] = tag[i];
}

}  // namespace conductor::sync::fuzz
