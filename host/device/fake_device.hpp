// A test double: a plain map of 32-bit registers with the ID block of a good core, no data path,
// a log of writes and fault injection. Unit tests of the Controller use it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "common/gen/conductor_regs.hpp"
#include "host/device/device.hpp"

namespace conductor::device {

class FakeDevice final : public Device {
 public:
  FakeDevice() {
    regs[regs::ID_MAGIC_ADDR] = regs::ID_MAGIC_RESET;
    regs[regs::ID_VERSION_ADDR] = regs::ID_VERSION_RESET;
    regs[regs::ID_CAPS_ADDR] = (16u << regs::ID_CAPS_BUCKET_LOG2_MAX_LSB) | (1u << regs::ID_CAPS_LANES_LSB) |
                               (2u << regs::ID_CAPS_MAX_SITES_LSB) | (64u << regs::ID_CAPS_MAX_MEMBERS_LSB);
  }
  std::string_view kind() const override { return "fake"; }
  Status write_reg(uint32_t addr, uint32_t value, uint8_t strb = 0xF) override {
    if (Status s = check_address(addr); !s) return s;
    if (fail_writes.count(addr)) return make_error(Errc::kIo, "fake device: write to " + hex32(addr) + " failed");
    uint32_t m = 0;
    for (int j = 0; j < 4; ++j)
      if (strb & (1u << j)) m |= 0xFFu << (8 * j);
    uint32_t& r = regs[addr];
    r = (r & ~m) | (value & m);
    writes.push_back(addr);
    return ok_status();
  }
  Expected<uint32_t> read_reg(uint32_t addr) override {
    if (Status s = check_address(addr); !s) return s.error();
    if (fail_reads.count(addr)) return make_error(Errc::kIo, "fake device: read of " + hex32(addr) + " failed");
    auto it = regs.find(addr);
    return it == regs.end() ? 0u : it->second;
  }
  Expected<std::vector<FrameResult>> process(const std::vector<TimedFrame>&) override {
    return make_error(Errc::kUnsupported, "fake device: no data path");
  }

  std::map<uint32_t, uint32_t> regs;
  std::vector<uint32_t> writes;
  std::set<uint32_t> fail_writes, fail_reads;
};

}  // namespace conductor::device
