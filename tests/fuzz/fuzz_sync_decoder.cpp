// libFuzzer target for the sync_decoder golden model (hls/sync_decoder), checked against the host codec
// (host/sync decode_frame) on every input. The input is fuzz_sync's (tests/sync/sync_fuzz_input.hpp): a
// mode byte and a UDP payload, with the same receiver (cluster 7, member 1 of site 0, keys in slots 0
// and 1); mode bit 0 re-signs, bit 1 pre-accepts, and bit 2 takes the bytes as a whole Ethernet frame
// instead of wrapping them in Ethernet/IPv4/UDP 8116 (the NOT_SYNC checks). Any violated invariant
// aborts:
//   - the model never crashes or reads out of bounds, and takes its verdict as decode_frame does (the
//     same §8 reason, or both accept) whenever the frame is a sync frame at all;
//   - an accepted frame gives one op per flow record, equal to the record decode_frame returns;
//   - a rejected frame changes no replay window (the window it names is the same before and after);
//   - an accepted frame sent again is kReplayed.
// Built as fuzz_sync_decoder with -fsanitize=fuzzer,address,undefined when CONDUCTOR_FUZZ=ON, and as
// the corpus replayer fuzz_sync_decoder_replay otherwise (tests/fuzz/CMakeLists.txt). Seeds: fuzz_sync's
// (tests/fuzz/corpus/sync/, written by gen_sync_corpus).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "tests/sync/sync_fuzz_input.hpp"
#include "tests/sync_decoder/sync_decoder_testing.hpp"

namespace {

using namespace conductor;
using sync_decoder::Reject;

constexpr uint8_t kModeFrame = 0x04;

[[noreturn]] void fail(const char* what, size_t size) {
  std::fprintf(stderr, "fuzz_sync_decoder: invariant violated: %s (input of %zu bytes)\n", what, size);
  std::abort();
}

sync_decoder::SyncDecoderConfig fuzz_config() {
  sync_decoder::SyncDecoderConfig c;
  const sync::Membership m = sync::fuzz::fuzz_membership();
  c.cluster_id = m.cluster_id;
  c.self = m.self;
  for (unsigned b = 0; b < 128; ++b)
    if (m.contains(static_cast<uint8_t>(b))) c.add_member(static_cast<uint8_t>(b));
  c.keys[0] = {true, sync::fuzz::fuzz_key()};
  c.keys[1] = {true, sync::fuzz::other_key()};
  return c;
}

struct Run {
  std::unique_ptr<sync_decoder::SyncDecoderModel> model = std::make_unique<sync_decoder::SyncDecoderModel>();
  sync::ReplayState replay;
  const sync::KeyRing keys = sync::fuzz::fuzz_keys();
  const sync::Membership members = sync::fuzz::fuzz_membership();
  Run() { model->configure(fuzz_config()); }

  Reject feed(const std::vector<uint8_t>& frame, size_t size) {
    const auto pl = sync_decoder::testing::payload(frame);
    const uint8_t src = pl.size() > sync::kOffSource ? pl[sync::kOffSource] : 0;
    const bool bcast = pl.size() > sync::kOffDestination && pl[sync::kOffDestination] == sync::kBroadcast;
    const sync_decoder::ReplayWindow before = model->window(src, bcast);
    const Reject r = model->receive(frame.data(), static_cast<unsigned>(frame.size()));
    std::vector<sync_decoder::OpWord> ops;
    for (; model->op_ready(); model->pop_op()) ops.push_back(model->op());
    if (r != Reject::kNone) {
      const auto& after = model->window(src, bcast);
      if (!ops.empty()) fail("a rejected frame emitted ops", size);
      if (after.valid != before.valid || after.epoch != before.epoch || after.highest != before.highest ||
          after.seen != before.seen)
        fail("a rejected frame moved its replay window", size);
    }
    if (r == Reject::kNotSync) return r;
    auto d = sync::decode_frame(pl, keys, replay, members);
    const Reject want = d ? Reject::kNone : sync_decoder::testing::from_host(d.error().reason);
    if (r != want) fail("the model's verdict differs from decode_frame's", size);
    if (!d) return r;
    size_t k = 0;
    const bool fs = d->header.flags & sync::kFlagFullSync;
    for (const auto& rec : d->records) {
      if (!sync::is_flow_record(rec.type)) continue;
      if (k >= ops.size() || !(ops[k] == sync_decoder::testing::expected_op(rec, d->header.source, fs,
                                                                            d->header.destination == sync::kBroadcast)))
        fail("an op differs from the decoded record", size);
      ++k;
    }
    if (k != ops.size()) fail("more ops than flow records", size);
    return r;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  std::vector<uint8_t> bytes(data + 1, data + size);
  std::vector<uint8_t> frame;
  if (mode & kModeFrame) {
    frame = bytes;
  } else {
    if (mode & sync::fuzz::kModeResign) sync::fuzz::resign(bytes, sync::fuzz::fuzz_key());
    frame = sync_decoder::testing::wrap(bytes);
  }
  static Run* run = nullptr;  // one model (about 40 KB of op storage), fresh state per input
  if (!run) run = new Run;
  run->model->clear_replay();
  run->model->clear_counters();
  run->replay = sync::ReplayState{};
  if (mode & sync::fuzz::kModePreAccept) run->feed(frame, size);
  if (run->feed(frame, size) == Reject::kNone && run->feed(frame, size) != Reject::kReplayed)
    fail("an accepted frame sent again is not kReplayed", size);
  return 0;
}
