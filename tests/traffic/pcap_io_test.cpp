// pcap reading and writing: round trips (classic and pcapng, both byte orders), and every kind of
// bad file the reader must refuse with a message naming the file (and the record) instead of
// crashing. Files are built byte by byte here, independently of the writer.
#include "host/traffic/pcap_io.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "temp_dir.hpp"

namespace conductor {
namespace {

using testing::TempDir;

void le16(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(static_cast<uint8_t>(x));
  v.push_back(static_cast<uint8_t>(x >> 8));
}
void le32(std::vector<uint8_t>& v, uint32_t x) {
  le16(v, x & 0xFFFF);
  le16(v, x >> 16);
}
void be32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 3; i >= 0; --i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}

std::vector<uint8_t> classic_header(uint32_t linktype = 1, uint32_t snaplen = 65535) {
  std::vector<uint8_t> v;
  le32(v, 0xA1B2C3D4);
  le16(v, 2);
  le16(v, 4);
  le32(v, 0);
  le32(v, 0);
  le32(v, snaplen);
  le32(v, linktype);
  return v;
}

void classic_record(std::vector<uint8_t>& v, const std::vector<uint8_t>& data, uint32_t orig_len = 0,
                    uint32_t caplen_override = UINT32_MAX) {
  le32(v, 1767225600);
  le32(v, 0);
  le32(v, caplen_override != UINT32_MAX ? caplen_override : static_cast<uint32_t>(data.size()));
  le32(v, orig_len != 0 ? orig_len : static_cast<uint32_t>(data.size()));
  v.insert(v.end(), data.begin(), data.end());
}

std::vector<uint8_t> frame_bytes(size_t n, uint8_t seed) {
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}

std::vector<Frame> sample_frames() {
  std::vector<Frame> frames;
  for (size_t i = 0; i < 20; ++i) frames.push_back({frame_bytes(60 + i * 73, static_cast<uint8_t>(i)), 0});
  frames.push_back({frame_bytes(1514, 9), 0});
  frames.push_back({frame_bytes(9000, 3), 0});  // jumbo
  return frames;
}

TEST(TrafficPcap, RoundTripClassic) {
  TempDir dir;
  const auto frames = sample_frames();
  const std::string path = dir.file("rt.pcap");
  ASSERT_TRUE(write_pcap(path, frames).ok());

  // The file is exactly classic pcap, little-endian, microseconds, Ethernet.
  const auto bytes = TempDir::read(path);
  auto expect = classic_header(1, 262144);
  for (size_t i = 0; i < frames.size(); ++i) {
    const uint64_t us = 1'767'225'600'000'000ull + i;
    le32(expect, static_cast<uint32_t>(us / 1'000'000));
    le32(expect, static_cast<uint32_t>(us % 1'000'000));
    le32(expect, static_cast<uint32_t>(frames[i].bytes.size()));
    le32(expect, static_cast<uint32_t>(frames[i].bytes.size()));
    expect.insert(expect.end(), frames[i].bytes.begin(), frames[i].bytes.end());
  }
  EXPECT_EQ(bytes, expect);

  PcapStats stats;
  auto back = read_pcap(path, 7, &stats);
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ((*back)[i].bytes, frames[i].bytes) << i;
    EXPECT_EQ((*back)[i].sg_id, 7) << i;
  }
  EXPECT_EQ(stats.records, frames.size());
  EXPECT_EQ(stats.frames, frames.size());
  EXPECT_EQ(stats.snapped, 0u);
  EXPECT_EQ(stats.empty_skipped, 0u);
}

TEST(TrafficPcap, StreamingReaderAndWriter) {
  TempDir dir;
  const std::string path = dir.file("s.pcap");
  auto w = PcapWriter::create(path, {.start_us = 5'000'000, .interval_us = 10});
  ASSERT_TRUE(w.ok());
  for (uint8_t i = 0; i < 5; ++i) ASSERT_TRUE(w->write({frame_bytes(64, i), 0}).ok());
  ASSERT_TRUE(w->write({frame_bytes(64, 5), 0}, 9'000'001).ok());
  EXPECT_EQ(w->records(), 6u);
  ASSERT_TRUE(w->close().ok());
  EXPECT_FALSE(w->write({frame_bytes(64, 0), 0}).ok());  // after close

  const auto bytes = TempDir::read(path);
  ASSERT_EQ(bytes.size(), 24u + 6 * (16 + 64));
  EXPECT_EQ(bytes[24 + 80 + 4], 10);  // second record: 5 s + 10 us
  EXPECT_EQ(bytes[24 + 5 * 80], 9);   // last record: explicit 9.000001 s
  EXPECT_EQ(bytes[24 + 5 * 80 + 4], 1);

  auto r = PcapReader::open(path, 3);
  ASSERT_TRUE(r.ok());
  Frame f;
  int n = 0;
  for (;;) {
    auto more = r->next(f);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    EXPECT_EQ(f.bytes, frame_bytes(64, static_cast<uint8_t>(n)));
    EXPECT_EQ(f.sg_id, 3);
    ++n;
  }
  EXPECT_EQ(n, 6);
  auto again = r->next(f);  // stays at end
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
}

TEST(TrafficPcap, ReadsBigEndianNanosecondClassic) {
  TempDir dir;
  std::vector<uint8_t> v;
  be32(v, 0xA1B23C4D);  // nanosecond magic, big-endian file
  v.insert(v.end(), {0, 2, 0, 4});
  be32(v, 0);
  be32(v, 0);
  be32(v, 65535);
  be32(v, 1);
  const auto data = frame_bytes(77, 1);
  be32(v, 100);
  be32(v, 999'999'999);
  be32(v, 77);
  be32(v, 77);
  v.insert(v.end(), data.begin(), data.end());
  auto frames = read_pcap(dir.write("be.pcap", v));
  ASSERT_TRUE(frames.ok()) << frames.error().message;
  ASSERT_EQ(frames->size(), 1u);
  EXPECT_EQ((*frames)[0].bytes, data);
}

// Section header + interface description + enhanced packet blocks, little-endian.
std::vector<uint8_t> pcapng(uint16_t linktype, const std::vector<std::vector<uint8_t>>& packets) {
  std::vector<uint8_t> v;
  le32(v, 0x0A0D0D0A);
  le32(v, 28);
  le32(v, 0x1A2B3C4D);
  le16(v, 1);
  le16(v, 0);
  le32(v, 0xFFFFFFFF);  // section length unknown
  le32(v, 0xFFFFFFFF);
  le32(v, 28);
  le32(v, 1);  // IDB
  le32(v, 20);
  le16(v, linktype);
  le16(v, 0);
  le32(v, 0);  // snaplen: none
  le32(v, 20);
  for (const auto& p : packets) {
    const uint32_t padded = (static_cast<uint32_t>(p.size()) + 3) & ~3u;
    const uint32_t len = 32 + padded;
    le32(v, 6);  // EPB
    le32(v, len);
    le32(v, 0);  // interface 0
    le32(v, 0);
    le32(v, 12345);
    le32(v, static_cast<uint32_t>(p.size()));
    le32(v, static_cast<uint32_t>(p.size()));
    v.insert(v.end(), p.begin(), p.end());
    v.resize(v.size() + (padded - p.size()), 0);
    le32(v, len);
  }
  return v;
}

TEST(TrafficPcap, ReadsPcapng) {
  TempDir dir;
  const std::vector<std::vector<uint8_t>> packets = {frame_bytes(60, 1), frame_bytes(61, 2), frame_bytes(1514, 3)};
  auto frames = read_pcap(dir.write("a.pcapng", pcapng(1, packets)), 4);
  ASSERT_TRUE(frames.ok()) << frames.error().message;
  ASSERT_EQ(frames->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*frames)[i].bytes, packets[i]);
    EXPECT_EQ((*frames)[i].sg_id, 4);
  }
}

void expect_error(const Error& e, Errc code, const std::string& path, std::initializer_list<const char*> needles) {
  EXPECT_EQ(errc_name(e.code), errc_name(code)) << e.message;
  EXPECT_NE(e.message.find(path), std::string::npos) << e.message;
  for (const char* n : needles) EXPECT_NE(e.message.find(n), std::string::npos) << n << " in: " << e.message;
}

TEST(TrafficPcap, MissingFile) {
  TempDir dir;
  const std::string path = dir.file("nope.pcap");
  auto r = PcapReader::open(path);
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), Errc::kNotFound, path, {"no such file"});
  auto all = read_pcap(path);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.error().code, Errc::kNotFound);
}

TEST(TrafficPcap, DirectoryIsRefused) {
  TempDir dir;
  const std::string path = dir.file("sub");
  std::filesystem::create_directory(path);
  auto r = PcapReader::open(path);
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), Errc::kIo, path, {"directory"});
}

TEST(TrafficPcap, EmptyFile) {
  TempDir dir;
  const std::string path = dir.write("empty.pcap", {});
  auto r = PcapReader::open(path);
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), Errc::kCorrupt, path, {"empty"});
}

TEST(TrafficPcap, GarbageFile) {
  TempDir dir;
  std::vector<uint8_t> junk(300);
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<uint8_t>(i * 131 + 17);
  const std::string path = dir.write("junk.pcap", junk);
  auto r = PcapReader::open(path);
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), Errc::kCorrupt, path, {"not a readable pcap"});
}

TEST(TrafficPcap, TruncatedFileHeader) {
  TempDir dir;
  auto h = classic_header();
  h.resize(10);
  const std::string path = dir.write("short.pcap", h);
  auto r = PcapReader::open(path);
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), Errc::kCorrupt, path, {"truncated"});
}

TEST(TrafficPcap, TruncatedRecordHeader) {
  TempDir dir;
  auto v = classic_header();
  classic_record(v, frame_bytes(60, 0));
  classic_record(v, frame_bytes(60, 1));
  v.resize(24 + 76 + 7);  // 7 bytes of the second record header
  const std::string path = dir.write("trh.pcap", v);
  auto r = PcapReader::open(path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  Frame f;
  auto first = r->next(f);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  auto second = r->next(f);
  ASSERT_FALSE(second.ok());
  expect_error(second.error(), Errc::kCorrupt, path, {"record 2", "truncated"});
  // read_pcap gives the error, and the stats up to it.
  PcapStats stats;
  auto all = read_pcap(path, 0, &stats);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(stats.frames, 1u);
}

TEST(TrafficPcap, TruncatedRecordData) {
  TempDir dir;
  auto v = classic_header();
  classic_record(v, frame_bytes(100, 0));
  v.resize(v.size() - 50);
  const std::string path = dir.write("trd.pcap", v);
  auto all = read_pcap(path);
  ASSERT_FALSE(all.ok());
  expect_error(all.error(), Errc::kCorrupt, path, {"record 1", "truncated"});
}

TEST(TrafficPcap, CorruptRecordLength) {
  TempDir dir;
  auto v = classic_header();
  classic_record(v, frame_bytes(60, 0));
  classic_record(v, frame_bytes(60, 1), 0, 0x7FFFFFFF);  // absurd captured length
  const std::string path = dir.write("bad.pcap", v);
  auto all = read_pcap(path);
  ASSERT_FALSE(all.ok());
  expect_error(all.error(), Errc::kCorrupt, path, {"record 2"});
}

TEST(TrafficPcap, TruncatedPcapng) {
  TempDir dir;
  auto v = pcapng(1, {frame_bytes(60, 1), frame_bytes(200, 2)});
  v.resize(v.size() - 100);
  const std::string path = dir.write("t.pcapng", v);
  auto all = read_pcap(path);
  ASSERT_FALSE(all.ok());
  expect_error(all.error(), Errc::kCorrupt, path, {"record 2"});
}

TEST(TrafficPcap, NonEthernetLinkType) {
  TempDir dir;
  {
    auto v = classic_header(101);  // LINKTYPE_RAW
    classic_record(v, frame_bytes(40, 0));
    const std::string path = dir.write("raw.pcap", v);
    auto r = PcapReader::open(path);
    ASSERT_FALSE(r.ok());
    expect_error(r.error(), Errc::kUnsupported, path, {"link type", "not Ethernet"});
  }
  {
    const std::string path = dir.write("sll.pcapng", pcapng(113, {frame_bytes(60, 0)}));  // Linux SLL
    auto r = PcapReader::open(path);
    ASSERT_FALSE(r.ok());
    expect_error(r.error(), Errc::kUnsupported, path, {"link type", "LINUX_SLL"});
  }
}

TEST(TrafficPcap, SnappedRecordsAreCountedAndUsed) {
  TempDir dir;
  // Written by hand: records 2 and 4 hold fewer bytes than they had on the wire.
  auto v = classic_header(1, 96);
  classic_record(v, frame_bytes(80, 0));
  classic_record(v, frame_bytes(96, 1), 1514);
  classic_record(v, frame_bytes(60, 2));
  classic_record(v, frame_bytes(96, 3), 400);
  PcapStats stats;
  auto frames = read_pcap(dir.write("snap.pcap", v), 0, &stats);
  ASSERT_TRUE(frames.ok()) << frames.error().message;
  ASSERT_EQ(frames->size(), 4u);
  EXPECT_EQ((*frames)[1].bytes, frame_bytes(96, 1));
  EXPECT_EQ(stats.snapped, 2u);
  EXPECT_EQ(stats.first_snapped_record, 2u);

  // And by the writer, with a snap length.
  const std::string path = dir.file("w.pcap");
  ASSERT_TRUE(write_pcap(path, {{frame_bytes(200, 5), 0}, {frame_bytes(50, 6), 0}}, {.snaplen = 64}).ok());
  frames = read_pcap(path, 0, &stats);
  ASSERT_TRUE(frames.ok()) << frames.error().message;
  ASSERT_EQ(frames->size(), 2u);
  const auto big = frame_bytes(200, 5);
  EXPECT_EQ((*frames)[0].bytes, std::vector<uint8_t>(big.begin(), big.begin() + 64));
  EXPECT_EQ((*frames)[1].bytes, frame_bytes(50, 6));
  EXPECT_EQ(stats.snapped, 1u);
  EXPECT_EQ(stats.first_snapped_record, 1u);
}

TEST(TrafficPcap, EmptyRecordsAreSkipped) {
  TempDir dir;
  auto v = classic_header();
  classic_record(v, {});
  classic_record(v, frame_bytes(60, 1));
  PcapStats stats;
  auto frames = read_pcap(dir.write("e.pcap", v), 0, &stats);
  ASSERT_TRUE(frames.ok()) << frames.error().message;
  ASSERT_EQ(frames->size(), 1u);
  EXPECT_EQ(stats.records, 2u);
  EXPECT_EQ(stats.empty_skipped, 1u);
}

TEST(TrafficPcap, WriterReportsUnwritablePath) {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/x.pcap");
  auto s = write_pcap(path, sample_frames());
  ASSERT_FALSE(s.ok());
  expect_error(s.error(), Errc::kNotFound, path, {"cannot create"});
  auto w = PcapWriter::create(dir.file("x.pcap"), {.snaplen = 0});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace conductor
