// libFuzzer target for the HyperSync frame decoder (host/sync/codec.hpp). The input is a mode byte and a
// UDP payload (tests/sync/sync_fuzz_input.hpp); mode bit 0 re-signs the payload with the fuzz key so the
// fuzzer reaches the record parser. Any violated invariant aborts:
//   - decoding never crashes, and a reject carries a reason in range and a one-line message;
//   - an accepted frame re-encodes (same header, records, key) to exactly the input bytes, decodes
//     again into the same header and records, and the same bytes a second time are kReplayed.
// Built as fuzz_sync with -fsanitize=fuzzer,address,undefined when CONDUCTOR_FUZZ=ON, and as the corpus
// replayer fuzz_sync_replay otherwise (tests/fuzz/CMakeLists.txt). Seeds: tests/fuzz/corpus/sync/,
// written by gen_sync_corpus (tests/sync/).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "host/sync/codec.hpp"
#include "tests/sync/sync_fuzz_input.hpp"

namespace {

using namespace conductor::sync;

[[noreturn]] void fail(const char* what, size_t size) {
  std::fprintf(stderr, "fuzz_sync: invariant violated: %s (input of %zu bytes)\n", what, size);
  std::abort();
}

void check_reject(const SyncReject& r, size_t size) {
  if (static_cast<size_t>(r.reason) >= kSyncRxErrorCount) fail("reason out of range", size);
  if (r.message.empty() || r.message.find('\n') != std::string::npos) fail("reject message not one line", size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  std::vector<uint8_t> frame(data + 1, data + size);
  if (mode & fuzz::kModeResign) fuzz::resign(frame, fuzz::fuzz_key());
  const KeyRing keys = fuzz::fuzz_keys();
  const Membership members = fuzz::fuzz_membership();
  ReplayState replay;
  if (mode & fuzz::kModePreAccept) {
    auto first = decode_frame(frame, keys, replay, members);
    if (!first) check_reject(first.error(), size);
  }
  auto d = decode_frame(frame, keys, replay, members);
  if (!d) {
    check_reject(d.error(), size);
    return 0;
  }
  const SipKey& key = *keys.slots[d->header.key_number];
  auto again = encode_frame(d->header, d->records, key);
  if (!again) fail("an accepted frame does not encode", size);
  if (*again != frame) fail("re-encoded bytes differ", size);
  ReplayState fresh;
  auto back = decode_frame(*again, keys, fresh, members);
  if (!back) fail("a re-encoded frame does not decode", size);
  if (!(back->header == d->header) || back->records != d->records) fail("round trip changed the frame", size);
  auto replayed = decode_frame(*again, keys, fresh, members);
  if (replayed || replayed.error().reason != SyncRxError::kReplayed)
    fail("the same frame twice is not kReplayed", size);
  return 0;
}
