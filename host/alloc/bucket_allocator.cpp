#include "host/alloc/bucket_allocator.hpp"

#include <algorithm>
#include <cassert>
#include <numeric>

namespace conductor {

std::string MemberId::to_string() const { return "site " + std::to_string(site) + " member " + std::to_string(member); }

Expected<BucketAllocator> BucketAllocator::create(uint32_t buckets) {
  if (buckets < kMinBuckets || buckets > kMaxBuckets || (buckets & (buckets - 1)) != 0) {
    return make_error(Errc::kInvalidArgument,
                      "bucket count " + std::to_string(buckets) + " is not a power of two in 1..65536");
  }
  return BucketAllocator(buckets);
}

BucketAllocator::BucketAllocator(uint32_t buckets) : table_(buckets), counts_(kOwners, 0) {
  counts_[kUnassigned] = buckets;
}

std::map<MemberId, uint32_t> BucketAllocator::counts() const {
  std::map<MemberId, uint32_t> out;
  for (unsigned s = 0; s < kUnassigned; ++s) {
    if (counts_[s] != 0) out.emplace(member_of(s), counts_[s]);
  }
  return out;
}

uint32_t BucketAllocator::count(MemberId id) const { return id.in_range() ? counts_[slot_of(id)] : 0; }

uint32_t BucketAllocator::table_word(uint32_t word) const {
  uint32_t v = 0;
  for (uint32_t j = 0; j < 4; ++j) {
    const uint64_t b = uint64_t{word} * 4 + j;
    if (b < table_.size()) v |= uint32_t{pack_bucket_entry(table_[b])} << (8 * j);
  }
  return v;
}

std::vector<uint32_t> BucketAllocator::words_of(const std::vector<uint32_t>& buckets) {
  std::vector<uint32_t> words;
  words.reserve(buckets.size());
  for (uint32_t b : buckets) words.push_back(b / 4);
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

Expected<Rebalance> BucketAllocator::set_weights(const Weights& weights) {
  // Validate everything before touching any state.
  for (const auto& [id, w] : weights) {
    if (id.site >= kMaxSites) {
      return make_error(Errc::kInvalidArgument, "site " + std::to_string(id.site) + " out of range (sites are 0..1)");
    }
    if (id.member >= kMaxMembersPerSite) {
      return make_error(Errc::kInvalidArgument, "member " + std::to_string(id.member) + " of site " +
                                                    std::to_string(id.site) + " out of range (members are 0..63)");
    }
    if (w > kMaxWeight) {
      return make_error(Errc::kInvalidArgument,
                        "weight " + std::to_string(w) + " of " + id.to_string() + " out of range (weights are 0..512)");
    }
  }

  const uint64_t n = table_.size();
  uint64_t total = 0;
  for (const auto& [id, w] : weights) total += w;

  // Targets: floor shares first, then k round-ups (see the header for the order).
  std::vector<uint32_t> target(kOwners, 0);
  if (total == 0) {
    target[kUnassigned] = static_cast<uint32_t>(n);
  } else {
    struct Candidate {
      unsigned slot;
      bool saves_move;     // holds more than floor(q): rounding it up saves a move
      uint64_t remainder;  // N*w mod W
    };
    std::vector<Candidate> candidates;
    uint64_t assigned = 0;
    for (const auto& [id, w] : weights) {
      if (w == 0) continue;
      const unsigned s = slot_of(id);
      const uint64_t floor_share = n * w / total;
      const uint64_t rem = n * w % total;
      target[s] = static_cast<uint32_t>(floor_share);
      assigned += floor_share;
      if (rem != 0) candidates.push_back({s, counts_[s] > floor_share, rem});
    }
    const uint64_t round_ups = n - assigned;
    assert(round_ups <= candidates.size());
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      if (a.saves_move != b.saves_move) return a.saves_move;
      if (a.remainder != b.remainder) return a.remainder > b.remainder;
      return a.slot < b.slot;  // slot order == MemberId order (site, then member)
    });
    for (uint64_t i = 0; i < round_ups; ++i) ++target[candidates[i].slot];
  }

  // Surplus per donor, deficit per receiver.
  std::vector<uint32_t> surplus(kOwners, 0);
  struct Receiver {
    unsigned slot;
    uint32_t deficit;
  };
  std::vector<Receiver> receivers;
  uint64_t moves = 0;
  for (unsigned s = 0; s < kOwners; ++s) {
    if (counts_[s] > target[s]) {
      surplus[s] = counts_[s] - target[s];
      moves += surplus[s];
    } else if (counts_[s] < target[s]) {
      receivers.push_back({s, target[s] - counts_[s]});
    }
  }

  weights_ = weights;
  Rebalance result;
  if (moves == 0) return result;

  // Donors release their surplus spread evenly over the buckets they hold: of c held, the ones at
  // positions floor((2i+1) * c / 2e), i = 0..e-1.
  std::vector<uint32_t> seen(kOwners, 0);        // buckets of each donor visited so far
  std::vector<uint32_t> released_n(kOwners, 0);  // releases so far (i)
  std::vector<uint64_t> due(kOwners, 0);         // position of the next release
  for (unsigned s = 0; s < kOwners; ++s) {
    if (surplus[s] != 0) due[s] = uint64_t{counts_[s]} / (2 * uint64_t{surplus[s]});
  }
  std::vector<uint32_t>& released = result.changed;
  released.reserve(moves);
  for (uint32_t b = 0; b < n; ++b) {
    const unsigned s = slot_of(table_[b]);
    const uint32_t e = surplus[s];
    if (e == 0 || released_n[s] == e) continue;
    if (seen[s]++ == due[s]) {
      released.push_back(b);  // ascending by construction
      const uint64_t i = ++released_n[s];
      due[s] = (2 * i + 1) * counts_[s] / (2 * uint64_t{e});
    }
  }
  assert(released.size() == moves);

  // Deal them by a smooth weighted round robin: turn i of receiver r sits at (2i+1) / (2 d_r); a
  // k-way merge of the receivers' turns (ties to the smaller MemberId).
  struct Turn {
    uint32_t i;
    uint32_t r;  // index into receivers
  };
  auto later = [&](const Turn& a, const Turn& b) {  // a comes after b
    const uint64_t lhs = (2 * uint64_t{a.i} + 1) * receivers[b.r].deficit;
    const uint64_t rhs = (2 * uint64_t{b.i} + 1) * receivers[a.r].deficit;
    if (lhs != rhs) return lhs > rhs;
    return receivers[a.r].slot > receivers[b.r].slot;
  };
  std::vector<Turn> heap;
  heap.reserve(receivers.size());
  for (uint32_t r = 0; r < receivers.size(); ++r) heap.push_back({0, r});
  std::make_heap(heap.begin(), heap.end(), later);
  for (uint32_t b : released) {
    assert(!heap.empty());
    std::pop_heap(heap.begin(), heap.end(), later);
    Turn& t = heap.back();
    const unsigned to = receivers[t.r].slot;
    BucketEntry& entry = table_[b];
    --counts_[slot_of(entry)];
    ++counts_[to];
    entry = to == kUnassigned ? BucketEntry{} : bucket_entry_for(member_of(to));
    if (++t.i < receivers[t.r].deficit) {
      std::push_heap(heap.begin(), heap.end(), later);
    } else {
      heap.pop_back();
    }
  }
  assert(heap.empty());
  result.moves = static_cast<uint32_t>(moves);
  return result;
}

}  // namespace conductor
