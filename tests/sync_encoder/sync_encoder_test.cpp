// The sync_encoder golden model (hls/sync_encoder) against the host codec (host/sync): every frame
// byte for byte equal to encode_udp_packet of the same records, header and encapsulation, and
// accepted by decode_frame; batching by MTU, flush timer, destinations and sequence numbers,
// delayed notifications, drops and counters; and the HLS top's frame beats against the codec.
#include <gtest/gtest.h>

#include <iterator>
#include <memory>
#include <random>
#include <vector>

#include "tests/sync_encoder/sync_encoder_testing.hpp"

namespace conductor::sync_encoder {
namespace {

using testing::encap;
using testing::header;
using testing::host_record;
using testing::random_record;
using testing::standard_config;

std::vector<uint8_t> take(SyncEncoderModel& m) {
  std::vector<uint8_t> f(m.frame(), m.frame() + m.frame_len());
  m.pop_frame();
  return f;
}

std::vector<uint8_t> codec_frame(const SyncEncoderConfig& c, unsigned slot, uint32_t seq,
                                 const std::vector<SyncRecord>& recs) {
  std::vector<sync::Record> hr;
  for (const auto& r : recs) hr.push_back(host_record(r));
  auto f = sync::encode_udp_packet(header(c, slot, seq), hr, c.key, encap(c, slot));
  EXPECT_TRUE(f.ok());
  return f.ok() ? *f : std::vector<uint8_t>{};
}

struct Fixture : ::testing::Test {
  std::unique_ptr<SyncEncoderModel> m = std::make_unique<SyncEncoderModel>();
  SyncEncoderConfig cfg = standard_config();
  std::mt19937_64 rng{42};
  void SetUp() override { m->configure(cfg); }
};

using SyncEncoderModelTest = Fixture;

TEST_F(SyncEncoderModelTest, RecordWordRoundTrips) {
  for (int i = 0; i < 200; ++i) {
    SyncRecord r = random_record(rng, cfg, i % 3);
    SyncRecord u = unpack_sync_record(pack(r));
    EXPECT_EQ(host_record(u), host_record(r));
    EXPECT_EQ(u.dest, r.dest);
    EXPECT_EQ(u.created, r.created);
    EXPECT_EQ(u.now, r.now);
    EXPECT_EQ(u.op, r.op);
  }
  // The key sits where FLOW_EVENT.KEY / FLOW_ENTRY put it: IPv4 A address in bits 31:0, first octet high.
  SyncRecord r;
  r.a_addr = {198, 18, 0, 1};
  EXPECT_EQ(pack(r).range(31, 0).to_uint64(), 0xC6120001u);
}

// pack() / unpack_sync_record() and the RTL's decode cover exactly the generated field list; the key
// is FLOW_ENTRY's (bits 304:0), so a FLOW_EVENT's KEY and VALUE drop into place.
TEST_F(SyncEncoderModelTest, RecordLayoutIsTheGeneratedOne) {
  const char* names[] = {"KEY", "VALUE", "OP", "DEST", "CREATED", "NOW"};
  ASSERT_EQ(std::size(regs::SYNC_RECORD_FIELDS), std::size(names));
  for (size_t i = 0; i < std::size(names); ++i) EXPECT_STREQ(regs::SYNC_RECORD_FIELDS[i].name, names[i]);
  EXPECT_EQ(regs::SYNC_RECORD_BITS, 448u);
  EXPECT_EQ(regs::SYNC_RECORD_KEY_WIDTH, regs::FLOW_ENTRY_VALUE_LSB);
  EXPECT_EQ(regs::SYNC_RECORD_VALUE_LSB, regs::FLOW_EVENT_VALUE_LSB);
  EXPECT_EQ(regs::SYNC_RECORD_KEY_WIDTH, regs::FLOW_EVENT_KEY_WIDTH);
}

TEST_F(SyncEncoderModelTest, OneFrameEqualsEncodeUdpPacket) {
  std::vector<SyncRecord> recs;
  for (int i = 0; i < 10; ++i) recs.push_back(random_record(rng, cfg, 0));
  for (const auto& r : recs) m->accept(r, 5);
  ASSERT_FALSE(m->frame_ready());
  m->flush_now();
  ASSERT_TRUE(m->frame_ready());
  EXPECT_EQ(take(*m), codec_frame(cfg, 0, 1, recs));
  EXPECT_EQ(m->counters().records, 10u);
  EXPECT_EQ(m->counters().seq[0], 1u);
}

TEST_F(SyncEncoderModelTest, BatchesToTheMtuLikeBatchRecords) {
  for (unsigned mtu : {128u, 576u, 1500u, 9000u, 20000u}) {
    cfg.mtu = mtu;
    m = std::make_unique<SyncEncoderModel>();
    m->configure(cfg);
    std::vector<SyncRecord> recs;
    std::vector<sync::Record> hr;
    std::vector<std::vector<uint8_t>> frames;
    for (int i = 0; i < 700; ++i) {
      recs.push_back(random_record(rng, cfg, 1));
      hr.push_back(host_record(recs.back()));
      m->accept(recs.back(), 0);
      while (m->frame_ready()) frames.push_back(take(*m));
    }
    m->flush_now();
    while (m->frame_ready()) frames.push_back(take(*m));
    const unsigned eff = mtu > 9000 ? 9000 : mtu;
    const auto batches = sync::batch_records(hr, sync::max_payload_for_mtu(eff, false));
    uint32_t seq = 0;
    for (const auto& b : batches) {
      ASSERT_LT(seq, frames.size()) << "mtu " << mtu;
      auto want = sync::encode_udp_packet(header(cfg, 1, seq + 1), b, cfg.key, encap(cfg, 1));
      ASSERT_TRUE(want.ok());
      const auto& got = frames[seq++];
      EXPECT_EQ(got, *want) << "mtu " << mtu << " frame " << seq;
      EXPECT_LE(got.size(), 14u + eff);
    }
    EXPECT_EQ(frames.size(), batches.size());
    EXPECT_EQ(m->counters().frames, batches.size());
    EXPECT_EQ(m->counters().close_full + m->counters().close_timer, batches.size());
    EXPECT_GE(m->counters().close_full, batches.size() - 1);
  }
}

TEST_F(SyncEncoderModelTest, FlushTimerBoundsTheDelay) {
  cfg.flush_cycles = 100;
  m->configure(cfg);
  const SyncRecord a = random_record(rng, cfg, 0), b = random_record(rng, cfg, 0), c = random_record(rng, cfg, 0);
  m->accept(a, 1000);
  m->accept(b, 1099);  // 99 clocks after the first: joins
  EXPECT_FALSE(m->tick(1099));
  EXPECT_TRUE(m->tick(1100));  // closes exactly FLUSH_CYCLES after the first record
  EXPECT_EQ(take(*m), codec_frame(cfg, 0, 1, {a, b}));
  m->accept(c, 5000);
  m->accept(a, 5100);  // 100 clocks later: the next frame
  m->flush_now();
  EXPECT_EQ(take(*m), codec_frame(cfg, 0, 2, {c}));
  EXPECT_EQ(take(*m), codec_frame(cfg, 0, 3, {a}));
  EXPECT_EQ(m->counters().close_timer, 3u);
  cfg.flush_cycles = 0;  // acts as 1: every clock a new frame
  m->configure(cfg);
  m->accept(a, 6000);
  m->accept(b, 6001);
  m->flush_now();
  EXPECT_EQ(take(*m), codec_frame(cfg, 0, 4, {a}));
  EXPECT_EQ(take(*m), codec_frame(cfg, 0, 5, {b}));
}

TEST_F(SyncEncoderModelTest, SequenceNumbersPerDestination) {
  const SyncRecord a = random_record(rng, cfg, 0), b = random_record(rng, cfg, 1), c = random_record(rng, cfg, 2);
  m->accept(a, 0);
  m->accept(b, 1);  // another destination closes the frame
  m->accept(a, 2);
  m->accept(c, 3);
  m->flush_now();
  EXPECT_EQ(take(*m), codec_frame(cfg, 0, 1, {a}));
  EXPECT_EQ(take(*m), codec_frame(cfg, 1, 1, {b}));
  EXPECT_EQ(take(*m), codec_frame(cfg, 0, 2, {a}));
  EXPECT_EQ(take(*m), codec_frame(cfg, 2, 1, {c}));
  EXPECT_EQ(m->counters().close_dest, 3u);
  EXPECT_EQ(m->counters().seq, (std::array<uint32_t, 4>{2, 1, 1, 0}));
  m->clear_sequences();
  m->clear_counters();
  m->accept(b, 10);
  m->flush_now();
  EXPECT_EQ(take(*m), codec_frame(cfg, 1, 1, {b}));
  EXPECT_EQ(m->counters().frames, 1u);
}

TEST_F(SyncEncoderModelTest, ShortLivedConnectionCostsZeroSyncBytes) {
  // Opens at tick 1000, updated at 1500, closed at 2800: all inside the default 3 s window.
  SyncRecord r = random_record(rng, cfg, 0);
  r.ipv6 = false;
  r.a_port = 40000;
  r.b_port = 8080;
  r.created = 1000;
  for (auto [op, now] : {std::pair{Op::kNew, 1000u}, {Op::kUpdate, 1500u}, {Op::kDelete, 2800u}}) {
    r.op = op;
    r.now = now;
    m->accept(r, now);
  }
  m->flush_now();
  EXPECT_FALSE(m->frame_ready());
  EXPECT_EQ(m->counters().frames, 0u);
  EXPECT_EQ(m->counters().frame_bytes, 0u);
  EXPECT_EQ(m->counters().young, 3u);
  EXPECT_EQ(m->counters().young_bytes, 24u + 24u + 16u);
  // The producer re-offers it when it matures (age 3000 = the threshold: sent).
  r.op = Op::kNew;
  r.now = 4000;
  m->accept(r, 4000);
  m->flush_now();
  EXPECT_EQ(take(*m), codec_frame(cfg, 0, 1, {r}));
}

TEST_F(SyncEncoderModelTest, PortClassesChooseTheThreshold) {
  SyncRecord dns = random_record(rng, cfg, 0);
  dns.proto = 17;
  dns.a_port = 53;
  dns.created = dns.now;  // age 0, but class 0 (UDP 53) has threshold 0
  m->accept(dns, 0);
  SyncRecord dns_tcp = dns;
  dns_tcp.proto = 6;  // class 0 is UDP only: the default 3000 applies
  m->accept(dns_tcp, 1);
  SyncRecord web = random_record(rng, cfg, 0);
  web.a_port = 50000;
  web.b_port = 443;
  web.created = web.now - 9999;  // class 1: 10000
  m->accept(web, 2);
  web.created = web.now - 10000;
  m->accept(web, 3);
  SyncRecord other = random_record(rng, cfg, 0);
  other.a_port = 1234;
  other.b_port = 5678;
  other.created = other.now - 2999;
  m->accept(other, 4);
  other.created = other.now - 3000;
  m->accept(other, 5);
  m->flush_now();
  EXPECT_EQ(take(*m), codec_frame(cfg, 0, 1, {dns, web, other}));
  EXPECT_EQ(m->counters().young, 3u);
  // Age is NOW - CREATED modulo 2^32: a clock that wrapped is still right.
  other.created = 0xFFFFFF00u;
  other.now = 0x00000F00u;  // age 0x1000 = 4096
  m->accept(other, 6);
  m->flush_now();
  EXPECT_EQ(take(*m), codec_frame(cfg, 0, 2, {other}));
}

TEST_F(SyncEncoderModelTest, InvalidOpsAndUnknownDestinationsAreCountedNotSent) {
  SyncRecord r = random_record(rng, cfg, 0);
  r.op = Op::kInvalid;
  m->accept(r, 0);
  r = random_record(rng, cfg, 0);
  r.dest = sync::member_byte(5, 0);  // slot 3 holds it but is not valid
  m->accept(r, 1);
  m->flush_now();
  EXPECT_FALSE(m->frame_ready());
  EXPECT_EQ(m->counters().invalid, 1u);
  EXPECT_EQ(m->counters().no_route, 1u);
}

TEST_F(SyncEncoderModelTest, FramesDecodeWithTheHostReceiver) {
  sync::Membership me;
  me.cluster_id = cfg.cluster_id;
  me.self = cfg.dest[1].member;
  me.add(cfg.source);
  me.add(me.self);
  sync::KeyRing keys;
  keys.slots.at(cfg.key_number).emplace(cfg.key);
  ASSERT_TRUE(keys.slots[cfg.key_number].has_value());
  sync::ReplayState replay;
  std::vector<sync::Record> sent;
  std::vector<std::vector<uint8_t>> frames;
  for (int i = 0; i < 300; ++i) {
    SyncRecord r = random_record(rng, cfg, 1 + (i % 7 == 0));  // some for broadcast
    sent.push_back(host_record(r));
    m->accept(r, i);
    while (m->frame_ready()) frames.push_back(take(*m));
  }
  m->flush_now();
  while (m->frame_ready()) frames.push_back(take(*m));
  std::vector<sync::Record> got;
  for (const auto& f : frames) {
    auto d = sync::decode_frame(f.data() + 42, f.size() - 42, keys, replay, me);
    ASSERT_TRUE(d.ok()) << d.error().message;
    got.insert(got.end(), d->records.begin(), d->records.end());
  }
  EXPECT_EQ(got, sent);
}

// The HLS top (hls/sync_encoder/sync_encoder.cpp), one call per clock, against the host codec: 150
// IPv4 updates and 40 IPv6 deletes for one destination; the frames on m_axis equal batch_records +
// encode_udp_packet of the same records byte for byte. (The kernel's own C-simulation testbench,
// CTest SyncEncoderCsimTb, checks the same top against the golden model with hls/ code alone.) The
// top keeps its state in statics: one test per process calls it (gtest_discover_tests runs each
// test in its own process).
TEST(SyncEncoderTop, FramesEqualBatchRecordsAndEncodeUdpPacket) {
  SyncEncoderConfig c;
  c.cluster_id = 7;
  c.source = sync::member_byte(1, 0);
  c.epoch = 42;
  c.flush_cycles = 400;
  for (unsigned i = 0; i < 16; ++i) c.key[i] = static_cast<uint8_t>(i);
  c.src_mac = 0x020000000001ULL;
  c.src_ip = 0xC6120001;
  c.dest[0] = {true, sync::member_byte(2, 0), 0x020000000002ULL, 0xC6120002};
  c.delay_default = 0;

  std::mt19937_64 rng(1);
  hls::stream<ap_uint<448>> in("s_rec");
  hls::stream<SyncBeat> out("m_axis");
  std::vector<sync::Record> records;
  for (int i = 0; i < 190; ++i) {
    SyncRecord r;
    r.ipv6 = i >= 150;
    r.op = r.ipv6 ? Op::kDelete : Op::kUpdate;
    for (unsigned j = 0; j < (r.ipv6 ? 16u : 4u); ++j) {
      r.a_addr[j] = static_cast<uint8_t>(rng());
      r.b_addr[j] = static_cast<uint8_t>(rng());
    }
    r.a_port = static_cast<uint16_t>(rng());
    r.b_port = static_cast<uint16_t>(rng());
    r.proto = 6;
    r.value = rng();
    r.dest = c.dest[0].member;
    in.write(pack(r));
    records.push_back(host_record(r));
  }
  uint64_t frames = 0;
  std::vector<std::vector<uint8_t>> got(1);
  for (int clk = 0; clk < 3000; ++clk) {
    sync_encoder_top(in, out, c, &frames);
    while (!out.empty()) {
      SyncBeat b = out.read();
      for (unsigned i = 0; i < 64; ++i)
        if (b.keep[i]) got.back().push_back(static_cast<uint8_t>(b.data.range(8 * i + 7, 8 * i).to_uint64()));
      if (b.last) got.emplace_back();
    }
  }
  got.pop_back();

  const auto batches = sync::batch_records(records, sync::max_payload_for_mtu(c.mtu, false));
  ASSERT_EQ(got.size(), batches.size());
  EXPECT_EQ(frames, batches.size());
  for (size_t f = 0; f < batches.size(); ++f) {
    auto want = sync::encode_udp_packet(header(c, 0, static_cast<uint32_t>(f + 1)), batches[f], c.key, encap(c, 0));
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(got[f], *want) << "frame " << f;
  }
}

}  // namespace
}  // namespace conductor::sync_encoder
