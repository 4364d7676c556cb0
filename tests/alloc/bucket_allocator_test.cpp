// Bucket allocator: directed cases plus properties checked after every change of thousands of
// random weight sequences. The lower bound on moves is computed here from the old counts and the
// ideal shares, independently of the allocator's own choice of round-ups.
#include "host/alloc/bucket_allocator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <set>

namespace conductor {
namespace {

constexpr uint64_t kDefaultSeed = 0x5EED'C0DE'2026ull;

uint64_t test_seed() {
  if (const char* env = std::getenv("CONDUCTOR_TEST_SEED")) return std::strtoull(env, nullptr, 0);
  return kDefaultSeed;
}

BucketAllocator make(uint32_t n) {
  auto a = BucketAllocator::create(n);
  EXPECT_TRUE(a.ok());
  return std::move(a).value();
}

// Owner key for counting: 0..127 members, 128 unassigned.
unsigned owner_key(const BucketEntry& e) { return e.valid ? e.site * 64u + e.member : 128u; }

std::vector<uint64_t> count_table(const std::vector<BucketEntry>& t) {
  std::vector<uint64_t> c(129, 0);
  for (const auto& e : t) ++c[owner_key(e)];
  return c;
}

// Minimum number of moves over every target vector that satisfies the share rule.
uint64_t lower_bound_moves(const std::vector<uint64_t>& old_counts, const Weights& w, uint64_t n) {
  uint64_t total = 0;
  for (const auto& [id, x] : w) total += x;
  if (total == 0) return n - old_counts[128];
  uint64_t bound = 0;
  uint64_t sum_floor = 0;
  uint64_t savers = 0;  // could take ceil and hold more than floor
  std::set<unsigned> weighted;
  for (const auto& [id, x] : w) {
    if (x == 0) continue;
    const unsigned k = id.site * 64u + id.member;
    weighted.insert(k);
    const uint64_t f = n * x / total;
    sum_floor += f;
    const uint64_t c = old_counts[k];
    bound += c > f ? c - f : 0;
    if ((n * x) % total != 0 && c > f) ++savers;
  }
  for (unsigned k = 0; k < 129; ++k) {
    if (!weighted.count(k)) bound += old_counts[k];
  }
  const uint64_t round_ups = n - sum_floor;
  return bound - std::min(round_ups, savers);
}

// Everything that must hold after a change from `before` to the allocator's current state.
void check_change(const BucketAllocator& a, const std::vector<BucketEntry>& before, const Weights& w,
                  const Rebalance& r, const std::string& where) {
  SCOPED_TRACE(where);
  const auto& after = a.table();
  const uint64_t n = after.size();
  ASSERT_EQ(before.size(), n);

  // Change list == buckets whose owner changed, ascending.
  std::vector<uint32_t> diff;
  for (uint32_t b = 0; b < n; ++b) {
    if (!(before[b] == after[b])) diff.push_back(b);
  }
  ASSERT_EQ(r.changed, diff);
  ASSERT_EQ(r.moves, diff.size());

  // Minimal moves.
  ASSERT_EQ(r.moves, lower_bound_moves(count_table(before), w, n));

  // Shares within one bucket of ideal; zero weights and unknown members hold nothing.
  const auto counts = count_table(after);
  uint64_t total = 0;
  for (const auto& [id, x] : w) total += x;
  std::vector<bool> weighted(129, false);
  for (const auto& [id, x] : w) {
    const unsigned k = id.site * 64u + id.member;
    const uint64_t t = counts[k];
    ASSERT_EQ(t, a.count(id));
    if (x == 0) {
      ASSERT_EQ(t, 0u) << id.to_string() << " has weight 0";
      continue;
    }
    weighted[k] = true;
    const uint64_t exact = n * x;  // ideal share times W
    const uint64_t lo = exact / total;
    const uint64_t hi = (exact + total - 1) / total;
    ASSERT_TRUE(t == lo || t == hi) << id.to_string() << " holds " << t << ", ideal " << exact << "/" << total;
  }
  for (unsigned k = 0; k < 128; ++k) {
    if (!weighted[k]) {
      ASSERT_EQ(counts[k], 0u) << "owner " << k << " has no weight";
    }
  }
  if (total == 0) {
    ASSERT_EQ(counts[128], n);
    ASSERT_EQ(a.unassigned(), n);
  } else {
    ASSERT_EQ(counts[128], 0u);
  }

  // counts() agrees with the table.
  uint64_t listed = 0;
  for (const auto& [id, c] : a.counts()) {
    ASSERT_EQ(c, counts[id.site * 64u + id.member]);
    listed += c;
  }
  ASSERT_EQ(listed + a.unassigned(), n);
}

TEST(BucketAlloc, RejectsBadBucketCounts) {
  for (uint32_t n : {0u, 3u, 6u, 4095u, 65537u, 131072u, 0xFFFFFFFFu}) {
    auto a = BucketAllocator::create(n);
    ASSERT_FALSE(a.ok()) << n;
    EXPECT_EQ(a.error().code, Errc::kInvalidArgument);
    EXPECT_NE(a.error().message.find(std::to_string(n)), std::string::npos) << a.error().message;
  }
  for (uint32_t n = 1; n <= 65536; n *= 2) {
    auto a = BucketAllocator::create(n);
    ASSERT_TRUE(a.ok()) << n;
    EXPECT_EQ(a->buckets(), n);
    EXPECT_EQ(a->unassigned(), n);
  }
  EXPECT_EQ(BucketAllocator::create()->buckets(), kDefaultBuckets);
}

TEST(BucketAlloc, RejectsBadWeightsAndKeepsState) {
  auto a = make(64);
  ASSERT_TRUE(a.set_weights({{{0, 1}, 10}, {{1, 2}, 30}}).ok());
  const auto table = a.table();
  const auto weights = a.weights();
  struct Case {
    Weights w;
    std::string needle;
  };
  const Case cases[] = {
      {{{{0, 1}, 513}}, "weight 513"}, {{{{0, 1}, 10}, {{2, 0}, 5}}, "site 2"}, {{{{0, 64}, 5}}, "member 64"},
      {{{{1, 255}, 0}}, "member 255"}, {{{{0, 0}, 65535}}, "weight 65535"},
  };
  for (const auto& c : cases) {
    auto r = a.set_weights(c.w);
    ASSERT_FALSE(r.ok()) << c.needle;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_NE(r.error().message.find(c.needle), std::string::npos) << r.error().message;
    EXPECT_EQ(a.table(), table);
    EXPECT_EQ(a.weights(), weights);
  }
  // The boundaries themselves are accepted.
  EXPECT_TRUE(a.set_weights({{{1, 63}, 512}, {{0, 0}, 0}}).ok());
}

TEST(BucketAlloc, FreshTableIsInterleaved) {
  auto a = make(16);
  auto r = a.set_weights({{{0, 0}, 1}, {{0, 1}, 1}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->moves, 16u);
  for (uint32_t b = 0; b < 16; ++b) {
    EXPECT_EQ(a.table()[b], bucket_entry_for({0, static_cast<uint8_t>(b % 2)})) << b;
  }
  // Weights 1:3 on 16 buckets -> 4 and 12, the small member's buckets evenly apart.
  auto c = make(16);
  ASSERT_TRUE(c.set_weights({{{0, 0}, 1}, {{1, 5}, 3}}).ok());
  std::vector<uint32_t> small;
  for (uint32_t b = 0; b < 16; ++b) {
    if (bucket_owner(c.table()[b]) == MemberId{0, 0}) small.push_back(b);
  }
  EXPECT_EQ(small, (std::vector<uint32_t>{1, 5, 9, 13}));
}

TEST(BucketAlloc, NewMemberTakesSpreadBuckets) {
  auto a = make(4096);
  Weights w;
  for (uint8_t m = 0; m < 4; ++m) w[{0, m}] = 100;
  ASSERT_TRUE(a.set_weights(w).ok());
  w[{1, 0}] = 100;  // fifth member: ideal 819.2 each
  const auto before = a.table();
  auto r = a.set_weights(w);
  ASSERT_TRUE(r.ok());
  check_change(a, before, w, *r, "add");
  EXPECT_EQ(r->moves, a.count({1, 0}));
  // Its buckets are spread: no run of more than 8 consecutive buckets, and they reach both ends.
  uint32_t run = 0, longest = 0, first = 4096, last = 0;
  for (uint32_t b = 0; b < 4096; ++b) {
    const bool mine = bucket_owner(a.table()[b]) == MemberId{1, 0};
    run = mine ? run + 1 : 0;
    longest = std::max(longest, run);
    if (mine) first = std::min(first, b), last = b;
  }
  EXPECT_LE(longest, 8u);
  EXPECT_LT(first, 64u);
  EXPECT_GT(last, 4096u - 64u);
}

TEST(BucketAlloc, RoundUpsPreferCurrentHolders) {
  // 3 members of equal weight on 4 buckets: q = 4/3 each, one round-up.
  auto a = make(4);
  ASSERT_TRUE(a.set_weights({{{0, 0}, 1}, {{0, 1}, 1}, {{0, 2}, 1}}).ok());
  // From an empty table nobody saves a move; equal remainders: the smaller id gets the round-up.
  EXPECT_EQ(a.count({0, 0}), 2u);
  // Drain member 0: members 1 and 2 hold 2 each. Re-adding member 0 must keep one of their
  // round-ups (1 move), not give it to member 0 despite its smaller id (2 moves).
  ASSERT_TRUE(a.set_weights({{{0, 0}, 0}, {{0, 1}, 1}, {{0, 2}, 1}}).ok());
  EXPECT_EQ(a.count({0, 1}), 2u);
  EXPECT_EQ(a.count({0, 2}), 2u);
  const auto before = a.table();
  Weights w{{{0, 0}, 1}, {{0, 1}, 1}, {{0, 2}, 1}};
  auto r = a.set_weights(w);
  ASSERT_TRUE(r.ok());
  check_change(a, before, w, *r, "re-add");
  EXPECT_EQ(r->moves, 1u);
  EXPECT_EQ(a.count({0, 0}), 1u);
  EXPECT_EQ(a.count({0, 1}), 2u);  // both save a move, equal remainders: the smaller id
  EXPECT_EQ(a.count({0, 2}), 1u);
}

TEST(BucketAlloc, AllZeroUnassignsEverything) {
  auto a = make(256);
  Weights w{{{0, 3}, 7}, {{1, 9}, 512}};
  ASSERT_TRUE(a.set_weights(w).ok());
  auto before = a.table();
  Weights zero{{{0, 3}, 0}, {{1, 9}, 0}};
  auto r = a.set_weights(zero);
  ASSERT_TRUE(r.ok());
  check_change(a, before, zero, *r, "zero");
  EXPECT_EQ(r->moves, 256u);
  for (const auto& e : a.table()) EXPECT_EQ(pack_bucket_entry(e), 0u);
  before = a.table();
  r = a.set_weights({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->moves, 0u);
}

TEST(BucketAlloc, EntryPackingMatchesRegisterMap) {
  // BUCKET_ENTRY: MEMBER 0..5, SITE 6, VALID 7 (rtl/csr/conductor.regs); unassigned is all-zero.
  EXPECT_EQ(pack_bucket_entry(BucketEntry{}), 0x00);
  EXPECT_EQ(pack_bucket_entry(bucket_entry_for({0, 0})), 0x80);
  EXPECT_EQ(pack_bucket_entry(bucket_entry_for({1, 0})), 0xC0);
  EXPECT_EQ(pack_bucket_entry(bucket_entry_for({0, 63})), 0xBF);
  EXPECT_EQ(pack_bucket_entry(bucket_entry_for({1, 63})), 0xFF);
  EXPECT_EQ(bucket_owner(bucket_entry_for({1, 9})), (MemberId{1, 9}));
  EXPECT_EQ(bucket_owner(BucketEntry{}), std::nullopt);
  auto a = make(8);
  ASSERT_TRUE(a.set_weights({{{1, 5}, 1}, {{0, 2}, 1}}).ok());
  for (uint32_t word = 0; word < 2; ++word) {
    uint32_t expect = 0;
    for (uint32_t j = 0; j < 4; ++j) expect |= uint32_t{pack_bucket_entry(a.table()[4 * word + j])} << (8 * j);
    EXPECT_EQ(a.table_word(word), expect);
  }
  EXPECT_EQ(BucketAllocator::words_of({0, 1, 3, 4, 9, 11}), (std::vector<uint32_t>{0, 1, 2}));
}

// Random weight sequences over both sites: the properties after every change.
TEST(BucketAlloc, RandomSequencesKeepSharesAndMinimalMoves) {
  const uint64_t seed = test_seed();
  std::cout << "[ seed     ] CONDUCTOR_TEST_SEED=0x" << std::hex << seed << std::dec << "\n";
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto uniform = [&](uint64_t lo, uint64_t hi) {  // inclusive; engine output is portable
    return lo + rng() % (hi - lo + 1);
  };
  auto random_weight = [&]() -> uint16_t {
    switch (uniform(0, 5)) {
      case 0:
        return 0;
      case 1:
        return 512;
      case 2:
        return static_cast<uint16_t>(uniform(1, 4));
      default:
        return static_cast<uint16_t>(uniform(0, 512));
    }
  };
  auto random_id = [&]() {
    return MemberId{static_cast<uint8_t>(uniform(0, 1)), static_cast<uint8_t>(uniform(0, 63))};
  };

  const auto start = std::chrono::steady_clock::now();
  constexpr int kSequences = 2000;
  uint64_t changes = 0, total_moves = 0;
  for (int seq = 0; seq < kSequences; ++seq) {
    const uint32_t n = 1u << uniform(0, 16);
    auto a = make(n);
    auto replay = make(n);  // determinism: same inputs, same tables
    Weights w;
    const int members = static_cast<int>(uniform(0, 3) == 0 ? uniform(1, 128) : uniform(1, 12));
    for (int i = 0; i < members; ++i) w[random_id()] = random_weight();
    const int steps = static_cast<int>(uniform(3, 10));
    for (int step = 0; step < steps; ++step) {
      const std::string where = "seed 0x" + std::to_string(seed) + " sequence " + std::to_string(seq) + " step " +
                                std::to_string(step) + " buckets " + std::to_string(n);
      if (step > 0) {
        switch (uniform(0, 7)) {
          case 0:  // add a member
            w[random_id()] = random_weight();
            break;
          case 1:  // remove a member
            if (!w.empty()) w.erase(std::next(w.begin(), uniform(0, w.size() - 1)));
            break;
          case 2:  // drain a member
            if (!w.empty()) std::next(w.begin(), uniform(0, w.size() - 1))->second = 0;
            break;
          case 3:  // everything to zero
            for (auto& [id, x] : w) x = 0;
            break;
          case 4:  // a fresh set
            w.clear();
            for (int i = 0, k = static_cast<int>(uniform(1, 20)); i < k; ++i) w[random_id()] = random_weight();
            break;
          default:  // re-weight one or a few
            for (int i = 0, k = static_cast<int>(uniform(1, 3)); i < k && !w.empty(); ++i) {
              std::next(w.begin(), uniform(0, w.size() - 1))->second = random_weight();
            }
        }
      }
      const auto before = a.table();
      auto r = a.set_weights(w);
      ASSERT_TRUE(r.ok()) << where << ": " << r.error().message;
      check_change(a, before, w, *r, where);
      if (HasFatalFailure()) return;
      ++changes;
      total_moves += r->moves;

      auto again = a.set_weights(w);  // idempotence
      ASSERT_TRUE(again.ok());
      ASSERT_EQ(again->moves, 0u) << where;
      ASSERT_TRUE(again->changed.empty()) << where;

      auto rr = replay.set_weights(w);
      ASSERT_TRUE(rr.ok());
      ASSERT_EQ(rr->changed, r->changed) << where;
      ASSERT_EQ(replay.table(), a.table()) << where;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ stats    ] " << kSequences << " sequences, " << changes << " changes, " << total_moves << " moves, "
            << secs << " s\n";
}

}  // namespace
}  // namespace conductor
