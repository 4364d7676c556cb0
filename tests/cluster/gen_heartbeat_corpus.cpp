// Writes the fuzz_heartbeat seed corpus (tests/fuzz/corpus/heartbeat/): valid reports and one case per
// reject reason. `--check DIR` fails when DIR differs from what would be written.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "tests/cluster/heartbeat_fuzz_input.hpp"
#include "tests/common/corpus_cli.hpp"

namespace {

using namespace conductor;
using namespace conductor::cluster;

std::map<std::string, std::vector<uint8_t>> corpus() {
  std::map<std::string, std::vector<uint8_t>> out;
  const auto key = fuzz::fuzz_key();
  auto with = [&](uint8_t mode, const Heartbeat& hb, auto mutate) {
    const auto a = encode_heartbeat(hb, key);
    std::vector<uint8_t> b(a.begin(), a.end());
    mutate(b);
    b.insert(b.begin(), mode);
    return b;
  };
  const Heartbeat hb{.member = {1, 7},
                     .flags = 0,
                     .incarnation = 0x1234,
                     .sequence = 99,
                     .load = {.cpu_centipercent = 4321, .bps = 12'000'000'000ULL, .connections = 5000}};
  auto none = [](std::vector<uint8_t>&) {};
  out["valid"] = with(0, hb, none);
  Heartbeat leaving = hb;
  leaving.flags = kFlagLeaving | kFlagDrained;
  leaving.load = {};
  out["valid_leaving"] = with(0, leaving, none);
  Heartbeat full = hb;
  full.member = {0, 63};
  full.load = {.cpu_centipercent = 10000, .bps = ~0ULL, .connections = ~0U};
  out["valid_max"] = with(0, full, none);
  out["reject_short"] = with(0, hb, [](std::vector<uint8_t>& b) { b.resize(20); });
  out["reject_long"] = with(0, hb, [](std::vector<uint8_t>& b) { b.push_back(0); });
  out["reject_magic"] = with(fuzz::kModeResign, hb, [](std::vector<uint8_t>& b) { b[1] = 0; });
  out["reject_version"] = with(fuzz::kModeResign, hb, [](std::vector<uint8_t>& b) { b[2] = 2; });
  out["reject_type"] = with(fuzz::kModeResign, hb, [](std::vector<uint8_t>& b) { b[3] = 0; });
  out["reject_member"] = with(fuzz::kModeResign, hb, [](std::vector<uint8_t>& b) { b[5] = 200; });
  out["reject_flags"] = with(fuzz::kModeResign, hb, [](std::vector<uint8_t>& b) { b[6] = 0x80; });
  out["reject_cpu"] = with(fuzz::kModeResign, hb, [](std::vector<uint8_t>& b) { b[16] = 0xFF; });
  out["reject_reserved"] = with(fuzz::kModeResign, hb, [](std::vector<uint8_t>& b) { b[18] = 1; });
  out["reject_tag"] = with(0, hb, [](std::vector<uint8_t>& b) { b[35] ^= 0x40; });
  out["resign_mutated"] = with(fuzz::kModeResign, hb, [](std::vector<uint8_t>& b) { b[27] ^= 0x55; });
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  conductor::test::CorpusArgs args;
  if (auto done =
          conductor::test::parse_corpus_args(argc, argv, "gen_heartbeat_corpus",
                                             "Writes the fuzz_heartbeat seed corpus (tests/fuzz/corpus/heartbeat/): "
                                             "valid reports and one per reject reason.",
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
      if (!in.good() && have.empty()) have.clear();
      if (have != bytes) {
        std::fprintf(stderr, "gen_heartbeat_corpus: %s is stale or missing; rebuild target fuzz_heartbeat_corpus\n",
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
      std::fprintf(stderr, "gen_heartbeat_corpus: cannot write %s\n", (dir / name).c_str());
      return 1;
    }
  }
  std::printf("wrote %zu files to %s\n", files.size(), dir.c_str());
  return 0;
}
