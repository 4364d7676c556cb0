// Blocking AXI-Lite master for a Verilated top whose register port uses the Vitis HLS names
// (s_axi_control_AWADDR ...). Each call runs the clock until the transaction completes or the
// cycle budget runs out.
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "sim_ctrl.hpp"

namespace conductor::sim {

enum class AxilOrder { kTogether, kAddressFirst, kDataFirst };

struct AxilResult {
  uint32_t data = 0;
  uint8_t resp = 0;  // 0 OKAY, 2 SLVERR, 3 DECERR
  bool timed_out = false;
  bool ok() const { return resp == 0 && !timed_out; }
};

template <class Top>
class AxilMaster {
 public:
  AxilMaster(SimCtrl<Top>& ctrl, uint64_t max_cycles = 1000) : ctrl_(ctrl), max_cycles_(max_cycles) {
    Top& t = ctrl_.top();
    t.s_axi_control_AWVALID = 0;
    t.s_axi_control_WVALID = 0;
    t.s_axi_control_BREADY = 0;
    t.s_axi_control_ARVALID = 0;
    t.s_axi_control_RREADY = 0;
  }

  AxilResult write(uint32_t addr, uint32_t data, uint8_t strb = 0xF, AxilOrder order = AxilOrder::kTogether) {
    Top& t = ctrl_.top();
    bool aw_done = false, w_done = false;
    t.s_axi_control_AWADDR = addr;
    t.s_axi_control_WDATA = data;
    t.s_axi_control_WSTRB = strb;
    t.s_axi_control_BREADY = 1;
    AxilResult r;
    for (uint64_t i = 0; i < max_cycles_; ++i) {
      t.s_axi_control_AWVALID = !aw_done && (order != AxilOrder::kDataFirst || w_done);
      t.s_axi_control_WVALID = !w_done && (order != AxilOrder::kAddressFirst || aw_done);
      t.eval();
      bool aw_fire = t.s_axi_control_AWVALID && t.s_axi_control_AWREADY;
      bool w_fire = t.s_axi_control_WVALID && t.s_axi_control_WREADY;
      bool b_fire = t.s_axi_control_BVALID && t.s_axi_control_BREADY;
      if (b_fire) r.resp = static_cast<uint8_t>(t.s_axi_control_BRESP);
      ctrl_.tick();
      aw_done |= aw_fire;
      w_done |= w_fire;
      if (b_fire) {
        if (!aw_done || !w_done) {
          std::fprintf(stderr, "axil: write response before address and data at 0x%x\n", addr);
          r.resp = 0xFF;
        }
        idle();
        return r;
      }
    }
    idle();
    r.timed_out = true;
    std::fprintf(stderr, "%s: AXI-Lite write 0x%08x timed out\n", ctrl_.name().c_str(), addr);
    return r;
  }

  AxilResult read(uint32_t addr) {
    Top& t = ctrl_.top();
    bool ar_done = false;
    t.s_axi_control_ARADDR = addr;
    t.s_axi_control_RREADY = 1;
    AxilResult r;
    for (uint64_t i = 0; i < max_cycles_; ++i) {
      t.s_axi_control_ARVALID = !ar_done;
      t.eval();
      bool ar_fire = t.s_axi_control_ARVALID && t.s_axi_control_ARREADY;
      bool r_fire = t.s_axi_control_RVALID && t.s_axi_control_RREADY;
      if (r_fire) {
        r.data = t.s_axi_control_RDATA;
        r.resp = static_cast<uint8_t>(t.s_axi_control_RRESP);
      }
      ctrl_.tick();
      ar_done |= ar_fire;
      if (r_fire) {
        idle();
        return r;
      }
    }
    idle();
    r.timed_out = true;
    std::fprintf(stderr, "%s: AXI-Lite read 0x%08x timed out\n", ctrl_.name().c_str(), addr);
    return r;
  }

  // Convenience for benches: a failed access is a broken bench, so it throws.
  void write_ok(uint32_t addr, uint32_t data, uint8_t strb = 0xF) {
    AxilResult r = write(addr, data, strb);
    if (!r.ok()) throw std::runtime_error("AXI-Lite write failed at " + hex(addr));
  }
  uint32_t read_ok(uint32_t addr) {
    AxilResult r = read(addr);
    if (!r.ok()) throw std::runtime_error("AXI-Lite read failed at " + hex(addr));
    return r.data;
  }

 private:
  static std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
  }
  void idle() {
    Top& t = ctrl_.top();
    t.s_axi_control_AWVALID = 0;
    t.s_axi_control_WVALID = 0;
    t.s_axi_control_BREADY = 0;
    t.s_axi_control_ARVALID = 0;
    t.s_axi_control_RREADY = 0;
    t.eval();
  }

  SimCtrl<Top>& ctrl_;
  uint64_t max_cycles_;
};

}  // namespace conductor::sim
