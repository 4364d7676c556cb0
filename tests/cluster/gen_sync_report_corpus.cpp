// Writes the fuzz_sync_report seed corpus (tests/fuzz/corpus/sync_report/): valid reports and one case
// per reject reason. `--check DIR` fails when DIR differs from what would be written.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "tests/cluster/sync_report_fuzz_input.hpp"
#include "tests/common/corpus_cli.hpp"

namespace {

using namespace conductor;
using namespace conductor::cluster;

SyncReport sample() {
  SyncReport r{.member = {0, 1}, .incarnation = 0x5151, .sequence = 77, .peers = {}};
  r.peers.push_back({.peer = {0, 0},
                     .flags = kPeerWhole,
                     .lag_us = 0,
                     .frames_sent = 12,
                     .records_sent = 300,
                     .frames_received = 9,
                     .records_held = 120,
                     .unacked = 0,
                     .rejects = 0});
  r.peers.push_back({.peer = {0, 2},
                     .flags = kPeerFullSyncOut,
                     .lag_us = 250'000,
                     .frames_sent = 40,
                     .records_sent = 400,
                     .frames_received = 0,
                     .records_held = 0,
                     .unacked = 4,
                     .rejects = 3});
  r.peers.push_back({.peer = {1, 0},
                     .flags = kPeerWhole,
                     .lag_us = 1200,
                     .frames_sent = 5,
                     .records_sent = 45,
                     .frames_received = 7,
                     .records_held = 45,
                     .unacked = 1,
                     .rejects = 0});
  return r;
}

std::map<std::string, std::vector<uint8_t>> corpus() {
  std::map<std::string, std::vector<uint8_t>> out;
  const auto key = fuzz::fuzz_key();
  auto with = [&](uint8_t mode, const SyncReport& r, auto mutate) {
    std::vector<uint8_t> b = encode_sync_report(r, key);
    mutate(b);
    b.insert(b.begin(), mode);
    return b;
  };
  const SyncReport r = sample();
  auto none = [](std::vector<uint8_t>&) {};
  out["valid"] = with(0, r, none);
  SyncReport empty = r;
  empty.peers.clear();
  out["valid_no_peers"] = with(0, empty, none);
  SyncReport full = r;
  full.member = {1, 63};
  full.peers.clear();
  for (uint8_t s = 0; s < 2; ++s)
    for (uint8_t m = 0; m < 64 && full.peers.size() < kSyncReportMaxPeers; ++m)
      if (!(MemberId{s, m} == full.member))
        full.peers.push_back({.peer = {s, m},
                              .flags = kPeerKnownFlags,
                              .lag_us = ~0U,
                              .frames_sent = ~0ULL,
                              .records_sent = ~0ULL,
                              .frames_received = ~0ULL,
                              .records_held = ~0U,
                              .unacked = ~0U,
                              .rejects = ~0ULL});
  out["valid_max"] = with(0, full, none);
  out["reject_short"] = with(0, r, [](std::vector<uint8_t>& b) { b.resize(20); });
  out["reject_long"] = with(fuzz::kModeResign, r, [](std::vector<uint8_t>& b) { b.push_back(0); });
  out["reject_magic"] = with(fuzz::kModeResign, r, [](std::vector<uint8_t>& b) { b[1] = 0x42; });
  out["reject_version"] = with(fuzz::kModeResign, r, [](std::vector<uint8_t>& b) { b[2] = 2; });
  out["reject_count"] = with(fuzz::kModeResign, r, [](std::vector<uint8_t>& b) { b[3] = 128; });
  out["reject_member"] = with(fuzz::kModeResign, r, [](std::vector<uint8_t>& b) { b[5] = 64; });
  out["reject_reserved"] = with(fuzz::kModeResign, r, [](std::vector<uint8_t>& b) { b[7] = 1; });
  out["reject_peer_reserved"] = with(fuzz::kModeResign, r, [](std::vector<uint8_t>& b) { b[16 + 48 + 3] = 1; });
  out["reject_peer_self"] = with(fuzz::kModeResign, r, [](std::vector<uint8_t>& b) { b[16 + 1] = 1; });
  out["reject_peer_order"] = with(fuzz::kModeResign, r, [](std::vector<uint8_t>& b) { b[16 + 48 + 1] = 0; });
  out["reject_flags"] = with(fuzz::kModeResign, r, [](std::vector<uint8_t>& b) { b[16 + 2] = 0x80; });
  out["reject_tag"] = with(0, r, [](std::vector<uint8_t>& b) { b[b.size() - 3] ^= 0x40; });
  out["resign_mutated"] = with(fuzz::kModeResign, r, [](std::vector<uint8_t>& b) { b[30] ^= 0x55; });
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  conductor::test::CorpusArgs args;
  if (auto done = conductor::test::parse_corpus_args(
          argc, argv, "gen_sync_report_corpus",
          "Writes the fuzz_sync_report seed corpus (tests/fuzz/corpus/sync_report/): valid reports and one per "
          "reject reason.",
          args))
    return *done;
  const bool check = args.check;
  const std::filesystem::path dir = args.dir;
  const auto files = corpus();
  if (check) {
    int bad = 0;
    for (const auto& [name, bytes] : files) {
      std::ifstream in(dir / name, std::ios::binary);
      std::vector<uint8_t> have((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (have != bytes) {
        std::fprintf(stderr, "gen_sync_report_corpus: %s is stale or missing; rebuild target fuzz_sync_report_corpus\n",
                     (dir / name).c_str());
        ++bad;
      }
    }
    return bad ? 1 : 0;
  }
  std::filesystem::create_directories(dir);
  for (const auto& [name, bytes] : files) {
    std::ofstream out(dir / name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "gen_sync_report_corpus: cannot write %s\n", (dir / name).c_str());
      return 1;
    }
  }
  std::printf("wrote %zu files to %s\n", files.size(), dir.c_str());
  return 0;
}
