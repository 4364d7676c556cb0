#include <gtest/gtest.h>

#include "host/cluster/heartbeat_wire.hpp"
#include "tests/cluster/cluster_test_util.hpp"

namespace conductor::cluster {
namespace {

using test::test_key;

Heartbeat sample() {
  return Heartbeat{.member = {1, 5},
                   .flags = kFlagDrained,
                   .incarnation = 0xA1B2C3D4,
                   .sequence = 42,
                   .load = {.cpu_centipercent = 7550, .bps = 40'000'000'000ULL, .connections = 123456}};
}

TEST(HeartbeatWire, LayoutIsBigEndianWithTrailingTag) {
  const auto b = encode_heartbeat(sample(), test_key());
  const uint8_t head[] = {0x43, 0x42, 1, 1,  1,    5,    0x00, 0x02, 0xA1, 0xB2, 0xC3, 0xD4,
                          0,    0,    0, 42, 0x1D, 0x7E, 0,    0,    0x00, 0x01, 0xE2, 0x40};
  for (size_t i = 0; i < sizeof head; ++i) EXPECT_EQ(b[i], head[i]) << "byte " << i;
  // 40 Gbps = 0x00000009502F9000
  const uint8_t bps[] = {0x00, 0x00, 0x00, 0x09, 0x50, 0x2F, 0x90, 0x00};
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(b[24 + i], bps[i]);
  const auto tag = sync::siphash24_bytes(test_key(), b.data(), 32);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(b[32 + i], tag[i]);
}

TEST(HeartbeatWire, RoundTrip) {
  const auto b = encode_heartbeat(sample(), test_key());
  auto d = decode_heartbeat(b, test_key());
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(*d, sample());
}

TEST(HeartbeatWire, SyncedFlagIsBitTwoAndRoundTrips) {
  Heartbeat hb = sample();
  hb.flags = kFlagSynced;
  const auto b = encode_heartbeat(hb, test_key());
  EXPECT_EQ(b[6], 0x00);
  EXPECT_EQ(b[7], 0x04);
  auto d = decode_heartbeat(b, test_key());
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->flags, kFlagSynced);
  // Bit 3 is still unknown: rejected.
  std::vector<uint8_t> v(b.begin(), b.end());
  v[7] |= 0x08;
  const auto tag = sync::siphash24_bytes(test_key(), v.data(), 32);
  for (size_t i = 0; i < 8; ++i) v[32 + i] = tag[i];
  auto r = decode_heartbeat(v, test_key());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, HeartbeatReject::kFlags);
}

struct RejectCase {
  const char* name;
  void (*mutate)(std::vector<uint8_t>&);
  HeartbeatReject reason;
  bool resign;
};

void resign(std::vector<uint8_t>& b) {
  const auto tag = sync::siphash24_bytes(test_key(), b.data(), 32);
  for (size_t i = 0; i < 8; ++i) b[32 + i] = tag[i];
}

TEST(HeartbeatWire, EveryRejectHasItsReason) {
  const RejectCase cases[] = {
      {"short", [](std::vector<uint8_t>& b) { b.resize(39); }, HeartbeatReject::kLength, false},
      {"long", [](std::vector<uint8_t>& b) { b.push_back(0); }, HeartbeatReject::kLength, false},
      {"empty", [](std::vector<uint8_t>& b) { b.clear(); }, HeartbeatReject::kLength, false},
      {"magic", [](std::vector<uint8_t>& b) { b[0] = 0x45; }, HeartbeatReject::kMagic, true},
      {"version", [](std::vector<uint8_t>& b) { b[2] = 2; }, HeartbeatReject::kVersion, true},
      {"type", [](std::vector<uint8_t>& b) { b[3] = 9; }, HeartbeatReject::kType, true},
      {"site", [](std::vector<uint8_t>& b) { b[4] = 2; }, HeartbeatReject::kMember, true},
      {"member", [](std::vector<uint8_t>& b) { b[5] = 64; }, HeartbeatReject::kMember, true},
      {"flags", [](std::vector<uint8_t>& b) { b[7] |= 0x80; }, HeartbeatReject::kFlags, true},
      {"cpu",
       [](std::vector<uint8_t>& b) {
         b[16] = 0x27;
         b[17] = 0x11;
       },
       HeartbeatReject::kCpu, true},
      {"reserved", [](std::vector<uint8_t>& b) { b[19] = 1; }, HeartbeatReject::kReserved, true},
      {"tag", [](std::vector<uint8_t>& b) { b[39] ^= 1; }, HeartbeatReject::kTag, false},
      {"payload-changed", [](std::vector<uint8_t>& b) { b[21] ^= 1; }, HeartbeatReject::kTag, false},
  };
  for (const auto& c : cases) {
    const auto a = encode_heartbeat(sample(), test_key());
    std::vector<uint8_t> b(a.begin(), a.end());
    c.mutate(b);
    if (c.resign) resign(b);
    auto d = decode_heartbeat(b, test_key());
    ASSERT_FALSE(d) << c.name;
    EXPECT_EQ(d.error().reason, c.reason) << c.name << ": " << d.error().message;
    EXPECT_NE(d.error().message.find(std::string(heartbeat_reject_name(c.reason))), std::string::npos)
        << d.error().message;
    EXPECT_EQ(d.error().message.find('\n'), std::string::npos);
  }
}

TEST(HeartbeatWire, WrongKeyIsRejected) {
  auto other = test_key();
  other[0] ^= 0xFF;
  const auto b = encode_heartbeat(sample(), other);
  auto d = decode_heartbeat(b, test_key());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().reason, HeartbeatReject::kTag);
}

}  // namespace
}  // namespace conductor::cluster
