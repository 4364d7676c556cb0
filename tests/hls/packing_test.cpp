// Packing of FLOW_KEY / DECISION / STEER_META / BUCKET_ENTRY (hls/common/packing.hpp): exact bit
// positions, round trips, the Verilator word layout, and agreement of the layout constants with the
// generated field tables of rtl/csr/conductor.regs.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <random>

#include "common/packing.hpp"

namespace conductor {
namespace {

FlowKey random_key(std::mt19937_64& rng) {
  FlowKey k;
  for (auto& b : k.src_addr) b = static_cast<uint8_t>(rng());
  for (auto& b : k.dst_addr) b = static_cast<uint8_t>(rng());
  k.src_port = static_cast<uint16_t>(rng());
  k.dst_port = static_cast<uint16_t>(rng());
  k.proto = static_cast<uint8_t>(rng());
  k.is_ipv6 = rng() & 1;
  k.is_frag = rng() & 1;
  k.l4_valid = rng() & 1;
  k.ip_valid = rng() & 1;
  k.sg_id = static_cast<uint8_t>(rng());
  return k;
}

TEST(DistHashPacking, FlowKeyExactBitPositions) {
  FlowKey k;
  // IPv4 192.0.2.1 -> 198.51.100.7 (documentation ranges; values only, nothing is sent)
  k.src_addr[12] = 192, k.src_addr[13] = 0, k.src_addr[14] = 2, k.src_addr[15] = 1;
  k.dst_addr[12] = 198, k.dst_addr[13] = 51, k.dst_addr[14] = 100, k.dst_addr[15] = 7;
  k.src_port = 0x1234;
  k.dst_port = 0xabcd;
  k.proto = kProtoUdp;
  k.is_ipv6 = false;
  k.is_frag = true;
  k.l4_valid = false;
  k.ip_valid = true;
  k.sg_id = 0x5a;
  const ap_uint<320> w = pack(k);
  EXPECT_EQ(w.range(31, 0).to_uint(), 0xc0000201u);  // first octet in bits 31:24
  EXPECT_EQ(w.range(127, 32).to_string(16), "0x0");
  EXPECT_EQ(w.range(159, 128).to_uint(), 0xc6336407u);
  EXPECT_EQ(w.range(271, 256).to_uint(), 0x1234u);
  EXPECT_EQ(w.range(287, 272).to_uint(), 0xabcdu);
  EXPECT_EQ(w.range(295, 288).to_uint(), 17u);
  EXPECT_FALSE(w[296]);
  EXPECT_TRUE(w[297]);
  EXPECT_FALSE(w[298]);
  EXPECT_TRUE(w[299]);
  EXPECT_EQ(w.range(303, 300).to_uint(), 0u);
  EXPECT_EQ(w.range(311, 304).to_uint(), 0x5au);
  EXPECT_EQ(w.range(319, 312).to_uint(), 0u);

  // IPv6: byte 0 of the address is bits 127:120 of the field.
  FlowKey v6;
  v6.src_addr[0] = 0x20, v6.src_addr[1] = 0x01, v6.src_addr[15] = 0x42;
  v6.dst_addr[0] = 0xfe, v6.dst_addr[15] = 0x01;
  v6.is_ipv6 = true;
  const ap_uint<320> w6 = pack(v6);
  EXPECT_EQ(w6.range(127, 112).to_uint(), 0x2001u);
  EXPECT_EQ(w6.range(7, 0).to_uint(), 0x42u);
  EXPECT_EQ(w6.range(255, 248).to_uint(), 0xfeu);
  EXPECT_EQ(w6.range(135, 128).to_uint(), 0x01u);
  EXPECT_TRUE(w6[296]);
}

TEST(DistHashPacking, FlowKeyRoundTrip) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 2000; ++i) {
    const FlowKey k = random_key(rng);
    ASSERT_EQ(unpack_flow_key(pack(k)), k);
  }
  // Bits outside every field do not leak into the key.
  ap_uint<320> w = pack(random_key(rng));
  const FlowKey before = unpack_flow_key(w);
  w.range(303, 300) = 0xf;
  w.range(319, 312) = 0xff;
  EXPECT_EQ(unpack_flow_key(w), before);
}

TEST(DistHashPacking, DecisionExactBitPositionsAndRoundTrip) {
  Decision d;
  d.hash = 0x89abcdef;
  d.bucket = 0x0fed;
  d.member = 0x2a;
  d.site = 1;
  d.valid = true;
  d.sg_id = 0xc3;
  const uint64_t w = pack(d).to_uint64();
  EXPECT_EQ(w & 0xffffffffu, 0x89abcdefu);
  EXPECT_EQ((w >> 32) & 0xffff, 0x0fedu);
  EXPECT_EQ((w >> 48) & 0x3f, 0x2au);
  EXPECT_EQ((w >> 54) & 1, 1u);
  EXPECT_EQ((w >> 55) & 1, 1u);
  EXPECT_EQ(w >> 56, 0xc3u);
  EXPECT_EQ(unpack_decision(pack(d)), d);
  // The entry byte lands on bits 55:48 unchanged.
  EXPECT_EQ((w >> 48) & 0xff, pack_bucket_entry(BucketEntry{0x2a, 1, true}));

  std::mt19937_64 rng(12);
  for (int i = 0; i < 2000; ++i) {
    const uint64_t raw = rng();
    EXPECT_EQ(pack(unpack_decision(ap_uint<64>(raw))).to_uint64(), raw);  // every bit is a field
  }
}

TEST(DistHashPacking, SteerMetaExactBitPositionsAndRoundTrip) {
  SteerMeta m;
  m.hash = 0x01020304;
  m.bucket = 0xbeef;
  m.member = 0x3f;
  m.site = 0;
  m.deliver = true;
  m.status = ParseStatus::kExtLimit;
  m.defaulted = true;
  const uint64_t w = pack(m).to_uint64();
  EXPECT_EQ(w & 0xffffffffu, 0x01020304u);
  EXPECT_EQ((w >> 32) & 0xffff, 0xbeefu);
  EXPECT_EQ((w >> 48) & 0x3f, 0x3fu);
  EXPECT_EQ((w >> 54) & 1, 0u);
  EXPECT_EQ((w >> 55) & 1, 1u);
  EXPECT_EQ((w >> 56) & 0xf, 4u);
  EXPECT_EQ((w >> 60) & 1, 1u);
  EXPECT_EQ(w >> 61, 0u);
  EXPECT_EQ(unpack_steer_meta(pack(m)), m);

  std::mt19937_64 rng(13);
  for (int i = 0; i < 2000; ++i) {
    const uint64_t raw = rng() & ((uint64_t{1} << 61) - 1);  // bits 63:61 are no field
    EXPECT_EQ(pack(unpack_steer_meta(ap_uint<64>(raw))).to_uint64(), raw);
  }
}

TEST(DistHashPacking, BucketEntry) {
  EXPECT_EQ(pack_bucket_entry(BucketEntry{5, 1, true}), 0xc5);
  EXPECT_EQ(pack_bucket_entry(BucketEntry{0x3f, 0, false}), 0x3f);
  for (int b = 0; b < 256; ++b) {
    EXPECT_EQ(pack_bucket_entry(unpack_bucket_entry(static_cast<uint8_t>(b))), b);
  }
}

TEST(DistHashPacking, VerilatorWordLayout) {
  std::mt19937_64 rng(14);
  for (int i = 0; i < 200; ++i) {
    const ap_uint<320> w = pack(random_key(rng));
    const auto words = to_words(w);
    static_assert(words.size() == 10);
    for (int j = 0; j < 10; ++j) EXPECT_EQ(words[j], w.range(32 * j + 31, 32 * j).to_uint());
    EXPECT_EQ(from_words<320>(words), w);
    EXPECT_EQ(from_words<320>(words.data()), w);
  }
  // Width not a multiple of 32: the top word carries the rest, stray bits above W are ignored.
  const ap_uint<40> x(0xab12345678ull);
  const auto w40 = to_words(x);
  EXPECT_EQ(w40[0], 0x12345678u);
  EXPECT_EQ(w40[1], 0xabu);
  const uint32_t dirty[2] = {0x12345678u, 0xffffffabu};
  EXPECT_EQ(from_words<40>(dirty), x);
}

// ---- every field of conductor.regs is packed -----------------------------------------------------
// pack()/unpack() walk the layout::k*Fields lists; a field added to a struct in conductor.regs (and
// so to the generated FLOW_KEY_FIELDS etc.) but not to those lists fails here.
template <std::size_t N, std::size_t M>
void expect_same_fields(const layout::Field (&have)[N], const regs::FieldInfo (&want)[M], const char* what) {
  ASSERT_EQ(N, M) << what << ": field count";
  for (std::size_t i = 0; i < N; ++i) {
    EXPECT_STREQ(have[i].name, want[i].name) << what;
    EXPECT_EQ(static_cast<uint32_t>(have[i].lsb), want[i].lsb) << what << "." << want[i].name;
    EXPECT_EQ(static_cast<uint32_t>(have[i].width), want[i].width) << what << "." << want[i].name;
  }
}

TEST(DistHashPacking, EveryGeneratedFieldIsPacked) {
  expect_same_fields(layout::kFlowKeyFields, regs::FLOW_KEY_FIELDS, "FLOW_KEY");
  expect_same_fields(layout::kDecisionFields, regs::DECISION_FIELDS, "DECISION");
  expect_same_fields(layout::kBucketEntryFields, regs::BUCKET_ENTRY_FIELDS, "BUCKET_ENTRY");
  expect_same_fields(layout::kSteerMetaFields, regs::STEER_META_FIELDS, "STEER_META");
}

}  // namespace
}  // namespace conductor
