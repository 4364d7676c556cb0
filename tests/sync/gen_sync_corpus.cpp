// Writes the fuzz_sync seed corpus (tests/fuzz/corpus/sync/): one file per case, each a mode byte and a
// HyperSync frame (tests/sync/sync_fuzz_input.hpp). Accepted frames of every record type, batches, and
// one frame per reject reason.
//   gen_sync_corpus <dir>          write the files
//   gen_sync_corpus --check <dir>  exit 1 when a file is missing or differs (CTest fuzz_sync_corpus_fresh)
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "host/sync/codec.hpp"
#include "tests/common/corpus_cli.hpp"
#include "tests/sync/sync_fuzz_input.hpp"
#include "tests/sync/sync_test_util.hpp"

namespace {

using namespace conductor::sync;
using namespace conductor::sync::test;

std::vector<uint8_t> enc(const FrameHeader& h, const std::vector<Record>& r, const SipKey& k = fuzz::fuzz_key()) {
  auto e = encode_frame(h, r, k);
  if (!e) {
    std::fprintf(stderr, "gen_sync_corpus: %s\n", e.error().message.c_str());
    std::exit(2);
  }
  return *e;
}

std::vector<uint8_t> with_mode(uint8_t mode, std::vector<uint8_t> frame) {
  frame.insert(frame.begin(), mode);
  return frame;
}

std::vector<std::pair<std::string, std::vector<uint8_t>>> cases() {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> c;
  const auto all = every_record_type();
  for (size_t i = 0; i < all.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "type_%02x", static_cast<unsigned>(all[i].type));
    c.emplace_back(name, with_mode(0, enc(sample_header(static_cast<uint32_t>(i + 1)), {all[i]})));
  }
  c.emplace_back("all_types", with_mode(0, enc(sample_header(), all)));
  std::vector<Record> batch;
  for (uint32_t i = 0; i < 60; ++i) batch.push_back(update_record(sample_key_v4(i), sample_value(i)));
  c.emplace_back("full_v4_batch", with_mode(0, enc(sample_header(), batch)));
  Record unknown;
  unknown.type = static_cast<RecordType>(0x55);
  unknown.extension = {1, 2, 3};
  Record longer = new_record(sample_key_v6(), sample_value());
  longer.extension = {9, 9};
  FrameHeader minor = sample_header();
  minor.version_minor = 4;
  minor.flags = kFlagFullSync | 0x20;
  minor.destination = kBroadcast;
  c.emplace_back("minor_extensions", with_mode(0, enc(minor, {unknown, longer})));
  c.emplace_back("replayed", with_mode(fuzz::kModePreAccept, enc(sample_header(), {heartbeat_record(3)})));
  auto bad = enc(sample_header(), {delete_record(sample_key_v4())});
  bad[kHeaderBytes] = 0x93;
  c.emplace_back("resign_unknown_must_understand", with_mode(fuzz::kModeResign, bad));
  bad = enc(sample_header(), {delete_record(sample_key_v4())});
  bad[kHeaderBytes + 1] = 40;
  c.emplace_back("resign_bad_record_length", with_mode(fuzz::kModeResign, bad));
  bad = enc(sample_header(), {delete_record(sample_key_v4())});
  bad[kOffRecordCount + 1] = 3;
  c.emplace_back("resign_count_mismatch", with_mode(fuzz::kModeResign, bad));
  FrameHeader other = sample_header();
  other.key_number = 1;
  c.emplace_back("key_slot_1", with_mode(0, enc(other, {ack_record(1, 1, 9)}, fuzz::other_key())));
  other.cluster_id = 99;
  c.emplace_back("unknown_cluster", with_mode(0, enc(other, {}, fuzz::other_key())));
  bad = enc(sample_header(), {});
  bad.back() ^= 1;
  c.emplace_back("bad_tag", with_mode(0, bad));
  c.emplace_back("truncated", with_mode(0, std::vector<uint8_t>(bad.begin(), bad.begin() + 12)));
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  conductor::test::CorpusArgs args;
  if (auto done = conductor::test::parse_corpus_args(
          argc, argv, "gen_sync_corpus",
          "Writes the fuzz_sync seed corpus (tests/fuzz/corpus/sync/): one mode byte and a HyperSync frame per file.",
          args))
    return *done;
  const bool check = args.check;
  const std::string& dir = args.dir;
  int stale = 0;
  for (const auto& [name, bytes] : cases()) {
    const std::string path = dir + "/" + name;
    if (check) {
      std::ifstream in(path, std::ios::binary);
      const std::vector<uint8_t> have((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.good() && have.empty()) {
        std::fprintf(stderr, "gen_sync_corpus: %s is missing (run the fuzz_sync_corpus target)\n", path.c_str());
        ++stale;
      } else if (have != bytes) {
        std::fprintf(stderr, "gen_sync_corpus: %s is stale (run the fuzz_sync_corpus target)\n", path.c_str());
        ++stale;
      }
    } else {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!out) {
        std::fprintf(stderr, "gen_sync_corpus: cannot write %s\n", path.c_str());
        return 1;
      }
    }
  }
  return stale ? 1 : 0;
}
