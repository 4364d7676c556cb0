// Helpers shared by the election tests (GoogleTest side): addresses, printers; the wire vectors are in
// vrrp_vectors.hpp.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "host/election/vrrp_codec.hpp"
#include "host/election/vrrp_fsm.hpp"
#include "vrrp_vectors.hpp"

namespace conductor::election {

// Readable GoogleTest failure messages (found by argument-dependent lookup).
inline void PrintTo(ActionKind k, std::ostream* os) { *os << action_kind_name(k); }
inline void PrintTo(Reason r, std::ostream* os) { *os << reason_name(r); }
inline void PrintTo(State s, std::ostream* os) { *os << state_name(s); }
inline void PrintTo(RxError e, std::ostream* os) { *os << rx_error_name(e); }
inline void PrintTo(ChecksumForm f, std::ostream* os) { *os << checksum_form_name(f); }
inline void PrintTo(const IpAddress& a, std::ostream* os) { *os << a.to_string(); }

}  // namespace conductor::election

namespace conductor::election::test {

inline IpAddress ip(std::string_view text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.ok()) << text;
  return a ? *a : IpAddress{};
}

}  // namespace conductor::election::test
