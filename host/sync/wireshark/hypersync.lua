-- Wireshark dissector for HyperSync v1.0 (docs/hypersync.md; hls/common/hypersync_wire.hpp is the reference).
--
--   tshark -X lua_script:host/sync/wireshark/hypersync.lua -r sync.pcap -V
--   wireshark -X lua_script:host/sync/wireshark/hypersync.lua sync.pcap
--
-- It loads conductor_regs.lua from its own directory (generated from rtl/csr/conductor.regs by
-- `make regs`): the magic, version, sizes, the broadcast byte, FLOW_VALUE's field positions and the
-- state names come from there. Install the two files together.
--
-- Registers on UDP port 8116 (where Wireshark's built-in CPHA dissector sits; "Decode As" switches
-- back). Decodes the 20-byte header, every record and the tag. The tag is shown, not verified:
-- verifying SipHash-2-4 needs the cluster's 128-bit key, which a capture does not carry.
--
-- Malformed input never raises a Lua error: every read is bounds-checked, and what is wrong is
-- reported as expert info (hypersync.expert.*), in the order of the codec's receive checks.
--
-- FLOW_VALUE travels as a big-endian 64-bit word; each field's bytes and mask follow from its
-- position in the generated module (today: bytes 0..3 LAST_SEEN, byte 4 SYNC_FLAGS and STATE,
-- byte 5 remote backup, byte 6 local backup, byte 7 owner). The tests in tests/sync_dissector
-- compare every field against frames packed with the generated C++ constants.

local hs = Proto("hypersync", "HyperSync (Conductor connection-state sync)")

-- The generated constants, from the directory of this script.
local R = dofile((debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "") .. "conductor_regs.lua")

local HEADER_BYTES = R.SYNC_HEADER_BYTES
local TAG_BYTES = R.SYNC_TAG_BYTES
local OVERHEAD_BYTES = HEADER_BYTES + TAG_BYTES
local MAGIC = R.SYNC_MAGIC
local VERSION_MAJOR = R.SYNC_VERSION_MAJOR
local BROADCAST = R.SYNC_BROADCAST

-- A FLOW_VALUE field in the big-endian word: `at` its first byte, `len` its bytes, and for a field
-- inside one byte its `mask` in that byte, `shift` (2^lsb within the byte) and `count` (2^width).
local function value_field(name)
  local lsb, width = R["FLOW_VALUE_" .. name .. "_LSB"], R["FLOW_VALUE_" .. name .. "_WIDTH"]
  local top = R.FLOW_VALUE_BITS / 8 - 1
  local msb_byte, lsb_byte = math.floor((lsb + width - 1) / 8), math.floor(lsb / 8)
  local fld = { at = top - msb_byte, len = msb_byte - lsb_byte + 1 }
  if fld.len == 1 then
    fld.shift = 2 ^ (lsb % 8)
    fld.count = 2 ^ width
    fld.mask = (fld.count - 1) * fld.shift
  end
  return fld
end
local V = {}
for _, name in ipairs({ "LAST_SEEN", "SYNC_FLAGS", "STATE", "RB_VALID", "RB_SITE", "RB_MEMBER", "LB_VALID",
                        "LB_MEMBER", "OWNER_SITE", "OWNER_MEMBER" }) do
  V[name] = value_field(name)
end

local record_names = {
  [0x01] = "NEW_V4", [0x02] = "UPDATE_V4", [0x03] = "DELETE_V4",
  [0x11] = "NEW_V6", [0x12] = "UPDATE_V6", [0x13] = "DELETE_V6",
  [0x21] = "FULL_SYNC_BEGIN", [0x22] = "FULL_SYNC_END",
  [0x31] = "ACK", [0x32] = "NACK", [0x41] = "HEARTBEAT",
}
-- v1.0 size of each known type (type and length bytes included).
local record_sizes = {
  [0x01] = 24, [0x02] = 24, [0x03] = 16,
  [0x11] = 48, [0x12] = 48, [0x13] = 40,
  [0x21] = 10, [0x22] = 10,
  [0x31] = 14, [0x32] = 14, [0x41] = 6,
}
local state_names = {}
for v, name in pairs(R.FLOW_VALUE_STATE_NAMES) do state_names[v] = string.lower(name) end
local proto_names = { [1] = "ICMP", [6] = "TCP", [17] = "UDP", [58] = "ICMPv6", [132] = "SCTP" }

-- ---- Fields ------------------------------------------------------------------------------------
local f = {
  magic = ProtoField.uint16("hypersync.magic", "Magic", base.HEX),
  version = ProtoField.uint8("hypersync.version", "Version", base.HEX),
  version_major = ProtoField.uint8("hypersync.version.major", "Major", base.DEC, nil, 0xF0),
  version_minor = ProtoField.uint8("hypersync.version.minor", "Minor", base.DEC, nil, 0x0F),
  flags = ProtoField.uint8("hypersync.flags", "Flags", base.HEX),
  flag_retransmit = ProtoField.bool("hypersync.flags.retransmit", "Retransmit", 8, nil, 0x01,
                                    "records resent after a NACK"),
  flag_full_sync = ProtoField.bool("hypersync.flags.full_sync", "Full sync", 8, nil, 0x02,
                                   "records belong to a full sync"),
  flag_ack_request = ProtoField.bool("hypersync.flags.ack_request", "ACK request", 8, nil, 0x04,
                                     "acknowledge now"),
  flag_reserved = ProtoField.uint8("hypersync.flags.reserved", "Reserved", base.HEX, nil, 0x38),
  flag_key = ProtoField.uint8("hypersync.flags.key", "Key number", base.DEC, nil, 0xC0),
  cluster = ProtoField.uint16("hypersync.cluster", "Cluster id", base.DEC),
  src = ProtoField.uint8("hypersync.src", "Source", base.HEX),
  src_member = ProtoField.uint8("hypersync.src.member", "Member", base.DEC, nil, 0x3F),
  src_site = ProtoField.uint8("hypersync.src.site", "Site", base.DEC, nil, 0x40),
  src_bit7 = ProtoField.uint8("hypersync.src.bit7", "Bit 7 (zero)", base.DEC, nil, 0x80),
  dst = ProtoField.uint8("hypersync.dst", "Destination", base.HEX),
  dst_member = ProtoField.uint8("hypersync.dst.member", "Member", base.DEC, nil, 0x3F),
  dst_site = ProtoField.uint8("hypersync.dst.site", "Site", base.DEC, nil, 0x40),
  dst_broadcast = ProtoField.bool("hypersync.dst.broadcast", "Broadcast (every member)"),
  epoch = ProtoField.uint32("hypersync.epoch", "Epoch", base.DEC),
  seq = ProtoField.uint32("hypersync.seq", "Sequence", base.DEC),
  record_count = ProtoField.uint16("hypersync.record_count", "Record count", base.DEC),
  records_bytes = ProtoField.uint16("hypersync.records_bytes", "Records bytes", base.DEC),
  tag = ProtoField.bytes("hypersync.tag", "Tag (SipHash-2-4)"),
  tag_status = ProtoField.string("hypersync.tag.status", "Tag status"),
  undecoded = ProtoField.bytes("hypersync.undecoded", "Not decoded (not a HyperSync v1 payload)"),

  record = ProtoField.none("hypersync.record", "Record"),
  rec_type = ProtoField.uint8("hypersync.record.type", "Type", base.HEX, record_names),
  rec_length = ProtoField.uint8("hypersync.record.length", "Length", base.DEC),
  rec_body = ProtoField.bytes("hypersync.record.body", "Body (unknown type, skipped by length)"),
  rec_extension = ProtoField.bytes("hypersync.record.extension", "Appended fields (later minor version)"),

  a_addr = ProtoField.ipv4("hypersync.key.a_addr", "A address (lower endpoint)"),
  b_addr = ProtoField.ipv4("hypersync.key.b_addr", "B address"),
  a_addr6 = ProtoField.ipv6("hypersync.key.a_addr6", "A address (lower endpoint)"),
  b_addr6 = ProtoField.ipv6("hypersync.key.b_addr6", "B address"),
  a_port = ProtoField.uint16("hypersync.key.a_port", "A port", base.DEC),
  b_port = ProtoField.uint16("hypersync.key.b_port", "B port", base.DEC),
  proto = ProtoField.uint8("hypersync.key.proto", "Protocol", base.DEC, proto_names),
  sg = ProtoField.uint8("hypersync.key.sg", "Security group", base.DEC),

  value = ProtoField.uint64("hypersync.value", "Value (FLOW_VALUE)", base.HEX),
  last_seen = ProtoField.uint32("hypersync.value.last_seen", "Last seen (ticks)", base.DEC),
  sync_flags = ProtoField.uint8("hypersync.value.sync_flags", "Sync flags", base.HEX, nil, V.SYNC_FLAGS.mask),
  state = ProtoField.uint8("hypersync.value.state", "State", base.DEC, state_names, V.STATE.mask),
  rb_valid = ProtoField.bool("hypersync.value.rb_valid", "Remote backup valid", 8, nil, V.RB_VALID.mask),
  rb_site = ProtoField.uint8("hypersync.value.rb_site", "Remote backup site", base.DEC, nil, V.RB_SITE.mask),
  rb_member = ProtoField.uint8("hypersync.value.rb_member", "Remote backup member", base.DEC, nil, V.RB_MEMBER.mask),
  lb_valid = ProtoField.bool("hypersync.value.lb_valid", "Local backup valid", 8, nil, V.LB_VALID.mask),
  lb_member = ProtoField.uint8("hypersync.value.lb_member", "Local backup member", base.DEC, nil, V.LB_MEMBER.mask),
  owner_site = ProtoField.uint8("hypersync.value.owner_site", "Owner site", base.DEC, nil, V.OWNER_SITE.mask),
  owner_member = ProtoField.uint8("hypersync.value.owner_member", "Owner member", base.DEC, nil, V.OWNER_MEMBER.mask),

  fs_session = ProtoField.uint32("hypersync.fullsync.session", "Full-sync session", base.DEC),
  fs_count = ProtoField.uint32("hypersync.fullsync.count", "Entries", base.DEC),
  ack_epoch = ProtoField.uint32("hypersync.ack.epoch", "Epoch", base.DEC),
  ack_first = ProtoField.uint32("hypersync.ack.first", "First sequence", base.DEC),
  ack_last = ProtoField.uint32("hypersync.ack.last", "Last sequence", base.DEC),
  nack_epoch = ProtoField.uint32("hypersync.nack.epoch", "Epoch", base.DEC),
  nack_first = ProtoField.uint32("hypersync.nack.first", "First sequence", base.DEC),
  nack_last = ProtoField.uint32("hypersync.nack.last", "Last sequence", base.DEC),
  heartbeat_seq = ProtoField.uint32("hypersync.heartbeat.seq", "Highest sequence sent", base.DEC),
}
local field_list = {}
for _, v in pairs(f) do field_list[#field_list + 1] = v end
hs.fields = field_list

-- ---- Expert info ---------------------------------------------------------------------------------
local e = {
  truncated = ProtoExpert.new("hypersync.expert.truncated", "Payload shorter than header and tag (28 bytes)",
                              expert.group.MALFORMED, expert.severity.ERROR),
  bad_magic = ProtoExpert.new("hypersync.expert.bad_magic", "Bad magic (not 0x4853)",
                              expert.group.MALFORMED, expert.severity.ERROR),
  bad_version = ProtoExpert.new("hypersync.expert.bad_version", "Major version is not 1",
                                expert.group.PROTOCOL, expert.severity.WARN),
  length_mismatch = ProtoExpert.new("hypersync.expert.length_mismatch",
                                    "Records bytes disagree with the payload length",
                                    expert.group.MALFORMED, expert.severity.ERROR),
  bad_record_length = ProtoExpert.new("hypersync.expert.bad_record_length",
                                      "Record length too short or past the end of the records",
                                      expert.group.MALFORMED, expert.severity.ERROR),
  count_mismatch = ProtoExpert.new("hypersync.expert.record_count_mismatch",
                                   "Record count disagrees with the records present",
                                   expert.group.MALFORMED, expert.severity.ERROR),
  unknown_record = ProtoExpert.new("hypersync.expert.unknown_record", "Unknown record type, skipped by its length",
                                   expert.group.UNDECODED, expert.severity.NOTE),
  must_understand = ProtoExpert.new("hypersync.expert.unknown_must_understand",
                                    "Unknown must-understand record type: a v1.0 receiver drops the frame",
                                    expert.group.PROTOCOL, expert.severity.WARN),
  member_bit7 = ProtoExpert.new("hypersync.expert.member_bit7", "Member byte with bit 7 set",
                                expert.group.PROTOCOL, expert.severity.WARN),
  captured_short = ProtoExpert.new("hypersync.expert.captured_short", "Capture ends before the payload does",
                                   expert.group.MALFORMED, expert.severity.WARN),
  internal = ProtoExpert.new("hypersync.expert.internal", "Dissector error (please report)",
                             expert.group.MALFORMED, expert.severity.ERROR),
}
local expert_list = {}
for _, v in pairs(e) do expert_list[#expert_list + 1] = v end
hs.experts = expert_list

-- ---- Helpers -------------------------------------------------------------------------------------
-- A member byte: bits 5..0 member, bit 6 site, bit 7 zero; 0xFF as a destination is broadcast.
local function member_text(b, is_dst)
  if is_dst and b == BROADCAST then return "broadcast" end
  local s = string.format("member %d site %d", b % 64, math.floor(b / 64) % 2)
  if b >= 0x80 then s = s .. " (bit 7 set)" end
  return s
end

local function dissect_member(tree, tvb, off, is_dst)
  local b = tvb(off, 1):uint()
  local fld = is_dst and f.dst or f.src
  local item = tree:add(fld, tvb(off, 1))
  item:append_text(" (" .. member_text(b, is_dst) .. ")")
  if is_dst then
    if b ~= BROADCAST then
      item:add(f.dst_member, tvb(off, 1))
      item:add(f.dst_site, tvb(off, 1))
    end
    item:add(f.dst_broadcast, tvb(off, 1), b == BROADCAST):set_generated()
  else
    item:add(f.src_member, tvb(off, 1))
    item:add(f.src_site, tvb(off, 1))
    item:add(f.src_bit7, tvb(off, 1))
  end
  if b >= 0x80 and not (is_dst and b == BROADCAST) then
    item:add_proto_expert_info(e.member_bit7)
  end
end

local function dissect_value(tree, tvb, off)
  local r = tvb(off, 8)
  local v = tree:add(f.value, r)
  for _, x in ipairs({ { f.last_seen, V.LAST_SEEN }, { f.sync_flags, V.SYNC_FLAGS }, { f.state, V.STATE },
                       { f.rb_valid, V.RB_VALID }, { f.rb_site, V.RB_SITE }, { f.rb_member, V.RB_MEMBER },
                       { f.lb_valid, V.LB_VALID }, { f.lb_member, V.LB_MEMBER }, { f.owner_site, V.OWNER_SITE },
                       { f.owner_member, V.OWNER_MEMBER } }) do
    v:add(x[1], tvb(off + x[2].at, x[2].len))
  end
  local owner = tvb(off + V.OWNER_MEMBER.at, 1):uint()
  local st = V.STATE
  v:append_text(string.format(" (owner %s, %s)", member_text(owner % 128, false),
                              state_names[math.floor(tvb(off + st.at, 1):uint() / st.shift) % st.count]))
end

-- Key at off: v4 addresses 4 bytes, v6 16 bytes.
local function dissect_key(tree, tvb, off, v6)
  local n = v6 and 16 or 4
  tree:add(v6 and f.a_addr6 or f.a_addr, tvb(off, n))
  tree:add(v6 and f.b_addr6 or f.b_addr, tvb(off + n, n))
  tree:add(f.a_port, tvb(off + 2 * n, 2))
  tree:add(f.b_port, tvb(off + 2 * n + 2, 2))
  tree:add(f.proto, tvb(off + 2 * n + 4, 1))
  tree:add(f.sg, tvb(off + 2 * n + 5, 1))
  local a = v6 and tostring(tvb(off, n):ipv6()) or tostring(tvb(off, n):ipv4())
  local b = v6 and tostring(tvb(off + n, n):ipv6()) or tostring(tvb(off + n, n):ipv4())
  return string.format("%s:%d <-> %s:%d proto %d sg %d", a, tvb(off + 2 * n, 2):uint(), b,
                       tvb(off + 2 * n + 2, 2):uint(), tvb(off + 2 * n + 4, 1):uint(), tvb(off + 2 * n + 5, 1):uint())
end

-- The body of a known record of at least its v1.0 size; returns a summary.
local function dissect_known(rt, tvb, off, t)
  local b = off + 2
  if t == 0x01 or t == 0x02 or t == 0x03 or t == 0x11 or t == 0x12 or t == 0x13 then
    local v6 = t >= 0x11
    local s = dissect_key(rt, tvb, b, v6)
    if t ~= 0x03 and t ~= 0x13 then dissect_value(rt, tvb, b + (v6 and 38 or 14)) end
    return s
  elseif t == 0x21 or t == 0x22 then
    rt:add(f.fs_session, tvb(b, 4))
    local c = rt:add(f.fs_count, tvb(b + 4, 4))
    c:append_text(t == 0x21 and " (to come)" or " (sent)")
    return string.format("session %d, %d entries", tvb(b, 4):uint(), tvb(b + 4, 4):uint())
  elseif t == 0x31 or t == 0x32 then
    local ack = t == 0x31
    rt:add(ack and f.ack_epoch or f.nack_epoch, tvb(b, 4))
    rt:add(ack and f.ack_first or f.nack_first, tvb(b + 4, 4))
    rt:add(ack and f.ack_last or f.nack_last, tvb(b + 8, 4))
    local first, last = tvb(b + 4, 4):uint(), tvb(b + 8, 4):uint()
    local s = string.format("epoch %d seq %d..%d", tvb(b, 4):uint(), first, last)
    if not ack and first == 0 and last == 0 then
      s = s .. " (full-sync request)"
      rt:append_text(" (asks for a full sync)")
    end
    return s
  elseif t == 0x41 then
    rt:add(f.heartbeat_seq, tvb(b, 4))
    return string.format("highest seq %d", tvb(b, 4):uint())
  end
  return ""
end

-- Records in [off, stop). Returns the number of records walked, whether the walk reached `stop`,
-- and whether any record was malformed.
local function dissect_records(tree, tvb, off, stop, types_seen)
  local n = 0
  local bad = false
  while off < stop do
    local left = stop - off
    if left < 2 then
      local it = tree:add(f.record, tvb(off, left))
      it:set_text(string.format("Record %d: %d byte(s) left, less than type and length", n, left))
      it:add_proto_expert_info(e.bad_record_length,
                               string.format("Record %d: %d byte(s) left, less than type and length", n, left))
      return n, false, true
    end
    local t = tvb(off, 1):uint()
    local len = tvb(off + 1, 1):uint()
    local name = record_names[t] or string.format("unknown 0x%02x", t)
    if len < 2 or len > left then
      local it = tree:add(f.record, tvb(off, left))
      it:set_text(string.format("Record %d: %s, length %d with %d bytes left", n, name, len, left))
      it:add(f.rec_type, tvb(off, 1))
      local li = it:add(f.rec_length, tvb(off + 1, 1))
      li:add_proto_expert_info(e.bad_record_length,
                               string.format("Record %d (type 0x%02x): length %d with %d bytes left", n, t, len, left))
      return n, false, true
    end
    local rt = tree:add(f.record, tvb(off, len))
    rt:set_text(string.format("Record %d: %s (%d bytes)", n, name, len))
    rt:add(f.rec_type, tvb(off, 1))
    local li = rt:add(f.rec_length, tvb(off + 1, 1))
    local size = record_sizes[t]
    if size == nil then
      if len > 2 then rt:add(f.rec_body, tvb(off + 2, len - 2)) end
      if t >= 0x80 then
        rt:add_proto_expert_info(e.must_understand,
                                 string.format("Record %d: type 0x%02x is unknown and must-understand", n, t))
      else
        rt:add_proto_expert_info(e.unknown_record,
                                 string.format("Record %d: type 0x%02x unknown, %d bytes skipped", n, t, len))
      end
    elseif len < size then
      li:add_proto_expert_info(e.bad_record_length,
                               string.format("Record %d (%s): length %d, the type needs %d", n, name, len, size))
      bad = true
      if len > 2 then rt:add(f.rec_body, tvb(off + 2, len - 2)) end
    else
      local s = dissect_known(rt, tvb, off, t)
      if s ~= "" then rt:append_text(": " .. s) end
      if len > size then rt:add(f.rec_extension, tvb(off + size, len - size)) end
    end
    types_seen[#types_seen + 1] = name
    off = off + len
    n = n + 1
  end
  return n, true, bad
end

-- ---- Dissector -----------------------------------------------------------------------------------
local function dissect(tvb, pinfo, tree)
  local avail = tvb:len()              -- captured bytes
  local size = tvb:reported_len()      -- bytes on the wire
  pinfo.cols.protocol = "HyperSync"
  local root = tree:add(hs, tvb(0, avail))
  if avail < size then
    root:add_proto_expert_info(e.captured_short,
                               string.format("Captured %d of %d payload bytes", avail, size))
  end
  if size < OVERHEAD_BYTES then
    root:add_proto_expert_info(e.truncated, string.format("%d bytes, shorter than the %d-byte header and tag",
                                                          size, OVERHEAD_BYTES))
    pinfo.cols.info = string.format("HyperSync, truncated (%d bytes)", size)
  end

  -- Header fields, each only if its bytes were captured.
  local function have(off, n) return off + n <= avail end
  if have(0, 2) then
    local magic = tvb(0, 2):uint()
    local it = root:add(f.magic, tvb(0, 2))
    if magic ~= MAGIC then
      -- Not HyperSync (or corrupt beyond use): nothing after the magic can be trusted.
      it:add_proto_expert_info(e.bad_magic, string.format("Magic 0x%04x, not 0x%04x", magic, MAGIC))
      pinfo.cols.info = string.format("HyperSync, bad magic 0x%04x", magic)
      if avail > 2 then root:add(f.undecoded, tvb(2, avail - 2)) end
      return
    end
  end
  if have(2, 1) then
    local v = tvb(2, 1):uint()
    local it = root:add(f.version, tvb(2, 1))
    it:append_text(string.format(" (%d.%d)", math.floor(v / 16), v % 16))
    it:add(f.version_major, tvb(2, 1))
    it:add(f.version_minor, tvb(2, 1))
    if math.floor(v / 16) ~= VERSION_MAJOR then
      -- Another major version has another layout: show the bytes, decode nothing more.
      it:add_proto_expert_info(e.bad_version, string.format("Version %d.%d, this dissector speaks major %d",
                                                            math.floor(v / 16), v % 16, VERSION_MAJOR))
      pinfo.cols.info = string.format("HyperSync, version %d.%d (not decoded)", math.floor(v / 16), v % 16)
      if avail > 3 then root:add(f.undecoded, tvb(3, avail - 3)) end
      return
    end
  end
  if have(3, 1) then
    local it = root:add(f.flags, tvb(3, 1))
    it:add(f.flag_retransmit, tvb(3, 1))
    it:add(f.flag_full_sync, tvb(3, 1))
    it:add(f.flag_ack_request, tvb(3, 1))
    it:add(f.flag_reserved, tvb(3, 1))
    it:add(f.flag_key, tvb(3, 1))
  end
  if have(4, 2) then root:add(f.cluster, tvb(4, 2)) end
  if have(6, 1) then dissect_member(root, tvb, 6, false) end
  if have(7, 1) then dissect_member(root, tvb, 7, true) end
  if have(8, 4) then root:add(f.epoch, tvb(8, 4)) end
  if have(12, 4) then root:add(f.seq, tvb(12, 4)) end
  local count_item, count
  if have(16, 2) then
    count = tvb(16, 2):uint()
    count_item = root:add(f.record_count, tvb(16, 2))
  end
  local records_bytes
  local malformed = false
  if have(18, 2) then
    records_bytes = tvb(18, 2):uint()
    local it = root:add(f.records_bytes, tvb(18, 2))
    if size >= OVERHEAD_BYTES and records_bytes + OVERHEAD_BYTES ~= size then
      it:add_proto_expert_info(e.length_mismatch,
                               string.format("Records bytes %d, but the payload of %d bytes holds %d",
                                             records_bytes, size, size - OVERHEAD_BYTES))
      malformed = true
    end
  end
  if size < OVERHEAD_BYTES or avail < HEADER_BYTES then return end

  -- Records: everything between the header and the tag (the tag is the payload's last 8 bytes).
  local stop = math.min(size - TAG_BYTES, avail)
  local types_seen = {}
  local n, clean, bad = dissect_records(root, tvb, HEADER_BYTES, stop, types_seen)
  malformed = malformed or bad or not clean
  if clean and stop == size - TAG_BYTES and count ~= nil and n ~= count then
    malformed = true
    count_item:add_proto_expert_info(e.count_mismatch,
                                     string.format("Record count %d, but the records bytes hold %d records", count, n))
  end

  if have(size - TAG_BYTES, TAG_BYTES) then
    local tag = root:add(f.tag, tvb(size - TAG_BYTES, TAG_BYTES))
    tag:add(f.tag_status, tvb(size - TAG_BYTES, TAG_BYTES), "not verified (needs the cluster key)"):set_generated()
  end

  local src, dst = tvb(6, 1):uint(), tvb(7, 1):uint()
  local summary = table.concat(types_seen, " ", 1, math.min(#types_seen, 6))
  if #types_seen > 6 then summary = summary .. string.format(" ... (%d records)", #types_seen) end
  root:append_text(string.format(", %s -> %s, epoch %d, seq %d", member_text(src, false), member_text(dst, true),
                                 tvb(8, 4):uint(), tvb(12, 4):uint()))
  pinfo.cols.info = string.format("HyperSync %s -> %s epoch %d seq %d: %s", member_text(src, false),
                                  member_text(dst, true), tvb(8, 4):uint(), tvb(12, 4):uint(),
                                  summary ~= "" and summary or "no records")
  if malformed then pinfo.cols.info:append(" [malformed]") end
end

function hs.dissector(tvb, pinfo, tree)
  local ok, err = pcall(dissect, tvb, pinfo, tree)
  if not ok then
    tree:add_proto_expert_info(e.internal, "HyperSync dissector error: " .. tostring(err))
  end
  return tvb:len()
end

DissectorTable.get("udp.port"):add(R.SYNC_UDP_PORT, hs)
