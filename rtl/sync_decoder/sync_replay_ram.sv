// The sync_decoder's replay windows: one 128-bit word per (destination kind, source member byte),
// {seen[63:0], highest[31:0], epoch[31:0]} (docs/hypersync.md §4); the valid bits are flops in
// sync_decoder (cleared at once by COUNTER_CLEAR.REPLAY). Simple dual-port memory, registered read
// data held until the next read; the decoder never reads and writes it in the same clock.
`default_nettype none

module sync_replay_ram #(
  parameter int unsigned Entries = 256  // 2 destination kinds x 128 member bytes
) (
  input  wire logic                       clk_i,
  input  wire logic                       we_i,
  input  wire logic [$clog2(Entries)-1:0] waddr_i,
  input  wire logic [127:0]               wdata_i,
  input  wire logic                       re_i,
  input  wire logic [$clog2(Entries)-1:0] raddr_i,
  output      logic [127:0]               rdata_o
);
  logic [127:0] mem_q [Entries];

  always_ff @(posedge clk_i) begin
    if (we_i) mem_q[waddr_i] <= wdata_i;
  end

  always_ff @(posedge clk_i) begin
    if (re_i) rdata_o <= mem_q[raddr_i];
  end
endmodule

`default_nettype wire
