// One AXI-Lite CSR module per block (<block>_csr.sv), with the port names Vitis HLS gives an
// s_axilite bundle called "control".
//
// Timing (one outstanding transaction per channel):
//   write: AW and W are taken into their own slots in either order or together; the write is
//          performed the clock after both are full, and BVALID rises the clock after that.
//   read:  the clock after the AR handshake the address is decoded; RVALID rises one clock later
//          for a register, three for a window (the window port is registered: the request leaves
//          a flop the clock after the decode, its memory answers one clock after the request).
// A window's port comes from flops, so no path runs from the AXI slots' decode into the memory's
// address and enables (one clock more per window access, the memory's timing unchanged).
// Every VALID and READY comes from a flop; none depends on the other side's VALID or READY.
#include <sstream>

#include "emit.hpp"
#include "text_util.hpp"

namespace conductor::regen {

namespace {

struct Port {
  bool input;
  uint32_t width;  // 0: scalar
  std::string name;
  std::string comment;
};

std::string port_type(const Port& p) {
  std::string t = p.input ? "input  wire logic" : "output      logic";
  if (p.width > 0) t += " [" + std::to_string(p.width - 1) + ":0]";
  return t;
}

std::string u32(uint64_t v) { return "32'h" + hex0x(v).substr(2); }

}  // namespace

std::string emit_sv_csr(const Block& b, std::string_view source) {
  const std::string mod = lower(b.name) + "_csr";
  const uint32_t aw = b.addr_bits();
  const uint32_t waw = aw - 2;
  const size_t nwin = b.windows.size();
  bool writable = !b.windows.empty();
  for (const Reg& r : b.regs) writable |= r.access == Access::kRw || r.access == Access::kW1p;

  std::vector<Port> ports = {
      {true, 0, "clk_i", ""},
      {true, 0, "rst_ni", "asynchronous, active low"},
      {true, aw, "s_axi_control_AWADDR", "byte address local to the block"},
      {true, 0, "s_axi_control_AWVALID", ""},
      {false, 0, "s_axi_control_AWREADY", ""},
      {true, 32, "s_axi_control_WDATA", ""},
      {true, 4, "s_axi_control_WSTRB", ""},
      {true, 0, "s_axi_control_WVALID", ""},
      {false, 0, "s_axi_control_WREADY", ""},
      {false, 2, "s_axi_control_BRESP", "OKAY, or SLVERR for an unmapped address"},
      {false, 0, "s_axi_control_BVALID", ""},
      {true, 0, "s_axi_control_BREADY", ""},
      {true, aw, "s_axi_control_ARADDR", ""},
      {true, 0, "s_axi_control_ARVALID", ""},
      {false, 0, "s_axi_control_ARREADY", ""},
      {false, 32, "s_axi_control_RDATA", "0 with SLVERR"},
      {false, 2, "s_axi_control_RRESP", ""},
      {false, 0, "s_axi_control_RVALID", ""},
      {true, 0, "s_axi_control_RREADY", ""},
  };
  for (const Reg& r : b.regs) {
    std::string l = lower(r.name);
    std::string c = r.name + " (" + access_name(r.access) + ")";
    if (r.access == Access::kRo) ports.push_back({true, 32, l + "_i", c});
    if (r.access == Access::kRw) ports.push_back({false, 32, l + "_o", c});
    if (r.access == Access::kW1p) ports.push_back({false, 32, l + "_o", c + ": written bits for one clock"});
  }
  for (const Window& w : b.windows) {
    std::string l = lower(w.name);
    std::string wb = std::to_string(w.word_addr_bits());
    ports.push_back({false, 0, l + "_req_o", "window " + w.name + ": access this clock"});
    ports.push_back({false, 0, l + "_we_o", "1 write, 0 read"});
    ports.push_back({false, w.word_addr_bits(), l + "_addr_o", "32-bit word address within the window"});
    ports.push_back({false, 32, l + "_wdata_o", ""});
    ports.push_back({false, 4, l + "_wstrb_o", "byte enables of a write"});
    ports.push_back({true, 32, l + "_rdata_i", "read data, one clock after a read request"});
  }
  size_t tw = 0, nw = 0;
  for (const Port& p : ports) {
    tw = std::max(tw, port_type(p).size());
    nw = std::max(nw, p.name.size());
  }

  std::ostringstream o;
  o << "// " << kBannerTag << " from " << source << ". Do not edit: change that file and run `make regs`.\n"
    << "//\n"
    << "// CSR block " << b.name << " (base " << hex0x(b.base, 5) << ", " << hex0x(b.size, 5)
    << " bytes): " << b.description << "\n"
    << "// AXI-Lite slave with the port names of a Vitis HLS s_axilite bundle \"control\".\n"
    << "// - rw registers are held here (<reg>_o); ro registers read <reg>_i; const registers read their\n"
    << "//   value; w1p registers read 0 and drive the written bits on <reg>_o for exactly one clock.\n"
    << "// - Bits outside a register's fields read 0 and are not writable. WSTRB is honoured.\n"
    << "// - Writes to const/ro registers are ignored (OKAY). Unmapped addresses answer SLVERR, RDATA 0,\n"
    << "//   and a write to them has no effect.\n"
    << "// - Windows: one memory port each (<win>_req_o ...), driven from flops (the access is decided\n"
    << "//   one clock before it is on the port), read data expected one clock after the request; a read\n"
    << "//   and a write to the same window in one clock: the read goes first.\n"
    << "// - Timing: AW and W in either order; the write happens the clock after both have arrived (on a\n"
    << "//   window's port one clock later) and BVALID follows one clock later. A register read answers\n"
    << "//   two clocks after the AR handshake, a window read four. VALID/READY outputs all come from flops.\n"
    << "`default_nettype none\n\n"
    << "module " << mod << " (\n";
  for (size_t i = 0; i < ports.size(); ++i) {
    const Port& p = ports[i];
    if (i == 2) o << "  // AXI-Lite slave (" << aw << "-bit byte addresses)\n";
    if (i == 19) o << "  // Registers and windows\n";
    std::string line = "  " + pad(port_type(p), tw) + " " + p.name + (i + 1 < ports.size() ? "," : "");
    if (!p.comment.empty()) line = pad(line, 2 + tw + 1 + nw + 1) + "  // " + p.comment;
    o << line << "\n";
  }
  o << ");\n\n";

  o << "  localparam int unsigned AddrWidth = " << aw << ";  // byte-address bits (block size " << hex0x(b.size, 5)
    << ")\n"
    << "  localparam int unsigned WordAddrWidth = AddrWidth - 2;\n"
    << "  localparam logic [1:0] RespOkay = 2'b00;\n"
    << "  localparam logic [1:0] RespSlverr = 2'b10;\n\n";
  if (!b.regs.empty()) {
    o << "  // Word addresses of the registers.\n";
    size_t w = 0;
    for (const Reg& r : b.regs) w = std::max(w, camel(r.name).size() + 4);
    for (const Reg& r : b.regs) {
      o << "  localparam logic [WordAddrWidth-1:0] " << pad(camel(r.name) + "Addr", w) << " = "
        << sv_hex(waw, r.offset / 4) << ";  // " << hex0x(r.offset, 3) << "\n";
    }
    o << "\n";
  }

  o << "  // Write channel: address and data slots, then the response.\n"
    << "  logic                     axi_aw_full_d, axi_aw_full_q;\n"
    << "  logic [WordAddrWidth-1:0] axi_aw_addr_d, axi_aw_addr_q;\n"
    << "  logic                     axi_w_full_d, axi_w_full_q;\n"
    << "  logic [31:0]              axi_w_data_d, axi_w_data_q;\n"
    << "  logic [3:0]               axi_w_strb_d, axi_w_strb_q;\n"
    << "  logic                     axi_b_valid_d, axi_b_valid_q;\n"
    << "  logic [1:0]               axi_b_resp_d, axi_b_resp_q;\n"
    << "  logic [31:0]              axi_wmask;  // WSTRB as a bit mask\n"
    << "  // Read channel: address slot, window read in flight, then the response.\n"
    << "  logic                     axi_ar_full_d, axi_ar_full_q;\n"
    << "  logic [WordAddrWidth-1:0] axi_ar_addr_d, axi_ar_addr_q;\n";
  if (nwin > 0) {
    o << "  logic [" << nwin - 1 << ":0]               axi_r_win_d, axi_r_win_q;  // window read on the port\n"
      << "  logic [" << nwin - 1 << ":0]               axi_r_wdat_q;              // its data arrives\n";
  }
  o << "  logic                     axi_r_valid_d, axi_r_valid_q;\n"
    << "  logic [31:0]              axi_r_data_d, axi_r_data_q;\n"
    << "  logic [1:0]               axi_r_resp_d, axi_r_resp_q;\n";
  bool any_store = false;
  for (const Reg& r : b.regs) {
    if (r.access == Access::kRw || r.access == Access::kW1p) {
      if (!any_store) o << "  // Registers held here.\n";
      any_store = true;
      o << "  logic [31:0]              " << lower(r.name) << "_d, " << lower(r.name) << "_q;\n";
    }
  }
  for (const Window& w : b.windows) {
    std::string l = lower(w.name);
    o << "  logic                     " << l << "_aw_hit, " << l << "_ar_hit;  // window " << w.name << "\n"
      << "  logic                     " << l << "_req_d, " << l << "_we_d;  // its port, one clock ahead\n"
      << "  logic [" << w.word_addr_bits() - 1 << ":0]               " << l << "_addr_d;\n"
      << "  logic [31:0]              " << l << "_wdata_d;\n"
      << "  logic [3:0]               " << l << "_wstrb_d;\n";
  }
  o << "\n";

  o << "  assign s_axi_control_AWREADY = !axi_aw_full_q;\n"
    << "  assign s_axi_control_WREADY  = !axi_w_full_q;\n"
    << "  assign s_axi_control_BVALID  = axi_b_valid_q;\n"
    << "  assign s_axi_control_BRESP   = axi_b_resp_q;\n"
    << "  assign s_axi_control_ARREADY = !axi_ar_full_q && !axi_r_valid_q"
    << (nwin > 0 ? " && (axi_r_win_q == '0) && (axi_r_wdat_q == '0)" : "") << ";\n"
    << "  assign s_axi_control_RVALID  = axi_r_valid_q;\n"
    << "  assign s_axi_control_RDATA   = axi_r_data_q;\n"
    << "  assign s_axi_control_RRESP   = axi_r_resp_q;\n\n"
    << "  assign axi_wmask = {{8{axi_w_strb_q[3]}}, {8{axi_w_strb_q[2]}}, {8{axi_w_strb_q[1]}}, "
       "{8{axi_w_strb_q[0]}}};\n\n";
  for (const Window& w : b.windows) {
    uint32_t wb = w.word_addr_bits();
    std::string l = lower(w.name);
    if (wb >= waw) {
      o << "  assign " << l << "_aw_hit = 1'b1;\n  assign " << l << "_ar_hit = 1'b1;\n";
    } else {
      std::string sel = "[" + std::to_string(waw - 1) + ":" + std::to_string(wb) + "]";
      std::string val = sv_hex(waw - wb, w.offset >> (wb + 2));
      o << "  assign " << l << "_aw_hit = (axi_aw_addr_q" << sel << " == " << val << ");\n"
        << "  assign " << l << "_ar_hit = (axi_ar_addr_q" << sel << " == " << val << ");\n";
    }
  }
  if (nwin > 0) o << "\n";

  // ---- next state
  o << "  always_comb begin\n"
    << "    axi_aw_full_d = axi_aw_full_q;\n"
    << "    axi_aw_addr_d = axi_aw_addr_q;\n"
    << "    axi_w_full_d  = axi_w_full_q;\n"
    << "    axi_w_data_d  = axi_w_data_q;\n"
    << "    axi_w_strb_d  = axi_w_strb_q;\n"
    << "    axi_b_valid_d = axi_b_valid_q;\n"
    << "    axi_b_resp_d  = axi_b_resp_q;\n"
    << "    axi_ar_full_d = axi_ar_full_q;\n"
    << "    axi_ar_addr_d = axi_ar_addr_q;\n";
  if (nwin > 0) o << "    axi_r_win_d   = '0;\n";
  o << "    axi_r_valid_d = axi_r_valid_q;\n"
    << "    axi_r_data_d  = axi_r_data_q;\n"
    << "    axi_r_resp_d  = axi_r_resp_q;\n";
  for (const Reg& r : b.regs) {
    if (r.access == Access::kRw) o << "    " << lower(r.name) << "_d = " << lower(r.name) << "_q;\n";
    if (r.access == Access::kW1p) o << "    " << lower(r.name) << "_d = '0;  // a pulse lasts one clock\n";
  }
  for (const Window& w : b.windows) {
    std::string l = lower(w.name);
    o << "    " << l << "_req_d   = 1'b0;\n"
      << "    " << l << "_we_d    = 1'b0;\n"
      << "    " << l << "_addr_d  = axi_aw_addr_q[" << w.word_addr_bits() - 1 << ":0];\n"
      << "    " << l << "_wdata_d = axi_w_data_q;\n"
      << "    " << l << "_wstrb_d = axi_w_strb_q;\n";
  }
  o << "\n"
    << "    // Handshakes: fill the slots, retire the responses.\n"
    << "    if (s_axi_control_AWVALID && s_axi_control_AWREADY) begin\n"
    << "      axi_aw_full_d = 1'b1;\n"
    << "      axi_aw_addr_d = s_axi_control_AWADDR[AddrWidth-1:2];\n"
    << "    end\n"
    << "    if (s_axi_control_WVALID && s_axi_control_WREADY) begin\n"
    << "      axi_w_full_d = 1'b1;\n"
    << "      axi_w_data_d = s_axi_control_WDATA;\n"
    << "      axi_w_strb_d = s_axi_control_WSTRB;\n"
    << "    end\n"
    << "    if (axi_b_valid_q && s_axi_control_BREADY) axi_b_valid_d = 1'b0;\n"
    << "    if (s_axi_control_ARVALID && s_axi_control_ARREADY) begin\n"
    << "      axi_ar_full_d = 1'b1;\n"
    << "      axi_ar_addr_d = s_axi_control_ARADDR[AddrWidth-1:2];\n"
    << "    end\n"
    << "    if (axi_r_valid_q && s_axi_control_RREADY) axi_r_valid_d = 1'b0;\n\n";

  // Read decode.
  o << "    // Read: decode the held address (ARREADY is low until the response is taken, so the\n"
    << "    // response register is free here).\n"
    << "    if (axi_ar_full_q) begin\n"
    << "      axi_ar_full_d = 1'b0;\n"
    << "      axi_r_valid_d = 1'b1;\n"
    << "      axi_r_resp_d  = RespOkay;\n"
    << "      axi_r_data_d  = '0;\n";
  std::string indent = "      ";
  for (size_t i = 0; i < nwin; ++i) {
    const Window& w = b.windows[i];
    std::string l = lower(w.name);
    o << indent << (i == 0 ? "if (" : "end else if (") << l << "_ar_hit) begin\n"
      << indent << "  " << l << "_req_d  = 1'b1;\n"
      << indent << "  " << l << "_addr_d = axi_ar_addr_q[" << w.word_addr_bits() - 1 << ":0];\n"
      << indent << "  " << l << "_wstrb_d = '0;\n"
      << indent << "  axi_r_win_d[" << i << "] = 1'b1;\n"
      << indent << "  axi_r_valid_d = 1'b0;  // the data comes two clocks later\n";
  }
  if (nwin > 0) {
    o << indent << "end else begin\n";
    indent += "  ";
  }
  o << indent << "unique case (axi_ar_addr_q)\n";
  for (const Reg& r : b.regs) {
    std::string a = camel(r.name) + "Addr";
    std::string l = lower(r.name);
    uint32_t m = r.field_mask();
    o << indent << "  " << a << ": ";
    switch (r.access) {
      case Access::kConst:
        o << "axi_r_data_d = " << u32(r.reset) << ";";
        break;
      case Access::kRo:
        if (m == 0xFFFFFFFFu) {
          o << "axi_r_data_d = " << l << "_i;";
        } else {
          o << "axi_r_data_d = " << l << "_i & " << u32(m) << ";";
        }
        break;
      case Access::kRw:
        o << "axi_r_data_d = " << l << "_q;";
        break;
      case Access::kW1p:
        o << "axi_r_data_d = '0;  // write-only";
        break;
    }
    o << "\n";
  }
  o << indent << "  default: begin\n"
    << indent << "    axi_r_resp_d = RespSlverr;\n"
    << indent << "  end\n"
    << indent << "endcase\n";
  if (nwin > 0) {
    indent.resize(indent.size() - 2);
    o << indent << "end\n";
  }
  o << "    end\n";
  for (size_t i = 0; i < nwin; ++i) {
    std::string l = lower(b.windows[i].name);
    o << "    if (axi_r_wdat_q[" << i << "]) begin  // window " << b.windows[i].name << " read data\n"
      << "      axi_r_valid_d = 1'b1;\n"
      << "      axi_r_resp_d  = RespOkay;\n"
      << "      axi_r_data_d  = " << l << "_rdata_i;\n"
      << "    end\n";
  }
  o << "\n";

  // Write decode.
  o << "    // Write: once address and data are both held and the last response has been taken";
  if (nwin > 0) o << ",\n    // and the read side does not hold the window's port this clock";
  o << ".\n    if (axi_aw_full_q && axi_w_full_q && !axi_b_valid_q";
  for (const Window& w : b.windows) {
    std::string l = lower(w.name);
    o << "\n        && !(" << l << "_aw_hit && axi_ar_full_q && " << l << "_ar_hit)";
  }
  o << ") begin\n"
    << "      axi_aw_full_d = 1'b0;\n"
    << "      axi_w_full_d  = 1'b0;\n"
    << "      axi_b_valid_d = 1'b1;\n"
    << "      axi_b_resp_d  = RespOkay;\n";
  indent = "      ";
  for (size_t i = 0; i < nwin; ++i) {
    std::string l = lower(b.windows[i].name);
    o << indent << (i == 0 ? "if (" : "end else if (") << l << "_aw_hit) begin\n"
      << indent << "  " << l << "_req_d = 1'b1;\n"
      << indent << "  " << l << "_we_d  = 1'b1;\n";
  }
  if (nwin > 0) {
    o << indent << "end else begin\n";
    indent += "  ";
  }
  o << indent << "unique case (axi_aw_addr_q)\n";
  std::string ignored;
  for (const Reg& r : b.regs) {
    if (r.access == Access::kConst || r.access == Access::kRo) {
      ignored += (ignored.empty() ? "" : ", ") + camel(r.name) + "Addr";
    }
  }
  if (!ignored.empty()) {
    o << indent << "  " << ignored << ": begin\n"
      << indent << "    // read-only: the write is ignored\n"
      << indent << "  end\n";
  }
  for (const Reg& r : b.regs) {
    std::string l = lower(r.name);
    std::string a = camel(r.name) + "Addr";
    uint32_t m = r.field_mask();
    std::string mask = m == 0xFFFFFFFFu ? "axi_wmask" : "(axi_wmask & " + u32(m) + ")";
    if (r.access == Access::kRw) {
      o << indent << "  " << a << ": " << l << "_d = (" << l << "_q & ~" << mask << ") | (axi_w_data_q & " << mask
        << ");\n";
    } else if (r.access == Access::kW1p) {
      o << indent << "  " << a << ": " << l << "_d = axi_w_data_q & " << mask << ";\n";
    }
  }
  o << indent << "  default: begin\n"
    << indent << "    axi_b_resp_d = RespSlverr;\n"
    << indent << "  end\n"
    << indent << "endcase\n";
  if (nwin > 0) {
    indent.resize(indent.size() - 2);
    o << indent << "end\n";
  }
  o << "    end\n"
    << "  end\n\n";

  // ---- flops
  o << "  always_ff @(posedge clk_i or negedge rst_ni) begin\n"
    << "    if (!rst_ni) begin\n"
    << "      axi_aw_full_q <= 1'b0;\n"
    << "      axi_aw_addr_q <= '0;\n"
    << "      axi_w_full_q  <= 1'b0;\n"
    << "      axi_w_data_q  <= '0;\n"
    << "      axi_w_strb_q  <= '0;\n"
    << "      axi_b_valid_q <= 1'b0;\n"
    << "      axi_b_resp_q  <= RespOkay;\n"
    << "      axi_ar_full_q <= 1'b0;\n"
    << "      axi_ar_addr_q <= '0;\n";
  if (nwin > 0) o << "      axi_r_win_q   <= '0;\n      axi_r_wdat_q  <= '0;\n";
  for (const Window& w : b.windows) {
    std::string l = lower(w.name);
    o << "      " << l << "_req_o   <= 1'b0;\n      " << l << "_we_o    <= 1'b0;\n      " << l
      << "_addr_o  <= '0;\n      " << l << "_wdata_o <= '0;\n      " << l << "_wstrb_o <= '0;\n";
  }
  o << "      axi_r_valid_q <= 1'b0;\n"
    << "      axi_r_data_q  <= '0;\n"
    << "      axi_r_resp_q  <= RespOkay;\n";
  for (const Reg& r : b.regs) {
    if (r.access == Access::kRw) o << "      " << lower(r.name) << "_q <= " << u32(r.reset) << ";\n";
    if (r.access == Access::kW1p) o << "      " << lower(r.name) << "_q <= '0;\n";
  }
  o << "    end else begin\n"
    << "      axi_aw_full_q <= axi_aw_full_d;\n"
    << "      axi_aw_addr_q <= axi_aw_addr_d;\n"
    << "      axi_w_full_q  <= axi_w_full_d;\n"
    << "      axi_w_data_q  <= axi_w_data_d;\n"
    << "      axi_w_strb_q  <= axi_w_strb_d;\n"
    << "      axi_b_valid_q <= axi_b_valid_d;\n"
    << "      axi_b_resp_q  <= axi_b_resp_d;\n"
    << "      axi_ar_full_q <= axi_ar_full_d;\n"
    << "      axi_ar_addr_q <= axi_ar_addr_d;\n";
  if (nwin > 0) o << "      axi_r_win_q   <= axi_r_win_d;\n      axi_r_wdat_q  <= axi_r_win_q;\n";
  for (const Window& w : b.windows) {
    std::string l = lower(w.name);
    o << "      " << l << "_req_o   <= " << l << "_req_d;\n      " << l << "_we_o    <= " << l << "_we_d;\n      " << l
      << "_addr_o  <= " << l << "_addr_d;\n      " << l << "_wdata_o <= " << l << "_wdata_d;\n      " << l
      << "_wstrb_o <= " << l << "_wstrb_d;\n";
  }
  o << "      axi_r_valid_q <= axi_r_valid_d;\n"
    << "      axi_r_data_q  <= axi_r_data_d;\n"
    << "      axi_r_resp_q  <= axi_r_resp_d;\n";
  for (const Reg& r : b.regs) {
    if (r.access == Access::kRw || r.access == Access::kW1p) {
      o << "      " << lower(r.name) << "_q <= " << lower(r.name) << "_d;\n";
    }
  }
  o << "    end\n"
    << "  end\n\n";

  for (const Reg& r : b.regs) {
    if (r.access == Access::kRw || r.access == Access::kW1p) {
      o << "  assign " << lower(r.name) << "_o = " << lower(r.name) << "_q;\n";
    }
  }
  o << "\n  // AXI-Lite addresses are word aligned here: the two low bits are not decoded.\n"
    << "  logic unused_addr;\n"
    << "  assign unused_addr = ^{s_axi_control_AWADDR[1:0], s_axi_control_ARADDR[1:0]"
    << (writable ? "" : ", axi_w_data_q, axi_w_strb_q, axi_wmask") << "};\n\n"
    << "endmodule\n";
  return o.str();
}

}  // namespace conductor::regen
