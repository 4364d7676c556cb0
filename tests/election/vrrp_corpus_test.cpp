// The checked-in fuzz seeds (tests/fuzz/corpus/vrrp/) are valid adverts in their input mode, so the
// fuzzer starts from inputs that reach the fields and the state machine, not only the rejections.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "vrrp_fuzz_input.hpp"
#include "vrrp_test_util.hpp"

namespace conductor::election {
namespace {

TEST(VrrpFuzzCorpus, EverySeedIsAnAcceptedAdvert) {
  namespace fs = std::filesystem;
  size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(CONDUCTOR_VRRP_CORPUS_DIR)) {
    std::ifstream f(entry.path(), std::ios::binary);
    const std::vector<uint8_t> input((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<uint8_t> bytes;
    std::span<const uint8_t> message;
    auto rx = fuzz::decode_input(input, bytes, message);
    EXPECT_TRUE(rx.ok()) << entry.path() << ": " << (rx.ok() ? "" : rx.error().message);
    if (rx) {
      EXPECT_FALSE(message.empty());
    }
    ++seen;
  }
  EXPECT_GE(seen, 10u);
}

}  // namespace
}  // namespace conductor::election
