// The Verilated back end: conductor_core (RtlCore) in-process, cycle-accurate. Every register
// access is an AXI-Lite transaction on the core's port; SLVERR is an error.
#pragma once

#include <memory>

#include "host/device/device.hpp"

namespace conductor {
class RtlCore;
struct RtlCoreOptions;
}  // namespace conductor

namespace conductor::device {

class SimDevice final : public Device {
 public:
  SimDevice();
  explicit SimDevice(const RtlCoreOptions& options);  // idle / back-pressure pattern (conductor sim)
  ~SimDevice() override;
  std::string_view kind() const override { return "sim"; }
  Status write_reg(uint32_t addr, uint32_t value, uint8_t strb = 0xF) override;
  Expected<uint32_t> read_reg(uint32_t addr) override;
  Expected<std::vector<FrameResult>> process(const std::vector<TimedFrame>& frames) override;

  RtlCore& core() { return *core_; }
  uint64_t cycles() const;  // clock cycles simulated so far

 private:
  std::unique_ptr<RtlCore> core_;
};

}  // namespace conductor::device
