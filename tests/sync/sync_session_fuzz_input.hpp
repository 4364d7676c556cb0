// The fuzz_sync_session input format, shared by the fuzz target (tests/fuzz/fuzz_sync_session.cpp) and
// its seed corpus generator (gen_sync_session_corpus): a sequence of chunks, each
//   op (1 byte): bit 0 re-sign the frame with the fuzz key (past the tag check into the session);
//                bits 1..7 advance the fake clock by that many milliseconds before the frame
//   length (2 bytes, big-endian), then that many bytes: a UDP payload for the session.
// A chunk whose length runs past the end takes what is left. The session is member 1 site 0 of the
// fuzz cluster, listening to member 2 site 0 (tests/sync/sync_fuzz_input.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "host/sync/session.hpp"
#include "tests/sync/sync_fuzz_input.hpp"

namespace conductor::sync::fuzz {

inline SessionConfig fuzz_session_config() {
  SessionConfig c;
  c.cluster_id = kFuzzCluster;
  c.self = member_byte(1, 0);
  c.peer = member_byte(2, 0);
  c.key = fuzz_key();
  c.max_missing = 256;
  c.log = [](std::string_view) {};
  return c;
}

inline void append_chunk(std::vector<uint8_t>& input, uint8_t op, const std::vector<uint8_t>& frame) {
  input.push_back(op);
  input.push_back(static_cast<uint8_t>(frame.size() >> 8));
  input.push_back(static_cast<uint8_t>(frame.size()));
  input.insert(input.end(), frame.begin(), frame.end());
}

}  // namespace conductor::sync::fuzz
