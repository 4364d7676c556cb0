// Compiled as C++17 (tests/sync/CMakeLists.txt): the HyperSync headers stay C++17-clean, because the
// sync_encoder HLS kernel includes hls/common/hypersync_wire.hpp and siphash.hpp under C++17 (and the
// kernel's tests use the codec types).
#include "common/hypersync_wire.hpp"
#include "common/siphash.hpp"
#include "host/sync/codec.hpp"

#if __cplusplus != 201703L
#error "this translation unit must be compiled as C++17"
#endif

namespace conductor::sync {
static_assert(siphash24(SipKey{}, nullptr, 0) == siphash24(SipKey{}, nullptr, 0), "constexpr in C++17");
static_assert(record_bytes(RecordType::kUpdateV4) == 24, "IPv4 delta record");
}  // namespace conductor::sync
