// One SipRound of SipHash (Aumasson and Bernstein, INDOCRYPT 2012): four 64-bit additions, XORs and
// fixed rotations (wiring). Combinational; sync_encoder registers its output every clock.
`default_nettype none

module sync_sipround (
  input  wire logic [63:0] v0_i,
  input  wire logic [63:0] v1_i,
  input  wire logic [63:0] v2_i,
  input  wire logic [63:0] v3_i,
  output      logic [63:0] v0_o,
  output      logic [63:0] v1_o,
  output      logic [63:0] v2_o,
  output      logic [63:0] v3_o
);
  logic [63:0] a0, a1, a2, a3;  // after the first half-round
  logic [63:0] b0, b1, b2, b3;  // after the second

  always_comb begin
    a0 = v0_i + v1_i;
    a1 = {v1_i[50:0], v1_i[63:51]} ^ a0;  // rotl 13
    a0 = {a0[31:0], a0[63:32]};           // rotl 32
    a2 = v2_i + v3_i;
    a3 = {v3_i[47:0], v3_i[63:48]} ^ a2;  // rotl 16
    b0 = a0 + a3;
    b3 = {a3[42:0], a3[63:43]} ^ b0;      // rotl 21
    b2 = a2 + a1;
    b1 = {a1[46:0], a1[63:47]} ^ b2;      // rotl 17
    b2 = {b2[31:0], b2[63:32]};           // rotl 32
    v0_o = b0;
    v1_o = b1;
    v2_o = b2;
    v3_o = b3;
  end
endmodule

`default_nettype wire
