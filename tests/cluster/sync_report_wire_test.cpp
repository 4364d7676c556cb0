#include <gtest/gtest.h>

#include "host/cluster/heartbeat_wire.hpp"
#include "host/cluster/sync_report_wire.hpp"
#include "tests/cluster/cluster_test_util.hpp"

namespace conductor::cluster {
namespace {

using test::test_key;

SyncReport sample() {
  SyncReport r{.member = {0, 2}, .incarnation = 0xA1B2C3D4, .sequence = 42, .peers = {}};
  r.peers.push_back({.peer = {0, 1},
                     .flags = kPeerWhole,
                     .lag_us = 0x01020304,
                     .frames_sent = 0x1122334455667788ULL,
                     .records_sent = 300,
                     .frames_received = 9,
                     .records_held = 120,
                     .unacked = 2,
                     .rejects = 5});
  r.peers.push_back({.peer = {1, 0}, .flags = kPeerFullSyncOut, .lag_us = 0, .frames_sent = 1});
  return r;
}

void resign(std::vector<uint8_t>& b) {
  const size_t at = b.size() - 8;
  const auto tag = sync::siphash24_bytes(test_key(), b.data(), at);
  for (size_t i = 0; i < 8; ++i) b[at + i] = tag[i];
}

TEST(SyncReportWire, LayoutIsBigEndianWithTrailingTag) {
  const auto b = encode_sync_report(sample(), test_key());
  ASSERT_EQ(b.size(), 16u + 2 * 48 + 8);
  const uint8_t head[] = {0x43, 0x53, 1, 2, 0, 2, 0, 0, 0xA1, 0xB2, 0xC3, 0xD4, 0, 0, 0, 42};
  for (size_t i = 0; i < sizeof head; ++i) EXPECT_EQ(b[i], head[i]) << "byte " << i;
  const uint8_t peer0[] = {0, 1, 0x01, 0, 0x01, 0x02, 0x03, 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  for (size_t i = 0; i < sizeof peer0; ++i) EXPECT_EQ(b[16 + i], peer0[i]) << "peer byte " << i;
  EXPECT_EQ(b[16 + 16 + 7], 44);  // records sent 300 = 0x12C
  EXPECT_EQ(b[16 + 16 + 6], 1);
  EXPECT_EQ(b[16 + 32 + 3], 120);  // records held
  EXPECT_EQ(b[16 + 36 + 3], 2);    // unacked
  EXPECT_EQ(b[16 + 47], 5);        // rejects
  EXPECT_EQ(b[64 + 0], 1);         // second peer 1/0
  EXPECT_EQ(b[64 + 2], kPeerFullSyncOut);
  const auto tag = sync::siphash24_bytes(test_key(), b.data(), b.size() - 8);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(b[b.size() - 8 + i], tag[i]);
  EXPECT_TRUE(is_sync_report(b));
}

TEST(SyncReportWire, RoundTrip) {
  const auto b = encode_sync_report(sample(), test_key());
  auto d = decode_sync_report(b, test_key());
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(*d, sample());
  SyncReport none = sample();
  none.peers.clear();
  auto e = decode_sync_report(encode_sync_report(none, test_key()), test_key());
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(*e, none);
}

TEST(SyncReportWire, HundredTwentySevenPeers) {
  SyncReport r{.member = {1, 63}, .incarnation = 1, .sequence = 1, .peers = {}};
  for (uint8_t s = 0; s < 2; ++s)
    for (uint8_t m = 0; m < 64 && r.peers.size() < kSyncReportMaxPeers; ++m)
      if (!(MemberId{s, m} == r.member)) r.peers.push_back({.peer = {s, m}, .flags = kPeerWhole});
  ASSERT_EQ(r.peers.size(), 127u);
  const auto b = encode_sync_report(r, test_key());
  EXPECT_EQ(b.size(), kSyncReportMaxBytes);
  auto d = decode_sync_report(b, test_key());
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(*d, r);
}

TEST(SyncReportWire, HeartbeatAndReportAreToldApartByMagic) {
  const auto hb = encode_heartbeat(Heartbeat{.member = {0, 1}, .sequence = 1}, test_key());
  EXPECT_FALSE(is_sync_report(hb));
  auto d = decode_sync_report(hb, test_key());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().reason, SyncReportReject::kMagic);
  // A report is not a heartbeat either (decode_heartbeat unchanged: wrong length first).
  const auto rep = encode_sync_report(sample(), test_key());
  EXPECT_FALSE(decode_heartbeat(rep, test_key()));
}

struct RejectCase {
  const char* name;
  void (*mutate)(std::vector<uint8_t>&);
  SyncReportReject reason;
  bool resign;
};

TEST(SyncReportWire, EveryRejectHasItsReason) {
  const RejectCase cases[] = {
      {"empty", [](std::vector<uint8_t>& b) { b.clear(); }, SyncReportReject::kLength, false},
      {"short", [](std::vector<uint8_t>& b) { b.resize(23); }, SyncReportReject::kLength, false},
      {"long", [](std::vector<uint8_t>& b) { b.push_back(0); }, SyncReportReject::kLength, true},
      {"count-mismatch", [](std::vector<uint8_t>& b) { b[3] = 1; }, SyncReportReject::kLength, true},
      {"magic", [](std::vector<uint8_t>& b) { b[1] = 0x42; }, SyncReportReject::kMagic, true},
      {"version", [](std::vector<uint8_t>& b) { b[2] = 2; }, SyncReportReject::kVersion, true},
      {"count", [](std::vector<uint8_t>& b) { b[3] = 128; }, SyncReportReject::kCount, true},
      {"site", [](std::vector<uint8_t>& b) { b[4] = 2; }, SyncReportReject::kMember, true},
      {"member", [](std::vector<uint8_t>& b) { b[5] = 64; }, SyncReportReject::kMember, true},
      {"reserved", [](std::vector<uint8_t>& b) { b[6] = 1; }, SyncReportReject::kReserved, true},
      {"peer-reserved", [](std::vector<uint8_t>& b) { b[64 + 3] = 1; }, SyncReportReject::kReserved, true},
      {"peer-range", [](std::vector<uint8_t>& b) { b[16 + 1] = 64; }, SyncReportReject::kPeer, true},
      {"peer-site", [](std::vector<uint8_t>& b) { b[16] = 3; }, SyncReportReject::kPeer, true},
      {"peer-self", [](std::vector<uint8_t>& b) { b[16 + 1] = 2; }, SyncReportReject::kPeer, true},
      {"peer-duplicate",
       [](std::vector<uint8_t>& b) {
         b[64] = 0;
         b[65] = 1;
       },
       SyncReportReject::kPeer, true},
      {"peer-descending", [](std::vector<uint8_t>& b) { b[64] = 0; }, SyncReportReject::kPeer, true},
      {"flags", [](std::vector<uint8_t>& b) { b[16 + 2] |= 0x04; }, SyncReportReject::kFlags, true},
      {"tag", [](std::vector<uint8_t>& b) { b[b.size() - 1] ^= 1; }, SyncReportReject::kTag, false},
      {"payload-changed", [](std::vector<uint8_t>& b) { b[30] ^= 1; }, SyncReportReject::kTag, false},
  };
  for (const auto& c : cases) {
    std::vector<uint8_t> b = encode_sync_report(sample(), test_key());
    c.mutate(b);
    if (c.resign && b.size() >= 24) resign(b);
    auto d = decode_sync_report(b, test_key());
    ASSERT_FALSE(d) << c.name;
    EXPECT_EQ(d.error().reason, c.reason) << c.name << ": " << d.error().message;
    EXPECT_NE(d.error().message.find("(" + std::string(sync_report_reject_name(c.reason)) + ")"), std::string::npos)
        << d.error().message;
    EXPECT_EQ(d.error().message.find('\n'), std::string::npos);
  }
  for (size_t r = 0; r < kSyncReportRejectCount; ++r)
    EXPECT_NE(sync_report_reject_name(static_cast<SyncReportReject>(r)), "unknown") << r;
}

TEST(SyncReportWire, WrongKeyIsRejected) {
  auto other = test_key();
  other[3] ^= 0xFF;
  auto d = decode_sync_report(encode_sync_report(sample(), other), test_key());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().reason, SyncReportReject::kTag);
  EXPECT_NE(d.error().message.find("0/2"), std::string::npos) << d.error().message;
}

}  // namespace
}  // namespace conductor::cluster
