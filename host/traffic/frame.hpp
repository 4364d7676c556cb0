// One Ethernet frame as it enters the pipeline: destination MAC first, no preamble, no FCS, and the
// security-group id the core sees on s_axis_tuser.
#pragma once

#include <cstdint>
#include <vector>

namespace conductor {

struct Frame {
  std::vector<uint8_t> bytes;
  uint8_t sg_id = 0;

  friend bool operator==(const Frame&, const Frame&) = default;
};

}  // namespace conductor
