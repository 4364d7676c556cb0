// HyperSync codec (host/sync/): SipHash-2-4 against the reference vectors, the wire layout byte by
// byte, round trips of every record type, every receive reject, the replay window, record sizes and
// records per 1500-byte frame (docs/hypersync.md).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/hypersync_wire.hpp"
#include "common/siphash.hpp"
#include "host/sync/codec.hpp"
#include "tests/sync/siphash_vectors.hpp"
#include "tests/sync/sync_test_util.hpp"

namespace conductor::sync {
namespace {

using test::every_record_type;
using test::sample_header;
using test::sample_key_v4;
using test::sample_key_v6;
using test::sample_value;

std::vector<uint8_t> encode_ok(const FrameHeader& h, const std::vector<Record>& r, const SipKey& k = fuzz::fuzz_key()) {
  auto e = encode_frame(h, r, k);
  EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message);
  return e.ok() ? *e : std::vector<uint8_t>{};
}

struct Rx {
  KeyRing keys = fuzz::fuzz_keys();
  Membership membership = fuzz::fuzz_membership();
  ReplayState replay;
  SyncResult<DecodedFrame> operator()(const std::vector<uint8_t>& b) {
    return decode_frame(b, keys, replay, membership);
  }
};

// ---- SipHash-2-4 ---------------------------------------------------------------------------------

TEST(SyncSipHash, ReferenceVectors) {
  SipKey key{};
  for (size_t i = 0; i < 16; ++i) key[i] = static_cast<uint8_t>(i);
  std::vector<uint8_t> msg;
  for (size_t len = 0; len < 64; ++len) {
    EXPECT_EQ(siphash24_bytes(key, msg.data(), msg.size()), test::kSipHash24Vectors[len]) << "length " << len;
    msg.push_back(static_cast<uint8_t>(len));
  }
}

TEST(SyncSipHash, PaperExample) {
  SipKey key{};
  for (size_t i = 0; i < 16; ++i) key[i] = static_cast<uint8_t>(i);
  uint8_t msg[15];
  for (size_t i = 0; i < 15; ++i) msg[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(siphash24(key, msg, sizeof msg), 0xa129ca6149be45e5ULL);
  static_assert(siphash24(SipKey{}, nullptr, 0) != 0, "constexpr-evaluable (the HLS kernel shares it)");
}

// ---- Sizes ---------------------------------------------------------------------------------------

TEST(SyncWire, RecordSizes) {
  EXPECT_EQ(kHeaderBytes, 20u);
  EXPECT_EQ(kTagBytes, 8u);
  EXPECT_EQ(encoded_size(new_record(sample_key_v4(), 0)), 24u);
  EXPECT_LE(encoded_size(update_record(sample_key_v4(), 0)), 32u);  // issue 4 target
  EXPECT_EQ(encoded_size(update_record(sample_key_v4(), 0)), 24u);
  EXPECT_EQ(encoded_size(delete_record(sample_key_v4())), 16u);
  EXPECT_EQ(encoded_size(new_record(sample_key_v6(), 0)), 48u);
  EXPECT_EQ(encoded_size(delete_record(sample_key_v6())), 40u);
  EXPECT_EQ(encoded_size(full_sync_begin(1, 2)), 10u);
  EXPECT_EQ(encoded_size(ack_record(1, 2, 3)), 14u);
  EXPECT_EQ(encoded_size(heartbeat_record(1)), 6u);
  // Every encoded record is as long as encoded_size says.
  for (const Record& r : every_record_type()) {
    const auto one = encode_ok(sample_header(), {r});
    EXPECT_EQ(one.size(), kFrameOverheadBytes + encoded_size(r));
  }
}

TEST(SyncWire, RecordsPer1500ByteFrame) {
  EXPECT_EQ(records_per_frame(1500, false, kDeltaV4Bytes), 60u);
  EXPECT_EQ(records_per_frame(1500, false, kDeleteV4Bytes), 90u);
  EXPECT_EQ(records_per_frame(1500, false, kDeltaV6Bytes), 30u);
  EXPECT_EQ(records_per_frame(1500, true, kDeltaV6Bytes), 29u);
  // 60 IPv4 deltas make one datagram that fits a 1500-byte IP MTU; 61 do not.
  std::vector<Record> recs;
  for (uint32_t i = 0; i < 61; ++i) recs.push_back(update_record(sample_key_v4(i), sample_value(i)));
  const auto frames = batch_records(recs, max_payload_for_mtu(1500, false));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].size(), 60u);
  EXPECT_EQ(frames[1].size(), 1u);
  UdpEncap encap;
  const auto pkt = encode_udp_packet(sample_header(), frames[0], fuzz::fuzz_key(), encap);
  ASSERT_TRUE(pkt.ok());
  EXPECT_EQ(pkt->size(), kEthernetBytes + 1496u);  // 20 IP + 8 UDP + 20 header + 1440 records + 8 tag
  EXPECT_LE(pkt->size() - kEthernetBytes, 1500u);
}

// The header layout, byte by byte (docs/hypersync.md "Sync header").
TEST(SyncWire, HeaderBytes) {
  FrameHeader h;
  h.version_minor = 2;
  h.flags = kFlagFullSync | kFlagAckRequest;
  h.key_number = 1;
  h.cluster_id = 0x0107;
  h.source = member_byte(5, 1);
  h.destination = kBroadcast;
  h.epoch = 0x01020304;
  h.sequence = 0xA0B0C0D0;
  const auto b = encode_ok(h, {heartbeat_record(0x11223344)});
  const std::vector<uint8_t> want = {
      0x48, 0x53,                          // magic "HS"
      0x12,                                // version 1.2
      0x46,                                // key 1 in bits 7..6, FULL_SYNC | ACK_REQUEST
      0x01, 0x07,                          // cluster 263
      0x45,                                // member 5, site 1
      0xFF,                                // broadcast
      0x01, 0x02, 0x03, 0x04,              // epoch
      0xA0, 0xB0, 0xC0, 0xD0,              // sequence
      0x00, 0x01,                          // one record
      0x00, 0x06,                          // 6 record bytes
      0x41, 0x06, 0x11, 0x22, 0x33, 0x44,  // heartbeat, highest seq
  };
  ASSERT_EQ(b.size(), want.size() + kTagBytes);
  EXPECT_EQ(std::vector<uint8_t>(b.begin(), b.begin() + static_cast<long>(want.size())), want);
  const auto tag = siphash24_bytes(fuzz::fuzz_key(), b.data(), want.size());
  EXPECT_TRUE(std::equal(tag.begin(), tag.end(), b.end() - kTagBytes));
}

TEST(SyncWire, DeltaV4Bytes) {
  const uint64_t value = 0x0001E240'15C44302ULL;  // LAST_SEEN 123456; state 1, flags 5, rb 4/1/1, lb 3/1, owner 2/0
  EXPECT_EQ(sample_value(), value);
  const auto b = encode_ok(sample_header(), {update_record(sample_key_v4(), value)});
  const std::vector<uint8_t> rec(b.begin() + kHeaderBytes, b.end() - kTagBytes);
  const std::vector<uint8_t> want = {
      0x02, 24,                                        // UPDATE_V4, 24 bytes
      198,  18,   0,    1,    198,  19,   0,    1,     // A, B addresses
      0x9C, 0x40, 0x01, 0xBB,                          // A port 40000, B port 443
      6,    3,                                         // TCP, security group 3
      0x00, 0x01, 0xE2, 0x40, 0x15, 0xC4, 0x43, 0x02,  // FLOW_VALUE, big-endian
  };
  EXPECT_EQ(rec, want);
}

TEST(SyncWire, FlowValueFieldsFollowTheRegisterMap) {
  FlowValueFields f;
  f.owner_member = 63, f.owner_site = 1, f.lb_member = 62, f.lb_valid = 1, f.rb_member = 61, f.rb_site = 1;
  f.rb_valid = 1, f.state = 2, f.sync_flags = 0x2A, f.last_seen = 0xDEADBEEF;
  const auto g = unpack_flow_value(pack_flow_value(f));
  EXPECT_EQ(g.owner_member, 63u);
  EXPECT_EQ(g.owner_site, 1u);
  EXPECT_EQ(g.lb_member, 62u);
  EXPECT_EQ(g.lb_valid, 1u);
  EXPECT_EQ(g.rb_member, 61u);
  EXPECT_EQ(g.rb_site, 1u);
  EXPECT_EQ(g.rb_valid, 1u);
  EXPECT_EQ(g.state, 2u);
  EXPECT_EQ(g.sync_flags, 0x2Au);
  EXPECT_EQ(g.last_seen, 0xDEADBEEFu);
}

// ---- Round trips ---------------------------------------------------------------------------------

TEST(SyncCodec, RoundTripEveryRecordType) {
  Rx rx;
  uint32_t seq = 1;
  for (const Record& r : every_record_type()) {
    const auto b = encode_ok(sample_header(seq), {r});
    auto d = rx(b);
    ASSERT_TRUE(d.ok()) << "type 0x" << std::hex << int(static_cast<uint8_t>(r.type)) << ": " << d.error().message;
    EXPECT_EQ(d->header, sample_header(seq));
    ASSERT_EQ(d->records.size(), 1u);
    EXPECT_EQ(d->records[0], r);
    EXPECT_EQ(encode_ok(d->header, d->records), b);
    ++seq;
  }
}

TEST(SyncCodec, RoundTripAllTypesInOneFrame) {
  Rx rx;
  FrameHeader h = sample_header(9);
  h.flags = kFlagRetransmit | 0x08;  // a reserved bit: kept, not interpreted
  h.destination = kBroadcast;
  const auto b = encode_ok(h, every_record_type());
  auto d = rx(b);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->header, h);
  EXPECT_EQ(d->records, every_record_type());
  EXPECT_EQ(encode_ok(d->header, d->records), b);
}

TEST(SyncCodec, UnknownSkippableTypeAndLongerRecordsAreKept) {
  Rx rx;
  Record unknown;
  unknown.type = static_cast<RecordType>(0x55);
  unknown.extension = {1, 2, 3};
  Record longer = update_record(sample_key_v4(), sample_value());
  longer.extension = {0xEE, 0xFF};  // fields appended by a later minor version
  FrameHeader h = sample_header();
  h.version_minor = 3;
  const auto b = encode_ok(h, {unknown, longer});
  auto d = rx(b);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->skipped_records, 1u);
  ASSERT_EQ(d->records.size(), 2u);
  EXPECT_EQ(d->records[0], unknown);
  EXPECT_EQ(d->records[1], longer);
  EXPECT_EQ(encode_ok(d->header, d->records), b);
}

TEST(SyncCodec, EncodeRejectsWhatCannotBeSent) {
  FrameHeader h = sample_header();
  h.key_number = 4;
  EXPECT_FALSE(encode_frame(h, {}, fuzz::fuzz_key()).ok());
  h = sample_header();
  h.flags = 0x40;
  EXPECT_FALSE(encode_frame(h, {}, fuzz::fuzz_key()).ok());
  Record must;
  must.type = static_cast<RecordType>(0x90);
  EXPECT_FALSE(encode_frame(sample_header(), {must}, fuzz::fuzz_key()).ok());
  Record mixed = new_record(sample_key_v4(), 0);
  mixed.type = RecordType::kNewV6;
  EXPECT_FALSE(encode_frame(sample_header(), {mixed}, fuzz::fuzz_key()).ok());
  Record big = new_record(sample_key_v4(), 0);
  big.extension.assign(232, 0);
  EXPECT_FALSE(encode_frame(sample_header(), {big}, fuzz::fuzz_key()).ok());
  big.extension.assign(231, 0);  // 255 bytes: the largest record
  EXPECT_TRUE(encode_frame(sample_header(), {big}, fuzz::fuzz_key()).ok());
}

TEST(SyncCodec, UdpPacketChecksums) {
  UdpEncap e;
  e.src_ip = {198, 18, 0, 2};
  e.dst_ip = {198, 18, 0, 3};
  auto p = encode_udp_packet(sample_header(), every_record_type(), fuzz::fuzz_key(), e);
  ASSERT_TRUE(p.ok());
  const std::vector<uint8_t>& b = *p;
  auto sum16 = [](const uint8_t* d, size_t n, uint32_t s) {
    for (size_t i = 0; i + 1 < n; i += 2) s += (d[i] << 8) | d[i + 1];
    if (n & 1) s += d[n - 1] << 8;
    while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
    return s;
  };
  EXPECT_EQ(b[12], 0x08);
  EXPECT_EQ(b[13], 0x00);
  EXPECT_EQ(sum16(b.data() + 14, 20, 0), 0xFFFFu);  // IPv4 header checksum verifies
  const size_t udp = 14 + 20;
  EXPECT_EQ((b[udp] << 8) | b[udp + 1], kUdpPort);
  EXPECT_EQ((b[udp + 2] << 8) | b[udp + 3], kUdpPort);
  const size_t udp_len = b.size() - udp;
  uint32_t pseudo = sum16(e.src_ip.data(), 4, 0);
  pseudo = sum16(e.dst_ip.data(), 4, pseudo);
  pseudo += 17 + static_cast<uint32_t>(udp_len);
  EXPECT_EQ(sum16(b.data() + udp, udp_len, pseudo), 0xFFFFu);

  e.ipv6 = true;
  e.src_ip = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  e.dst_ip = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3};
  auto q = encode_udp_packet(sample_header(), every_record_type(), fuzz::fuzz_key(), e);
  ASSERT_TRUE(q.ok());
  const std::vector<uint8_t>& c = *q;
  EXPECT_EQ(c[12], 0x86);
  EXPECT_EQ(c[13], 0xDD);
  const size_t udp6 = 14 + 40;
  const size_t len6 = c.size() - udp6;
  uint32_t ps6 = sum16(e.src_ip.data(), 16, 0);
  ps6 = sum16(e.dst_ip.data(), 16, ps6);
  ps6 += 17 + static_cast<uint32_t>(len6);
  EXPECT_EQ(sum16(c.data() + udp6, len6, ps6), 0xFFFFu);
}

// ---- Rejects -------------------------------------------------------------------------------------

struct RejectCase {
  const char* name;
  SyncRxError want;
};

void expect_reject(Rx& rx, const std::vector<uint8_t>& b, SyncRxError want) {
  auto d = rx(b);
  ASSERT_FALSE(d.ok()) << "accepted, wanted " << sync_rx_error_name(want);
  EXPECT_EQ(d.error().reason, want) << d.error().message;
  EXPECT_FALSE(d.error().message.empty());
  EXPECT_EQ(d.error().message.find('\n'), std::string::npos);
}

TEST(SyncReject, EveryReason) {
  const auto good = encode_ok(sample_header(), {update_record(sample_key_v4(), sample_value())});
  auto resigned = [](std::vector<uint8_t> b) {
    fuzz::resign(b, fuzz::fuzz_key());
    return b;
  };
  {
    Rx rx;
    expect_reject(rx, std::vector<uint8_t>(good.begin(), good.begin() + 27), SyncRxError::kTruncated);
  }
  {
    Rx rx;
    auto b = good;
    b[0] = 0x00;
    expect_reject(rx, b, SyncRxError::kBadMagic);
  }
  {
    Rx rx;
    auto b = good;
    b[kOffVersion] = 0x20;
    expect_reject(rx, b, SyncRxError::kBadVersion);
  }
  {
    Rx rx;
    auto b = good;
    b.push_back(0);
    expect_reject(rx, b, SyncRxError::kLengthMismatch);
  }
  {
    Rx rx;
    FrameHeader h = sample_header();
    h.cluster_id = 8;
    expect_reject(rx, encode_ok(h, {}), SyncRxError::kUnknownCluster);
  }
  {
    Rx rx;
    FrameHeader h = sample_header();
    h.source = member_byte(9, 0);  // not a member
    expect_reject(rx, encode_ok(h, {}), SyncRxError::kUnknownMember);
    h.source = member_byte(1, 0);  // ourselves
    expect_reject(rx, encode_ok(h, {}), SyncRxError::kUnknownMember);
  }
  {
    Rx rx;
    FrameHeader h = sample_header();
    h.destination = member_byte(3, 0);
    expect_reject(rx, encode_ok(h, {}), SyncRxError::kWrongDestination);
  }
  {
    Rx rx;
    FrameHeader h = sample_header();
    h.key_number = 2;
    expect_reject(rx, encode_ok(h, {}), SyncRxError::kUnknownKey);
  }
  {
    Rx rx;
    auto b = good;
    b[kHeaderBytes + 5] ^= 1;  // one bit of the key
    expect_reject(rx, b, SyncRxError::kBadTag);
    expect_reject(rx, encode_ok(sample_header(), {}, fuzz::other_key()), SyncRxError::kBadTag);  // wrong key in slot 0
  }
  {
    Rx rx;
    ASSERT_TRUE(rx(encode_ok(sample_header(5, 2), {})).ok());
    expect_reject(rx, encode_ok(sample_header(6, 1), {}), SyncRxError::kOldEpoch);
  }
  {
    Rx rx;
    ASSERT_TRUE(rx(good).ok());
    expect_reject(rx, good, SyncRxError::kReplayed);
  }
  {
    Rx rx;
    auto b = good;
    b[kHeaderBytes + 1] = 23;                                                 // shorter than an IPv4 delta
    b[kOffRecordsBytes + 1] = static_cast<uint8_t>(b[kOffRecordsBytes + 1]);  // (length unchanged)
    expect_reject(rx, resigned(b), SyncRxError::kBadRecordLength);
    b = good;
    b[kHeaderBytes + 1] = 25;  // past the end
    expect_reject(rx, resigned(b), SyncRxError::kBadRecordLength);
    b = good;
    b[kHeaderBytes + 1] = 1;  // shorter than type and length
    expect_reject(rx, resigned(b), SyncRxError::kBadRecordLength);
  }
  {
    Rx rx;
    auto b = good;
    b[kHeaderBytes] = 0x93;  // must-understand, unknown
    expect_reject(rx, resigned(b), SyncRxError::kUnknownRecordType);
  }
  {
    Rx rx;
    auto b = good;
    b[kOffRecordCount + 1] = 2;
    expect_reject(rx, resigned(b), SyncRxError::kRecordCountMismatch);
    b[kOffRecordCount + 1] = 0;
    expect_reject(rx, resigned(b), SyncRxError::kRecordCountMismatch);
  }
}

TEST(SyncReject, ReceiverCountsAndLogsEachReason) {
  std::vector<std::string> lines;
  Receiver rx(fuzz::fuzz_membership(), fuzz::fuzz_keys(), [&](std::string_view l) { lines.emplace_back(l); });
  const auto good = encode_ok(sample_header(), {update_record(sample_key_v4(), sample_value())});
  ASSERT_TRUE(rx.receive(good).ok());
  EXPECT_FALSE(rx.receive(good).ok());  // replayed
  auto bad = good;
  bad.back() ^= 0x80;
  EXPECT_FALSE(rx.receive(bad).ok());  // bad tag (checked before the replay window)
  EXPECT_FALSE(rx.receive(std::vector<uint8_t>(3, 0)).ok());
  EXPECT_EQ(rx.counters().accepted, 1u);
  EXPECT_EQ(rx.counters().records, 1u);
  EXPECT_EQ(rx.counters().rejects(SyncRxError::kReplayed), 1u);
  EXPECT_EQ(rx.counters().rejects(SyncRxError::kBadTag), 1u);
  EXPECT_EQ(rx.counters().rejects(SyncRxError::kTruncated), 1u);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind("hypersync: drop frame (replayed): ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("hypersync: drop frame (bad-tag): ", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("hypersync: drop frame (truncated): ", 0), 0u) << lines[2];
  // Every reason has a distinct name.
  for (size_t i = 0; i < kSyncRxErrorCount; ++i)
    for (size_t j = i + 1; j < kSyncRxErrorCount; ++j)
      EXPECT_NE(sync_rx_error_name(static_cast<SyncRxError>(i)), sync_rx_error_name(static_cast<SyncRxError>(j)));
}

TEST(SyncReject, RejectedFramesDoNotMoveTheWindow) {
  Rx rx;
  auto b = encode_ok(sample_header(100), {update_record(sample_key_v4(), sample_value())});
  b[kOffRecordCount + 1] = 2;
  fuzz::resign(b, fuzz::fuzz_key());
  ASSERT_FALSE(rx(b).ok());
  EXPECT_FALSE(rx.replay.window(member_byte(2, 0), false).valid);
  EXPECT_TRUE(rx(encode_ok(sample_header(1), {})).ok());
}

// ---- Replay window -------------------------------------------------------------------------------

TEST(SyncReplay, WindowBehaviour) {
  Rx rx;
  auto frame = [](uint32_t seq, uint32_t epoch = 1) { return encode_ok(sample_header(seq, epoch), {}); };
  EXPECT_TRUE(rx(frame(10)).ok());
  EXPECT_TRUE(rx(frame(12)).ok());                                  // a gap
  EXPECT_TRUE(rx(frame(11)).ok());                                  // late but new
  EXPECT_EQ(rx(frame(11)).error().reason, SyncRxError::kReplayed);  // duplicate
  EXPECT_TRUE(rx(frame(100)).ok());                                 // jump
  EXPECT_TRUE(rx(frame(37)).ok());                                  // 63 behind: inside the window
  EXPECT_EQ(rx(frame(36)).error().reason, SyncRxError::kReplayed);  // 64 behind: outside
  EXPECT_EQ(rx(frame(12)).error().reason, SyncRxError::kReplayed);
  EXPECT_TRUE(rx(frame(5000)).ok());  // a jump beyond the window
  EXPECT_EQ(rx(frame(100)).error().reason, SyncRxError::kReplayed);
  EXPECT_TRUE(rx(frame(1, 2)).ok());  // sender restarted: new epoch
  EXPECT_EQ(rx(frame(5001, 1)).error().reason, SyncRxError::kOldEpoch);
  EXPECT_TRUE(rx(frame(2, 2)).ok());
}

TEST(SyncReplay, SeparateSpacesPerSourceAndDestinationKind) {
  Rx rx;
  FrameHeader h = sample_header(7);
  EXPECT_TRUE(rx(encode_ok(h, {})).ok());
  h.destination = kBroadcast;  // the broadcast stream has its own sequence numbers
  EXPECT_TRUE(rx(encode_ok(h, {})).ok());
  h.source = member_byte(2, 1);  // another member (same id, other site)
  EXPECT_TRUE(rx(encode_ok(h, {})).ok());
  EXPECT_EQ(rx(encode_ok(h, {})).error().reason, SyncRxError::kReplayed);
}

TEST(SyncReplay, KeyRotation) {
  Rx rx;
  FrameHeader h = sample_header(1);
  h.key_number = 1;
  EXPECT_TRUE(rx(encode_ok(h, {}, fuzz::other_key())).ok());
  h.sequence = 2;
  EXPECT_EQ(rx(encode_ok(h, {}, fuzz::fuzz_key())).error().reason, SyncRxError::kBadTag);
}

}  // namespace
}  // namespace conductor::sync

// ---- The comparison table of docs/hypersync.md §9 --------------------------------------------------

#include "tests/sync/peer_formats.hpp"

namespace conductor::sync {
namespace {

TEST(SyncCompare, DocumentedTable) {
  using namespace peer;
  auto ours = full_frame(1500, kConductorFixedV4, kDeltaV4Bytes);
  EXPECT_EQ(ours.messages, 60u);
  EXPECT_EQ(ours.alone, 94u);
  EXPECT_NEAR(ours.per_change, 25.2, 0.05);
  auto del = full_frame(1500, kConductorFixedV4, kDeleteV4Bytes);
  EXPECT_EQ(del.messages, 90u);
  EXPECT_NEAR(del.per_change, 16.8, 0.05);
  auto v6 = full_frame(1500, kConductorFixedV4, kDeltaV6Bytes);
  EXPECT_EQ(v6.messages, 30u);
  EXPECT_NEAR(v6.per_change, 50.3, 0.05);
  auto ftfw = full_frame(1500, kFtfwFixedV4, ftfw_tcp_message(false));
  EXPECT_EQ(ftfw.messages, 24u);
  EXPECT_NEAR(ftfw.per_change, 61.8, 0.05);
  EXPECT_NEAR(full_frame(1500, kFtfwFixedV4, ftfw_tcp_message(true)).per_change, 86.5, 0.05);
  auto ins = full_frame(1500, kPfsyncFixedV4, kPfsyncState);
  EXPECT_EQ(ins.messages, 5u);
  EXPECT_NEAR(ins.per_change, 275.6, 0.05);
  auto upd = full_frame(1500, kPfsyncFixedV4, kPfsyncUpdC);
  EXPECT_EQ(upd.messages, 17u);
  EXPECT_NEAR(upd.per_change, 87.4, 0.05);
  auto pdel = full_frame(1500, kPfsyncFixedV4, kPfsyncDelC);
  EXPECT_EQ(pdel.messages, 121u);
  EXPECT_NEAR(pdel.per_change, 12.5, 0.05);
  // The arithmetic matches a frame the codec really builds.
  std::vector<Record> recs;
  for (uint32_t i = 0; i < ours.messages; ++i)
    recs.push_back(new_record(test::sample_key_v4(i), test::sample_value(i)));
  auto pkt = encode_udp_packet(test::sample_header(), recs, fuzz::fuzz_key(), UdpEncap{});
  ASSERT_TRUE(pkt.ok());
  EXPECT_EQ(pkt->size(), ours.frame_bytes);
}

}  // namespace
}  // namespace conductor::sync
