#include "rtl_core.hpp"

#include <Vconductor_core.h>
#include <Vconductor_core_hbm.h>
#include <verilated.h>

#include <cstdio>
#include <deque>
#include <functional>
#include <memory>

#include "axil_master.hpp"
#include "axis.hpp"
#include "common/gen/conductor_regs.hpp"
#include "frames.hpp"
#include "hbm_model.hpp"
#include "ports.hpp"
#include "sim_ctrl.hpp"

namespace conductor {

namespace {

std::unique_ptr<VerilatedContext> make_context(const RtlCoreOptions& o) {
  auto ctx = std::make_unique<VerilatedContext>();
  // Applied when the model is constructed: 2 = random initial values for every variable (the
  // model is built with --x-initial unique), 0 = zeros.
  ctx->randReset(o.random_initial_state ? 2 : 0);
  ctx->randSeed(static_cast<int>(o.seed & 0x7FFFFFFF));
  return ctx;
}

SteerMeta meta_from_u64(uint64_t v) {
  auto field = [v](unsigned lsb, unsigned width) { return (v >> lsb) & ((uint64_t{1} << width) - 1); };
  SteerMeta m;
  m.hash = static_cast<uint32_t>(field(regs::STEER_META_HASH_LSB, 32));
  m.bucket = static_cast<uint16_t>(field(regs::STEER_META_BUCKET_LSB, 16));
  m.member = static_cast<uint8_t>(field(regs::STEER_META_MEMBER_LSB, 6));
  m.site = static_cast<uint8_t>(field(regs::STEER_META_SITE_LSB, 1));
  m.deliver = field(regs::STEER_META_DELIVER_LSB, 1) != 0;
  m.status = static_cast<ParseStatus>(field(regs::STEER_META_STATUS_LSB, 4));
  m.defaulted = field(regs::STEER_META_DEFAULTED_LSB, 1) != 0;
  return m;
}

// s_sync frames released at their cycle, and the sync ops' placement (conductor_core's lookup_o
// and sync_op_o pulses, in the order they come): drive() queues the frames that are due.
class SyncInAgent : public sim::Agent {
 public:
  SyncInAgent(std::function<bool()> lookup, std::function<bool()> sync_op, sim::AxisSource& src,
              std::function<uint64_t()> now)
      : lookup_(std::move(lookup)), sync_op_(std::move(sync_op)), src_(src), now_(std::move(now)) {}
  void sample() override {
    if (lookup_()) ++lookups_;
    if (sync_op_()) positions.push_back(RtlCore::SyncOpPlace{lookups_, now_()});
  }
  void drive() override {
    while (!due_.empty() && due_.front().first <= now_()) {
      const auto& f = due_.front().second;
      for (auto& beat : sim::frame_to_beats(f.data(), f.size(), {})) src_.push(std::move(beat));
      due_.pop_front();
    }
  }
  void add(std::vector<uint8_t> bytes, uint64_t at) { due_.emplace_back(at, std::move(bytes)); }
  size_t waiting() const { return due_.size(); }
  std::vector<RtlCore::SyncOpPlace> positions;

 private:
  std::function<bool()> lookup_, sync_op_;
  sim::AxisSource& src_;
  std::function<uint64_t()> now_;
  std::deque<std::pair<uint64_t, std::vector<uint8_t>>> due_;
  uint64_t lookups_ = 0;
};

}  // namespace

// What every build of the core shares: the streams, the sync frames, the counts. The Verilated
// model, its controller and register master are the build's (CoreImpl below).
struct RtlCore::Impl {
  explicit Impl(const RtlCoreOptions& o) : opts(o), context(make_context(o)) {}
  virtual ~Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  virtual sim::AxilResult axil_write(uint32_t addr, uint32_t value, uint8_t strb) = 0;
  virtual sim::AxilResult axil_read(uint32_t addr) = 0;
  virtual void tick() = 0;
  virtual uint64_t cycle() const = 0;
  virtual HbmFigures hbm() const = 0;

  RtlCoreOptions opts;
  std::unique_ptr<VerilatedContext> context;
  std::unique_ptr<sim::AxisSource> src;
  std::unique_ptr<sim::AxisSink> sink;
  std::unique_ptr<sim::AxisSink> sync_sink;
  std::vector<uint8_t> sync_partial;
  std::vector<SyncFrameOut> sync_frames;
  std::unique_ptr<sim::AxisSource> sync_src;
  std::unique_ptr<SyncInAgent> sync_in;
  uint64_t sync_sent = 0, sync_taken = 0;
  uint64_t last_run_cycles = 0;
  std::string error;
};

namespace {

// The HBM build's memory channels (sim/CMakeLists: the -G values of conductor_core_hbm).
constexpr unsigned kHbmChannels = 2u << kCoreHbmChLog2;
constexpr unsigned kHbmAddrBits = 33;
constexpr unsigned kHbmIdBits = 9;

// One Verilated build: Vconductor_core (flow table on chip) or Vconductor_core_hbm (in HBM, with
// the memory model on its m_axi_flow_* channels).
template <class Top, bool Hbm>
struct CoreImpl final : RtlCore::Impl {
  explicit CoreImpl(const RtlCoreOptions& o)
      : Impl(o),
        top(std::make_unique<Top>(context.get(), "conductor_core")),
        ctrl(*top, top->clk_i, top->rst_ni, "conductor_core"),
        axil(ctrl) {
    src = std::make_unique<sim::AxisSource>(sim::AxisSourcePorts{[this](const sim::AxisBeat& b, bool valid) {
                                                                   sim::set_port(top->s_axis_tdata, b.data);
                                                                   top->s_axis_tkeep = b.keep;
                                                                   // user = {sg_id, time}: tuser = {time[31:0], sg_id[7:0]}.
                                                                   uint64_t u = 0;
                                                                   if (b.user.size() > 0) u |= b.user[0] & 0xFFu;
                                                                   if (b.user.size() > 1) u |= uint64_t{b.user[1]} << 8;
                                                                   top->s_axis_tuser = u;
                                                                   top->s_axis_tlast = b.last;
                                                                   top->s_axis_tvalid = valid;
                                                                 },
                                                                 [this] { return top->s_axis_tready != 0; }},
                                            o.seed, o.idle_percent);
    sink = std::make_unique<sim::AxisSink>(sim::AxisSinkPorts{[this] { return top->m_axis_tvalid != 0; },
                                                              [this] {
                                                                sim::AxisBeat b;
                                                                b.data = sim::get_port(top->m_axis_tdata);
                                                                b.keep = top->m_axis_tkeep;
                                                                b.user = sim::u64_to_words(top->m_axis_tuser);
                                                                b.last = top->m_axis_tlast;
                                                                return b;
                                                              },
                                                              [this](bool r) { top->m_axis_tready = r; }},
                                           o.seed ^ 0x9e3779b97f4a7c15ull, 100 - o.backpressure_percent);
    sync_sink = std::make_unique<sim::AxisSink>(sim::AxisSinkPorts{[this] { return top->m_sync_tvalid != 0; },
                                                                   [this] {
                                                                     sim::AxisBeat b;
                                                                     b.data = sim::get_port(top->m_sync_tdata);
                                                                     b.keep = top->m_sync_tkeep;
                                                                     b.last = top->m_sync_tlast;
                                                                     return b;
                                                                   },
                                                                   [this](bool r) { top->m_sync_tready = r; }},
                                                o.seed ^ 0x5bd1e995ull, 100);
    sync_src = std::make_unique<sim::AxisSource>(sim::AxisSourcePorts{[this](const sim::AxisBeat& b, bool valid) {
                                                                        sim::set_port(top->s_sync_tdata, b.data);
                                                                        top->s_sync_tkeep = b.keep;
                                                                        top->s_sync_tlast = b.last;
                                                                        top->s_sync_tvalid = valid;
                                                                      },
                                                                      [this] { return top->s_sync_tready != 0; }},
                                                 o.seed ^ 0x2545f4914f6cdd1dull, 0);
    sync_in =
        std::make_unique<SyncInAgent>([this] { return top->lookup_o != 0; }, [this] { return top->sync_op_o != 0; },
                                      *sync_src, [this] { return ctrl.cycle(); });
    // The sync port is always ready: its frames are collected whole (bytes by TKEEP).
    sync_sink->on_beat = [this](const sim::AxisBeat& b) {
      for (unsigned i = 0; i < 64; ++i) {
        if ((b.keep >> i) & 1) sync_partial.push_back(static_cast<uint8_t>(b.data[i / 4] >> (8 * (i % 4))));
      }
      if (b.last) {
        sync_frames.push_back(RtlCore::SyncFrameOut{std::move(sync_partial), ctrl.cycle()});
        sync_partial.clear();
      }
    };
    sync_src->on_fire = [this](const sim::AxisBeat& b) {
      if (b.last) ++sync_taken;
    };
    ctrl.add(src.get());
    ctrl.add(sink.get());
    ctrl.add(sync_sink.get());
    ctrl.add(sync_in.get());
    ctrl.add(sync_src.get());
    uint64_t clear = kCoreResetClearCycles;
    if constexpr (Hbm) {
      sim::HbmConfig m;
      m.channels = kHbmChannels;
      m.addr_bits = kHbmAddrBits;
      m.id_bits = kHbmIdBits;
      m.latency = o.hbm_latency;
      m.jitter = o.hbm_jitter;
      m.r_idle = o.hbm_r_idle;
      m.seed = o.seed ^ 0x7f4a7c159e3779b9ull;
      mem = std::make_unique<sim::HbmModel<Top, sim::CoreHbmPorts>>(*top, m);
      ctrl.add(mem.get());
      forced.top = top.get();
      ctrl.add(&forced);
      clear = kCoreHbmResetClearCycles;
    }
    ctrl.reset();
    for (uint64_t i = 0; i < clear; ++i) ctrl.tick();  // flow table clearing
  }

  // Verilator 5.006's scopes unregister from the thread's current context when the model is
  // destroyed: make it this model's, or a second RtlCore in the process (a standby beside an
  // active core) would unregister from a context that is already gone.
  ~CoreImpl() override { Verilated::threadContextp(context.get()); }

  sim::AxilResult axil_write(uint32_t addr, uint32_t value, uint8_t strb) override {
    return axil.write(addr, value, strb);
  }
  sim::AxilResult axil_read(uint32_t addr) override { return axil.read(addr); }
  void tick() override { ctrl.tick(); }
  uint64_t cycle() const override { return ctrl.cycle(); }
  HbmFigures hbm() const override {
    HbmFigures f;
    if constexpr (Hbm) {
      const sim::HbmStats& st = mem->stats();
      f.present = true;
      f.reads = st.reads;
      f.writes = st.writes;
      f.mean_read_latency = st.reads ? static_cast<double>(st.read_latency_sum) / static_cast<double>(st.reads) : 0.0;
      f.max_outstanding = st.max_outstanding;
      f.rows = mem->rows_touched();
      f.cache_error = top->flow_cache_error_o != 0;
      f.forced_frees = forced.n;
      f.errors = mem->errors();
    }
    return f;
  }

  std::unique_ptr<Top> top;
  sim::SimCtrl<Top> ctrl;
  sim::AxilMaster<Top> axil;
  std::unique_ptr<sim::HbmModel<Top, sim::CoreHbmPorts>> mem;
  // Counts flow_force_free_o pulses.
  struct ForceCounter : sim::Agent {
    Top* top = nullptr;
    uint64_t n = 0;
    void sample() override {
      if (top->flow_force_free_o) ++n;
    }
  } forced;
};

}  // namespace

RtlCore::RtlCore(RtlCoreOptions opts) {
  if (opts.flow_hbm) {
    impl_ = std::make_unique<CoreImpl<Vconductor_core_hbm, true>>(opts);
  } else {
    impl_ = std::make_unique<CoreImpl<Vconductor_core, false>>(opts);
  }
}
RtlCore::~RtlCore() = default;

bool RtlCore::write_reg(uint32_t addr, uint32_t value, uint8_t strb) {
  return impl_->axil_write(addr, value, strb).ok();
}

bool RtlCore::read_reg(uint32_t addr, uint32_t* value) {
  sim::AxilResult r = impl_->axil_read(addr);
  if (value) *value = r.data;
  return r.ok();
}

CoreIdentity RtlCore::identity() {
  CoreIdentity id;
  read_reg(regs::ID_MAGIC_ADDR, &id.magic);
  read_reg(regs::ID_VERSION_ADDR, &id.version);
  read_reg(regs::ID_BUILD_HASH_ADDR, &id.build_hash);
  read_reg(regs::ID_CAPS_ADDR, &id.caps);
  return id;
}

bool RtlCore::load(const CoreRegs& r) {
  bool ok = write_reg(regs::DIST_HASH_CTRL_ADDR, r.hash.ctrl);
  for (unsigned i = 0; i < 10; ++i) ok &= write_reg(regs::DIST_HASH_KEY0_ADDR + 4 * i, r.hash.key[i]);
  ok &= write_reg(regs::PARSER_CTRL_ADDR, r.parser_ctrl);
  ok &= write_reg(regs::PARSER_DEFAULT_DEST_ADDR, r.default_dest);
  ok &= load_steer(r.steer);
  unsigned log2 = (r.hash.ctrl >> regs::DIST_HASH_CTRL_BUCKET_LOG2_LSB) & 0x1F;
  if (log2 > 16) log2 = 16;
  uint32_t n = 1u << log2;
  for (uint32_t b = 0; b < n; b += 4) {
    uint32_t word = 0;
    uint8_t strb = 0;
    for (uint32_t j = 0; j < 4 && b + j < n; ++j) {
      word |= uint32_t{r.hash.buckets[b + j]} << (8 * j);
      strb |= static_cast<uint8_t>(1u << j);
    }
    ok &= write_reg(regs::DIST_HASH_BUCKETS_ADDR + b, word, strb);
  }
  return ok;
}

bool RtlCore::load_steer(const SteerRegs& st) {
  bool ok = true;
  for (unsigned w = 0; w < 4; ++w) ok &= write_reg(regs::STEER_MEMBER_UP0_ADDR + 4 * w, st.member_up[w]);
  ok &= write_reg(regs::STEER_SITE_UP_ADDR, st.site_up);
  ok &= write_reg(regs::STEER_AGE_FRAMES_ADDR, st.age_frames);
  ok &= write_reg(regs::STEER_LEARN_HOLD_ADDR, st.learn_hold);
  ok &= write_reg(regs::STEER_SYNC_ADDR, st.sync);
  for (unsigned i = 0; i < st.backup.size(); ++i) ok &= write_reg(regs::STEER_BACKUP_ADDR + 4 * i, st.backup[i]);
  return ok;
}

SteerCounters RtlCore::steer_counters() {
  auto rd = [this](uint32_t a) {
    uint32_t v = 0;
    read_reg(a, &v);
    return uint64_t{v};
  };
  SteerCounters c;
  c.new_flows = rd(regs::STEER_NEW_ADDR);
  c.hit = rd(regs::STEER_HIT_ADDR);
  c.corrected = rd(regs::STEER_CORRECTED_ADDR);
  c.failover = rd(regs::STEER_FAILOVER_ADDR);
  c.learn_full = rd(regs::STEER_LEARN_FULL_ADDR);
  c.ops_issued = rd(regs::STEER_OPS_ISSUED_ADDR);
  c.age_ops = rd(regs::STEER_AGE_OPS_ADDR);
  c.expired = rd(regs::STEER_EXPIRED_ADDR);
  c.ops_dropped = rd(regs::STEER_OPS_DROPPED_ADDR);
  c.learn_dropped = rd(regs::STEER_LEARN_DROPPED_ADDR);
  c.learn_held = rd(regs::STEER_LEARN_HELD_ADDR);
  c.sync_applied = rd(regs::STEER_SYNC_APPLIED_ADDR);
  return c;
}

std::vector<std::vector<uint8_t>> RtlCore::take_sync_frames() {
  std::vector<std::vector<uint8_t>> out;
  for (auto& f : take_timed_sync_frames()) out.push_back(std::move(f.bytes));
  return out;
}

std::vector<RtlCore::SyncFrameOut> RtlCore::take_timed_sync_frames() {
  std::vector<SyncFrameOut> out;
  out.swap(impl_->sync_frames);
  return out;
}

void RtlCore::send_sync_frame(std::vector<uint8_t> bytes, uint64_t at) {
  impl_->sync_in->add(std::move(bytes), at);
  ++impl_->sync_sent;
}

size_t RtlCore::sync_frames_waiting() const { return impl_->sync_sent - impl_->sync_taken; }

std::vector<RtlCore::SyncOpPlace> RtlCore::take_sync_op_positions() {
  std::vector<SyncOpPlace> out;
  out.swap(impl_->sync_in->positions);
  return out;
}

uint32_t RtlCore::inflight_max() {
  uint32_t v = 0;
  read_reg(regs::STEER_INFLIGHT_MAX_ADDR, &v);
  return v;
}

CoreCounters RtlCore::counters() {
  auto rd = [this](uint32_t a) {
    uint32_t v = 0;
    read_reg(a, &v);
    return uint64_t{v};
  };
  CoreCounters c;
  c.rx_pkts = rd(regs::PARSER_RX_PKTS_ADDR);
  c.parsed_ok = rd(regs::PARSER_PARSED_OK_ADDR);
  c.non_ip = rd(regs::PARSER_NON_IP_ADDR);
  c.truncated = rd(regs::PARSER_TRUNCATED_ADDR);
  c.bad_header = rd(regs::PARSER_BAD_HEADER_ADDR);
  c.ext_limit = rd(regs::PARSER_EXT_LIMIT_ADDR);
  c.defaulted = rd(regs::PARSER_DEFAULTED_ADDR);
  c.dropped = rd(regs::PARSER_DROPPED_ADDR);
  return c;
}

bool RtlCore::run(const FrameSource& next_frame, const std::function<void(CoreFrameOut&&)>& on_out) {
  return run(TimedFrameSource([&](std::vector<uint8_t>* bytes, uint8_t* sg, uint32_t* time) {
               *time = 0;
               return next_frame(bytes, sg);
             }),
             on_out);
}

bool RtlCore::run(const TimedFrameSource& next_frame, const std::function<void(CoreFrameOut&&)>& on_out) {
  Impl& s = *impl_;
  uint64_t offered = 0, done = 0;
  bool exhausted = false;
  CoreFrameOut cur;
  bool have_meta = false;
  bool malformed = false;
  uint64_t last_beat_cycle = s.cycle();
  std::deque<uint64_t> starts;  // first-beat cycles of frames in flight
  bool in_frame = false;
  s.sink->on_beat = [&](const sim::AxisBeat& beat) {
    last_beat_cycle = s.cycle();
    uint64_t tuser = sim::words_to_u64(beat.user);
    SteerMeta m = meta_from_u64(tuser);
    if (!have_meta) {
      cur.meta = m;
      cur.action = static_cast<SteerAction>((tuser >> regs::STEER_META_ACTION_LSB) & 3u);
      cur.op_dropped = ((tuser >> regs::STEER_META_OP_DROPPED_LSB) & 1u) != 0;
      have_meta = true;
      cur.out_cycle = s.cycle();
      if (!starts.empty()) {
        cur.in_cycle = starts.front();
        starts.pop_front();
      }
    } else if (!(m == cur.meta)) {
      cur.meta_consistent = false;
    }
    sim::append_beat(cur.bytes, beat);
    if (beat.last) {
      on_out(std::move(cur));
      cur = CoreFrameOut{};
      have_meta = false;
      ++done;
    }
  };
  s.src->on_fire = [&](const sim::AxisBeat& beat) {
    last_beat_cycle = s.cycle();
    if (!in_frame) starts.push_back(s.cycle());
    in_frame = !beat.last;
  };

  const uint64_t start = s.cycle();
  std::vector<uint8_t> bytes;
  while (!exhausted || done < offered) {
    while (!exhausted && s.src->pending() < 64) {
      bytes.clear();
      uint8_t sg = 0;
      uint32_t time = 0;
      if (!next_frame(&bytes, &sg, &time)) {
        exhausted = true;
        break;
      }
      for (auto& beat : sim::frame_to_beats(bytes.data(), bytes.size(), {sg, time})) s.src->push(std::move(beat));
      ++offered;
    }
    if (exhausted && done == offered) break;
    s.tick();
    if (s.cycle() - last_beat_cycle > s.opts.max_idle_cycles) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "core made no progress for %llu cycles: %llu of %llu frames out",
                    static_cast<unsigned long long>(s.opts.max_idle_cycles), static_cast<unsigned long long>(done),
                    static_cast<unsigned long long>(offered));
      s.error = buf;
      malformed = true;
      break;
    }
  }
  s.last_run_cycles = s.cycle() - start;
  s.sink->on_beat = nullptr;
  s.src->on_fire = nullptr;
  return !malformed;
}

void RtlCore::settle(uint64_t cycles) {
  for (uint64_t i = 0; i < cycles; ++i) impl_->tick();
}

uint64_t RtlCore::cycle() const { return impl_->cycle(); }
HbmFigures RtlCore::hbm() const { return impl_->hbm(); }
uint64_t RtlCore::last_run_cycles() const { return impl_->last_run_cycles; }
const std::string& RtlCore::error() const { return impl_->error; }

}  // namespace conductor
