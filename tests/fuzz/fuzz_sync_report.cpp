// libFuzzer target for the member sync report decoder (host/cluster/sync_report_wire.hpp). The input is
// a mode byte and a UDP payload (tests/cluster/sync_report_fuzz_input.hpp); mode bit 0 re-signs the
// payload with the fuzz key so the fuzzer reaches the checks behind the tag. Any violated invariant
// aborts:
//   - decoding never crashes, and a reject carries a reason in range and a one-line message;
//   - an accepted report re-encodes to exactly the input bytes and decodes again to the same report.
// Seeds: tests/fuzz/corpus/sync_report/, written by gen_sync_report_corpus (tests/cluster/).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "tests/cluster/sync_report_fuzz_input.hpp"

namespace {
[[noreturn]] void fail(const char* what, size_t size) {
  std::fprintf(stderr, "fuzz_sync_report: invariant violated: %s (input of %zu bytes)\n", what, size);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace conductor::cluster;
  if (size < 1) return 0;
  std::vector<uint8_t> payload(data + 1, data + size);
  if (data[0] & fuzz::kModeResign) fuzz::resign_sync_report(payload, fuzz::fuzz_key());
  auto d = decode_sync_report(payload, fuzz::fuzz_key());
  if (!d) {
    if (static_cast<size_t>(d.error().reason) >= kSyncReportRejectCount) fail("reason out of range", size);
    if (d.error().message.empty() || d.error().message.find('\n') != std::string::npos)
      fail("reject message not one line", size);
    return 0;
  }
  const auto again = encode_sync_report(*d, fuzz::fuzz_key());
  if (again != payload) fail("re-encoded bytes differ", size);
  auto back = decode_sync_report(again, fuzz::fuzz_key());
  if (!back || !(*back == *d)) fail("round trip changed the report", size);
  return 0;
}
