// host/sync/wireshark/conductor_regs.lua: the stream-payload layouts, named values and named
// constants for the Wireshark dissector, which loads it from its own directory.
#include <sstream>

#include "emit.hpp"
#include "text_util.hpp"

namespace conductor::regen {

namespace {

std::string lua_str(std::string_view s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r.push_back('\\');
    r.push_back(c);
  }
  return r + "\"";
}

void assign(std::ostringstream& o, const std::string& name, const std::string& value, const std::string& comment = "") {
  o << pad("M." + name, 42) << " = " << value;
  if (!comment.empty()) o << "  -- " << comment;
  o << "\n";
}

// A field's named values: one number each, and <OWNER>_<FIELD>_NAMES mapping value -> name.
void values(std::ostringstream& o, const std::string& F, const Field& f) {
  if (f.values.empty()) return;
  for (const EnumValue& v : f.values) assign(o, F + "_" + upper(v.name), std::to_string(v.value), v.description);
  o << "M." << F << "_NAMES = {";
  for (size_t i = 0; i < f.values.size(); ++i) {
    o << (i ? ", " : " ") << "[" << f.values[i].value << "] = " << lua_str(f.values[i].name);
  }
  o << " }\n";
}

}  // namespace

std::string emit_lua_module(const RegMap& map, std::string_view source) {
  std::ostringstream o;
  o << "-- " << kBannerTag << " from " << source << ". Do not edit: change that file and run `make regs`.\n"
    << "--\n"
    << "-- Same names as rtl/csr/gen/conductor_regs_pkg.sv and hls/common/gen/conductor_regs.hpp: named\n"
    << "-- constants, stream-payload field positions (<STRUCT>_<FIELD>_LSB/_WIDTH, bit 0 = LSB) and named\n"
    << "-- values (<OWNER>_<FIELD>_<NAME>, <OWNER>_<FIELD>_NAMES). Registers are not included.\n"
    << "local M = {}\n\n";
  if (!map.consts.empty()) {
    o << "-- ---- named constants\n";
    for (const Const& c : map.consts) {
      assign(o, upper(c.name), c.hex ? hex0x(c.value, 1) : std::to_string(c.value), c.description);
    }
    o << "\n";
  }
  for (const Block& b : map.blocks) {
    for (const Reg& r : b.regs) {
      for (const Field& f : r.fields) values(o, upper(b.name) + "_" + upper(r.name) + "_" + upper(f.name), f);
    }
  }
  for (const Struct& s : map.structs) {
    std::string S = upper(s.name);
    o << "-- ---- struct " << s.name << ": " << s.description << "\n";
    assign(o, S + "_BITS", std::to_string(s.bits));
    for (const Field& f : s.fields) {
      std::string F = S + "_" + upper(f.name);
      assign(o, F + "_LSB", std::to_string(f.lsb), bits_range(f.lsb, f.width) + " " + f.description);
      assign(o, F + "_WIDTH", std::to_string(f.width));
      values(o, F, f);
    }
    o << "\n";
  }
  o << "return M\n";
  return o.str();
}

}  // namespace conductor::regen
