// SV package conductor_regs_pkg: every address, reset value and bit position as a localparam.
#include <sstream>

#include "emit.hpp"
#include "text_util.hpp"

namespace conductor::regen {

namespace {

// One localparam line, names aligned.
void param(std::ostringstream& o, const std::string& type, const std::string& name, const std::string& value,
           const std::string& comment = "") {
  o << "  localparam " << pad(type, 12) << " " << pad(name, 40) << " = " << value << ";";
  if (!comment.empty()) o << "  // " << comment;
  o << "\n";
}

std::string u32(uint64_t v) { return "32'h" + hex0x(v).substr(2); }
// Sized decimal: Verilator treats a parameter set from an unsized literal as unsized (WIDTHCONCAT).
std::string dec(uint64_t v) { return "32'd" + std::to_string(v); }

// The named values of a field as an SV enum <owner>_<field>_e of the field's width.
void enum_type(std::ostringstream& o, const std::string& F, const Field& f) {
  if (f.values.empty()) return;
  o << "  typedef enum logic [" << f.width - 1 << ":0] {\n";
  for (size_t i = 0; i < f.values.size(); ++i) {
    const EnumValue& v = f.values[i];
    std::string item = F + "_" + upper(v.name) + " = " + std::to_string(f.width) + "'d" + std::to_string(v.value) +
                       (i + 1 < f.values.size() ? "," : "");
    o << "    " << pad(item, 48) << "  // " << v.description << "\n";
  }
  o << "  } " << lower(F) << "_e;\n";
}

// A named constant: its own width, written in the base the description uses.
std::string const_value(const Const& c) {
  return std::to_string(c.width) +
         (c.hex ? "'h" + hex_digits(c.value, static_cast<int>((c.width + 3) / 4)) : "'d" + std::to_string(c.value));
}

}  // namespace

std::string emit_sv_package(const RegMap& map, std::string_view source) {
  std::ostringstream o;
  o << "// " << kBannerTag << " from " << source << ". Do not edit: change that file and run `make regs`.\n"
    << "//\n"
    << "// Register map and stream-payload layouts as constants. Addresses are bytes: <BLOCK>_BASE is\n"
    << "// absolute, <BLOCK>_<REG>_OFFSET local to the block (what its s_axi_control port sees),\n"
    << "// <BLOCK>_<REG>_ADDR = base + offset. Field and struct positions are <..>_LSB / <..>_WIDTH.\n"
    << "// A field's named values are the enum <owner>_<field>_e with items <OWNER>_<FIELD>_<NAME>;\n"
    << "// named constants keep their own name and width.\n"
    << "`default_nettype none\n\n"
    << "package conductor_regs_pkg;\n\n";
  param(o, "int unsigned", "NUM_BLOCKS", dec(map.blocks.size()), "CSR blocks in the map");
  o << "\n";
  if (!map.consts.empty()) {
    o << "  // ---- named constants\n";
    for (const Const& c : map.consts) {
      param(o, "logic [" + std::to_string(c.width - 1) + ":0]", upper(c.name), const_value(c), c.description);
    }
    o << "\n";
  }
  for (const Block& b : map.blocks) {
    std::string B = upper(b.name);
    o << "  // ---- block " << b.name << ": " << b.description << "\n";
    param(o, "int unsigned", B + "_BASE", u32(b.base));
    param(o, "int unsigned", B + "_SIZE", u32(b.size));
    param(o, "int unsigned", B + "_ADDR_BITS", dec(b.addr_bits()), "local byte-address bits");
    for (const Reg& r : b.regs) {
      std::string R = B + "_" + upper(r.name);
      o << "  // " << r.name << " (" << access_name(r.access) << "): " << r.description << "\n";
      param(o, "int unsigned", R + "_OFFSET", u32(r.offset));
      param(o, "int unsigned", R + "_ADDR", u32(uint64_t{b.base} + r.offset));
      param(o, "logic [31:0]", R + "_RESET", u32(r.reset));
      for (const Field& f : r.fields) {
        std::string F = R + "_" + upper(f.name);
        param(o, "int unsigned", F + "_LSB", dec(f.lsb), f.description);
        param(o, "int unsigned", F + "_WIDTH", dec(f.width));
        param(o, "logic [31:0]", F + "_MASK", u32(((uint64_t{1} << f.width) - 1) << f.lsb));
        enum_type(o, F, f);
      }
    }
    for (const Window& w : b.windows) {
      std::string W = B + "_" + upper(w.name);
      o << "  // window " << w.name << ": " << w.description << "\n";
      param(o, "int unsigned", W + "_OFFSET", u32(w.offset));
      param(o, "int unsigned", W + "_ADDR", u32(uint64_t{b.base} + w.offset));
      param(o, "int unsigned", W + "_SIZE", u32(w.size));
      param(o, "int unsigned", W + "_WORDS", dec(w.words()), "32-bit words");
      param(o, "int unsigned", W + "_WORD_ADDR_BITS", dec(w.word_addr_bits()),
            "width of the memory port's word address");
    }
    o << "\n";
  }
  for (const Struct& s : map.structs) {
    std::string S = upper(s.name);
    o << "  // ---- struct " << s.name << ": " << s.description << "\n";
    param(o, "int unsigned", S + "_BITS", dec(s.bits));
    for (const Field& f : s.fields) {
      std::string F = S + "_" + upper(f.name);
      param(o, "int unsigned", F + "_LSB", dec(f.lsb), bits_range(f.lsb, f.width) + " " + f.description);
      param(o, "int unsigned", F + "_WIDTH", dec(f.width));
      enum_type(o, F, f);
    }
    o << "\n";
  }
  o << "endpackage\n";
  return o.str();
}

}  // namespace conductor::regen
