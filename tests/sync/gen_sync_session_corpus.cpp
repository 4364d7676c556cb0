// Writes the fuzz_sync_session seed corpus (tests/fuzz/corpus/sync_session/): sequences of frames a real
// Sender produced (tests/sync/sync_session_fuzz_input.hpp format): in order, with losses (gaps and a
// lost tail), reordered and duplicated, a full sync, resends answering NACKs, a primary restart (new
// epoch), and a frame with a bad tag.
//   gen_sync_session_corpus <dir>          write the files
//   gen_sync_session_corpus --check <dir>  exit 1 when a file is missing or differs (CTest)
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "host/sync/sender.hpp"
#include "tests/common/corpus_cli.hpp"
#include "tests/sync/sync_session_fuzz_input.hpp"
#include "tests/sync/sync_test_util.hpp"

namespace {

using namespace conductor::sync;
using namespace std::chrono_literals;

SenderConfig primary(uint32_t epoch) {
  SenderConfig c;
  c.cluster_id = fuzz::kFuzzCluster;
  c.self = member_byte(2, 0);
  c.destination = member_byte(1, 0);
  c.epoch = epoch;
  c.key = fuzz::fuzz_key();
  c.delay = Duration{0};
  c.log = [](std::string_view) {};
  return c;
}

// Frames of a primary that starts, adds `n` connections (a sixth IPv6), updates and deletes some.
std::vector<std::vector<uint8_t>> session_frames(uint32_t epoch, uint32_t n, TimePoint t0 = TimePoint{}) {
  Sender s(primary(epoch));
  s.start(t0);
  TimePoint now = t0;
  for (uint32_t i = 0; i < n; ++i) {
    const FlowKey k = i % 6 == 5 ? test::sample_key_v6(i) : test::sample_key_v4(i);
    s.on_new(now, k, test::sample_value(i), now);
    if (i % 7 == 3) s.on_update(now, k, test::sample_value(i + 1000));
    if (i % 11 == 4) s.on_delete(now, k);
    if (i % 10 == 9) {
      now += 1ms;
      s.on_timer(now);
    }
  }
  now += 1ms;
  s.on_timer(now);
  now += 100ms;
  s.on_timer(now);  // a heartbeat
  return s.take_output();
}

std::vector<uint8_t> sequence(const std::vector<std::vector<uint8_t>>& frames, const std::vector<size_t>& order,
                              uint8_t step_ms = 1) {
  std::vector<uint8_t> in;
  for (size_t i : order) fuzz::append_chunk(in, static_cast<uint8_t>(step_ms << 1), frames.at(i));
  return in;
}

std::vector<std::pair<std::string, std::vector<uint8_t>>> cases() {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> c;
  const auto f = session_frames(1, 150);
  std::vector<size_t> all;
  for (size_t i = 0; i < f.size(); ++i) all.push_back(i);
  c.emplace_back("in_order", sequence(f, all));
  std::vector<size_t> gaps;
  for (size_t i = 0; i < f.size(); ++i) {
    if (i % 3 != 1) gaps.push_back(i);
  }
  c.emplace_back("gaps", sequence(f, gaps, 5));
  std::vector<size_t> reordered = all;
  for (size_t i = 1; i + 1 < reordered.size(); i += 2) std::swap(reordered[i], reordered[i + 1]);
  reordered.push_back(2);  // and a duplicate
  c.emplace_back("reordered_duplicate", sequence(f, reordered));
  std::vector<size_t> tail(all.begin(), all.end() - 3);
  tail.push_back(all.back());  // the heartbeat reveals the lost tail
  c.emplace_back("lost_tail", sequence(f, tail, 30));
  // Joining late: the first frame heard is not sequence 1 (asks for a full sync).
  c.emplace_back("join_late", sequence(f, std::vector<size_t>(all.begin() + 2, all.end())));
  // A primary restart: epoch 2 after epoch 1.
  const auto g = session_frames(2, 40);
  auto restart = sequence(f, all);
  const auto second = sequence(g, [&] {
    std::vector<size_t> v;
    for (size_t i = 0; i < g.size(); ++i) v.push_back(i);
    return v;
  }());
  restart.insert(restart.end(), second.begin(), second.end());
  c.emplace_back("new_epoch", restart);
  // A resend answering a NACK (a sender that received one).
  {
    Sender s(primary(1));
    s.start(TimePoint{});
    for (uint32_t i = 0; i < 70; ++i) s.on_new(TimePoint{}, test::sample_key_v4(i), i, TimePoint{});
    s.on_timer(TimePoint{} + 1ms);
    FrameHeader h;
    h.cluster_id = fuzz::kFuzzCluster;
    h.source = member_byte(1, 0);
    h.destination = member_byte(2, 0);
    h.epoch = 1;
    h.sequence = 1;
    auto nack = *encode_frame(h, {nack_record(1, 2, 2)}, fuzz::fuzz_key());
    s.on_delete(TimePoint{} + 2ms, test::sample_key_v4(3));
    s.on_frame(TimePoint{} + 2ms, nack.data(), nack.size());
    auto out = s.take_output();  // [full sync, frame 2, frame 3, resend of 2]
    c.emplace_back("nack_resend", sequence(out, {0, 2, 3}, 2));
  }
  // A corrupted tag, then the same frame re-signed by the fuzzer's mode bit.
  {
    std::vector<uint8_t> in;
    auto bad = f.at(0);
    bad.back() ^= 1;
    fuzz::append_chunk(in, 2, bad);
    fuzz::append_chunk(in, 3, bad);
    c.emplace_back("resign", in);
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  conductor::test::CorpusArgs args;
  if (auto done = conductor::test::parse_corpus_args(
          argc, argv, "gen_sync_session_corpus",
          "Writes the fuzz_sync_session seed corpus (tests/fuzz/corpus/sync_session/): frame sequences a real Sender "
          "produced.",
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
      if (!in.good() && !in.eof()) {
        std::fprintf(stderr, "gen_sync_session_corpus: %s is missing\n", path.c_str());
        ++stale;
      } else if (have != bytes) {
        std::fprintf(stderr,
                     "gen_sync_session_corpus: %s is stale (regenerate: cmake --build <build> --target "
                     "fuzz_sync_session_corpus)\n",
                     path.c_str());
        ++stale;
      }
      continue;
    }
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "gen_sync_session_corpus: cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return stale ? 1 : 0;
}
