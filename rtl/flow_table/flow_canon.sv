// Canonical flow key (combinational): FLOW_KEY in, the FLOW_ENTRY key bits (305) out, so that both
// directions of a connection give one key. Same rule as flow::canonicalize (hls/flow_table):
// ports take part only for TCP, UDP and SCTP with L4_VALID and not IS_FRAG (zero otherwise); the
// (address, port) endpoints are swapped when the source address is greater than the destination
// address, or equal with the greater source port. valid_o is IP_VALID; the key is zero without it.
`default_nettype none

module flow_canon (
  input  wire logic [conductor_regs_pkg::FLOW_KEY_BITS-1:0] key_i,    // FLOW_KEY
  output      logic [conductor_regs_pkg::FLOW_EVENT_KEY_WIDTH-1:0] ckey_o,  // FLOW_ENTRY bits 304:0
  output      logic                                         valid_o   // IP_VALID
);
  logic [127:0] src, dst;
  logic [15:0]  sport, dport, sp, dp;
  logic [7:0]   proto, sg;
  logic         v6, frag, l4, ip, ports, swap;

  assign src   = key_i[conductor_regs_pkg::FLOW_KEY_SRC_ADDR_LSB +: 128];
  assign dst   = key_i[conductor_regs_pkg::FLOW_KEY_DST_ADDR_LSB +: 128];
  assign sport = key_i[conductor_regs_pkg::FLOW_KEY_SRC_PORT_LSB +: 16];
  assign dport = key_i[conductor_regs_pkg::FLOW_KEY_DST_PORT_LSB +: 16];
  assign proto = key_i[conductor_regs_pkg::FLOW_KEY_PROTO_LSB +: 8];
  assign v6    = key_i[conductor_regs_pkg::FLOW_KEY_IS_IPV6_LSB];
  assign frag  = key_i[conductor_regs_pkg::FLOW_KEY_IS_FRAG_LSB];
  assign l4    = key_i[conductor_regs_pkg::FLOW_KEY_L4_VALID_LSB];
  assign ip    = key_i[conductor_regs_pkg::FLOW_KEY_IP_VALID_LSB];
  assign sg    = key_i[conductor_regs_pkg::FLOW_KEY_SG_ID_LSB +: 8];

  assign ports = l4 && !frag && (proto == 8'd6 || proto == 8'd17 || proto == 8'd132);
  assign sp    = ports ? sport : 16'd0;
  assign dp    = ports ? dport : 16'd0;
  // The port comparison reads the raw ports, gated by `ports` (the same as comparing sp and dp), so
  // the comparator does not wait for the protocol decode: comparing sp and dp made dist_hash's S1
  // 6 LUT levels deep instead of 4 (Yosys 0.23, synth_xilinx -family xcup).
  assign swap  = (src > dst) || (src == dst && ports && sport > dport);

  always_comb begin
    ckey_o = '0;
    if (ip) begin
      ckey_o[conductor_regs_pkg::FLOW_ENTRY_A_ADDR_LSB +: 128] = swap ? dst : src;
      ckey_o[conductor_regs_pkg::FLOW_ENTRY_B_ADDR_LSB +: 128] = swap ? src : dst;
      ckey_o[conductor_regs_pkg::FLOW_ENTRY_A_PORT_LSB +: 16]  = swap ? dp : sp;
      ckey_o[conductor_regs_pkg::FLOW_ENTRY_B_PORT_LSB +: 16]  = swap ? sp : dp;
      ckey_o[conductor_regs_pkg::FLOW_ENTRY_PROTO_LSB +: 8]    = proto;
      ckey_o[conductor_regs_pkg::FLOW_ENTRY_IS_IPV6_LSB]       = v6;
      ckey_o[conductor_regs_pkg::FLOW_ENTRY_SG_ID_LSB +: 8]    = sg;
    end
  end
  assign valid_o = ip;

  // FLOW_KEY bits outside its fields.
  logic unused_bits;
  assign unused_bits = ^{key_i[303:300], key_i[319:312]};
endmodule

`default_nettype wire
