// A bench around one Verilated sync_decoder (rtl/sync_decoder) and the golden model
// SyncDecoderModel (hls/sync_decoder): frames go to both (the model judges each frame when the RTL
// accepts its last beat, which is all its contract needs), every FLOW_OP word on m_op is compared
// with the model's, and the counters are read back over AXI-Lite.
#pragma once

#include <verilated.h>

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "Vsync_decoder.h"
#include "axil_master.hpp"
#include "axis.hpp"
#include "frames.hpp"
#include "ports.hpp"
#include "scoreboard.hpp"
#include "sim_ctrl.hpp"
#include "tests/sync_decoder/sync_decoder_testing.hpp"

namespace conductor::sync_decoder::sim_bench {

using sim::AxisBeat;
using OpItem = std::vector<uint32_t>;  // FLOW_OP, 16 little-endian words

inline std::string describe(const OpItem& w) {
  std::string s;
  char buf[16];
  for (size_t i = w.size(); i-- > 0;) {
    std::snprintf(buf, sizeof buf, "%08x", w[i]);
    s += buf;
  }
  return s;
}

inline OpItem op_words(const OpWord& w) {
  OpItem out(16);
  for (int i = 0; i < 16; ++i) out[i] = static_cast<uint32_t>(w.range(32 * i + 31, 32 * i).to_uint64());
  return out;
}

class Bench {
 public:
  Bench(uint64_t seed, const SyncDecoderConfig& cfg, int idle_percent = 0, int ready_percent = 100)
      : ctx_(new_context(seed)),
        top_(std::make_unique<Vsync_decoder>(ctx_.get())),
        sim(*top_, top_->ap_clk, top_->ap_rst_n, "sync_decoder_cosim"),
        axil(sim),
        src(sim::AxisSourcePorts{[this](const AxisBeat& b, bool v) {
                                   sim::set_port(top_->s_axis_TDATA, b.data);
                                   top_->s_axis_TKEEP = b.keep;
                                   top_->s_axis_TLAST = b.last;
                                   top_->s_axis_TVALID = v;
                                 },
                                 [this] { return top_->s_axis_TREADY != 0; }},
            seed * 3 + 1, idle_percent),
        sink(sim::AxisSinkPorts{[this] { return top_->m_op_TVALID != 0; },
                                [this] {
                                  AxisBeat b;
                                  b.data = sim::get_port(top_->m_op_TDATA);
                                  return b;
                                },
                                [this](bool r) { top_->m_op_TREADY = r; }},
             seed * 5 + 2, ready_percent),
        ops("ops", describe),
        model(std::make_unique<SyncDecoderModel>()) {
    sim.add(&src);
    sim.add(&sink);
    sim.reset();
    program(cfg);
    src.on_fire = [this](const AxisBeat& b) {
      const uint64_t t = sim.cycle() - 1;  // the handshake's clock
      if (frame_first_) first_beat_cycles.push_back(t);
      frame_first_ = b.last;
      if (!b.last) return;
      last_beat_cycles.push_back(t);
      const std::vector<uint8_t>& f = pending_.front();
      verdicts.push_back(model->receive(f.data(), static_cast<unsigned>(f.size())));
      pending_.pop_front();
      while (model->op_ready()) {
        ops.expect(op_words(model->op()));
        model->pop_op();
      }
    };
    sink.on_beat = [this](const AxisBeat& b) {
      op_cycles.push_back(sim.cycle());
      ops.step(b.data);
    };
  }

  static std::unique_ptr<VerilatedContext> new_context(uint64_t seed) {
    auto ctx = std::make_unique<VerilatedContext>();
    ctx->randReset(2);  // random initial register contents (built with --x-initial unique)
    ctx->randSeed(static_cast<int>(seed & 0x7FFFFFFF));
    return ctx;
  }

  void program(const SyncDecoderConfig& c) {
    for (const auto& [off, val] : register_writes(c)) axil.write_ok(off, val);
    model->configure(c);
  }

  void push(const std::vector<uint8_t>& frame) {
    pending_.push_back(frame);
    for (auto& b : sim::frame_to_beats(frame.data(), frame.size(), {})) src.push(std::move(b));
  }

  // Runs until every frame is in, judged and its ops out, plus a few clocks for the counters.
  bool drain(uint64_t max_cycles = 4'000'000) {
    if (!sim.run_until([this] { return src.idle() && ops.outstanding() == 0 && top_->s_axis_TREADY; }, max_cycles,
                       "drain"))
      return ops.outstanding() > 0 && src.idle();  // ops the RTL never emits: the scoreboard reports them
    uint64_t n = 0;
    return sim.run_until([&n] { return ++n > 4; }, 10);
  }

  SyncDecoderCounters rtl_counters() {
    return counters_from_regs([this](uint32_t off) { return axil.read_ok(off); });
  }

  Vsync_decoder& top() { return *top_; }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vsync_decoder> top_;

 public:
  sim::SimCtrl<Vsync_decoder> sim;
  sim::AxilMaster<Vsync_decoder> axil;
  sim::AxisSource src;
  sim::AxisSink sink;
  sim::Scoreboard<OpItem> ops;
  std::unique_ptr<SyncDecoderModel> model;
  std::vector<Reject> verdicts;             // the model's, per frame in order
  std::vector<uint64_t> first_beat_cycles;  // handshake clock of every frame's first beat
  std::vector<uint64_t> last_beat_cycles;   // and of its last
  std::vector<uint64_t> op_cycles;          // handshake clock of every op

 private:
  std::deque<std::vector<uint8_t>> pending_;
  bool frame_first_ = true;
};

}  // namespace conductor::sync_decoder::sim_bench
