// C++17. Host only: the complete dist_hash decision for the software data path, with the fast
// Toeplitz hash (toeplitz_fast.hpp). Same results as dist_hash_model() (tests/hls check random
// keys, modes, table sizes and flows).
//
//   DistHashFast dh(regs);          // copies CTRL, the key (builds the hash tables) and the table
//   Decision d = dh.decide(flow_key);
//   dh.set_bucket(i, entry);        // follow the host's bucket-table writes
//
// The object is about 100 KiB (bucket table + hash tables): keep it on the heap.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "common/flow_key.hpp"
#include "common/packing.hpp"
#include "dist_hash/dist_hash_model.hpp"
#include "dist_hash/toeplitz_fast.hpp"

namespace conductor {

class DistHashFast {
 public:
  DistHashFast() : DistHashFast(DistHashRegs{}) {}
  explicit DistHashFast(const DistHashRegs& regs)
      : toeplitz_(key_bytes_from_words(regs.key).data()) {
    load(regs);
  }

  // Takes every register and the whole bucket table.
  void load(const DistHashRegs& regs) {
    set_ctrl(regs.ctrl);
    set_key(regs.key);
    buckets_ = regs.buckets;
  }
  void set_ctrl(uint32_t ctrl) {
    ctrl_ = ctrl;
    mode_ = ctrl_mode(ctrl);
    mask_ = (uint32_t{1} << effective_bucket_log2(ctrl)) - 1;
  }
  void set_key(const std::array<uint32_t, kDistHashKeyWords>& key_words) {
    toeplitz_.set_key(key_bytes_from_words(key_words).data());
  }
  void set_bucket(uint32_t bucket, uint8_t entry) { buckets_[bucket % kDistHashBuckets] = entry; }

  uint32_t ctrl() const { return ctrl_; }
  ToeplitzFast& toeplitz() { return toeplitz_; }
  const ToeplitzFast& toeplitz() const { return toeplitz_; }

  uint32_t hash(const FlowKey& key) const {
    alignas(16) uint8_t in[40] = {};
    const size_t len = build_input(key, in);
    return toeplitz_.hash_padded(in, len);
  }

  Decision decide(const FlowKey& key) const {
    Decision d;
    d.hash = hash(key);
    d.bucket = static_cast<uint16_t>(d.hash & mask_);
    const BucketEntry e = unpack_bucket_entry(buckets_[d.bucket]);
    d.member = e.member;
    d.site = e.site;
    d.valid = e.valid;
    d.sg_id = key.sg_id;
    return d;
  }

  // hash_input() (dist_hash_model.cpp) without the generality: same bytes, written into a zeroed
  // 40-byte buffer; returns the length.
  size_t build_input(const FlowKey& key, uint8_t* out) const {
    if (!key.ip_valid) return 0;
    const bool tcp_udp = key.proto == kProtoTcp || key.proto == kProtoUdp;
    const bool proto_ports = mode_ == HashMode::kSymIp   ? false
                             : mode_ == HashMode::kSymL4 ? (tcp_udp || key.proto == kProtoSctp)
                                                         : tcp_udp;
    const bool ports = key.l4_valid && !key.is_frag && proto_ports;
    const uint8_t* a = key.src_addr.data();
    const uint8_t* b = key.dst_addr.data();
    uint32_t pa = key.src_port, pb = key.dst_port;
    if (mode_ == HashMode::kSymL4 || mode_ == HashMode::kSymIp) {
      // Unsigned 128-bit compare of the big-endian addresses, as two 64-bit halves; the swap is a
      // data-dependent coin flip, so select without branches.
      const uint64_t ah = load_be64(a), al = load_be64(a + 8);
      const uint64_t bh = load_be64(b), bl = load_be64(b + 8);
      const bool swap = (ah > bh) | ((ah == bh) & ((al > bl) | ((al == bl) & ports & (pa > pb))));
      const uint8_t* const a0 = a;
      const uint32_t pa0 = pa;
      a = swap ? b : a;
      b = swap ? a0 : b;
      pa = swap ? pb : pa;
      pb = swap ? pa0 : pb;
    }
    const uint32_t port_word = (pa << 16) | pb;  // source port first, big-endian
    const uint8_t pbytes[4] = {static_cast<uint8_t>(port_word >> 24), static_cast<uint8_t>(port_word >> 16),
                               static_cast<uint8_t>(port_word >> 8), static_cast<uint8_t>(port_word)};
    size_t n;
    if (key.is_ipv6) {  // fixed-size copies: no memcpy calls
      std::memcpy(out, a, 16);
      std::memcpy(out + 16, b, 16);
      n = 32;
    } else {
      std::memcpy(out, a + 12, 4);
      std::memcpy(out + 4, b + 12, 4);
      n = 8;
    }
    if (!ports) return n;
    std::memcpy(out + n, pbytes, 4);
    return n + 4;
  }

 private:
  static uint64_t load_be64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
  }

  uint32_t ctrl_ = 0;
  HashMode mode_ = HashMode::kRss;
  uint32_t mask_ = 0;
  ToeplitzFast toeplitz_;
  std::array<uint8_t, kDistHashBuckets> buckets_{};
};

}  // namespace conductor
