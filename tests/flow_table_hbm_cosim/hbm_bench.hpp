// A bench around one Verilated flow_table_hbm (rtl/flow_table/flow_table_hbm.sv), its memory
// model (sim/common/hbm_model.hpp) and the golden model FlowTableModel. Lookups are taken into the
// reorder buffer on s_lookup and applied to the model in the clock the kernel releases them
// (released_o); ops are taken into the op gate on s_op and applied in the clock the engine takes
// them (op_applied_o); ops first within a clock, stamped with the count of enabled clocks: the
// HBM build's visibility rule (docs/flow_table.md, "Connections in HBM"). Every result and event
// word is compared bit for bit with the model's.
#pragma once

#include <Vflow_table_hbm.h>

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "axil_master.hpp"
#include "axis.hpp"
#include "common/gen/conductor_regs.hpp"
#include "common/packing.hpp"
#include "flow_stimulus.hpp"
#include "flow_table/flow_table_model.hpp"
#include "hbm_model.hpp"
#include "ports.hpp"
#include "scoreboard.hpp"
#include "sim_ctrl.hpp"

namespace conductor::flowsim {

#ifndef HBM_BENCH_BUCKET_LOG2
#define HBM_BENCH_BUCKET_LOG2 9
#endif
#ifndef HBM_BENCH_CHANNELS
#define HBM_BENCH_CHANNELS 8
#endif
#ifndef HBM_BENCH_ADDR_BITS
#define HBM_BENCH_ADDR_BITS 20
#endif
#ifndef HBM_BENCH_ID_BITS
#define HBM_BENCH_ID_BITS 9
#endif
constexpr int kHbmBucketLog2Max = HBM_BENCH_BUCKET_LOG2;

using HbmResultWord = std::array<uint32_t, (regs::FLOW_RESULT_BITS + 31) / 32>;
using HbmEventWord = std::array<uint32_t, (regs::FLOW_EVENT_BITS + 31) / 32>;

struct HbmKnobs {
  int lookup_idle = 0;    // % of clocks the lookup source waits
  int op_idle = 0;        // % of clocks the op source waits
  int result_stall = 0;   // % of clocks m_result_TREADY is low
  int event_stall = 0;    // % of clocks m_event_TREADY is low
  int release_idle = 0;   // % of clocks release_i is low
  bool age_hold = false;  // release_i low while an AGE is in the op gate, as the core holds its lookups
  bool random_init = false;
  sim::HbmConfig mem{};  // channels, addr_bits and id_bits are set by the bench
};

class HbmBench {
 public:
  explicit HbmBench(uint64_t seed, HbmKnobs k = {})
      : ctx_(make_ctx(k.random_init)),
        top_(std::make_unique<Vflow_table_hbm>(ctx_.get(), "flow_table_hbm")),
        ctrl(*top_, top_->ap_clk, top_->ap_rst_n, "flow_table_hbm"),
        axil(ctrl, 4000),
        lk_src({[this](const sim::AxisBeat& b, bool v) {
                  sim::set_port(top_->s_lookup_TDATA, b.data);
                  top_->s_lookup_TVALID = v;
                },
                [this] { return top_->s_lookup_TREADY != 0; }},
               seed * 3 + 1, k.lookup_idle),
        op_src({[this](const sim::AxisBeat& b, bool v) {
                  sim::set_port(top_->s_op_TDATA, b.data);
                  top_->s_op_TVALID = v;
                },
                [this] { return top_->s_op_TREADY != 0; }},
               seed * 5 + 2, k.op_idle),
        res_sink({[this] { return top_->m_result_TVALID != 0; },
                  [this] {
                    sim::AxisBeat b;
                    b.data = sim::get_port(top_->m_result_TDATA);
                    return b;
                  },
                  [this](bool r) { top_->m_result_TREADY = r; }},
                 seed * 7 + 3, 100 - k.result_stall),
        ev_sink({[this] { return top_->m_event_TVALID != 0; },
                 [this] {
                   sim::AxisBeat b;
                   b.data = sim::get_port(top_->m_event_TDATA);
                   return b;
                 },
                 [this](bool r) { top_->m_event_TREADY = r; }},
                seed * 11 + 4, 100 - k.event_stall),
        hbm(*top_, mem_config(k.mem, seed)),
        results("flow_table_hbm results", print_result),
        events("flow_table_hbm events", print_event),
        model(kHbmBucketLog2Max) {
    top_->release_i = 0;
    rel_.bench = this;
    rel_.idle = k.release_idle;
    rel_.age_hold = k.age_hold;
    rel_.g.seed(seed * 13 + 5);
    seq_.bench = this;
    ctrl.add(&lk_src);
    ctrl.add(&op_src);
    ctrl.add(&res_sink);
    ctrl.add(&ev_sink);
    ctrl.add(&hbm);
    ctrl.add(&rel_);
    ctrl.add(&seq_);
    lk_src.on_fire = [this](const sim::AxisBeat& b) { taken_lk_.push_back(b); };
    op_src.on_fire = [this](const sim::AxisBeat& b) { taken_op_.push_back(b); };
    res_sink.on_beat = [this](const sim::AxisBeat& b) {
      res_cycles.push_back(ctrl.cycle());
      HbmResultWord w{};
      for (size_t i = 0; i < w.size(); ++i) w[i] = b.data[i];
      results.step(w);
    };
    ev_sink.on_beat = [this](const sim::AxisBeat& b) {
      HbmEventWord w{};
      for (size_t i = 0; i < w.size(); ++i) w[i] = b.data[i];
      events.step(w);
    };
    ctrl.reset();
    init_cycles = ctrl.cycle();
    ctrl.run_until([this] { return top_->s_lookup_TREADY != 0; }, 1u << 22, "the table clear after reset");
    init_cycles = ctrl.cycle() - init_cycles;
  }

  void program(const flow::Config& c) {
    axil.write_ok(regs::FLOW_TABLE_CTRL_OFFSET, c.ctrl);
    axil.write_ok(regs::FLOW_TABLE_TIMEOUT_NEW_OFFSET, c.timeout_new);
    axil.write_ok(regs::FLOW_TABLE_TIMEOUT_EST_OFFSET, c.timeout_est);
    axil.write_ok(regs::FLOW_TABLE_TIMEOUT_CLOSING_OFFSET, c.timeout_closing);
    axil.write_ok(regs::FLOW_TABLE_SYNC_MATURE_OFFSET, c.sync_mature);
    axil.write_ok(regs::FLOW_TABLE_HASH_SEED1_OFFSET, c.seed1);
    axil.write_ok(regs::FLOW_TABLE_HASH_SEED2_OFFSET, c.seed2);
    model.set_config(c);
  }

  void lookup(const ap_uint<384>& w) {
    sim::AxisBeat b;
    b.data.resize((regs::FLOW_LOOKUP_BITS + 31) / 32);
    to_words(w, b.data.data());
    lk_src.push(std::move(b));
  }
  void lookup(const FlowLookup& l) { lookup(pack(l)); }
  void op(const flow::OpWord& w) {
    sim::AxisBeat b;
    b.data.resize((regs::FLOW_OP_BITS + 31) / 32);
    to_words(w, b.data.data());
    op_src.push(std::move(b));
  }
  void op(const FlowOp& o) { op(pack(o)); }

  bool drain(uint64_t max_cycles = 8000000) {
    return ctrl.run_until(
        [this] {
          return lk_src.idle() && op_src.idle() && results.outstanding() == 0 && events.outstanding() == 0 &&
                 taken_lk_.empty() && taken_op_.empty();
        },
        max_cycles, "all results and events");
  }

  // Every register of block flow_table but GEOMETRY (WALK_MAX is 0 here, the model's build has a
  // walk): RTL against the model; mismatches printed.
  int compare_registers() {
    int bad = 0;
    for (size_t i = 0; i < regs::kNumRegisters; ++i) {
      const regs::RegInfo& r = regs::kRegisters[i];
      if (std::string(r.block) != "flow_table" || r.access == regs::Access::kW1p) continue;
      if (r.offset == regs::FLOW_TABLE_GEOMETRY_OFFSET) continue;
      const uint32_t got = axil.read_ok(r.offset);
      const uint32_t want = model.read_reg(r.offset);
      if (got != want) {
        std::fprintf(stderr, "register %s: rtl %u model %u\n", r.name, got, want);
        ++bad;
      }
    }
    return bad;
  }

  Vflow_table_hbm& top() { return *top_; }
  uint64_t released() const { return released_; }
  uint64_t applied() const { return applied_; }
  uint64_t forced_frees() const { return forced_; }
  // Clocks in which a lookup was released, in order.
  const std::vector<uint64_t>& release_cycles() const { return release_cycles_; }

 private:
  static std::unique_ptr<VerilatedContext> make_ctx(bool random_init) {
    auto ctx = std::make_unique<VerilatedContext>();
    ctx->randReset(random_init ? 2 : 0);  // random initial register contents (built with --x-initial unique)
    return ctx;
  }
  static sim::HbmConfig mem_config(sim::HbmConfig m, uint64_t seed) {
    m.channels = HBM_BENCH_CHANNELS;
    m.addr_bits = HBM_BENCH_ADDR_BITS;
    m.id_bits = HBM_BENCH_ID_BITS;
    m.seed = seed * 17 + 6;
    return m;
  }
  static std::string print_result(const HbmResultWord& w) {
    return to_string(unpack_flow_result(from_words<regs::FLOW_RESULT_BITS>(w)));
  }
  static std::string print_event(const HbmEventWord& w) {
    return to_string(unpack_flow_event(from_words<regs::FLOW_EVENT_BITS>(w)));
  }

  // release_i: high unless the knob idles it.
  struct Releaser : sim::Agent {
    HbmBench* bench = nullptr;
    int idle = 0;
    bool age_hold = false;
    std::mt19937_64 g;
    void drive() override {
      bool r = idle == 0 || static_cast<int>(g() % 100) >= idle;
      if (age_hold) {
        for (const sim::AxisBeat& op : bench->taken_op_) {
          const flow::OpWord w = from_words<regs::FLOW_OP_BITS>(op.data.data());
          if (w.range(regs::FLOW_OP_OPCODE_LSB + 3, regs::FLOW_OP_OPCODE_LSB) == regs::FLOW_OP_OPCODE_AGE) r = false;
        }
      }
      bench->top_->release_i = r;
    }
  };
  // Runs last in every clock: feeds the op the engine took and the lookup released in this clock
  // to the model, ops first.
  struct Sequencer : sim::Agent {
    HbmBench* bench = nullptr;
    bool en = false, released = false, applied = false;
    void sample() override {
      Vflow_table_hbm& t = *bench->top_;
      en = !t.m_result_TVALID || t.m_result_TREADY;
      released = t.released_o != 0;
      applied = t.op_applied_o != 0;
      if (t.force_free_o) ++bench->forced_;
    }
    void drive() override { bench->sequence(en, released, applied); }
  };
  void sequence(bool en, bool released, bool applied) {
    if (applied) {
      if (taken_op_.empty()) {
        std::fprintf(stderr, "op_applied_o without an op taken\n");
        ++protocol_errors;
      } else {
        flow::EventWord ev[flow::kMaxEvents];
        const int n = model.apply_word_at(from_words<regs::FLOW_OP_BITS>(taken_op_.front().data.data()), ev, en_clock_);
        for (int i = 0; i < n; ++i) events.expect(to_words(ev[i]));
        taken_op_.pop_front();
        ++applied_;
      }
    }
    if (released) {
      if (taken_lk_.empty()) {
        std::fprintf(stderr, "released_o without a lookup taken\n");
        ++protocol_errors;
      } else {
        results.expect(to_words(
            model.lookup_word_at(from_words<regs::FLOW_LOOKUP_BITS>(taken_lk_.front().data.data()), en_clock_)));
        taken_lk_.pop_front();
        ++released_;
        release_cycles_.push_back(ctrl.cycle());
      }
    }
    if (en) ++en_clock_;
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vflow_table_hbm> top_;

 public:
  sim::SimCtrl<Vflow_table_hbm> ctrl;
  sim::AxilMaster<Vflow_table_hbm> axil;
  sim::AxisSource lk_src, op_src;
  sim::AxisSink res_sink, ev_sink;
  sim::HbmModel<Vflow_table_hbm> hbm;
  sim::Scoreboard<HbmResultWord> results;
  sim::Scoreboard<HbmEventWord> events;
  FlowTableModel model;
  uint64_t init_cycles = 0;
  int protocol_errors = 0;
  std::vector<uint64_t> res_cycles;  // clocks in which a result was taken, in order

 private:
  Releaser rel_;
  Sequencer seq_;
  std::deque<sim::AxisBeat> taken_lk_, taken_op_;
  uint64_t en_clock_ = 0;
  uint64_t released_ = 0, applied_ = 0, forced_ = 0;
  std::vector<uint64_t> release_cycles_;
};

}  // namespace conductor::flowsim
