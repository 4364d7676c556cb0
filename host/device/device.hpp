// The one Device interface of the host (docs/architecture.md rule 5): the control plane reads and writes the
// core's registers (rtl/csr/conductor.regs, absolute byte addresses of the AXI-Lite port) through
// it and never knows which back end it drives. Back ends are small classes injected at start
// (Katran's BaseBpfAdapter pattern):
//   sim   SimDevice   (sim_device.hpp)   the Verilated conductor_core in-process, cycle-accurate
//   soft  SoftDevice  (soft_device.hpp)  CoreModel (the HLS C++) behind a register file that decodes
//                                        the same addresses, so both answer every access the same
//   tests FakeDevice  (fake_device.hpp)  a plain register map with fault injection
//
// Addresses: word-aligned, below 2^20 (the core's 20-bit AXI-Lite port). An unaligned or
// out-of-range address is rejected before it reaches a back end; an address that no register or
// window decodes is an error, as the RTL's SLVERR.
//
//   auto dev = make_device(config::DeviceType::kSoft);
//   if (Status s = check_identity(**dev); !s) die(s.error().message);   // before programming anything
//   dev->write_reg(regs::STEER_SITE_UP_ADDR, 3);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.hpp"
#include "host/traffic/frame.hpp"

namespace conductor::device {

inline constexpr uint32_t kAddressBits = 20;  // conductor_core's AXI-Lite port

// The ID block (block 0), as read from a device.
struct Identity {
  uint32_t magic = 0;
  uint32_t version = 0;
  uint32_t build_hash = 0;
  uint32_t caps = 0;

  uint32_t version_major() const { return version >> 16; }
  uint32_t version_minor() const { return version & 0xFFFF; }
  uint32_t bucket_log2_max() const;
  uint32_t lanes() const;
  uint32_t max_sites() const;
  uint32_t max_members() const;
  std::string to_string() const;  // "magic CNDR version 1.0 build 1a2b3c4d buckets 2^16 lanes 1 sites 2 members 64"
};

// One frame's answer from the data path (STEER_META as the tests and drills need it).
struct FrameResult {
  uint8_t site = 0;
  uint8_t member = 0;
  bool deliver = false;
  uint8_t action = 0;  // STEER_META.ACTION: 0 new, 1 hit, 2 corrected, 3 failover
  friend bool operator==(const FrameResult&, const FrameResult&) = default;
};

struct TimedFrame {
  Frame frame;
  uint32_t time = 0;  // timestamp ticks (s_axis_tuser[39:8])
};

class Device {
 public:
  virtual ~Device() = default;

  // "sim", "soft", "fake".
  virtual std::string_view kind() const = 0;

  // strb: byte enables (bit j = byte j), as WSTRB.
  virtual Status write_reg(uint32_t addr, uint32_t value, uint8_t strb = 0xF) = 0;
  virtual Expected<uint32_t> read_reg(uint32_t addr) = 0;

  // Runs frames through the data path in order (drills and tests: the daemon's `traffic` command).
  // Back ends without a data path answer kUnsupported.
  virtual Expected<std::vector<FrameResult>> process(const std::vector<TimedFrame>& frames) = 0;

  // Reads the ID block.
  Expected<Identity> identity();
};

// The register blocks conductor_core decodes (its crossbar, rtl/core/conductor_core.sv): id,
// parser, dist_hash, flow_table, steer, sync_encoder and sync_decoder. An address of no block gets
// SLVERR.
bool in_core(std::string_view block);

// Rejects addresses a back end must never see: unaligned or beyond the 20-bit port.
Status check_address(uint32_t addr);

// What the host needs before it programs anything: magic 'CNDR', the register-map major version
// this build was generated from, at least 2 sites and 64 members per site, and a bucket table that
// holds `buckets` entries. The error names the device kind, what was read and what was expected.
Status check_identity(const Identity& id, std::string_view kind, uint32_t buckets);

std::string hex32(uint32_t v);  // "0x0001a2b3"

}  // namespace conductor::device
