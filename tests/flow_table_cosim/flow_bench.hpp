// A bench around one Verilated flow_table (rtl/flow_table) and the golden model FlowTableModel:
// two AXI-Stream sources (s_lookup, s_op), two sinks (m_result, m_event), AXI-Lite registers.
// Every handshake is recorded with its clock; at the end of each clock a sequencer applies the ops
// and lookups that fired in that clock to the model (ops first: a lookup accepted in the same clock
// as an op sees it, docs/flow_table.md "Visibility"), stamped with the count of enabled clocks (the
// activity marks' timing, "Activity"), and queues the model's words as expectations, so every RTL
// output word is compared bit for bit with the model's. Used by the co-simulation
// (tests/flow_table_cosim) and by bench_flow (RTL operations per clock).
#pragma once

#include <Vflow_table.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "axil_master.hpp"
#include "axis.hpp"
#include "common/gen/conductor_regs.hpp"
#include "common/packing.hpp"
#include "flow_table/flow_table_model.hpp"
#include "ports.hpp"
#include "scoreboard.hpp"
#include "sim_ctrl.hpp"

namespace conductor::flowsim {

#ifndef FLOW_BENCH_BUCKET_LOG2
#define FLOW_BENCH_BUCKET_LOG2 9
#endif
constexpr int kBucketLog2Max = FLOW_BENCH_BUCKET_LOG2;  // -GBucketLog2Max of the Verilated build
constexpr unsigned kLatencyCycles = 7;                  // flow_table.sv LatencyCycles
constexpr unsigned kOpCycles = 8;                       // handshake to handshake, simple ops without HINT
constexpr unsigned kHintedOpCycles = 2;                 // with HINT, when no earlier op's pending write conflicts

using ResultWord = std::array<uint32_t, (regs::FLOW_RESULT_BITS + 31) / 32>;
using EventWord = std::array<uint32_t, (regs::FLOW_EVENT_BITS + 31) / 32>;

inline std::string print_result(const ResultWord& w) {
  return to_string(unpack_flow_result(from_words<regs::FLOW_RESULT_BITS>(w)));
}
inline std::string print_event(const EventWord& w) {
  const flow::EventWord x = from_words<regs::FLOW_EVENT_BITS>(w);
  char raw[40];
  std::snprintf(raw, sizeof raw, " [value word 0x%016llx]",
                static_cast<unsigned long long>(
                    x.range(regs::FLOW_EVENT_VALUE_LSB + 63, regs::FLOW_EVENT_VALUE_LSB).to_uint64()));
  return to_string(unpack_flow_event(x)) + raw;
}

struct Knobs {
  int lookup_idle = 0;   // % of clocks the lookup source waits
  int op_idle = 0;       // % of clocks the op source waits
  int result_stall = 0;  // % of clocks m_result_TREADY is low
  int event_stall = 0;   // % of clocks m_event_TREADY is low
};

class FlowBench {
 public:
  explicit FlowBench(uint64_t seed, Knobs k = {})
      : top_(std::make_unique<Vflow_table>(&ctx_, "flow_table")),
        ctrl(*top_, top_->ap_clk, top_->ap_rst_n, "flow_table"),
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
        results("flow_table results", print_result),
        events("flow_table events", print_event),
        model(kBucketLog2Max) {
    ctrl.add(&lk_src);
    ctrl.add(&op_src);
    ctrl.add(&res_sink);
    ctrl.add(&ev_sink);
    ctrl.add(&seq_);
    seq_.bench = this;
    lk_src.on_fire = [this](const sim::AxisBeat& b) {
      lk_cycles.push_back(ctrl.cycle());
      fired_lk_.push_back(b);
    };
    op_src.on_fire = [this](const sim::AxisBeat& b) {
      op_cycles.push_back(ctrl.cycle());
      fired_op_.push_back(b);
    };
    res_sink.on_beat = [this](const sim::AxisBeat& b) {
      res_cycles.push_back(ctrl.cycle());
      ResultWord w{};
      for (size_t i = 0; i < w.size(); ++i) w[i] = b.data[i];
      got_results.push_back(unpack_flow_result(from_words<regs::FLOW_RESULT_BITS>(w)));
      results.step(w);
    };
    ev_sink.on_beat = [this](const sim::AxisBeat& b) {
      EventWord w{};
      for (size_t i = 0; i < w.size(); ++i) w[i] = b.data[i];
      got_events.push_back(unpack_flow_event(from_words<regs::FLOW_EVENT_BITS>(w)));
      events.step(w);
    };
    ctrl.reset();
    init_cycles = ctrl.cycle();
    ctrl.run_until([this] { return top_->s_lookup_TREADY != 0; }, 1u << 20, "the table clear after reset");
    init_cycles = ctrl.cycle() - init_cycles;
  }

  // Registers: program the RTL over AXI-Lite and the model alike.
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

  bool drain(uint64_t max_cycles = 4000000) {
    return ctrl.run_until(
        [this] {
          return lk_src.idle() && op_src.idle() && results.outstanding() == 0 && events.outstanding() == 0 &&
                 fired_op_.empty() && fired_lk_.empty();
        },
        max_cycles, "all results and events");
  }

  // Every register of block flow_table: RTL (AXI-Lite) against the model; mismatches printed.
  int compare_registers() {
    int bad = 0;
    for (size_t i = 0; i < regs::kNumRegisters; ++i) {
      const regs::RegInfo& r = regs::kRegisters[i];
      if (std::string(r.block) != "flow_table" || r.access == regs::Access::kW1p) continue;
      const uint32_t got = axil.read_ok(r.offset);
      const uint32_t want = model.read_reg(r.offset);
      if (got != want) {
        std::fprintf(stderr, "register %s: rtl %u model %u\n", r.name, got, want);
        ++bad;
      }
    }
    return bad;
  }

  Vflow_table& top() { return *top_; }

 private:
  // Runs last in every clock: feeds what fired in this clock to the model, ops first.
  struct Sequencer : sim::Agent {
    FlowBench* bench = nullptr;
    bool en = false;  // the table's global enable in the clock that just ended
    void sample() override { en = !bench->top_->m_result_TVALID || bench->top_->m_result_TREADY; }
    void drive() override { bench->sequence(en); }
  };
  void sequence(bool en) {
    for (const sim::AxisBeat& b : fired_op_) {
      flow::EventWord ev[flow::kMaxEvents];
      const int n = model.apply_word_at(from_words<regs::FLOW_OP_BITS>(b.data.data()), ev, en_clock_);
      for (int i = 0; i < n; ++i) events.expect(to_words(ev[i]));
    }
    for (const sim::AxisBeat& b : fired_lk_) {
      results.expect(to_words(model.lookup_word_at(from_words<regs::FLOW_LOOKUP_BITS>(b.data.data()), en_clock_)));
    }
    fired_op_.clear();
    fired_lk_.clear();
    if (en) ++en_clock_;
  }

  VerilatedContext ctx_;
  std::unique_ptr<Vflow_table> top_;

 public:
  sim::SimCtrl<Vflow_table> ctrl;
  sim::AxilMaster<Vflow_table> axil;
  sim::AxisSource lk_src, op_src;
  sim::AxisSink res_sink, ev_sink;
  sim::Scoreboard<ResultWord> results;
  sim::Scoreboard<EventWord> events;
  FlowTableModel model;
  std::vector<uint64_t> lk_cycles, op_cycles, res_cycles;
  std::vector<FlowResult> got_results;
  std::vector<FlowEvent> got_events;
  uint64_t init_cycles = 0;

 private:
  Sequencer seq_;
  std::vector<sim::AxisBeat> fired_lk_, fired_op_;
  uint64_t en_clock_ = 0;  // enabled clocks so far
};

// ---- stimulus --------------------------------------------------------------------------------------
inline FlowKey random_key(std::mt19937_64& g) {
  FlowKey k;
  k.ip_valid = true;
  k.is_ipv6 = g() % 4 == 0;
  for (int i = k.is_ipv6 ? 0 : 12; i < 16; ++i) {
    k.src_addr[i] = static_cast<uint8_t>(g());
    k.dst_addr[i] = static_cast<uint8_t>(g());
  }
  if (g() % 32 == 0) k.dst_addr = k.src_addr;
  const uint8_t protos[] = {6, 17, 132, 1, 58, 47};
  k.proto = protos[g() % 6];
  k.is_frag = g() % 16 == 0;
  if ((k.proto == 6 || k.proto == 17 || k.proto == 132) && !k.is_frag) {
    k.l4_valid = true;
    k.src_port = static_cast<uint16_t>(g());
    k.dst_port = static_cast<uint16_t>(g());
  }
  k.sg_id = static_cast<uint8_t>(g() % 3);
  return k;
}

inline FlowKey reversed(FlowKey k) {
  std::swap(k.src_addr, k.dst_addr);
  std::swap(k.src_port, k.dst_port);
  return k;
}

// Noise in the bits of a FLOW_KEY that belong to no field (300..303, 312..319): ignored.
template <int W>
inline void key_noise(ap_uint<W>& w, int key_lsb, std::mt19937_64& g) {
  w.range(key_lsb + 303, key_lsb + 300) = static_cast<uint32_t>(g() & 15);
  w.range(key_lsb + 319, key_lsb + 312) = static_cast<uint32_t>(g() & 255);
}

// A mix of lookups and ops over a pool of connections (either direction), with raw VALUE words
// (reserved bits included), noise in unused bits, reserved opcodes and keys without IP_VALID.
struct Mix {
  int op_percent = 30;
  int insert = 37, update = 10, del = 20, touch = 10, age = 12, upsert = 8;  // of ops; the rest invalid
  uint32_t time_step = 1;                                                    // TIME advance per op (max)
  int hot_percent = 0;    // % of items on 4 hot connections: same-key ops and lookups close together
  int hint_percent = 50;  // % of ops carrying FLOW_OP.HINT (their buckets, as a lookup reports them)
};

class Stimulus {
 public:
  Stimulus(uint64_t seed, size_t pool_size) : g_(seed) {
    for (size_t i = 0; i < pool_size; ++i) pool_.push_back(random_key(g_));
  }
  const std::vector<FlowKey>& pool() const { return pool_; }
  uint32_t now() const { return now_; }

  void emit(FlowBench& b, const Mix& m, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      const bool hot = static_cast<int>(g_() % 100) < m.hot_percent;
      const FlowKey& k0 = pool_[g_() % (hot ? std::min<size_t>(4, pool_.size()) : pool_.size())];
      const FlowKey k = (g_() & 1) ? reversed(k0) : k0;
      if (static_cast<int>(g_() % 100) >= m.op_percent) {
        FlowLookup l{k, g_()};
        if (g_() % 64 == 0) l.key = FlowKey{};  // no IP key
        ap_uint<384> w = pack(l);
        key_noise(w, regs::FLOW_LOOKUP_KEY_LSB, g_);
        b.lookup(w);
        continue;
      }
      now_ += static_cast<uint32_t>(g_() % (m.time_step + 1));
      const int r = static_cast<int>(g_() % 100);
      FlowOp op;
      op.key = k;
      op.time = now_;
      op.tag = static_cast<uint16_t>(g_());
      int acc = m.insert;
      op.opcode = r < acc                 ? 1
                  : r < (acc += m.update) ? 2
                  : r < (acc += m.del)    ? 3
                  : r < (acc += m.touch)  ? 4
                  : r < (acc += m.age)    ? 5
                  : r < (acc += m.upsert) ? 6
                                          : static_cast<uint8_t>((g_() & 1) ? 0 : 7 + g_() % 9);
      if ((op.opcode == 1 || op.opcode == 6) && g_() % 50 == 0) op.key = FlowKey{};  // without IP_VALID
      flow::OpWord w = pack(op);
      w.range(regs::FLOW_OP_VALUE_LSB + 63, regs::FLOW_OP_VALUE_LSB) = value_word();
      key_noise(w, regs::FLOW_OP_KEY_LSB, g_);
      w.range(447, 437) = static_cast<uint32_t>(g_() & 0x7FF);  // reserved
      if (static_cast<int>(g_() % 100) < m.hint_percent) {
        uint32_t b1 = 0, b2 = 0;
        b.model.key_buckets(op.key, b1, b2);
        w[regs::FLOW_OP_HINT_LSB] = 1;
        w.range(regs::FLOW_OP_BUCKET1_LSB + regs::FLOW_OP_BUCKET1_WIDTH - 1, regs::FLOW_OP_BUCKET1_LSB) = b1;
        w.range(regs::FLOW_OP_BUCKET2_LSB + regs::FLOW_OP_BUCKET2_WIDTH - 1, regs::FLOW_OP_BUCKET2_LSB) = b2;
      } else {  // without HINT the bucket fields are ignored
        w.range(511, regs::FLOW_OP_BUCKET1_LSB) = ap_uint<64>(g_()).range(511 - regs::FLOW_OP_BUCKET1_LSB, 0);
      }
      b.op(w);
    }
  }

 private:
  // Random owner/backups/flags; the state mostly NEW or ESTABLISHED.
  uint64_t value_word() {
    uint64_t v = g_() & 0xFFFFFFFFull;
    v &= ~(uint64_t{3} << regs::FLOW_VALUE_STATE_LSB);
    v |= uint64_t{static_cast<uint32_t>(g_() % 7 < 3   ? 0
                                        : g_() % 7 < 6 ? 1
                                                       : 2 + g_() % 2)}
         << regs::FLOW_VALUE_STATE_LSB;
    return v;
  }

  std::mt19937_64 g_;
  std::vector<FlowKey> pool_;
  uint32_t now_ = 1;
};

inline flow::Config config(uint32_t bucket_log2, uint32_t walk = flow::kWalkMax) {
  flow::Config c;
  c.ctrl =
      regs::field_set(0, regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB, regs::FLOW_TABLE_CTRL_BUCKET_LOG2_WIDTH, bucket_log2);
  c.ctrl = regs::field_set(c.ctrl, regs::FLOW_TABLE_CTRL_WALK_STEPS_LSB, regs::FLOW_TABLE_CTRL_WALK_STEPS_WIDTH, walk);
  return c;
}

}  // namespace conductor::flowsim
