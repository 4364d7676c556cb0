// The register description read from rtl/csr/conductor.regs (syntax in that file's header), and
// the parser that validates it. Errors are values ("file:line: reason"), never exceptions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conductor::regen {

enum class Access { kConst, kRo, kRw, kW1p };

const char* access_name(Access a);

// A named value of a field (an `enum` statement): <OWNER>_<FIELD>_<NAME> in the generated files.
struct EnumValue {
  std::string name;
  uint32_t value = 0;  // fits the field's width
  std::string description;
  int line = 0;
};

struct Field {
  std::string name;
  uint32_t lsb = 0;
  uint32_t width = 0;
  std::string description;
  std::vector<EnumValue> values;  // its enum statements, in file order
  int line = 0;
};

struct Reg {
  std::string name;
  uint32_t offset = 0;  // bytes, local to the block
  Access access = Access::kRo;
  uint32_t reset = 0;
  std::string description;
  std::vector<Field> fields;
  int line = 0;

  // Bits that fields cover (all ones when the reg has no fields).
  uint32_t field_mask() const;
};

struct Window {
  std::string name;
  uint32_t offset = 0;  // bytes, local to the block, aligned to size
  uint32_t size = 0;    // bytes, a power of two
  std::string description;
  int line = 0;

  uint32_t words() const { return size / 4; }
  uint32_t word_addr_bits() const;
};

struct Block {
  std::string name;
  uint32_t base = 0;
  uint32_t size = 0;  // a power of two; base aligned to it
  std::string description;
  std::vector<Reg> regs;
  std::vector<Window> windows;
  int line = 0;

  uint32_t addr_bits() const;
};

struct Struct {
  std::string name;
  uint32_t bits = 0;
  std::string description;
  std::vector<Field> fields;
  int line = 0;
};

// A named constant (a `const` statement): wire-format numbers and build limits that the RTL, the
// HLS C++, the host and the dissector share.
struct Const {
  std::string name;
  uint32_t width = 0;  // 1..32 bits; the value fits
  uint32_t value = 0;
  bool hex = false;  // written as 0x... (the generated files keep the base)
  std::string description;
  int line = 0;
};

struct RegMap {
  std::vector<Block> blocks;
  std::vector<Struct> structs;
  std::vector<Const> consts;
};

struct ParseResult {
  std::optional<RegMap> map;        // set when there is no error
  std::vector<std::string> errors;  // "file:line: reason", in line order
};

// Parses and validates `text`; `file` is only used in messages.
ParseResult parse_regs(std::string_view text, std::string_view file);

// Upper-case form of a name, as used in generated constants (dist_hash -> DIST_HASH).
std::string upper(std::string_view s);
// Lower-case form, as used in SV port and module names.
std::string lower(std::string_view s);

}  // namespace conductor::regen
