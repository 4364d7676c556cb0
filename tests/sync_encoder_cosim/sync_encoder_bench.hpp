// A bench around one Verilated sync_encoder (rtl/sync_encoder) and the golden model
// SyncEncoderModel (hls/sync_encoder): records go to both (the model learns each record's accept
// clock from the handshake, which is all its timing contract needs), every output beat is compared
// with the model's, and every RTL frame is also decoded by host/sync's decode_frame.
#pragma once

#include <verilated.h>

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Vsync_encoder.h"
#include "axil_master.hpp"
#include "axis.hpp"
#include "frames.hpp"
#include "ports.hpp"
#include "scoreboard.hpp"
#include "sim_ctrl.hpp"
#include "tests/sync_encoder/sync_encoder_testing.hpp"

namespace conductor::sync_encoder::sim_bench {

using sim::AxisBeat;

struct BeatItem {
  std::vector<uint32_t> data;
  uint64_t keep = 0;
  bool last = false;
  bool operator==(const BeatItem& o) const { return data == o.data && keep == o.keep && last == o.last; }
};

inline std::string describe(const BeatItem& b) {
  std::string s;
  char buf[32];
  std::snprintf(buf, sizeof buf, "keep=%016llx last=%d data=", static_cast<unsigned long long>(b.keep), b.last);
  s += buf;
  for (size_t i = b.data.size(); i-- > 0;) {
    std::snprintf(buf, sizeof buf, "%08x", b.data[i]);
    s += buf;
  }
  return s;
}

inline std::vector<uint32_t> record_words(const SyncRecord& r) {
  const ap_uint<448> w = pack(r);
  std::vector<uint32_t> out(14);
  for (int i = 0; i < 14; ++i) out[i] = static_cast<uint32_t>(w.range(32 * i + 31, 32 * i).to_uint64());
  return out;
}

// A receiver per destination slot: the slot's member (a member of site 1 for the broadcast slot).
class Receivers {
 public:
  explicit Receivers(const SyncEncoderConfig& c) {
    for (unsigned i = 0; i < kDestSlots; ++i) {
      sync::Membership m;
      m.cluster_id = c.cluster_id;
      m.self = c.dest[i].member == sync::kBroadcast ? sync::member_byte(60, 1) : c.dest[i].member;
      m.add(m.self);
      m.add(c.source);
      sync::KeyRing keys;
      keys.slots.at(c.key_number).emplace(c.key);
      rx_.push_back(std::make_unique<sync::Receiver>(m, keys));
    }
  }
  // The frame's Ethernet/IPv4/UDP part is checked by the beat compare; the payload goes to the codec.
  bool receive(const std::vector<uint8_t>& frame, const SyncEncoderConfig& c, std::string* why) {
    if (frame.size() < 42 + 28) {
      *why = "frame too short";
      return false;
    }
    const uint8_t dest = frame[42 + sync::kOffDestination];
    for (unsigned i = 0; i < kDestSlots; ++i) {
      if (c.dest[i].valid && c.dest[i].member == dest) {
        auto r = rx_[i]->receive(frame.data() + 42, frame.size() - 42);
        if (!r.ok()) {
          *why = r.error().message;
          return false;
        }
        records += r->records.size();
        return true;
      }
    }
    *why = "destination names no slot";
    return false;
  }
  uint64_t records = 0;

 private:
  std::vector<std::unique_ptr<sync::Receiver>> rx_;
};

class Bench : public sim::Agent {
 public:
  Bench(uint64_t seed, const SyncEncoderConfig& cfg, int idle_percent = 0, int ready_percent = 100)
      : ctx_(new_context(seed)),
        top_(std::make_unique<Vsync_encoder>(ctx_.get())),
        sim(*top_, top_->ap_clk, top_->ap_rst_n, "sync_encoder_cosim"),
        axil(sim),
        src(sim::AxisSourcePorts{[this](const AxisBeat& b, bool v) {
                                   sim::set_port(top_->s_rec_TDATA, b.data);
                                   top_->s_rec_TVALID = v;
                                 },
                                 [this] { return top_->s_rec_TREADY != 0; }},
            seed * 3 + 1, idle_percent),
        sink(sim::AxisSinkPorts{[this] { return top_->m_axis_TVALID != 0; },
                                [this] {
                                  AxisBeat b;
                                  b.data = sim::get_port(top_->m_axis_TDATA);
                                  b.keep = top_->m_axis_TKEEP;
                                  b.last = top_->m_axis_TLAST;
                                  return b;
                                },
                                [this](bool r) { top_->m_axis_TREADY = r; }},
             seed * 5 + 2, ready_percent),
        beats("beats", describe),
        model(std::make_unique<SyncEncoderModel>()),
        cfg_(cfg),
        rx_(cfg) {
    sim.add(this);
    sim.add(&src);
    sim.add(&sink);
    sim.reset();
    program(cfg);
    src.on_fire = [this](const AxisBeat&) {
      const uint64_t t = sim.cycle() - 1;  // the handshake's clock
      accept_cycles.push_back(t);
      model->accept(pending_.front(), t);
      pending_.pop_front();
      drain_model();
    };
    sink.on_beat = [this](const AxisBeat& b) { on_rtl_beat(b); };
  }

  static std::unique_ptr<VerilatedContext> new_context(uint64_t seed) {
    auto ctx = std::make_unique<VerilatedContext>();
    ctx->randReset(2);  // random initial register contents (built with --x-initial unique)
    ctx->randSeed(static_cast<int>(seed & 0x7FFFFFFF));
    return ctx;
  }

  void program(const SyncEncoderConfig& c) {
    cfg_ = c;
    for (const auto& [off, val] : register_writes(c)) axil.write_ok(off, val);
    model->configure(c);
  }

  void push(const SyncRecord& r) {
    pending_.push_back(r);
    AxisBeat b;
    b.data = record_words(r);
    src.push(std::move(b));
  }

  // Runs until every record is in and every frame the model closed is out (the model closes the
  // last frame by its timer, as the RTL does).
  bool drain(uint64_t max_cycles = 2'000'000) {
    return sim.run_until([this] { return src.idle() && !model->open() && beats.outstanding() == 0 && frame_.empty(); },
                         max_cycles, "drain");
  }

  SyncEncoderCounters rtl_counters() {
    return counters_from_regs([this](uint32_t off) { return axil.read_ok(off); });
  }

  // sim::Agent: the model's timer runs on the same clock.
  void sample() override {
    if (model->tick(sim.cycle())) drain_model();
  }

  sim::SimCtrl<Vsync_encoder>& ctrl() { return sim; }
  Vsync_encoder& top() { return *top_; }
  const SyncEncoderConfig& config() const { return cfg_; }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vsync_encoder> top_;

 public:
  sim::SimCtrl<Vsync_encoder> sim;
  sim::AxilMaster<Vsync_encoder> axil;
  sim::AxisSource src;
  sim::AxisSink sink;
  sim::Scoreboard<BeatItem> beats;
  std::unique_ptr<SyncEncoderModel> model;
  std::vector<uint64_t> accept_cycles;
  std::vector<uint64_t> beat_cycles;        // clock of every output beat
  std::vector<uint64_t> first_beat_cycles;  // clock of every frame's first beat
  uint64_t frames_decoded = 0;
  uint64_t decode_failures = 0;

 private:
  void drain_model() {
    while (model->frame_ready()) {
      for (const auto& b : sim::frame_to_beats(model->frame(), model->frame_len(), {}))
        beats.expect(BeatItem{b.data, b.keep, b.last});
      model->pop_frame();
    }
  }

  void on_rtl_beat(const AxisBeat& b) {
    beat_cycles.push_back(sim.cycle());
    if (frame_.empty()) first_beat_cycles.push_back(sim.cycle());
    beats.step(BeatItem{b.data, b.keep, b.last});
    sim::append_beat(frame_, b);
    if (b.last) {
      std::string why;
      if (rx_.receive(frame_, cfg_, &why)) {
        ++frames_decoded;
      } else {
        if (++decode_failures <= 10) std::fprintf(stderr, "decode_frame rejected an RTL frame: %s\n", why.c_str());
      }
      frame_.clear();
    }
  }

  SyncEncoderConfig cfg_;
  Receivers rx_;
  std::deque<SyncRecord> pending_;
  std::vector<uint8_t> frame_;
};

}  // namespace conductor::sync_encoder::sim_bench
