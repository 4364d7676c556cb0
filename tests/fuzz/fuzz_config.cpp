// libFuzzer target for the cluster configuration parser (host/config/parser.hpp). The input is a
// configuration file's text. Any violated invariant aborts:
//   - parse_config() returns a configuration exactly when it reports no error;
//   - every error names a line that exists (or 0 for the whole file), in line order, printable;
//   - a parsed configuration written back with to_text() parses to the same model, and diff()
//     between the two is empty.
// Built as fuzz_config with -fsanitize=fuzzer,address,undefined when CONDUCTOR_FUZZ=ON, and as the
// corpus replayer fuzz_config_replay otherwise (tests/fuzz/CMakeLists.txt).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "host/config/diff.hpp"
#include "host/config/parser.hpp"

namespace {

using conductor::config::Diagnostic;
using conductor::config::ParseResult;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_config: invariant violated: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const conductor::config::ParseOptions options;
  const ParseResult r = conductor::config::parse_config(text, "fuzz.conf", options);
  if (r.ok() != r.errors.empty()) fail("ok() disagrees with the error list", r.errors_text());
  if (r.errors.size() > options.max_errors + 1) fail("more errors than the limit", r.errors_text());

  uint32_t lines = static_cast<uint32_t>(std::count(text.begin(), text.end(), '\n'));
  if (!text.empty() && text.back() != '\n') ++lines;
  uint32_t last = 0;
  for (size_t i = 0; i < r.errors.size(); ++i) {
    const Diagnostic& d = r.errors[i];
    if (d.line > lines) fail("error on a line past the end", d.to_string());
    if (d.message.empty()) fail("empty error message", d.to_string());
    for (char c : d.message)
      if (c < 0x20 || c >= 0x7f) fail("unprintable error message", d.to_string());
    const bool dropped_note = i + 1 == r.errors.size() && d.message.find("not shown") != std::string::npos;
    if (!dropped_note) {
      if (d.line < last) fail("errors out of line order", r.errors_text());
      last = d.line;
    }
  }

  if (r.ok()) {
    const std::string again = conductor::config::to_text(*r.config);
    const ParseResult r2 = conductor::config::parse_config(again, "again.conf");
    if (!r2.ok()) fail("to_text() output does not parse", r2.errors_text() + again);
    if (!(*r2.config == *r.config)) fail("to_text() does not round-trip", again);
    if (!conductor::config::diff(*r.config, *r2.config).empty()) fail("diff of equal configurations", again);
  }
  return 0;
}
