// C++17 (SystemC translation units include it).
// Plain C++ API of the dist_hash kernel for testbenches, RTL scoreboards and the host:
//   DistHashRegs          the kernel's registers and bucket table as a struct
//   dist_hash_model()     the golden model: runs the synthesizable core (dist_hash.hpp) on the CPU
//   dist_hash_reference() an independent byte-level implementation of docs/architecture.md
//                         (hash_input() + toeplitz()); the tests require both to agree
//   hash_input()          the Toeplitz input bytes for a flow key and mode
//   toeplitz()            the bit-serial Toeplitz hash (Microsoft's definition)
// The fast software hash for the host data path is ToeplitzFast (toeplitz_fast.hpp) and the
// complete fast decision DistHashFast (dist_hash_fast.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/flow_key.hpp"
#include "common/gen/conductor_regs.hpp"
#include "dist_hash/dist_hash.hpp"

namespace conductor {

// KEY0..KEY9 reset values (rtl/csr/conductor.regs): Microsoft's default RSS key, byte 0 in bits
// 31:24 of KEY0. kMicrosoftRssKey (below) is the same key as bytes.
inline constexpr std::array<uint32_t, kDistHashKeyWords> kDistHashKeyReset = {
    regs::DIST_HASH_KEY0_RESET, regs::DIST_HASH_KEY1_RESET, regs::DIST_HASH_KEY2_RESET, regs::DIST_HASH_KEY3_RESET,
    regs::DIST_HASH_KEY4_RESET, regs::DIST_HASH_KEY5_RESET, regs::DIST_HASH_KEY6_RESET, regs::DIST_HASH_KEY7_RESET,
    regs::DIST_HASH_KEY8_RESET, regs::DIST_HASH_KEY9_RESET};

// Registers of one dist_hash block as the host programs them (reset values by default). About
// 64 KiB: keep it on the heap or in static storage.
struct DistHashRegs {
  uint32_t ctrl = regs::DIST_HASH_CTRL_RESET;
  std::array<uint32_t, kDistHashKeyWords> key = kDistHashKeyReset;
  // BUCKET_ENTRY bytes (pack_bucket_entry in common/packing.hpp); only the first 2^BUCKET_LOG2
  // are used. Byte i is byte i%4 of BUCKETS word i/4.
  std::array<uint8_t, kDistHashBuckets> buckets{};
};

// ---- CTRL helpers -------------------------------------------------------------------------------
constexpr HashMode ctrl_mode(uint32_t ctrl) {
  return static_cast<HashMode>(regs::field_get(ctrl, regs::DIST_HASH_CTRL_MODE_LSB, regs::DIST_HASH_CTRL_MODE_WIDTH));
}
constexpr uint32_t ctrl_bucket_log2(uint32_t ctrl) {
  return regs::field_get(ctrl, regs::DIST_HASH_CTRL_BUCKET_LOG2_LSB, regs::DIST_HASH_CTRL_BUCKET_LOG2_WIDTH);
}
// BUCKET_LOG2 as the hardware uses it: clamped to the build's maximum.
constexpr uint32_t effective_bucket_log2(uint32_t ctrl, uint32_t log2_max = kDistHashBucketLog2Max) {
  return ctrl_bucket_log2(ctrl) > log2_max ? log2_max : ctrl_bucket_log2(ctrl);
}
constexpr uint32_t make_ctrl(HashMode mode, uint32_t bucket_log2) {
  return regs::field_set(
      regs::field_set(0, regs::DIST_HASH_CTRL_MODE_LSB, regs::DIST_HASH_CTRL_MODE_WIDTH, static_cast<uint32_t>(mode)),
      regs::DIST_HASH_CTRL_BUCKET_LOG2_LSB, regs::DIST_HASH_CTRL_BUCKET_LOG2_WIDTH, bucket_log2);
}
constexpr uint32_t bucket_of(uint32_t hash, uint32_t ctrl) {
  return hash & ((uint32_t{1} << effective_bucket_log2(ctrl)) - 1);
}

// ---- key layout -----------------------------------------------------------------------------------
// KEYw holds key bytes 4w..4w+3, byte 4w in bits 31:24.
constexpr std::array<uint8_t, kDistHashKeyBytes> key_bytes_from_words(
    const std::array<uint32_t, kDistHashKeyWords>& words) {
  std::array<uint8_t, kDistHashKeyBytes> b{};
  for (int i = 0; i < kDistHashKeyBytes; ++i) {
    b[i] = static_cast<uint8_t>(words[i / 4] >> (24 - 8 * (i % 4)));
  }
  return b;
}
constexpr std::array<uint32_t, kDistHashKeyWords> key_words_from_bytes(
    const std::array<uint8_t, kDistHashKeyBytes>& bytes) {
  std::array<uint32_t, kDistHashKeyWords> w{};
  for (int i = 0; i < kDistHashKeyBytes; ++i) {
    w[i / 4] |= static_cast<uint32_t>(bytes[i]) << (24 - 8 * (i % 4));
  }
  return w;
}

// Microsoft's default RSS key (the reset value of KEY0..KEY9); tests/hls checks it against
// Microsoft's verification suite (tests/hls/data/rss_verification.txt).
inline constexpr std::array<uint8_t, kDistHashKeyBytes> kMicrosoftRssKey = key_bytes_from_words(kDistHashKeyReset);

// ---- hash input -----------------------------------------------------------------------------------
// Toeplitz input in network order: source address, destination address (4 bytes each for IPv4,
// 16 for IPv6), then source port and destination port when included; after canonical ordering in
// the symmetric modes. Bytes from len to the end are zero, so fast implementations may read all 40.
struct HashInput {
  std::array<uint8_t, kDistHashKeyBytes> bytes{};
  uint8_t len = 0;  // 0 (IP_VALID = 0), 8, 12, 32 or 36
};

// Ports take part: L4_VALID, not IS_FRAG, and PROTO TCP/UDP (rss, reserved), TCP/UDP/SCTP (sym-l4),
// never (sym-ip).
bool ports_included(const FlowKey& key, HashMode mode);

// The endpoints are swapped into canonical order (symmetric modes only).
bool canonical_swap(const FlowKey& key, HashMode mode);

HashInput hash_input(const FlowKey& key, HashMode mode);

// Microsoft's Toeplitz hash: for each input bit i (bit 7 of in[0] is i = 0) that is set, XOR the 32
// key bits starting at key bit i. len <= 36 uses only the 40-byte key; key bits past the key's end
// count as zero for longer inputs.
uint32_t toeplitz(const uint8_t* key40, const uint8_t* in, size_t len);

// ---- the decision -----------------------------------------------------------------------------------
// Golden model: dist_hash_core<16> (the code Vitis HLS synthesizes) through the ap_uint shim.
Decision dist_hash_model(const DistHashRegs& regs, const FlowKey& key);
// Same, on the packed words (FLOW_KEY in, DECISION out) as the RTL ports carry them.
uint64_t dist_hash_model_word(const DistHashRegs& regs, const ap_uint<320>& flow_key);

// Independent reference: hash_input() + toeplitz() + bucket + table, straight from the spec text.
Decision dist_hash_reference(const DistHashRegs& regs, const FlowKey& key);

}  // namespace conductor
