// The bucket cache's line data for one sub-table of rtl/flow_table/flow_table_hbm.sv: Depth lines of
// Slots slots, two write ports and three read ports, built from simple memories (one write port,
// one registered read port: block RAM or LUT RAM) so that it maps onto an FPGA's memories.
//
// Write port 0 writes the slots its mask selects (the table: the engine's write, else a fill);
// write port 1 writes a whole line (an install). Each write port has its own copy of the lines per
// read port (2 x 3 banks), and a live-value table (flip-flops, one bit per line and slot) records
// which port wrote each slot last; a read takes each slot from that port's bank. A read and a
// write of one line in the same clock return the old data (read first), as a single array would.
// The two write ports never write one line in the same clock (the table installs only into a free
// line, which neither the engine nor a fill touches); if they did, port 0 would win.
//
// Read port r advances when ren_i[r] is high; its data (rdata_o[r]) holds otherwise.
`default_nettype none

module flow_line_ram #(
  parameter int unsigned Depth    = 64,
  parameter int unsigned SlotBits = 370,
  parameter int unsigned Slots    = 4,
  localparam int unsigned AW      = $clog2(Depth),
  localparam int unsigned Bits    = Slots * SlotBits
) (
  input  wire logic                 clk_i,
  // write port 0: slot-masked
  input  wire logic                 we0_i,
  input  wire logic [AW-1:0]        waddr0_i,
  input  wire logic [Slots-1:0]     wslot0_i,
  input  wire logic [Bits-1:0]      wdata0_i,
  // write port 1: whole line
  input  wire logic                 we1_i,
  input  wire logic [AW-1:0]        waddr1_i,
  input  wire logic [Bits-1:0]      wdata1_i,
  // read ports 0..2
  input  wire logic [2:0]           ren_i,
  input  wire logic [3*AW-1:0]      raddr_i,
  output      logic [3*Bits-1:0]    rdata_o
);
  // Live-value table: 1 where write port 1 wrote the slot last.
  logic [Slots-1:0] lvt [Depth];
  always_ff @(posedge clk_i) begin
    if (we1_i) lvt[waddr1_i] <= '1;
    if (we0_i) lvt[waddr0_i] <= (we1_i && waddr1_i == waddr0_i ? '1 : lvt[waddr0_i]) & ~wslot0_i;
  end

  for (genvar r = 0; r < 3; r++) begin : g_rd
    logic [AW-1:0]    ra;
    logic [Slots-1:0] sel_q;
    logic [Bits-1:0]  q0, q1;
    assign ra = raddr_i[r*AW +: AW];
    always_ff @(posedge clk_i) begin
      if (ren_i[r]) sel_q <= lvt[ra];
    end
    flow_line_bank #(.Depth(Depth), .SlotBits(SlotBits), .Slots(Slots)) u_b0 (
      .clk_i   (clk_i),
      .we_i    (we0_i),
      .waddr_i (waddr0_i),
      .wslot_i (wslot0_i),
      .wdata_i (wdata0_i),
      .re_i    (ren_i[r]),
      .raddr_i (ra),
      .rdata_o (q0)
    );
    flow_line_bank #(.Depth(Depth), .SlotBits(SlotBits), .Slots(Slots)) u_b1 (
      .clk_i   (clk_i),
      .we_i    (we1_i),
      .waddr_i (waddr1_i),
      .wslot_i ('1),
      .wdata_i (wdata1_i),
      .re_i    (ren_i[r]),
      .raddr_i (ra),
      .rdata_o (q1)
    );
    for (genvar s = 0; s < Slots; s++) begin : g_s
      assign rdata_o[r*Bits + s*SlotBits +: SlotBits] = sel_q[s] ? q1[s*SlotBits +: SlotBits]
                                                                 : q0[s*SlotBits +: SlotBits];
    end
  end
endmodule

`default_nettype wire
