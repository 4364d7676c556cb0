// C++17 header conductor_regs.hpp: the same constants as the SV package, field helpers, and
// tables of blocks, registers (with their fields), windows and struct fields for the host.
#include <sstream>

#include "emit.hpp"
#include "text_util.hpp"

namespace conductor::regen {

namespace {

std::string cstr(std::string_view s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r.push_back('\\');
    r.push_back(c);
  }
  return r + "\"";
}

void konst(std::ostringstream& o, const std::string& name, const std::string& value, const std::string& comment = "") {
  o << "inline constexpr uint32_t " << pad(name, 40) << " = " << value << ";";
  if (!comment.empty()) o << "  // " << comment;
  o << "\n";
}

std::string h(uint64_t v) { return hex0x(v) + "u"; }
std::string d(uint64_t v) { return std::to_string(v) + "u"; }

const char* access_enum(Access a) {
  switch (a) {
    case Access::kConst:
      return "Access::kConst";
    case Access::kRo:
      return "Access::kRo";
    case Access::kRw:
      return "Access::kRw";
    case Access::kW1p:
      return "Access::kW1p";
  }
  return "";
}

// The named values of a field: a constant each (<OWNER>_<FIELD>_<NAME>, as in the SV package)
// and a scoped enum <OwnerField> with enumerators k<Name>, the smallest unsigned type that holds
// the field.
void enum_type(std::ostringstream& o, const std::string& F, const Field& f) {
  if (f.values.empty()) return;
  for (const EnumValue& v : f.values) konst(o, F + "_" + upper(v.name), d(v.value), v.description);
  const char* type = f.width <= 8 ? "uint8_t" : f.width <= 16 ? "uint16_t" : "uint32_t";
  o << "enum class " << camel(F) << " : " << type << " {\n";
  for (const EnumValue& v : f.values) {
    o << "  " << pad("k" + camel(v.name) + " = " + std::to_string(v.value) + ",", 40) << "  // " << v.description
      << "\n";
  }
  o << "};\n";
}

}  // namespace

std::string emit_cpp_header(const RegMap& map, std::string_view source) {
  std::ostringstream o;
  o << "// " << kBannerTag << " from " << source << ". Do not edit: change that file and run `make regs`.\n"
    << "//\n"
    << "// C++17 (HLS, SystemC and host code include it). Same names as rtl/csr/gen/conductor_regs_pkg.sv:\n"
    << "// <BLOCK>_BASE absolute, <BLOCK>_<REG>_OFFSET local to the block, <BLOCK>_<REG>_ADDR = base +\n"
    << "// offset (absolute byte address on the core's AXI-Lite port), <..>_LSB/_WIDTH/_MASK for fields.\n"
    << "// A field's named values are constants <OWNER>_<FIELD>_<NAME> and the enum class <OwnerField>\n"
    << "// (enumerators k<Name>); named constants keep their name.\n"
    << "#pragma once\n\n"
    << "#include <cstddef>\n"
    << "#include <cstdint>\n\n"
    << "namespace conductor::regs {\n\n"
    << "enum class Access : uint8_t {\n"
    << "  kConst,  // read-only constant (= reset)\n"
    << "  kRo,     // read-only, driven by hardware\n"
    << "  kRw,     // read/write, reset value applies\n"
    << "  kW1p,    // write-only pulse; reads 0\n"
    << "};\n\n"
    << "constexpr const char* access_name(Access a) {\n"
    << "  return a == Access::kConst ? \"const\" : a == Access::kRo ? \"ro\" : a == Access::kRw ? \"rw\" : \"w1p\";\n"
    << "}\n\n"
    << "// Bit-field helpers for 32-bit registers (width 1..32).\n"
    << "constexpr uint32_t field_mask(uint32_t lsb, uint32_t width) {\n"
    << "  return (width >= 32 ? 0xFFFFFFFFu : ((1u << width) - 1u)) << lsb;\n"
    << "}\n"
    << "constexpr uint32_t field_get(uint32_t word, uint32_t lsb, uint32_t width) {\n"
    << "  return (word & field_mask(lsb, width)) >> lsb;\n"
    << "}\n"
    << "constexpr uint32_t field_set(uint32_t word, uint32_t lsb, uint32_t width, uint32_t value) {\n"
    << "  return (word & ~field_mask(lsb, width)) | ((value << lsb) & field_mask(lsb, width));\n"
    << "}\n\n"
    << "struct FieldInfo {\n"
    << "  const char* name;\n"
    << "  uint32_t lsb;\n"
    << "  uint32_t width;\n"
    << "  const char* description;\n"
    << "};\n\n"
    << "struct RegInfo {\n"
    << "  const char* name;\n"
    << "  const char* block;\n"
    << "  uint32_t addr;    // absolute byte address\n"
    << "  uint32_t offset;  // byte offset within the block\n"
    << "  Access access;\n"
    << "  uint32_t reset;\n"
    << "  const char* description;\n"
    << "  const FieldInfo* fields;  // null when the register has no fields\n"
    << "  std::size_t num_fields;\n"
    << "};\n\n"
    << "struct BlockInfo {\n"
    << "  const char* name;\n"
    << "  uint32_t base;\n"
    << "  uint32_t size;\n"
    << "  const char* description;\n"
    << "};\n\n"
    << "struct WindowInfo {\n"
    << "  const char* name;\n"
    << "  const char* block;\n"
    << "  uint32_t addr;  // absolute byte address\n"
    << "  uint32_t size;  // bytes\n"
    << "  const char* description;\n"
    << "};\n\n";
  konst(o, "NUM_BLOCKS", d(map.blocks.size()), "CSR blocks in the map");
  o << "\n";
  if (!map.consts.empty()) {
    o << "// ---- named constants\n";
    for (const Const& c : map.consts) {
      konst(o, upper(c.name), c.hex ? h(c.value) : d(c.value),
            c.description + " (" + std::to_string(c.width) + " bits)");
    }
    o << "\n";
  }
  for (const Block& b : map.blocks) {
    std::string B = upper(b.name);
    o << "// ---- block " << b.name << ": " << b.description << "\n";
    konst(o, B + "_BASE", h(b.base));
    konst(o, B + "_SIZE", h(b.size));
    konst(o, B + "_ADDR_BITS", d(b.addr_bits()), "local byte-address bits");
    for (const Reg& r : b.regs) {
      std::string R = B + "_" + upper(r.name);
      o << "// " << r.name << " (" << access_name(r.access) << "): " << r.description << "\n";
      konst(o, R + "_OFFSET", h(r.offset));
      konst(o, R + "_ADDR", h(uint64_t{b.base} + r.offset));
      konst(o, R + "_RESET", h(r.reset));
      for (const Field& f : r.fields) {
        std::string F = R + "_" + upper(f.name);
        konst(o, F + "_LSB", d(f.lsb), f.description);
        konst(o, F + "_WIDTH", d(f.width));
        konst(o, F + "_MASK", h(((uint64_t{1} << f.width) - 1) << f.lsb));
        enum_type(o, F, f);
      }
    }
    for (const Window& w : b.windows) {
      std::string W = B + "_" + upper(w.name);
      o << "// window " << w.name << ": " << w.description << "\n";
      konst(o, W + "_OFFSET", h(w.offset));
      konst(o, W + "_ADDR", h(uint64_t{b.base} + w.offset));
      konst(o, W + "_SIZE", h(w.size));
      konst(o, W + "_WORDS", d(w.words()), "32-bit words");
      konst(o, W + "_WORD_ADDR_BITS", d(w.word_addr_bits()));
    }
    o << "\n";
  }
  for (const Struct& s : map.structs) {
    std::string S = upper(s.name);
    o << "// ---- struct " << s.name << ": " << s.description << "\n";
    konst(o, S + "_BITS", d(s.bits));
    for (const Field& f : s.fields) {
      std::string F = S + "_" + upper(f.name);
      konst(o, F + "_LSB", d(f.lsb), bits_range(f.lsb, f.width) + " " + f.description);
      konst(o, F + "_WIDTH", d(f.width));
      enum_type(o, F, f);
    }
    o << "inline constexpr FieldInfo " << S << "_FIELDS[" << (s.fields.empty() ? "1" : "") << "] = {\n";
    for (const Field& f : s.fields) {
      o << "    {" << cstr(f.name) << ", " << d(f.lsb) << ", " << d(f.width) << ", " << cstr(f.description) << "},\n";
    }
    o << "};\n\n";
  }

  o << "// ---- tables for register dumps and checks\n";
  for (const Block& b : map.blocks) {
    for (const Reg& r : b.regs) {
      if (r.fields.empty()) continue;
      o << "inline constexpr FieldInfo " << upper(b.name) << "_" << upper(r.name) << "_FIELDS[] = {\n";
      for (const Field& f : r.fields) {
        o << "    {" << cstr(f.name) << ", " << d(f.lsb) << ", " << d(f.width) << ", " << cstr(f.description) << "},\n";
      }
      o << "};\n";
    }
  }
  size_t nregs = 0;
  for (const Block& b : map.blocks) nregs += b.regs.size();
  // An empty table would be an ill-formed zero-length array: keep one empty entry, count 0.
  o << "\ninline constexpr BlockInfo kBlocks[" << (map.blocks.empty() ? "1" : "") << "] = {\n";
  for (const Block& b : map.blocks) {
    o << "    {" << cstr(b.name) << ", " << h(b.base) << ", " << h(b.size) << ", " << cstr(b.description) << "},\n";
  }
  o << "};\n\n"
    << "inline constexpr RegInfo kRegisters[" << (nregs == 0 ? "1" : "") << "] = {\n";
  for (const Block& b : map.blocks) {
    for (const Reg& r : b.regs) {
      std::string fields = r.fields.empty()
                               ? "nullptr, 0"
                               : upper(b.name) + "_" + upper(r.name) + "_FIELDS, " + std::to_string(r.fields.size());
      o << "    {" << cstr(r.name) << ", " << cstr(b.name) << ", " << h(uint64_t{b.base} + r.offset) << ", "
        << h(r.offset) << ", " << access_enum(r.access) << ", " << h(r.reset) << ",\n     " << cstr(r.description)
        << ", " << fields << "},\n";
    }
  }
  o << "};\n\n";
  size_t nwin = 0;
  for (const Block& b : map.blocks) nwin += b.windows.size();
  if (nwin > 0) {
    o << "inline constexpr WindowInfo kWindows[] = {\n";
    for (const Block& b : map.blocks) {
      for (const Window& w : b.windows) {
        o << "    {" << cstr(w.name) << ", " << cstr(b.name) << ", " << h(uint64_t{b.base} + w.offset) << ", "
          << h(w.size) << ", " << cstr(w.description) << "},\n";
      }
    }
    o << "};\n";
  } else {
    o << "inline constexpr WindowInfo kWindows[1] = {};  // none: kNumWindows is 0\n";
  }
  o << "\ninline constexpr std::size_t kNumBlocks = " << map.blocks.size() << ";\n"
    << "inline constexpr std::size_t kNumRegisters = " << nregs << ";\n"
    << "inline constexpr std::size_t kNumWindows = " << nwin << ";\n\n"
    << "}  // namespace conductor::regs\n";
  return o.str();
}

}  // namespace conductor::regen
