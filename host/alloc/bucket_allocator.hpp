// Bucket allocator: weights in, bucket-table changes out (pure: no I/O, no clock).
//
// The dist_hash kernel maps a flow hash to one of N buckets (N a power of two, 1..65536, default
// 4096) and each bucket names one member (site 0..1, member 0..63) or none. The host keeps the
// table in proportion to per-member weights 0..512 (0 = drained: the member gets no new flows) and,
// whenever the weights change, moves as few buckets as possible, because every moved bucket sends
// the new connections of its hash range to another member.
//
// Shares. With W = sum of weights, member m's ideal share is q_m = N * w_m / W. Its count t_m is
// floor(q_m) or ceil(q_m) (exactly q_m when that is an integer) and the counts sum to N. When W = 0
// every bucket is unassigned (BUCKET_ENTRY.VALID = 0).
//
// Minimal moves. Which members get ceil(q_m) is chosen against the current table: a member that
// holds more than floor(q_m) buckets saves one move when it is rounded up, so those come first;
// then the larger remainder N*w_m mod W; then the smaller MemberId (site, then member). The result
// is the minimum over all admissible target vectors of
//     moves = sum over owners of max(0, current_m - t_m)
// where unassigned buckets and members without weight are owners whose target is 0.
//
// Which buckets move. Each owner above its target releases its surplus spread evenly over the
// buckets it holds (of c held, in bucket order, it gives up the ones at positions
// floor((2i+1) * c / (2e)), i = 0..e-1, for a surplus of e). The released buckets, in bucket
// order, are dealt to the owners below target by a smooth weighted round robin: receiver r with a
// deficit of d_r takes its i-th bucket at position (i + 1/2) * F / d_r of the F released buckets
// (ties to the smaller MemberId). So a new member's buckets are spread over the table, not one
// block, and the result depends only on the current table and the weights.
//
// Errors are return values: out-of-range bucket counts, sites, members or weights are rejected and
// leave the allocator unchanged.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/packing.hpp"  // BucketEntry, pack_bucket_entry (hls/common)
#include "host/common/status.hpp"

namespace conductor {

inline constexpr uint8_t kMaxSites = 2;            // sites 0..1
inline constexpr uint8_t kMaxMembersPerSite = 64;  // members 0..63 per site
inline constexpr uint16_t kMaxWeight = 512;        // weights 0..512
inline constexpr uint32_t kMinBuckets = 1;
inline constexpr uint32_t kMaxBuckets = 65536;  // BUCKET_LOG2 <= 16
inline constexpr uint32_t kDefaultBuckets = 4096;

struct MemberId {
  uint8_t site = 0;    // 0..1
  uint8_t member = 0;  // 0..63

  friend auto operator<=>(const MemberId&, const MemberId&) = default;
  bool in_range() const { return site < kMaxSites && member < kMaxMembersPerSite; }
  std::string to_string() const;  // "site 1 member 7"
};

// Bucket-table entries are conductor::BucketEntry from hls/common/packing.hpp (struct BUCKET_ENTRY
// of rtl/csr/conductor.regs: b7 valid, b6 site, b5:0 member); pack_bucket_entry() gives the byte
// the BUCKETS window holds. Unassigned entries are all-zero.
inline BucketEntry bucket_entry_for(MemberId id) { return BucketEntry{id.member, id.site, true}; }
inline std::optional<MemberId> bucket_owner(const BucketEntry& e) {
  return e.valid ? std::optional<MemberId>(MemberId{e.site, e.member}) : std::nullopt;
}

using Weights = std::map<MemberId, uint16_t>;

// The effect of one set_weights() call.
struct Rebalance {
  uint32_t moves = 0;             // buckets whose owner changed (== changed.size())
  std::vector<uint32_t> changed;  // their indices, ascending: the only table bytes to rewrite
};

class BucketAllocator {
 public:
  // buckets: a power of two in 1..65536. Every bucket starts unassigned, with no weights.
  static Expected<BucketAllocator> create(uint32_t buckets = kDefaultBuckets);

  // Replace the whole weight map. A member missing from the map, or with weight 0, holds nothing
  // afterwards. Fails (and changes nothing) on a site > 1, a member > 63 or a weight > 512.
  Expected<Rebalance> set_weights(const Weights& weights);

  uint32_t buckets() const { return static_cast<uint32_t>(table_.size()); }
  const std::vector<BucketEntry>& table() const { return table_; }
  const Weights& weights() const { return weights_; }  // as last set (zeros kept)

  // Buckets held by each member that holds any, and the unassigned count.
  std::map<MemberId, uint32_t> counts() const;
  uint32_t count(MemberId id) const;
  uint32_t unassigned() const { return counts_[kUnassigned]; }

  // 32-bit word `word` of the BUCKETS window: the packed entry of bucket 4*word+j in byte j.
  uint32_t table_word(uint32_t word) const;
  // Indices of the words that hold the given buckets, ascending, without repeats.
  static std::vector<uint32_t> words_of(const std::vector<uint32_t>& buckets);

 private:
  static constexpr unsigned kOwners = kMaxSites * kMaxMembersPerSite + 1;  // + unassigned
  static constexpr unsigned kUnassigned = kOwners - 1;

  explicit BucketAllocator(uint32_t buckets);
  static unsigned slot_of(MemberId id) { return id.site * kMaxMembersPerSite + id.member; }
  static unsigned slot_of(const BucketEntry& e) { return e.valid ? slot_of(MemberId{e.site, e.member}) : kUnassigned; }
  static MemberId member_of(unsigned slot) {
    return MemberId{static_cast<uint8_t>(slot / kMaxMembersPerSite), static_cast<uint8_t>(slot % kMaxMembersPerSite)};
  }

  std::vector<BucketEntry> table_;
  std::vector<uint32_t> counts_;  // per slot, kOwners entries
  Weights weights_;
};

}  // namespace conductor
