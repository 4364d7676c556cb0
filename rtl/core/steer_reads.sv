// The register reads of steer_decide, a clock ahead of it: pre_o = {BACKUP of the bucket member,
// of the remote backup, of the local backup, remote backup up, local backup up, owner up, owner's
// site up}. "Up" includes SITE_UP and the value's valid bit of that backup.
`default_nettype none

module steer_reads (
  input  wire logic [63:0]   dec_i,           // DECISION
  input  wire logic [63:0]   value_i,         // FLOW_VALUE (any value; only used on a hit)
  input  wire logic [127:0]  member_up_i,     // steer.MEMBER_UP0..3, bit {site, member}
  input  wire logic [1:0]    site_up_i,       // steer.SITE_UP
  input  wire logic [2047:0] backup_i,        // BACKUP_ENTRY of member m in bits m*16 +: 16
  output      logic [51:0]   pre_o
);
  logic [6:0] owner, lb, rb, bucket_dest;
  assign bucket_dest = {dec_i[conductor_regs_pkg::DECISION_SITE_LSB], dec_i[conductor_regs_pkg::DECISION_MEMBER_LSB +: 6]};
  assign owner = {value_i[conductor_regs_pkg::FLOW_VALUE_OWNER_SITE_LSB], value_i[conductor_regs_pkg::FLOW_VALUE_OWNER_MEMBER_LSB +: 6]};
  assign lb    = {value_i[conductor_regs_pkg::FLOW_VALUE_OWNER_SITE_LSB], value_i[conductor_regs_pkg::FLOW_VALUE_LB_MEMBER_LSB +: 6]};
  assign rb    = {value_i[conductor_regs_pkg::FLOW_VALUE_RB_SITE_LSB], value_i[conductor_regs_pkg::FLOW_VALUE_RB_MEMBER_LSB +: 6]};
  assign pre_o = {backup_i[bucket_dest * 16 +: 16], backup_i[rb * 16 +: 16], backup_i[lb * 16 +: 16],
                  value_i[conductor_regs_pkg::FLOW_VALUE_RB_VALID_LSB] && site_up_i[rb[6]] && member_up_i[rb],
                  value_i[conductor_regs_pkg::FLOW_VALUE_LB_VALID_LSB] && site_up_i[lb[6]] && member_up_i[lb],
                  site_up_i[owner[6]] && member_up_i[owner],
                  site_up_i[owner[6]]};

  logic unused_value;
  assign unused_value = ^{dec_i, value_i};
endmodule

`default_nettype wire
