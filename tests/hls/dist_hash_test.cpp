// dist_hash against docs/architecture.md: Microsoft's RSS verification suite, symmetric modes, port
// inclusion rules, IP_VALID = 0, bucket masking and clamping, and agreement of the four
// implementations (HLS core via dist_hash_model, HLS top via streams, the independent reference,
// DistHashFast) on random input.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/packing.hpp"
#include "dist_hash/dist_hash.hpp"
#include "dist_hash/dist_hash_fast.hpp"
#include "dist_hash/dist_hash_model.hpp"
#include "dist_hash/rss_vectors.hpp"

#ifndef CONDUCTOR_SOURCE_DIR
#error "CONDUCTOR_SOURCE_DIR must point at the repository root"
#endif

namespace conductor {
namespace {

constexpr HashMode kModes[] = {HashMode::kRss, HashMode::kSymL4, HashMode::kSymIp, HashMode::kReserved};

std::vector<RssVector> rss_vectors() {
  std::vector<RssVector> v;
  std::string error;
  const bool ok =
      load_rss_vectors(std::string(CONDUCTOR_SOURCE_DIR) + "/tests/hls/data/rss_verification.txt", &v, &error);
  EXPECT_TRUE(ok) << error;
  return v;
}

std::unique_ptr<DistHashRegs> reset_regs() { return std::make_unique<DistHashRegs>(); }

// Every implementation's decision for one key; they must all agree.
Decision decide_all(const DistHashRegs& regs, const FlowKey& key) {
  const Decision model = dist_hash_model(regs, key);
  const Decision ref = dist_hash_reference(regs, key);
  EXPECT_EQ(model, ref) << "model (HLS core) vs reference";
  static std::unique_ptr<DistHashFast> fast;
  if (!fast) fast = std::make_unique<DistHashFast>(regs);
  fast->load(regs);
  EXPECT_EQ(fast->decide(key), ref) << "DistHashFast vs reference";
  return model;
}

FlowKey random_flow(std::mt19937_64& rng, bool ipv6, uint8_t proto) {
  FlowKey k;
  k.ip_valid = true;
  k.is_ipv6 = ipv6;
  for (size_t i = ipv6 ? 0 : 12; i < 16; ++i) {
    k.src_addr[i] = static_cast<uint8_t>(rng());
    k.dst_addr[i] = static_cast<uint8_t>(rng());
  }
  k.proto = proto;
  k.l4_valid = proto == kProtoTcp || proto == kProtoUdp || proto == kProtoSctp;
  if (k.l4_valid) {
    k.src_port = static_cast<uint16_t>(rng());
    k.dst_port = static_cast<uint16_t>(rng());
  }
  k.sg_id = static_cast<uint8_t>(rng());
  return k;
}

FlowKey reversed(const FlowKey& k) {
  FlowKey r = k;
  std::swap(r.src_addr, r.dst_addr);
  std::swap(r.src_port, r.dst_port);
  return r;
}

std::array<uint32_t, kDistHashKeyWords> random_key_words(std::mt19937_64& rng) {
  std::array<uint32_t, kDistHashKeyWords> w;
  for (auto& x : w) x = static_cast<uint32_t>(rng());
  return w;
}

// ---- Microsoft's RSS verification suite ----------------------------------------------------------

TEST(DistHashRss, ResetKeyIsMicrosoftsKey) {
  const DistHashRegs regs;
  EXPECT_EQ(key_bytes_from_words(regs.key), kMicrosoftRssKey);
  EXPECT_EQ(key_words_from_bytes(kMicrosoftRssKey), regs.key);
  EXPECT_EQ(ctrl_mode(regs.ctrl), HashMode::kRss);
  EXPECT_EQ(ctrl_bucket_log2(regs.ctrl), 12u);  // 4096 buckets by default
}

TEST(DistHashRss, ToeplitzOnSuiteInputs) {
  for (const RssVector& v : rss_vectors()) {
    const size_t alen = v.key.is_ipv6 ? 16 : 4;
    std::vector<uint8_t> in;
    in.insert(in.end(), v.key.src_addr.end() - alen, v.key.src_addr.end());
    in.insert(in.end(), v.key.dst_addr.end() - alen, v.key.dst_addr.end());
    EXPECT_EQ(toeplitz(kMicrosoftRssKey.data(), in.data(), in.size()), v.hash_addresses) << v.text;
    for (uint16_t p : {v.key.src_port, v.key.dst_port}) {
      in.push_back(static_cast<uint8_t>(p >> 8));
      in.push_back(static_cast<uint8_t>(p));
    }
    EXPECT_EQ(toeplitz(kMicrosoftRssKey.data(), in.data(), in.size()), v.hash_with_ports) << v.text;
  }
}

void check_suite(bool ipv6) {
  const auto regs = reset_regs();
  int n = 0;
  for (const RssVector& v : rss_vectors()) {
    if (v.key.is_ipv6 != ipv6) continue;
    ++n;
    for (uint8_t proto : {kProtoTcp, kProtoUdp}) {
      FlowKey k = v.key;
      k.proto = proto;
      EXPECT_EQ(decide_all(*regs, k).hash, v.hash_with_ports) << v.text;
      k.l4_valid = false;  // no ports parsed: addresses only
      k.src_port = k.dst_port = 0;
      EXPECT_EQ(decide_all(*regs, k).hash, v.hash_addresses) << v.text;
    }
    FlowKey icmp = v.key;  // a protocol without ports: addresses only
    icmp.proto = ipv6 ? kProtoIcmpV6 : kProtoIcmp;
    icmp.l4_valid = false;
    icmp.src_port = icmp.dst_port = 0;
    EXPECT_EQ(decide_all(*regs, icmp).hash, v.hash_addresses) << v.text;
  }
  EXPECT_EQ(n, ipv6 ? 3 : 5);
}

TEST(DistHashRss, SuiteIpv4WithAndWithoutPorts) { check_suite(false); }
TEST(DistHashRss, SuiteIpv6WithAndWithoutPorts) { check_suite(true); }

TEST(DistHashRss, SuiteThroughHlsTopStreams) {
  static ap_uint<8> table[kDistHashBuckets];
  const DistHashRegs regs;
  ap_uint<320> key = 0;
  for (int w = 0; w < kDistHashKeyWords; ++w) key.range(32 * w + 31, 32 * w) = regs.key[w];
  hls::stream<ap_uint<320>> s_key("s_key");
  hls::stream<ap_uint<64>> m_dec("m_dec");
  const auto vectors = rss_vectors();
  for (const RssVector& v : vectors) s_key.write(pack(v.key));
  for (size_t i = 0; i < vectors.size(); ++i) dist_hash_top(s_key, m_dec, regs.ctrl, key, table);
  ASSERT_EQ(m_dec.size(), vectors.size());
  for (const RssVector& v : vectors) {
    const Decision d = unpack_decision(m_dec.read());
    EXPECT_EQ(d.hash, v.hash_with_ports) << v.text;
    EXPECT_EQ(d.bucket, v.hash_with_ports & 0xfffu) << v.text;  // reset BUCKET_LOG2 = 12
  }
}

TEST(DistHashRss, ReservedModeBehavesAsRss) {
  auto regs = reset_regs();
  regs->ctrl = make_ctrl(HashMode::kReserved, 12);
  for (const RssVector& v : rss_vectors()) {
    EXPECT_EQ(decide_all(*regs, v.key).hash, v.hash_with_ports) << v.text;
    FlowKey sctp = v.key;
    sctp.proto = kProtoSctp;  // rss leaves SCTP ports out
    EXPECT_EQ(decide_all(*regs, sctp).hash, v.hash_addresses) << v.text;
  }
}

// ---- symmetric modes -----------------------------------------------------------------------------

TEST(DistHashSymmetric, BothDirectionsHashAlikeWithRandomKeys) {
  std::mt19937_64 rng(31);
  auto regs = reset_regs();
  for (int iter = 0; iter < 3000; ++iter) {
    regs->key = random_key_words(rng);
    const HashMode mode = iter % 2 ? HashMode::kSymL4 : HashMode::kSymIp;
    regs->ctrl = make_ctrl(mode, 16);
    const uint8_t protos[] = {kProtoTcp, kProtoUdp, kProtoSctp, kProtoIcmp};
    const FlowKey k = random_flow(rng, rng() & 1, protos[rng() % 4]);
    const Decision fwd = dist_hash_model(*regs, k);
    const Decision rev = dist_hash_model(*regs, reversed(k));
    ASSERT_EQ(fwd.hash, rev.hash) << "iteration " << iter;
    ASSERT_EQ(fwd, rev);
    // And it is the rss hash of the canonical direction.
    const bool src_first = k.src_addr < k.dst_addr || (k.src_addr == k.dst_addr && k.src_port <= k.dst_port);
    FlowKey canon = src_first ? k : reversed(k);
    if (mode == HashMode::kSymIp) canon.l4_valid = false;                                // sym-ip never hashes ports
    if (canon.proto == kProtoSctp && mode == HashMode::kSymL4) canon.proto = kProtoTcp;  // rss drops SCTP
    DistHashRegs& r = *regs;
    const uint32_t saved = r.ctrl;
    r.ctrl = make_ctrl(HashMode::kRss, 16);
    ASSERT_EQ(dist_hash_model(r, canon).hash, fwd.hash) << "iteration " << iter;
    r.ctrl = saved;
  }
}

TEST(DistHashSymmetric, EqualAddressesOrderByPort) {
  std::mt19937_64 rng(32);
  auto regs = reset_regs();
  for (bool ipv6 : {false, true}) {
    for (int iter = 0; iter < 500; ++iter) {
      regs->key = random_key_words(rng);
      regs->ctrl = make_ctrl(HashMode::kSymL4, 16);
      FlowKey k = random_flow(rng, ipv6, kProtoUdp);
      k.dst_addr = k.src_addr;  // same host, e.g. loopback
      if (iter % 3 == 0) k.dst_port = k.src_port;
      const FlowKey r = reversed(k);
      EXPECT_EQ(dist_hash_model(*regs, k).hash, dist_hash_model(*regs, r).hash);
      EXPECT_EQ(canonical_swap(k, HashMode::kSymL4), k.src_port > k.dst_port);
      EXPECT_EQ(canonical_swap(r, HashMode::kSymL4), r.src_port > r.dst_port);
      // sym-ip ignores ports: equal addresses never swap.
      EXPECT_FALSE(canonical_swap(k, HashMode::kSymIp));
      regs->ctrl = make_ctrl(HashMode::kSymIp, 16);
      EXPECT_EQ(decide_all(*regs, k).hash, decide_all(*regs, r).hash);
    }
  }
}

TEST(DistHashSymmetric, OrderIsUnsigned128BitCompare) {
  FlowKey k;
  k.ip_valid = true;
  k.is_ipv6 = true;
  k.src_addr[0] = 0x80;   // 8000:: ...
  k.dst_addr[15] = 0xff;  // ::ff: smaller as an unsigned integer, though its last byte is larger
  k.proto = kProtoTcp;
  k.l4_valid = true;
  k.src_port = 1;
  k.dst_port = 2;
  EXPECT_TRUE(canonical_swap(k, HashMode::kSymL4));
  const HashInput in = hash_input(k, HashMode::kSymL4);
  ASSERT_EQ(in.len, 36);
  EXPECT_EQ(in.bytes[15], 0xff);  // ::ff first
  EXPECT_EQ(in.bytes[16], 0x80);
  EXPECT_EQ(in.bytes[33], 2);  // its port goes with it
  EXPECT_EQ(in.bytes[35], 1);
  EXPECT_FALSE(canonical_swap(k, HashMode::kRss));  // rss keeps packet order
}

TEST(DistHashSymmetric, RssIsNotSymmetric) {
  // Sanity check that the symmetric tests are not vacuous: with rss the directions differ.
  std::mt19937_64 rng(33);
  const auto regs = reset_regs();
  int differ = 0;
  for (int i = 0; i < 100; ++i) {
    const FlowKey k = random_flow(rng, i & 1, kProtoTcp);
    differ += dist_hash_model(*regs, k).hash != dist_hash_model(*regs, reversed(k)).hash;
  }
  EXPECT_GT(differ, 95);
}

// ---- port inclusion --------------------------------------------------------------------------------

TEST(DistHashPorts, InclusionRulesPerMode) {
  struct Case {
    uint8_t proto;
    bool l4_valid;
    bool is_frag;
    bool rss, sym_l4, sym_ip;  // ports included?
  };
  const Case cases[] = {
      {kProtoTcp, true, false, true, true, false},
      {kProtoUdp, true, false, true, true, false},
      {kProtoSctp, true, false, false, true, false},
      {kProtoTcp, true, true, false, false, false},  // fragment: never (even if L4_VALID were set)
      {kProtoUdp, false, true, false, false, false},
      {kProtoTcp, false, false, false, false, false},  // ext-limit / truncated L4: no ports
      {kProtoIcmp, false, false, false, false, false},
      {kProtoIcmpV6, false, false, false, false, false},
      {47 /* GRE */, true, false, false, false, false},  // L4_VALID with another protocol
  };
  std::mt19937_64 rng(41);
  auto regs = reset_regs();
  for (const Case& c : cases) {
    for (bool ipv6 : {false, true}) {
      FlowKey k = random_flow(rng, ipv6, kProtoTcp);
      k.proto = c.proto;
      k.l4_valid = c.l4_valid;
      k.is_frag = c.is_frag;
      for (HashMode mode : kModes) {
        const bool want = mode == HashMode::kSymL4 ? c.sym_l4 : mode == HashMode::kSymIp ? c.sym_ip : c.rss;
        EXPECT_EQ(ports_included(k, mode), want)
            << "proto " << int(c.proto) << " mode " << int(mode) << " frag " << c.is_frag;
        const HashInput in = hash_input(k, mode);
        EXPECT_EQ(in.len, (ipv6 ? 32 : 8) + (want ? 4 : 0));
        // The hardware agrees: hash equals Toeplitz over exactly these bytes.
        regs->key = random_key_words(rng);
        regs->ctrl = make_ctrl(mode, 16);
        const auto kb = key_bytes_from_words(regs->key);
        EXPECT_EQ(decide_all(*regs, k).hash, toeplitz(kb.data(), in.bytes.data(), in.len));
      }
    }
  }
}

TEST(DistHashPorts, InputLayoutIpv4AndIpv6) {
  FlowKey k;
  k.ip_valid = true;
  k.src_addr = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1};
  k.dst_addr = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2};
  k.proto = kProtoUdp;
  k.l4_valid = true;
  k.src_port = 0x1234;
  k.dst_port = 0x5678;
  const HashInput in = hash_input(k, HashMode::kRss);
  const std::array<uint8_t, 12> want = {10, 0, 0, 1, 10, 0, 0, 2, 0x12, 0x34, 0x56, 0x78};
  ASSERT_EQ(in.len, 12);
  EXPECT_TRUE(std::equal(want.begin(), want.end(), in.bytes.begin()));
  for (size_t i = in.len; i < in.bytes.size(); ++i) EXPECT_EQ(in.bytes[i], 0) << i;
  k.is_ipv6 = true;
  const HashInput in6 = hash_input(k, HashMode::kRss);
  ASSERT_EQ(in6.len, 36);
  EXPECT_EQ(in6.bytes[12], 10);
  EXPECT_EQ(in6.bytes[31], 2);
  EXPECT_EQ(in6.bytes[32], 0x12);
}

// ---- IP_VALID = 0 ----------------------------------------------------------------------------------

TEST(DistHashInvalid, IpValidZeroHashesToZero) {
  std::mt19937_64 rng(51);
  auto regs = reset_regs();
  for (auto& b : regs->buckets) b = static_cast<uint8_t>(rng());
  for (int iter = 0; iter < 200; ++iter) {
    regs->key = random_key_words(rng);
    regs->ctrl = make_ctrl(kModes[iter % 4], static_cast<uint32_t>(rng() % 32));
    FlowKey k;  // what the parser sends for non-ip / truncated / bad-header: only SG_ID
    k.sg_id = static_cast<uint8_t>(rng());
    Decision d = decide_all(*regs, k);
    EXPECT_EQ(d.hash, 0u);
    EXPECT_EQ(d.bucket, 0u);
    EXPECT_EQ(pack_bucket_entry(BucketEntry{d.member, d.site, d.valid}), regs->buckets[0]);
    EXPECT_EQ(d.sg_id, k.sg_id);
    // Even if other fields carried garbage, nothing is hashed without IP_VALID.
    FlowKey dirty = random_flow(rng, iter & 1, kProtoTcp);
    dirty.ip_valid = false;
    EXPECT_EQ(dist_hash_model(*regs, dirty).hash, 0u);
    EXPECT_EQ(dist_hash_reference(*regs, dirty).hash, 0u);
  }
}

// ---- buckets ---------------------------------------------------------------------------------------

TEST(DistHashBuckets, MaskAndClampAndTableEntry) {
  std::mt19937_64 rng(61);
  auto regs = reset_regs();
  for (size_t i = 0; i < regs->buckets.size(); ++i) {
    regs->buckets[i] = static_cast<uint8_t>((i * 0x9e3779b1u) >> 13);  // distinct-looking entries
  }
  for (uint32_t log2 : {0u, 1u, 4u, 8u, 12u, 15u, 16u, 17u, 20u, 31u}) {
    regs->ctrl = make_ctrl(HashMode::kRss, log2);
    const uint32_t eff = log2 > 16 ? 16 : log2;
    EXPECT_EQ(effective_bucket_log2(regs->ctrl), eff);
    for (int iter = 0; iter < 300; ++iter) {
      regs->key = random_key_words(rng);
      const FlowKey k = random_flow(rng, iter & 1, kProtoTcp);
      const Decision d = decide_all(*regs, k);
      const uint32_t mask = (uint32_t{1} << eff) - 1;
      ASSERT_EQ(d.bucket, d.hash & mask) << "BUCKET_LOG2 " << log2;
      const BucketEntry e = unpack_bucket_entry(regs->buckets[d.bucket]);
      ASSERT_EQ(d.member, e.member);
      ASSERT_EQ(d.site, e.site);
      ASSERT_EQ(d.valid, e.valid);
      ASSERT_EQ(d.sg_id, k.sg_id);
    }
  }
}

TEST(DistHashBuckets, SmallerBuildClampsToItsCapacity) {
  // A build with BucketLog2Max = 10 (1024 buckets) clamps BUCKET_LOG2 = 12 to 10.
  std::mt19937_64 rng(62);
  std::array<uint8_t, 1024> table{};
  for (auto& b : table) b = static_cast<uint8_t>(rng());
  DistHashRegs regs;
  regs.ctrl = make_ctrl(HashMode::kRss, 12);
  ap_uint<320> key = 0;
  for (int w = 0; w < kDistHashKeyWords; ++w) key.range(32 * w + 31, 32 * w) = regs.key[w];
  for (int iter = 0; iter < 200; ++iter) {
    const FlowKey k = random_flow(rng, iter & 1, kProtoUdp);
    const Decision d = unpack_decision(dist_hash_core<10>(pack(k), ap_uint<32>(regs.ctrl), key, table));
    EXPECT_EQ(d.bucket, d.hash & 0x3ffu);
    EXPECT_EQ(pack_bucket_entry(BucketEntry{d.member, d.site, d.valid}), table[d.bucket]);
  }
}

// ---- implementations agree on random input ------------------------------------------------------

TEST(DistHashModel, AllImplementationsAgreeOnRandomInput) {
  std::mt19937_64 rng(71);
  auto regs = reset_regs();
  auto fast = std::make_unique<DistHashFast>(*regs);
  const uint8_t protos[] = {kProtoTcp, kProtoUdp, kProtoSctp, kProtoIcmp, kProtoIcmpV6, 47, 0};
  for (int round = 0; round < 50; ++round) {
    regs->key = random_key_words(rng);
    regs->ctrl = static_cast<uint32_t>(rng());  // every CTRL bit pattern, reserved bits included
    for (auto& b : regs->buckets) b = static_cast<uint8_t>(rng());
    fast->load(*regs);
    for (int i = 0; i < 200; ++i) {
      FlowKey k = random_flow(rng, rng() & 1, protos[rng() % 7]);
      k.is_frag = rng() % 6 == 0;
      k.ip_valid = rng() % 10 != 0;
      if (rng() % 5 == 0) k.dst_addr = k.src_addr;
      if (!k.is_ipv6 && rng() % 8 == 0) k.src_addr[rng() % 12] = static_cast<uint8_t>(rng());  // off-contract
      const Decision ref = dist_hash_reference(*regs, k);
      ASSERT_EQ(dist_hash_model(*regs, k), ref) << "round " << round << " key " << i;
      ASSERT_EQ(fast->decide(k), ref) << "round " << round << " key " << i;
      ASSERT_EQ(fast->decide_word(k), pack(ref).to_uint64()) << "round " << round << " key " << i;
      ASSERT_EQ(unpack_decision(ap_uint<64>(dist_hash_model_word(*regs, pack(k)))), ref);
    }
  }
}

TEST(DistHashModel, FastInputBuilderMatchesHashInput) {
  std::mt19937_64 rng(72);
  auto fast = std::make_unique<DistHashFast>();
  for (int iter = 0; iter < 20000; ++iter) {
    const HashMode mode = kModes[iter % 4];
    fast->set_ctrl(make_ctrl(mode, 12));
    const uint8_t protos[] = {kProtoTcp, kProtoUdp, kProtoSctp, kProtoIcmp};
    FlowKey k = random_flow(rng, rng() & 1, protos[rng() % 4]);
    k.is_frag = rng() % 6 == 0;
    k.ip_valid = rng() % 10 != 0;
    if (rng() % 4 == 0) k.dst_addr = k.src_addr;
    if (rng() % 4 == 0) k.dst_port = k.src_port;
    if (rng() % 4 == 0) k.dst_addr[rng() % 16] ^= 1;  // differ in one low or high byte
    uint8_t buf[40] = {};
    const size_t len = fast->build_input(k, buf);
    const HashInput want = hash_input(k, mode);
    ASSERT_EQ(len, want.len) << "iteration " << iter;
    ASSERT_TRUE(std::equal(buf, buf + 40, want.bytes.begin())) << "iteration " << iter;
  }
}

TEST(DistHashModel, FastFollowsRegisterUpdates) {
  auto regs = reset_regs();
  auto fast = std::make_unique<DistHashFast>(*regs);
  const FlowKey k = rss_vectors().at(0).key;
  EXPECT_EQ(fast->decide(k), dist_hash_model(*regs, k));
  regs->ctrl = make_ctrl(HashMode::kSymIp, 3);
  fast->set_ctrl(regs->ctrl);
  regs->key[3] ^= 0x00ff00ffu;
  fast->set_key(regs->key);
  const uint16_t bucket = dist_hash_model(*regs, k).bucket;
  regs->buckets[bucket] = pack_bucket_entry(BucketEntry{17, 1, true});
  fast->set_bucket(bucket, regs->buckets[bucket]);
  const Decision d = fast->decide(k);
  EXPECT_EQ(d, dist_hash_model(*regs, k));
  EXPECT_EQ(d.member, 17);
  EXPECT_TRUE(d.valid);
}

}  // namespace
}  // namespace conductor
