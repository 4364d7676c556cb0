// libFuzzer target for the parser golden model (hls/parser/parser_model.hpp). The input is one raw
// Ethernet frame; the security-group id is derived from its length. Any violated invariant aborts.
// Built as fuzz_parser with -fsanitize=fuzzer,address,undefined when CONDUCTOR_FUZZ=ON, and as the
// corpus replayer fuzz_parser_replay otherwise (tests/fuzz/CMakeLists.txt).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "parser/parser_model.hpp"

namespace {

using conductor::FlowKey;
using conductor::ParseResult;
using conductor::ParseStatus;

[[noreturn]] void fail(const char* what, size_t size) {
  std::fprintf(stderr, "fuzz_parser: invariant violated: %s (frame of %zu bytes)\n", what, size);
  std::abort();
}

bool zero(const std::array<uint8_t, 16>& a, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != 0) return false;
  }
  return true;
}

void check(const ParseResult& r, uint8_t sg, size_t size) {
  const FlowKey& k = r.key;
  if (static_cast<int>(r.status) > static_cast<int>(ParseStatus::kExtLimit)) fail("status out of range", size);
  if (k.sg_id != sg) fail("sg_id not passed through", size);
  if (k.ip_valid == conductor::status_takes_default(r.status)) fail("IP_VALID disagrees with the status", size);
  if (!k.ip_valid) {
    FlowKey empty;
    empty.sg_id = sg;
    if (k != empty) fail("IP_VALID = 0 but a field other than SG_ID is set", size);
  }
  if (k.l4_valid) {
    const bool port_proto =
        k.proto == conductor::kProtoTcp || k.proto == conductor::kProtoUdp || k.proto == conductor::kProtoSctp;
    if (!port_proto) fail("L4_VALID with a protocol that has no ports", size);
    if (k.is_frag) fail("L4_VALID on a fragment", size);
  } else if (k.src_port != 0 || k.dst_port != 0) {
    fail("ports without L4_VALID", size);
  }
  if (k.ip_valid && !k.is_ipv6 && (!zero(k.src_addr, 12) || !zero(k.dst_addr, 12))) {
    fail("IPv4 address with upper bytes set", size);
  }
  if (r.status == ParseStatus::kExtLimit && (!k.is_ipv6 || k.l4_valid))
    fail("ext-limit must be IPv6 without ports", size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t sg = static_cast<uint8_t>(size * 0x9Du);
  const ParseResult r = conductor::parse_frame(data, size, sg);
  check(r, sg, size);
  // Deterministic, and only the 128-byte header window matters.
  const ParseResult again = conductor::parse_frame(data, size, sg);
  if (again.key != r.key || again.status != r.status) fail("not deterministic", size);
  if (size > conductor::kParserWindowBytes) {
    const ParseResult w = conductor::parse_frame(data, conductor::kParserWindowBytes, sg);
    if (w.key != r.key || w.status != r.status) fail("a byte past the 128-byte window changed the result", size);
  }
  return 0;
}
