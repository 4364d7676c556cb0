// SystemC testbench around the Verilated conductor_core (verilator --sc): the starting point of the
// cluster model (sim/ holds the SystemC model that embeds the Verilated core). A
// register-programming thread, a frame source and a checking sink run on one 300 MHz sc_clock;
// every frame's STEER_META must equal the C++ core model's.
//
//   sc_core_tb [FRAMES]      exit 0 when every frame matched
#include <systemc.h>

#include <Vconductor_core.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <vector>

#include "common/gen/conductor_regs.hpp"
#include "common/packing.hpp"
#include "core/core_model.hpp"
#include "synthetic_frames.hpp"

namespace {

using conductor::CoreRegs;
using conductor::SteerMeta;

CoreRegs tb_regs() {
  CoreRegs r;
  r.hash.ctrl =
      (1u << conductor::regs::DIST_HASH_CTRL_MODE_LSB) | (10u << conductor::regs::DIST_HASH_CTRL_BUCKET_LOG2_LSB);
  for (uint32_t b = 0; b < 1024; ++b) r.hash.buckets[b] = static_cast<uint8_t>(0x80 | ((b & 1) << 6) | (b % 7));
  return r;
}

SC_MODULE(CoreTb) {
  sc_in<bool> clk;
  sc_signal<bool> rst_n{"rst_n"};
  // Frames in.
  sc_signal<sc_bv<512>> s_tdata{"s_tdata"};
  sc_signal<uint64_t> s_tkeep{"s_tkeep"};
  sc_signal<uint64_t> s_tuser{"s_tuser"};  // {time, sg_id}: the 40-bit tuser
  sc_signal<bool> s_tlast{"s_tlast"}, s_tvalid{"s_tvalid"}, s_tready{"s_tready"};
  // Frames out.
  sc_signal<sc_bv<512>> m_tdata{"m_tdata"};
  sc_signal<uint64_t> m_tkeep{"m_tkeep"}, m_tuser{"m_tuser"};
  sc_signal<bool> m_tlast{"m_tlast"}, m_tvalid{"m_tvalid"}, m_tready{"m_tready"};
  // HyperSync frames (steer.SYNC is off in this bench: the port stays idle, always ready).
  sc_signal<sc_bv<512>> y_tdata{"y_tdata"};
  sc_signal<uint64_t> y_tkeep{"y_tkeep"};
  sc_signal<bool> y_tlast{"y_tlast"}, y_tvalid{"y_tvalid"}, y_tready{"y_tready"};
  // s_sync (a standby's sync input): idle here; lookup_o and sync_op_o are left to the trace.
  sc_signal<sc_bv<512>> z_tdata{"z_tdata"};
  sc_signal<uint64_t> z_tkeep{"z_tkeep"};
  sc_signal<bool> z_tlast{"z_tlast"}, z_tvalid{"z_tvalid"}, z_tready{"z_tready"};
  sc_signal<bool> lookup{"lookup"}, sync_op{"sync_op"};
  // Registers.
  sc_signal<uint32_t> awaddr{"awaddr"}, wdata{"wdata"}, wstrb{"wstrb"}, bresp{"bresp"};
  sc_signal<uint32_t> araddr{"araddr"}, rdata{"rdata"}, rresp{"rresp"};
  sc_signal<bool> awvalid{"awvalid"}, awready{"awready"}, wvalid{"wvalid"}, wready{"wready"};
  sc_signal<bool> bvalid{"bvalid"}, bready{"bready"}, arvalid{"arvalid"}, arready{"arready"};
  sc_signal<bool> rvalid{"rvalid"}, rready{"rready"};
  // The flow table's HBM channels: idle in this (on-chip) build; bound, never driven.
  sc_signal<bool> hb_arvalid{"hb_arvalid"}, hb_arready{"hb_arready"}, hb_rvalid{"hb_rvalid"}, hb_rready{"hb_rready"};
  sc_signal<bool> hb_rlast{"hb_rlast"}, hb_awvalid{"hb_awvalid"}, hb_awready{"hb_awready"};
  sc_signal<bool> hb_wvalid{"hb_wvalid"}, hb_wready{"hb_wready"}, hb_wlast{"hb_wlast"};
  sc_signal<bool> hb_bvalid{"hb_bvalid"}, hb_bready{"hb_bready"}, hb_error{"hb_error"}, hb_forced{"hb_forced"};
  sc_signal<uint64_t> hb_araddr{"hb_araddr"}, hb_awaddr{"hb_awaddr"}, hb_wstrb{"hb_wstrb"};
  sc_signal<uint32_t> hb_arid{"hb_arid"}, hb_arlen{"hb_arlen"}, hb_rid{"hb_rid"}, hb_awid{"hb_awid"};
  sc_signal<uint32_t> hb_awlen{"hb_awlen"}, hb_bid{"hb_bid"};
  sc_signal<sc_bv<512>> hb_rdata{"hb_rdata"}, hb_wdata{"hb_wdata"};

  std::unique_ptr<Vconductor_core> core;
  CoreRegs regs = tb_regs();
  std::vector<conductor::sim::SyntheticFrame> frames;
  std::deque<SteerMeta> expected;
  uint64_t matched = 0, mismatched = 0, out_frames = 0;
  bool programmed = false;
  sc_time first_in, last_out;

  SC_HAS_PROCESS(CoreTb);
  CoreTb(sc_module_name name, uint64_t n) : sc_module(name) {
    core = std::make_unique<Vconductor_core>("core");
    core->clk_i(clk);
    core->rst_ni(rst_n);
    core->s_axis_tdata(s_tdata);
    core->s_axis_tkeep(s_tkeep);
    core->s_axis_tuser(s_tuser);
    core->s_axis_tlast(s_tlast);
    core->s_axis_tvalid(s_tvalid);
    core->s_axis_tready(s_tready);
    core->m_axis_tdata(m_tdata);
    core->m_axis_tkeep(m_tkeep);
    core->m_axis_tuser(m_tuser);
    core->m_axis_tlast(m_tlast);
    core->m_axis_tvalid(m_tvalid);
    core->m_axis_tready(m_tready);
    core->m_sync_tdata(y_tdata);
    core->m_sync_tkeep(y_tkeep);
    core->m_sync_tlast(y_tlast);
    core->m_sync_tvalid(y_tvalid);
    core->m_sync_tready(y_tready);
    core->s_sync_tdata(z_tdata);
    core->s_sync_tkeep(z_tkeep);
    core->s_sync_tlast(z_tlast);
    core->s_sync_tvalid(z_tvalid);
    core->s_sync_tready(z_tready);
    core->lookup_o(lookup);
    core->sync_op_o(sync_op);
    core->m_axi_flow_arvalid(hb_arvalid);
    core->m_axi_flow_arready(hb_arready);
    core->m_axi_flow_araddr(hb_araddr);
    core->m_axi_flow_arid(hb_arid);
    core->m_axi_flow_arlen(hb_arlen);
    core->m_axi_flow_rvalid(hb_rvalid);
    core->m_axi_flow_rready(hb_rready);
    core->m_axi_flow_rdata(hb_rdata);
    core->m_axi_flow_rid(hb_rid);
    core->m_axi_flow_rlast(hb_rlast);
    core->m_axi_flow_awvalid(hb_awvalid);
    core->m_axi_flow_awready(hb_awready);
    core->m_axi_flow_awaddr(hb_awaddr);
    core->m_axi_flow_awid(hb_awid);
    core->m_axi_flow_awlen(hb_awlen);
    core->m_axi_flow_wvalid(hb_wvalid);
    core->m_axi_flow_wready(hb_wready);
    core->m_axi_flow_wdata(hb_wdata);
    core->m_axi_flow_wstrb(hb_wstrb);
    core->m_axi_flow_wlast(hb_wlast);
    core->m_axi_flow_bvalid(hb_bvalid);
    core->m_axi_flow_bready(hb_bready);
    core->m_axi_flow_bid(hb_bid);
    core->flow_cache_error_o(hb_error);
    core->flow_force_free_o(hb_forced);
    y_tready.write(true);
    core->s_axi_control_AWADDR(awaddr);
    core->s_axi_control_AWVALID(awvalid);
    core->s_axi_control_AWREADY(awready);
    core->s_axi_control_WDATA(wdata);
    core->s_axi_control_WSTRB(wstrb);
    core->s_axi_control_WVALID(wvalid);
    core->s_axi_control_WREADY(wready);
    core->s_axi_control_BRESP(bresp);
    core->s_axi_control_BVALID(bvalid);
    core->s_axi_control_BREADY(bready);
    core->s_axi_control_ARADDR(araddr);
    core->s_axi_control_ARVALID(arvalid);
    core->s_axi_control_ARREADY(arready);
    core->s_axi_control_RDATA(rdata);
    core->s_axi_control_RRESP(rresp);
    core->s_axi_control_RVALID(rvalid);
    core->s_axi_control_RREADY(rready);

    conductor::sim::SyntheticFrameSource gen(/*seed=*/77, /*flows=*/64);
    frames.resize(n);
    for (auto& f : frames) f = gen.next();
    for (const auto& f : frames)
      expected.push_back(conductor::core_process(regs, f.bytes.data(), f.bytes.size(), f.sg_id, nullptr));
    SC_THREAD(control);
    SC_THREAD(source);
    SC_THREAD(sink);
  }

  void axil_write(uint32_t addr, uint32_t data) {
    awaddr.write(addr);
    wdata.write(data);
    wstrb.write(0xF);
    awvalid.write(true);
    wvalid.write(true);
    bready.write(true);
    bool aw = false, w = false;
    while (true) {
      wait(clk.posedge_event());
      aw |= awready.read();
      w |= wready.read();
      if (aw) awvalid.write(false);
      if (w) wvalid.write(false);
      if (bvalid.read()) break;
    }
    bready.write(false);
    if (bresp.read() != 0) {
      std::fprintf(stderr, "sc_core_tb: write 0x%05x answered %u\n", addr, bresp.read());
      std::exit(1);
    }
  }

  void control() {
    rst_n.write(false);
    for (int i = 0; i < 8; ++i) wait(clk.posedge_event());
    rst_n.write(true);
    wait(clk.posedge_event());
    axil_write(conductor::regs::DIST_HASH_CTRL_ADDR, regs.hash.ctrl);
    for (uint32_t b = 0; b < 1024; b += 4) {
      uint32_t w = 0;
      for (uint32_t j = 0; j < 4; ++j) w |= uint32_t{regs.hash.buckets[b + j]} << (8 * j);
      axil_write(conductor::regs::DIST_HASH_BUCKETS_ADDR + b, w);
    }
    programmed = true;
  }

  // One beat per clock whenever the core is ready (AXI: data held until the handshake).
  void source() {
    s_tvalid.write(false);
    while (!programmed) wait(clk.posedge_event());
    first_in = sc_time_stamp();
    for (const auto& f : frames) {
      size_t nbeats = f.bytes.empty() ? 1 : (f.bytes.size() + 63) / 64;
      for (size_t b = 0; b < nbeats; ++b) {
        sc_bv<512> data = 0;
        size_t base = b * 64, n = f.bytes.size() > base ? std::min<size_t>(64, f.bytes.size() - base) : 0;
        for (size_t j = 0; j < n; ++j) data.range(8 * j + 7, 8 * j) = f.bytes[base + j];
        bool last = b + 1 == nbeats;
        s_tdata.write(data);
        s_tkeep.write(last ? (n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1) : ~uint64_t{0});
        s_tuser.write(f.sg_id);
        s_tlast.write(last);
        s_tvalid.write(true);
        do wait(clk.posedge_event());
        while (!s_tready.read());
      }
    }
    s_tvalid.write(false);
  }

  void sink() {
    m_tready.write(true);
    while (out_frames < frames.size()) {
      wait(clk.posedge_event());
      if (!m_tvalid.read() || !m_tlast.read()) continue;
      SteerMeta got = conductor::unpack_steer_meta(ap_uint<64>(m_tuser.read()));
      SteerMeta want = expected.front();
      expected.pop_front();
      if (got == want)
        ++matched;
      else if (++mismatched <= 10)
        std::fprintf(stderr, "sc_core_tb: frame %" PRIu64 ": meta 0x%016" PRIx64 " differs from the model\n",
                     out_frames, static_cast<uint64_t>(m_tuser.read()));
      ++out_frames;
      last_out = sc_time_stamp();
    }
    sc_stop();
  }
};

}  // namespace

int sc_main(int argc, char** argv) {
  uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000;
  if (n == 0) {
    std::fprintf(stderr, "usage: sc_core_tb [FRAMES>0]\n");
    return 2;
  }
  sc_clock clk("clk", sc_time(10.0 / 3.0, SC_NS));  // 300 MHz
  CoreTb tb("tb", n);
  tb.clk(clk);
  sc_start(sc_time(10, SC_MS));  // bound: far more than the frames need
  double ns = (tb.last_out - tb.first_in).to_seconds() * 1e9;
  std::printf("sc_core_tb: %" PRIu64 " frames, %" PRIu64 " matched, %" PRIu64
              " mismatched; "
              "%.0f ns of simulated time at 300 MHz\n",
              tb.out_frames, tb.matched, tb.mismatched, ns);
  bool ok = tb.out_frames == n && tb.mismatched == 0;
  if (!ok) std::fprintf(stderr, "sc_core_tb: FAILED\n");
  return ok ? 0 : 1;
}
