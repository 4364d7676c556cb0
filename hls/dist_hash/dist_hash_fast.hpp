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
  static_assert(regs::BUCKET_ENTRY_MEMBER_LSB == 0 && regs::DECISION_MEMBER_WIDTH == regs::BUCKET_ENTRY_MEMBER_WIDTH &&
                    regs::DECISION_SITE_LSB == regs::DECISION_MEMBER_LSB + regs::BUCKET_ENTRY_SITE_LSB &&
                    regs::DECISION_VALID_LSB == regs::DECISION_MEMBER_LSB + regs::BUCKET_ENTRY_VALID_LSB &&
                    regs::BUCKET_ENTRY_BITS == 8,
                "decide_word() copies the bucket entry byte into DECISION bits 55:48 as it is");

 public:
  DistHashFast() : DistHashFast(DistHashRegs{}) {}
  explicit DistHashFast(const DistHashRegs& regs) : toeplitz_(key_bytes_from_words(regs.key).data()) { load(regs); }

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
    if (!key.ip_valid) return 0;
    const bool ports = with_ports(key);
    const uint8_t* a = key.src_addr.data();
    const uint8_t* b = key.dst_addr.data();
    uint32_t pa = key.src_port, pb = key.dst_port;
    canonical_order(ports, &a, &b, &pa, &pb);
    return toeplitz_.hash_tuple(a, b, key.is_ipv6, ports, (pa << 16) | pb);
  }

  Decision decide(const FlowKey& key) const {
    const uint32_t h = hash(key);
    const uint16_t bucket = static_cast<uint16_t>(h & mask_);
    const BucketEntry e = unpack_bucket_entry(buckets_[bucket]);
    // One aggregate initialisation: field-by-field stores into the returned object made GCC
    // reload it as one word and stall on store forwarding.
    return Decision{h, bucket, e.member, e.site, e.valid, key.sg_id};
  }

  // The packed DECISION word (m_dec_TDATA layout), e.g. for packet metadata; returned in one
  // register, so cheaper than decide() when the caller is not inlined.
  uint64_t decide_word(const FlowKey& key) const {
    const uint32_t h = hash(key);
    const uint32_t bucket = h & mask_;
    return uint64_t{h} << regs::DECISION_HASH_LSB | uint64_t{bucket} << regs::DECISION_BUCKET_LSB |
           uint64_t{buckets_[bucket]} << regs::DECISION_MEMBER_LSB |  // the entry byte: MEMBER, SITE, VALID
           uint64_t{key.sg_id} << regs::DECISION_SG_ID_LSB;
  }

  // hash_input() (dist_hash_model.cpp) without the generality: same bytes, written into a zeroed
  // 40-byte buffer; returns the length.
  size_t build_input(const FlowKey& key, uint8_t* out) const {
    if (!key.ip_valid) return 0;
    const bool ports = with_ports(key);
    const uint8_t* a = key.src_addr.data();
    const uint8_t* b = key.dst_addr.data();
    uint32_t pa = key.src_port, pb = key.dst_port;
    canonical_order(ports, &a, &b, &pa, &pb);
    const size_t alen = key.is_ipv6 ? 16 : 4;
    std::memcpy(out, a + 16 - alen, alen);
    std::memcpy(out + alen, b + 16 - alen, alen);
    if (!ports) return 2 * alen;
    const uint8_t pbytes[4] = {static_cast<uint8_t>(pa >> 8), static_cast<uint8_t>(pa), static_cast<uint8_t>(pb >> 8),
                               static_cast<uint8_t>(pb)};
    std::memcpy(out + 2 * alen, pbytes, 4);
    return 2 * alen + 4;
  }

 private:
  bool with_ports(const FlowKey& key) const {
    const bool tcp_udp = key.proto == kProtoTcp || key.proto == kProtoUdp;
    const bool proto_ports = mode_ == HashMode::kSymIp   ? false
                             : mode_ == HashMode::kSymL4 ? (tcp_udp || key.proto == kProtoSctp)
                                                         : tcp_udp;
    return key.l4_valid && !key.is_frag && proto_ports;
  }

  // Symmetric modes: swap the endpoints when the source address is the larger unsigned 128-bit
  // integer, or equal with the larger port (ports hashed only). A data-dependent coin flip, so the
  // selection is branch-free.
  void canonical_order(bool ports, const uint8_t** a, const uint8_t** b, uint32_t* pa, uint32_t* pb) const {
    if (mode_ != HashMode::kSymL4 && mode_ != HashMode::kSymIp) return;
    const uint64_t ah = load_be64(*a), al = load_be64(*a + 8);
    const uint64_t bh = load_be64(*b), bl = load_be64(*b + 8);
    const bool swap = (ah > bh) | ((ah == bh) & ((al > bl) | ((al == bl) & ports & (*pa > *pb))));
    const uint8_t* const a0 = *a;
    const uint32_t pa0 = *pa;
    *a = swap ? *b : *a;
    *b = swap ? a0 : *b;
    *pa = swap ? *pb : *pa;
    *pb = swap ? pa0 : *pb;
  }

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
