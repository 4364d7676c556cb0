// Helpers shared by the configuration tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "host/config/parser.hpp"

namespace conductor::config::test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string example_text() { return read_file(CONDUCTOR_CONFIG_EXAMPLE); }

// The smallest valid configuration: one site and the sync key (3 lines).
inline constexpr const char* kMinimal =
    "[site 0]\n"
    "[sync]\n"
    "key = 00112233445566778899aabbccddeeff\n";

inline std::string diagnostics(const ParseResult& r) {
  std::string out;
  for (const Diagnostic& d : r.errors) out += d.to_string() + "\n";
  return out;
}

}  // namespace conductor::config::test
