// The flow table's two bucket hashes, pipelined (three register stages, one global enable):
//   h_t = fmix32(CRC32C(seed_t, message_t))
// message_1 = the canonical key zero-extended to 320 bits (64-bit words 0..4, least significant
// bit first), message_2 = the same words in the order 4..0; CRC32C bit-reflected with no
// inversion, the seed folded into the first 32 message bits (identical to starting the CRC
// register at the seed); fmix32 = MurmurHash3's finaliser. Same as flow::hash_pair (hls/flow_table).
// The CRC is a constant XOR matrix: bit k of the CRC is the parity of (message & Row_k), Row_k
// computed at elaboration by crc_row().
//   S1: CRC -> c_q;  S2: (c ^ c >> 16) * 0x85EBCA6B;  S3: (x ^ x >> 13) * 0xC2B2AE35;
//   h_o = x ^ x >> 16 (combinational from S3). A key presented in clock t gives h_o in clock t+3
// (counting only clocks with en_i high).
`default_nettype none

module flow_hash #(
  parameter int unsigned KeyBits = 305  // canonical key bits (<= 320)
) (
  input  wire logic               clk_i,
  input  wire logic               en_i,
  input  wire logic [KeyBits-1:0] key_i,
  input  wire logic [31:0]        seed1_i,
  input  wire logic [31:0]        seed2_i,
  output      logic [31:0]        h1_o,
  output      logic [31:0]        h2_o
);
  localparam int unsigned MsgBits = 320;
  localparam logic [31:0] Poly = 32'h82F63B78;  // CRC32C, reflected
  localparam logic [31:0] Mul1 = 32'h85EBCA6B;
  localparam logic [31:0] Mul2 = 32'hC2B2AE35;

  if (KeyBits > MsgBits) begin : gen_bad_key
    $error("KeyBits must be <= 320");
  end

  // Row k of the CRC matrix: bit j set when message bit j flips CRC bit k. Column j (the CRC of a
  // message with only bit j set) is T^(319-j) * Poly, T being one shift step of the CRC register.
  function automatic logic [MsgBits-1:0] crc_row(input logic [4:0] k);
    logic [31:0]        c;
    logic [MsgBits-1:0] row;
    c = Poly;
    row = {MsgBits{1'b0}};
    row[MsgBits-1] = c[k];
    for (int j = MsgBits - 2; j >= 0; j--) begin
      c = (c >> 1) ^ (c[0] ? Poly : 32'd0);
      row[j] = c[k];
    end
    crc_row = row;
  endfunction

  logic [MsgBits-1:0] msg, m1, m2;
  assign msg = {{(MsgBits - KeyBits){1'b0}}, key_i};
  assign m1  = msg ^ {{(MsgBits - 32){1'b0}}, seed1_i};
  assign m2  = {msg[63:0], msg[127:64], msg[191:128], msg[255:192], msg[319:256]}
               ^ {{(MsgBits - 32){1'b0}}, seed2_i};

  logic [31:0] c1_d, c2_d;
  for (genvar k = 0; k < 32; k++) begin : gen_crc
    localparam logic [MsgBits-1:0] Row = crc_row(5'(k));
    assign c1_d[k] = ^(m1 & Row);
    assign c2_d[k] = ^(m2 & Row);
  end

  logic [31:0] c1_q, c2_q, x1_q, x2_q, y1_q, y2_q;
  always_ff @(posedge clk_i) begin
    if (en_i) begin
      c1_q <= c1_d;
      c2_q <= c2_d;
      x1_q <= (c1_q ^ (c1_q >> 16)) * Mul1;
      x2_q <= (c2_q ^ (c2_q >> 16)) * Mul1;
      y1_q <= (x1_q ^ (x1_q >> 13)) * Mul2;
      y2_q <= (x2_q ^ (x2_q >> 13)) * Mul2;
    end
  end
  assign h1_o = y1_q ^ (y1_q >> 16);
  assign h2_o = y2_q ^ (y2_q >> 16);
endmodule

`default_nettype wire
