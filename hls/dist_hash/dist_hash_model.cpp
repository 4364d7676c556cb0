// Plain C++ API of dist_hash: the golden model around the synthesizable core, and the independent
// byte-level reference implementation (see dist_hash_model.hpp).
#include "dist_hash/dist_hash_model.hpp"

#include <algorithm>
#include <utility>

#include "common/packing.hpp"

namespace conductor {

bool ports_included(const FlowKey& key, HashMode mode) {
  if (!key.l4_valid || key.is_frag) return false;
  const bool tcp_udp = key.proto == kProtoTcp || key.proto == kProtoUdp;
  switch (mode) {
    case HashMode::kSymL4:
      return tcp_udp || key.proto == kProtoSctp;
    case HashMode::kSymIp:
      return false;
    case HashMode::kRss:
    case HashMode::kReserved:
    default:
      return tcp_udp;
  }
}

bool canonical_swap(const FlowKey& key, HashMode mode) {
  if (mode != HashMode::kSymL4 && mode != HashMode::kSymIp) return false;
  // Big-endian byte arrays compare like the unsigned 128-bit integers they are.
  if (key.src_addr != key.dst_addr) return key.dst_addr < key.src_addr;
  return ports_included(key, mode) && key.src_port > key.dst_port;
}

HashInput hash_input(const FlowKey& key, HashMode mode) {
  HashInput in;
  if (!key.ip_valid) return in;
  const bool ports = ports_included(key, mode);
  std::array<uint8_t, 16> a = key.src_addr, b = key.dst_addr;
  uint16_t pa = key.src_port, pb = key.dst_port;
  if (canonical_swap(key, mode)) {
    std::swap(a, b);
    std::swap(pa, pb);
  }
  const size_t alen = key.is_ipv6 ? 16 : 4;
  size_t n = 0;
  for (size_t i = 16 - alen; i < 16; ++i) in.bytes[n++] = a[i];
  for (size_t i = 16 - alen; i < 16; ++i) in.bytes[n++] = b[i];
  if (ports) {
    in.bytes[n++] = static_cast<uint8_t>(pa >> 8);
    in.bytes[n++] = static_cast<uint8_t>(pa);
    in.bytes[n++] = static_cast<uint8_t>(pb >> 8);
    in.bytes[n++] = static_cast<uint8_t>(pb);
  }
  in.len = static_cast<uint8_t>(n);
  return in;
}

uint32_t toeplitz(const uint8_t* key40, const uint8_t* in, size_t len) {
  // window = key bits 8j .. 8j+63 while byte j of the input is processed (MSB = key bit 8j).
  auto key_byte = [key40](size_t i) -> uint64_t { return i < kDistHashKeyBytes ? key40[i] : 0; };
  uint64_t window = 0;
  for (size_t i = 0; i < 8; ++i) window = (window << 8) | key_byte(i);
  uint32_t result = 0;
  for (size_t j = 0; j < len; ++j) {
    for (int bit = 0; bit < 8; ++bit) {
      if (in[j] & (0x80u >> bit)) result ^= static_cast<uint32_t>(window >> (32 - bit));
    }
    window = (window << 8) | key_byte(j + 8);
  }
  return result;
}

namespace {

ap_uint<320> key_word(const DistHashRegs& regs) {
  ap_uint<320> k = 0;
  for (int w = 0; w < kDistHashKeyWords; ++w) k.range(32 * w + 31, 32 * w) = regs.key[w];
  return k;
}

}  // namespace

uint64_t dist_hash_model_word(const DistHashRegs& regs, const ap_uint<320>& flow_key) {
  return dist_hash_core<kDistHashBucketLog2Max>(flow_key, ap_uint<32>(regs.ctrl), key_word(regs), regs.buckets)
      .to_uint64();
}

Decision dist_hash_model(const DistHashRegs& regs, const FlowKey& key) {
  return unpack_decision(ap_uint<64>(dist_hash_model_word(regs, pack(key))));
}

Decision dist_hash_reference(const DistHashRegs& regs, const FlowKey& key) {
  const HashInput in = hash_input(key, ctrl_mode(regs.ctrl));
  const std::array<uint8_t, kDistHashKeyBytes> kb = key_bytes_from_words(regs.key);
  Decision d;
  d.hash = toeplitz(kb.data(), in.bytes.data(), in.len);
  d.bucket = static_cast<uint16_t>(bucket_of(d.hash, regs.ctrl));
  const BucketEntry e = unpack_bucket_entry(regs.buckets[d.bucket]);
  d.member = e.member;
  d.site = e.site;
  d.valid = e.valid;
  d.sg_id = key.sg_id;
  return d;
}

}  // namespace conductor
