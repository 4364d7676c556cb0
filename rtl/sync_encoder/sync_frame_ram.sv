// One frame buffer of the sync_encoder: simple dual-port memory of 64-byte beats, one write port
// (the record packer) and one read port with registered data that holds its value until the next
// read (the MAC engine or the sender, never both at once).
`default_nettype none

module sync_frame_ram #(
  parameter int unsigned Beats     = 141,  // beats per frame buffer (14 + MaxMtu bytes, rounded up)
  parameter int unsigned AddrWidth = 8     // >= $clog2(Beats)
) (
  input  wire logic                 clk_i,
  input  wire logic                 we_i,
  input  wire logic [AddrWidth-1:0] waddr_i,
  input  wire logic [511:0]         wdata_i,
  input  wire logic                 re_i,
  input  wire logic [AddrWidth-1:0] raddr_i,
  output      logic [511:0]         rdata_o
);
  logic [511:0] mem_q [Beats];

  always_ff @(posedge clk_i) begin
    if (we_i) mem_q[waddr_i] <= wdata_i;
  end

  always_ff @(posedge clk_i) begin
    if (re_i) rdata_o <= mem_q[raddr_i];
  end
endmodule

`default_nettype wire
