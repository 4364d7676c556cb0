// libFuzzer target for HyperSync's receive session (host/sync/session.hpp) on top of the codec: a
// sequence of frames with clock steps (tests/sync/sync_session_fuzz_input.hpp) goes into a Session and
// its BackupStore; timers fire at their deadlines. Any violated invariant aborts:
//   - nothing crashes; the missing-sequence set never exceeds max_missing;
//   - every frame the session emits decodes at the primary (valid ACK/NACK frames, fresh sequences);
//   - every ACK acknowledges a range of the source's current epoch with first <= last, never past
//     the highest sequence accepted;
//   - next_deadline() is never in the past after on_timer() ran at `now`, except "at once" (ACK).
// Built as fuzz_sync_session with libFuzzer when CONDUCTOR_FUZZ=ON, else as the corpus replayer.
// Seeds: tests/fuzz/corpus/sync_session/, written by gen_sync_session_corpus (tests/sync/).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "host/sync/backup_store.hpp"
#include "host/sync/session.hpp"
#include "tests/sync/sync_session_fuzz_input.hpp"

namespace {

using namespace conductor::sync;

[[noreturn]] void fail(const char* what, size_t size) {
  std::fprintf(stderr, "fuzz_sync_session: invariant violated: %s (input of %zu bytes)\n", what, size);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const SessionConfig cfg = fuzz::fuzz_session_config();
  BackupStore store;
  Session session(cfg, store);
  // The primary's view of the session's frames.
  Membership primary;
  primary.cluster_id = cfg.cluster_id;
  primary.self = cfg.peer;
  primary.add(cfg.peer);
  primary.add(cfg.self);
  const KeyRing keys = fuzz::fuzz_keys();
  ReplayState replay;
  TimePoint now{};
  size_t at = 0;
  auto check_output = [&] {
    for (const auto& b : session.take_output()) {
      auto f = decode_frame(b, keys, replay, primary);
      if (!f) fail("the session emitted a frame the primary rejects", size);
      for (const Record& r : f->records) {
        if (r.type == RecordType::kAck) {
          if (r.first_seq > r.last_seq || r.last_seq > session.highest() || r.epoch != session.source_epoch()) {
            fail("ACK outside what was received", size);
          }
        } else if (r.type != RecordType::kNack) {
          fail("the session sent a record other than ACK/NACK", size);
        }
      }
    }
  };
  while (at + 3 <= size) {
    const uint8_t op = data[at];
    size_t len = (size_t{data[at + 1]} << 8) | data[at + 2];
    at += 3;
    if (len > size - at) len = size - at;
    std::vector<uint8_t> frame(data + at, data + at + len);
    at += len;
    now += std::chrono::milliseconds{op >> 1};
    if (op & 1) fuzz::resign(frame, fuzz::fuzz_key());
    if (session.next_deadline() <= now) session.on_timer(now);
    check_output();
    session.on_frame(now, frame.data(), frame.size());
    check_output();
    if (session.missing() > cfg.max_missing) fail("missing set above max_missing", size);
    const TimePoint d = session.next_deadline();
    if (d != TimePoint::min() && d < now) fail("a deadline in the past after the session ran", size);
  }
  // Let every timer run out: retries end in a full-sync request, nothing loops forever.
  for (int i = 0; i < 64 && session.next_deadline() != kNever; ++i) {
    now = std::max(now, session.next_deadline());
    session.on_timer(now);
    check_output();
  }
  (void)store.snapshot(cfg.peer);
  return 0;
}
