// A bank of rtl/flow_table/flow_line_ram.sv.
`default_nettype none

// One bank: Depth lines of Slots slots, one slot-masked write port and one registered read port;
// each slot is its own memory, so the mask is each memory's write enable.
module flow_line_bank #(
  parameter int unsigned Depth    = 64,
  parameter int unsigned SlotBits = 370,
  parameter int unsigned Slots    = 4,
  localparam int unsigned AW      = $clog2(Depth)
) (
  input  wire logic                      clk_i,
  input  wire logic                      we_i,
  input  wire logic [AW-1:0]             waddr_i,
  input  wire logic [Slots-1:0]          wslot_i,
  input  wire logic [Slots*SlotBits-1:0] wdata_i,
  input  wire logic                      re_i,
  input  wire logic [AW-1:0]             raddr_i,
  output      logic [Slots*SlotBits-1:0] rdata_o
);
  for (genvar s = 0; s < Slots; s++) begin : g_s
    logic [SlotBits-1:0] mem [Depth];
    logic [SlotBits-1:0] q;
    always_ff @(posedge clk_i) begin
      if (we_i && wslot_i[s]) mem[waddr_i] <= wdata_i[s*SlotBits +: SlotBits];
      if (re_i) q <= mem[raddr_i];
    end
    assign rdata_o[s*SlotBits +: SlotBits] = q;
  end
endmodule

`default_nettype wire
