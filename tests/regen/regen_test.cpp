// regen: the .regs parser (accepts the checked-in map, rejects each kind of bad input with
// "file:line: reason"), the emitters, and the checked-in generated header.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "emit.hpp"
#include "hls/common/gen/conductor_regs.hpp"
#include "regs_model.hpp"

namespace {

using conductor::regen::Access;
using conductor::regen::parse_regs;
using conductor::regen::ParseResult;
using conductor::regen::RegMap;

std::string read_source(const std::string& rel) {
  std::ifstream in(std::string(CONDUCTOR_SOURCE_DIR) + "/" + rel);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const char* const kSmall = R"(# a small map
block blk 0x1000 0x100 "a block"
reg CTRL   0x00 rw  0x00000003 "control"
field EN    0 1 "enable"
field MODE  1 2 "mode"
reg STATUS 0x04 ro  0 "status"
reg ID     0x08 const 0xCAFE "id"
reg GO     0x0C w1p 0 "go"
window MEM 0x80 0x80 "memory"
struct PKT 24 "a packet word"
field A 0 8 "a"
enum PKT.A LOW 0 "low"
enum PKT.A HIGH 0xFF "high"
field B 16 8 "b"
enum blk.CTRL.MODE FAST 2 "fast"
const WIRE_MAGIC 16 0x4853 "magic"
const LIMIT 8 128 "limit"
)";

RegMap parse_ok(const std::string& text) {
  ParseResult r = parse_regs(text, "t.regs");
  for (const auto& e : r.errors) ADD_FAILURE() << e;
  EXPECT_TRUE(r.map.has_value());
  return r.map.value_or(RegMap{});
}

// Parses `text` and expects exactly one error, at `line`, containing `what`.
void expect_error(const std::string& text, int line, const std::string& what) {
  ParseResult r = parse_regs(text, "t.regs");
  EXPECT_FALSE(r.map.has_value()) << text;
  ASSERT_EQ(r.errors.size(), 1u) << text << (r.errors.empty() ? "" : "\nfirst: " + r.errors[0]);
  const std::string prefix = "t.regs:" + std::to_string(line) + ": ";
  EXPECT_EQ(r.errors[0].rfind(prefix, 0), 0u) << r.errors[0];
  EXPECT_NE(r.errors[0].find(what), std::string::npos) << r.errors[0] << "\nexpected: " << what;
}

TEST(RegenParse, ReadsTheCheckedInMap) {
  RegMap m = parse_ok(read_source("rtl/csr/conductor.regs"));
  // The map grows block by block; these are the ones every later block is laid out around.
  ASSERT_GE(m.blocks.size(), 3u);
  EXPECT_EQ(m.blocks[0].name, "id");
  EXPECT_EQ(m.blocks[0].base, 0u);
  EXPECT_EQ(m.blocks[2].name, "dist_hash");
  EXPECT_EQ(m.blocks[2].addr_bits(), 17u);
  ASSERT_GE(m.blocks[2].windows.size(), 1u);
  EXPECT_EQ(m.blocks[2].windows[0].name, "BUCKETS");
  EXPECT_EQ(m.blocks[2].windows[0].word_addr_bits(), 14u);
  const auto ctrl =
      std::find_if(m.blocks[2].regs.begin(), m.blocks[2].regs.end(), [](const auto& r) { return r.name == "CTRL"; });
  ASSERT_NE(ctrl, m.blocks[2].regs.end());
  EXPECT_EQ(ctrl->reset, 0x00000C00u);
  EXPECT_EQ(ctrl->field_mask(), 0x1F03u);
  ASSERT_GE(m.structs.size(), 4u);
  EXPECT_EQ(m.structs[0].name, "FLOW_KEY");
  EXPECT_EQ(m.structs[0].bits, 320u);
}

TEST(RegenParse, ReadsEveryStatement) {
  RegMap m = parse_ok(kSmall);
  ASSERT_EQ(m.blocks.size(), 1u);
  const auto& b = m.blocks[0];
  EXPECT_EQ(b.base, 0x1000u);
  EXPECT_EQ(b.size, 0x100u);
  EXPECT_EQ(b.description, "a block");
  ASSERT_EQ(b.regs.size(), 4u);
  EXPECT_EQ(b.regs[0].access, Access::kRw);
  EXPECT_EQ(b.regs[1].access, Access::kRo);
  EXPECT_EQ(b.regs[2].access, Access::kConst);
  EXPECT_EQ(b.regs[2].reset, 0xCAFEu);
  EXPECT_EQ(b.regs[3].access, Access::kW1p);
  ASSERT_EQ(b.regs[0].fields.size(), 2u);
  EXPECT_EQ(b.regs[0].fields[1].lsb, 1u);
  EXPECT_EQ(b.regs[0].fields[1].width, 2u);
  EXPECT_EQ(b.regs[0].line, 3);
  ASSERT_EQ(b.windows.size(), 1u);
  EXPECT_EQ(b.windows[0].words(), 32u);
  ASSERT_EQ(m.structs.size(), 1u);
  EXPECT_EQ(m.structs[0].fields.size(), 2u);
  ASSERT_EQ(m.structs[0].fields[0].values.size(), 2u);
  EXPECT_EQ(m.structs[0].fields[0].values[1].name, "HIGH");
  EXPECT_EQ(m.structs[0].fields[0].values[1].value, 0xFFu);
  EXPECT_EQ(m.structs[0].fields[0].values[1].line, 13);
  ASSERT_EQ(b.regs[0].fields[1].values.size(), 1u);
  EXPECT_EQ(b.regs[0].fields[1].values[0].value, 2u);
  ASSERT_EQ(m.consts.size(), 2u);
  EXPECT_EQ(m.consts[0].name, "WIRE_MAGIC");
  EXPECT_EQ(m.consts[0].width, 16u);
  EXPECT_EQ(m.consts[0].value, 0x4853u);
  EXPECT_TRUE(m.consts[0].hex);
  EXPECT_FALSE(m.consts[1].hex);
}

TEST(RegenParse, EnumLinesMaySitBetweenFields) {
  RegMap m = parse_ok(
      "struct S 8 \"s\"\nfield A 0 2 \"a\"\nenum S.A X 1 \"x\"\nfield B 2 2 \"b\"\n"
      "const C 1 1 \"c\"\nenum S.B Y 3 \"y\"\n");
  ASSERT_EQ(m.structs[0].fields.size(), 2u);
  EXPECT_EQ(m.structs[0].fields[1].values.size(), 1u);
}

TEST(RegenParse, CommentsBlankLinesAndHashInStrings) {
  RegMap m = parse_ok(
      "\n   # only a comment\nblock b 0 0x10 \"uses # inside\"  # trailing\n\n"
      "reg R 0 rw 0 \"x\"\r\n");
  ASSERT_EQ(m.blocks.size(), 1u);
  EXPECT_EQ(m.blocks[0].description, "uses # inside");
  EXPECT_EQ(m.blocks[0].regs.size(), 1u);
}

struct BadCase {
  const char* name;
  const char* text;
  int line;
  const char* what;
};

const BadCase kBad[] = {
    {"UnknownStatement", "block b 0 0x100 \"b\"\nregister R 0 rw 0 \"r\"\n", 2, "unknown statement 'register'"},
    {"DuplicateBlock", "block b 0 0x100 \"b\"\nblock B 0x100 0x100 \"b\"\n", 2, "duplicate block 'B'"},
    {"DuplicateReg", "block b 0 0x100 \"b\"\nreg R 0 rw 0 \"r\"\nreg R 4 rw 0 \"r\"\n", 3, "duplicate name 'R'"},
    {"DuplicateRegAndWindow", "block b 0 0x100 \"b\"\nwindow M 0x80 0x80 \"m\"\nreg M 4 rw 0 \"r\"\n", 3,
     "duplicate name 'M'"},
    {"DuplicateField", "block b 0 0x100 \"b\"\nreg R 0 rw 0 \"r\"\nfield F 0 1 \"f\"\nfield F 4 1 \"f\"\n", 4,
     "duplicate field 'F'"},
    {"DuplicateStruct", "struct S 8 \"s\"\nstruct S 8 \"s\"\n", 2, "duplicate struct 'S'"},
    {"OverlappingRegs", "block b 0 0x100 \"b\"\nreg A 0x10 rw 0 \"a\"\nreg B 0x10 rw 0 \"b\"\n", 3, "overlaps reg A"},
    {"RegInsideWindow", "block b 0 0x100 \"b\"\nwindow M 0x80 0x80 \"m\"\nreg R 0x84 rw 0 \"r\"\n", 3,
     "overlaps window M"},
    {"WindowOverRegs", "block b 0 0x100 \"b\"\nreg R 0x84 rw 0 \"r\"\nwindow M 0x80 0x80 \"m\"\n", 3, "overlaps reg R"},
    {"UnalignedOffset", "block b 0 0x100 \"b\"\nreg R 0x6 rw 0 \"r\"\n", 2, "not 4-aligned"},
    {"OffsetOutsideBlock", "block b 0 0x100 \"b\"\nreg R 0x100 rw 0 \"r\"\n", 2, "outside block b"},
    {"FieldBeyond32Bits", "block b 0 0x100 \"b\"\nreg R 0 rw 0 \"r\"\nfield F 30 3 \"f\"\n", 3,
     "[32:30] is outside reg R (32 bits)"},
    {"FieldWidthZero", "block b 0 0x100 \"b\"\nreg R 0 rw 0 \"r\"\nfield F 3 0 \"f\"\n", 3, "width 0"},
    {"OverlappingFields", "block b 0 0x100 \"b\"\nreg R 0 rw 0 \"r\"\nfield A 0 4 \"a\"\nfield B 3 2 \"b\"\n", 4,
     "field B overlaps field A"},
    {"StructFieldOverlap", "struct S 16 \"s\"\nfield A 0 8 \"a\"\nfield B 7 2 \"b\"\n", 3, "field B overlaps field A"},
    {"StructFieldBeyondWidth", "struct S 16 \"s\"\nfield A 12 8 \"a\"\n", 2, "outside struct S (16 bits)"},
    {"WindowOutsideBlock", "block b 0 0x100 \"b\"\nwindow M 0x100 0x100 \"m\"\n", 2, "not inside block b"},
    {"WindowMisaligned", "block b 0 0x100 \"b\"\nwindow M 0x40 0x80 \"m\"\n", 2, "not aligned to its size"},
    {"WindowNotPowerOfTwo", "block b 0 0x100 \"b\"\nwindow M 0x0 0x60 \"m\"\n", 2, "not a power of two"},
    {"BadHexNumber", "block b 0 0x100 \"b\"\nreg R 0x1G rw 0 \"r\"\n", 2, "bad number '0x1G'"},
    {"BadDecimalNumber", "block b 0 0x100 \"b\"\nreg R 12abc rw 0 \"r\"\n", 2, "bad number '12abc'"},
    {"NumberTooBig", "block b 0 0x100 \"b\"\nreg R 0 rw 0x100000000 \"r\"\n", 2, "at most 32 bits"},
    {"NegativeNumber", "block b 0 0x100 \"b\"\nreg R -4 rw 0 \"r\"\n", 2, "bad number '-4'"},
    {"UnknownAccess", "block b 0 0x100 \"b\"\nreg R 0 wo 0 \"r\"\n", 2, "unknown access 'wo'"},
    {"MissingDescription", "block b 0 0x100 \"b\"\nreg R 0 rw 0\n", 2, "missing \"description\""},
    {"TooFewArguments", "block b 0 \"b\"\n", 1, "too few arguments"},
    {"ExtraToken", "block b 0 0x100 \"b\" extra\n", 1, "unexpected 'extra' after the description"},
    {"UnterminatedString", "block b 0 0x100 \"b\n", 1, "unterminated string"},
    {"BadName", "block b 0 0x100 \"b\"\nreg 9R 0 rw 0 \"r\"\n", 2, "bad reg name '9R'"},
    {"FieldWithoutOwner", "block b 0 0x100 \"b\"\nfield F 0 1 \"f\"\n", 2, "field must follow"},
    {"FieldAfterWindow", "block b 0 0x100 \"b\"\nwindow M 0x80 0x80 \"m\"\nfield F 0 1 \"f\"\n", 3,
     "field must follow"},
    {"RegOutsideBlock", "reg R 0 rw 0 \"r\"\n", 1, "outside a block"},
    {"RegAfterStruct", "block b 0 0x100 \"b\"\nstruct S 8 \"s\"\nreg R 0 rw 0 \"r\"\n", 3, "after a struct"},
    {"BlockSizeNotPowerOfTwo", "block b 0 0x300 \"b\"\n", 1, "not a power of two"},
    {"BlockMisaligned", "block b 0x80 0x100 \"b\"\n", 1, "not aligned to its size"},
    {"BlocksOverlap", "block a 0 0x1000 \"a\"\nblock b 0x800 0x800 \"b\"\n", 2, "overlaps block a"},
    {"ResetOutsideFields", "block b 0 0x100 \"b\"\nreg R 0 rw 0x10 \"r\"\nfield F 0 4 \"f\"\n", 2,
     "sets bits outside its fields"},
    {"GeneratedNameCollision",
     "block a 0 0x100 \"a\"\nreg B_C 0 rw 0 \"r\"\nblock a_b 0x100 0x100 \"b\"\nreg C 0 rw 0 \"r\"\n", 4,
     "generated name A_B_C_OFFSET collides with the one from line 2"},
    {"EnumUnknownStructField", "struct S 8 \"s\"\nfield A 0 4 \"a\"\nenum S.OPCOD X 1 \"x\"\n", 3,
     "unknown field 'S.OPCOD': struct S has no field OPCOD"},
    {"EnumUnknownStruct", "struct S 8 \"s\"\nfield A 0 4 \"a\"\nenum T.A X 1 \"x\"\n", 3,
     "unknown field 'T.A': no struct T"},
    {"EnumUnknownReg", "block b 0 0x100 \"b\"\nreg R 0 rw 0 \"r\"\nfield F 0 2 \"f\"\nenum b.Q.F X 1 \"x\"\n", 4,
     "unknown field 'b.Q.F': block b has no reg Q"},
    {"EnumUnknownRegField", "block b 0 0x100 \"b\"\nreg R 0 rw 0 \"r\"\nfield F 0 2 \"f\"\nenum b.R.G X 1 \"x\"\n", 4,
     "unknown field 'b.R.G': reg b.R has no field G"},
    {"EnumBeforeItsField", "struct S 8 \"s\"\nenum S.A X 1 \"x\"\nfield A 0 4 \"a\"\n", 2,
     "declare the field before its enum values"},
    {"EnumBadPath", "struct S 8 \"s\"\nfield A 0 4 \"a\"\nenum S..A X 1 \"x\"\n", 3, "bad field path 'S..A'"},
    {"EnumValueTooWide", "struct S 8 \"s\"\nfield A 0 4 \"a\"\nenum S.A X 16 \"x\"\n", 3,
     "enum X value 16 is too wide for field S.A (4 bits, at most 15)"},
    {"EnumDuplicateName", "struct S 8 \"s\"\nfield A 0 4 \"a\"\nenum S.A X 1 \"x\"\nenum S.A x 2 \"x\"\n", 4,
     "duplicate enum 'x' of field S.A (first at line 3)"},
    {"EnumDuplicateValue", "struct S 8 \"s\"\nfield A 0 4 \"a\"\nenum S.A X 1 \"x\"\nenum S.A Y 1 \"y\"\n", 4,
     "enum Y repeats the value 1 of X (line 3)"},
    {"EnumBadName", "struct S 8 \"s\"\nfield A 0 4 \"a\"\nenum S.A 1X 1 \"x\"\n", 3, "bad enum name '1X'"},
    {"EnumMissingValue", "struct S 8 \"s\"\nfield A 0 4 \"a\"\nenum S.A X \"x\"\n", 3, "too few arguments"},
    {"EnumNameCollision", "struct S 8 \"s\"\nfield A 0 4 \"a\"\nenum S.A WIDTH 1 \"x\"\n", 3,
     "generated name S_A_WIDTH collides with the one from line 2"},
    {"ConstValueTooWide", "const C 4 0x10 \"c\"\n", 1, "const C value 0x10 is too wide for 4 bits (at most 15)"},
    {"ConstWidthZero", "const C 0 0 \"c\"\n", 1, "width 0 is not 1..32 bits"},
    {"ConstWidthTooBig", "const C 33 0 \"c\"\n", 1, "width 33 is not 1..32 bits"},
    {"ConstDuplicate", "const C 4 1 \"c\"\nconst c 4 2 \"c\"\n", 2, "duplicate const 'c' (first at line 1)"},
    {"ConstCollidesWithGeneratedName", "struct S 8 \"s\"\nconst S_BITS 8 8 \"c\"\n", 2,
     "generated name S_BITS collides with the one from line 1"},
    {"ConstBadNumber", "const C 8 0x1G \"c\"\n", 1, "bad number '0x1G' for const value"},
    {"PortNameCollision", "block b 0 0x100 \"b\"\nreg M_REQ 0 rw 0 \"r\"\nwindow M 0x80 0x80 \"m\"\n", 3, "m_req_o"},
};

// Shown by gtest (and in CTest's test list) instead of the raw bytes.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class RegenBadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(RegenBadInput, ReportsFileLineAndReason) { expect_error(GetParam().text, GetParam().line, GetParam().what); }

INSTANTIATE_TEST_SUITE_P(Regen, RegenBadInput, ::testing::ValuesIn(kBad),
                         [](const ::testing::TestParamInfo<BadCase>& i) { return std::string(i.param.name); });

TEST(RegenParse, ReportsEveryErrorInLineOrder) {
  ParseResult r =
      parse_regs("block b 0 0x100 \"b\"\nreg A 3 rw 0 \"a\"\nfoo\nreg B 0 rw 0 \"b\"\nfield X 40 1 \"x\"\n", "x.regs");
  EXPECT_FALSE(r.map.has_value());
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].rfind("x.regs:2: ", 0), 0u) << r.errors[0];
  EXPECT_EQ(r.errors[1].rfind("x.regs:3: ", 0), 0u) << r.errors[1];
  EXPECT_EQ(r.errors[2].rfind("x.regs:5: ", 0), 0u) << r.errors[2];
}

TEST(RegenEmit, PackageHasEveryName) {
  std::string sv = conductor::regen::emit_sv_package(parse_ok(kSmall), "t.regs");
  for (const char* want : {"package conductor_regs_pkg;",
                           "BLK_BASE",
                           "= 32'h00001000;",
                           "BLK_SIZE",
                           "BLK_ADDR_BITS",
                           "BLK_CTRL_OFFSET",
                           "BLK_CTRL_ADDR",
                           "localparam logic [31:0] BLK_CTRL_RESET",
                           "BLK_CTRL_MODE_LSB",
                           "BLK_CTRL_MODE_WIDTH",
                           "BLK_CTRL_MODE_MASK",
                           "BLK_MEM_OFFSET",
                           "BLK_MEM_SIZE",
                           "BLK_MEM_WORD_ADDR_BITS",
                           "PKT_BITS",
                           "PKT_B_LSB",
                           "PKT_B_WIDTH",
                           "typedef enum logic [7:0] {",
                           "PKT_A_LOW = 8'd0,",
                           "PKT_A_HIGH = 8'd255",
                           "} pkt_a_e;",
                           "typedef enum logic [1:0] {",
                           "BLK_CTRL_MODE_FAST = 2'd2",
                           "} blk_ctrl_mode_e;",
                           "localparam logic [15:0] WIRE_MAGIC",
                           "= 16'h4853;",
                           "localparam logic [7:0]  LIMIT",
                           "= 8'd128;",
                           "endpackage"}) {
    EXPECT_NE(sv.find(want), std::string::npos) << want;
  }
}

TEST(RegenEmit, CsrModuleHasTheContractPorts) {
  RegMap m = parse_ok(kSmall);
  std::string sv = conductor::regen::emit_sv_csr(m.blocks[0], "t.regs");
  for (const char* want : {"module blk_csr (", "input  wire logic [7:0]  s_axi_control_AWADDR",
                           "output      logic        s_axi_control_BVALID", "output      logic [31:0] ctrl_o",
                           "input  wire logic [31:0] status_i", "output      logic [31:0] go_o",
                           "output      logic        mem_req_o", "output      logic [4:0]  mem_addr_o",
                           "input  wire logic [31:0] mem_rdata_i", "32'h0000CAFE", "32'h00000007"}) {
    EXPECT_NE(sv.find(want), std::string::npos) << want << "\n" << sv;
  }
  // const regs have no port.
  EXPECT_EQ(sv.find("id_i"), std::string::npos);
  EXPECT_EQ(sv.find("id_o"), std::string::npos);
}

TEST(RegenEmit, HeaderAndDocsHaveEveryName) {
  RegMap m = parse_ok(kSmall);
  std::string h = conductor::regen::emit_cpp_header(m, "t.regs");
  for (const char* want : {"namespace conductor::regs {",
                           "BLK_CTRL_ADDR",
                           "= 0x00001000u;",
                           "BLK_GO_ADDR",
                           "= 0x0000100Cu;",
                           "BLK_CTRL_MODE_MASK",
                           "= 0x00000006u;",
                           "PKT_B_LSB",
                           "PKT_FIELDS[]",
                           "kRegisters[]",
                           "Access::kW1p",
                           "BLK_CTRL_FIELDS, 2",
                           "PKT_A_HIGH",
                           "= 255u;",
                           "enum class PktA : uint8_t {",
                           "kHigh = 255,",
                           "enum class BlkCtrlMode : uint8_t {",
                           "kFast = 2,",
                           "WIRE_MAGIC",
                           "= 0x00004853u;",
                           "LIMIT"}) {
    EXPECT_NE(h.find(want), std::string::npos) << want;
  }
  std::string md = conductor::regen::emit_markdown(m, "t.regs");
  for (const char* want : {"| 0x1000 | 0x00 | `CTRL` | rw | 0x00000003 | `[0]` EN: enable<br>`[2:1]` MODE: mode |",
                           "`MEM` | window", "### `PKT` — 24 bits", "| `[23:16]` | `B` | 8 | b |", "Values of `PKT.A`:",
                           "| 255 | `HIGH` | high |", "Values of `blk.CTRL.MODE`:", "## Constants",
                           "| `WIRE_MAGIC` | 16 | 0x4853 | magic |", "| `LIMIT` | 8 | 128 | limit |"}) {
    EXPECT_NE(md.find(want), std::string::npos) << want << "\n" << md;
  }
  std::string lua = conductor::regen::emit_lua_module(m, "t.regs");
  for (const char* want : {"local M = {}", "M.WIRE_MAGIC", "= 0x4853", "M.PKT_A_LSB", "M.PKT_B_WIDTH", "M.PKT_A_HIGH",
                           "= 255", "M.PKT_A_NAMES = { [0] = \"LOW\", [255] = \"HIGH\" }",
                           "M.BLK_CTRL_MODE_NAMES = { [2] = \"FAST\" }", "return M"}) {
    EXPECT_NE(lua.find(want), std::string::npos) << want << "\n" << lua;
  }
}

TEST(RegenEmit, OutputIsDeterministicAndListsEveryFile) {
  RegMap m = parse_ok(read_source("rtl/csr/conductor.regs"));
  auto a = conductor::regen::generate_all(m, "rtl/csr/conductor.regs");
  auto b = conductor::regen::generate_all(m, "rtl/csr/conductor.regs");
  ASSERT_EQ(a.size(), 4u + m.blocks.size());  // package, header, docs, Lua module, one CSR block each
  std::set<std::string> paths;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].path, b[i].path);
    EXPECT_EQ(a[i].content, b[i].content);
    paths.insert(a[i].path);
  }
  EXPECT_TRUE(paths.count("rtl/csr/gen/conductor_regs_pkg.sv"));
  EXPECT_TRUE(paths.count("rtl/csr/gen/dist_hash_csr.sv"));
  EXPECT_TRUE(paths.count("hls/common/gen/conductor_regs.hpp"));
  EXPECT_TRUE(paths.count("docs/registers.md"));
  EXPECT_TRUE(paths.count("host/sync/wireshark/conductor_regs.lua"));
}

// The checked-in header: compile-time values, and a register table consistent with itself.
namespace regs = conductor::regs;
static_assert(regs::ID_MAGIC_RESET == 0x434E4452u);
static_assert(regs::DIST_HASH_BASE == 0x20000u);
static_assert(regs::DIST_HASH_KEY0_ADDR == regs::DIST_HASH_BASE + regs::DIST_HASH_KEY0_OFFSET);
static_assert(regs::DIST_HASH_BUCKETS_ADDR == 0x30000u);
static_assert(regs::DIST_HASH_BUCKETS_WORD_ADDR_BITS == 14u);
static_assert(regs::FLOW_KEY_BITS == 320u && regs::FLOW_KEY_SG_ID_LSB == 304u);
static_assert(regs::field_get(regs::DIST_HASH_CTRL_RESET, regs::DIST_HASH_CTRL_BUCKET_LOG2_LSB,
                              regs::DIST_HASH_CTRL_BUCKET_LOG2_WIDTH) == 12u);
static_assert(regs::field_mask(0, 32) == 0xFFFFFFFFu);
static_assert(regs::field_set(0xFFFFFFFFu, 8, 4, 0x5) == 0xFFFFF5FFu);

TEST(RegenHeader, RegisterTableIsConsistent) {
  ASSERT_GE(regs::kNumBlocks, 3u);
  std::set<uint32_t> addrs;
  for (size_t i = 0; i < regs::kNumRegisters; ++i) {
    const regs::RegInfo& r = regs::kRegisters[i];
    EXPECT_TRUE(addrs.insert(r.addr).second) << r.name;
    EXPECT_EQ(r.addr % 4, 0u) << r.name;
    bool in_block = false;
    for (size_t b = 0; b < regs::kNumBlocks; ++b) {
      const regs::BlockInfo& blk = regs::kBlocks[b];
      if (std::string(blk.name) == r.block) {
        in_block = r.addr == blk.base + r.offset && r.offset < blk.size;
      }
    }
    EXPECT_TRUE(in_block) << r.name;
    uint32_t mask = 0;
    for (size_t f = 0; f < r.num_fields; ++f) mask |= regs::field_mask(r.fields[f].lsb, r.fields[f].width);
    if (r.num_fields) {
      EXPECT_EQ(r.reset & ~mask, 0u) << r.name;
    }
  }
  ASSERT_GE(regs::kNumWindows, 1u);
  EXPECT_EQ(std::string(regs::kWindows[0].name), "BUCKETS");
  EXPECT_EQ(std::string(regs::access_name(regs::Access::kW1p)), "w1p");
}

// Vitis HLS needs literals in `#pragma HLS INTERFACE mode=s_axilite ... offset=`, so the kernels'
// top files (hls/<block>/<block>.cpp) repeat the register offsets. Each such pragma must name a
// register (port=foo -> FOO, or FOO0 for an array that starts there) or a window of the block of
// its folder, at that register's offset in rtl/csr/conductor.regs.
TEST(RegenHls, PragmaOffsetsMatchTheRegisterMap) {
  RegMap m = parse_ok(read_source("rtl/csr/conductor.regs"));
  namespace fs = std::filesystem;
  const std::regex pragma(R"(#pragma\s+HLS\s+INTERFACE\b[^\n]*\bmode=s_axilite\b[^\n]*)");
  const std::regex port(R"(\bport=(\w+))");
  const std::regex offset(R"(\boffset=(0[xX][0-9a-fA-F]+|[0-9]+))");
  int checked = 0;
  for (const auto& dir : fs::directory_iterator(fs::path(CONDUCTOR_SOURCE_DIR) / "hls")) {
    const std::string name = dir.path().filename().string();
    const fs::path top = dir.path() / (name + ".cpp");
    if (!fs::exists(top)) continue;
    const std::string text = read_source("hls/" + name + "/" + name + ".cpp");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pragma); it != std::sregex_iterator(); ++it) {
      const std::string line = it->str();
      std::smatch o, p;
      if (!std::regex_search(line, o, offset)) continue;  // HLS places it: nothing to compare
      ASSERT_TRUE(std::regex_search(line, p, port)) << top << ": " << line;
      const auto block = std::find_if(m.blocks.begin(), m.blocks.end(), [&](const auto& b) { return b.name == name; });
      ASSERT_NE(block, m.blocks.end()) << top << ": no block " << name << " in rtl/csr/conductor.regs for " << line;
      const std::string want = conductor::regen::upper(p[1].str());
      const uint32_t got = static_cast<uint32_t>(std::stoul(o[1].str(), nullptr, 0));
      bool found = false;
      for (const auto& r : block->regs) {
        if (r.name == want || r.name == want + "0") {
          EXPECT_EQ(got, r.offset) << top << ": " << line << "\n  register " << name << "." << r.name << " is at 0x"
                                   << std::hex << r.offset;
          found = true;
        }
      }
      for (const auto& w : block->windows) {
        if (w.name == want) {
          EXPECT_EQ(got, w.offset) << top << ": " << line << "\n  window " << name << "." << w.name << " is at 0x"
                                   << std::hex << w.offset;
          found = true;
        }
      }
      EXPECT_TRUE(found) << top << ": " << line << "\n  names no register or window of block " << name;
      ++checked;
    }
  }
  EXPECT_GE(checked, 30) << "the pragmas were not found: did the kernels or this pattern change?";
}

}  // namespace
