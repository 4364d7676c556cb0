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
#include <cstdint>

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
    const HashInput in = hash_input(key, mode_);
    return toeplitz_.hash_padded(in.bytes.data(), in.len);
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

 private:
  uint32_t ctrl_ = 0;
  HashMode mode_ = HashMode::kRss;
  uint32_t mask_ = 0;
  ToeplitzFast toeplitz_;
  std::array<uint8_t, kDistHashBuckets> buckets_{};
};

}  // namespace conductor
