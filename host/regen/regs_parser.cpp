// Parser and validator of the register description (syntax: header of rtl/csr/conductor.regs).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>

#include "regs_model.hpp"

namespace conductor::regen {

const char* access_name(Access a) {
  switch (a) {
    case Access::kConst:
      return "const";
    case Access::kRo:
      return "ro";
    case Access::kRw:
      return "rw";
    case Access::kW1p:
      return "w1p";
  }
  return "?";
}

uint32_t Reg::field_mask() const {
  if (fields.empty()) return 0xFFFFFFFFu;
  uint32_t m = 0;
  for (const Field& f : fields) {
    uint64_t bits = ((uint64_t{1} << f.width) - 1) << f.lsb;
    m |= static_cast<uint32_t>(bits);
  }
  return m;
}

static uint32_t log2_exact(uint32_t v) {
  uint32_t n = 0;
  while ((uint64_t{1} << n) < v) ++n;
  return n;
}

uint32_t Window::word_addr_bits() const { return log2_exact(size) - 2; }
uint32_t Block::addr_bits() const { return log2_exact(size); }

std::string upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

namespace {

struct Token {
  std::string text;
  bool is_string = false;
};

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llX", static_cast<unsigned long long>(v));
  return buf;
}

bool is_pow2(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Decimal or 0x-prefixed hexadecimal, at most 32 bits.
bool parse_number(const std::string& s, uint32_t& out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  size_t i = 0;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  }
  for (; i < s.size(); ++i) {
    int d;
    char c = s[i];
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    v = v * base + d;
    if (v > 0xFFFFFFFFull) return false;
  }
  out = static_cast<uint32_t>(v);
  return true;
}

class Parser {
 public:
  explicit Parser(std::string_view file) : file_(file) {}

  ParseResult run(std::string_view text) {
    int line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      ++line_no;
      line_ = line_no;
      statement(text.substr(pos, end - pos));
      if (end == text.size()) break;
      pos = end + 1;
    }
    finish_reg();
    cross_checks();
    ParseResult r;
    std::stable_sort(errors_.begin(), errors_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [line, msg] : errors_) r.errors.push_back(file_ + ":" + std::to_string(line) + ": " + msg);
    if (r.errors.empty()) r.map = std::move(map_);
    return r;
  }

 private:
  enum class Last { kNone, kBlock, kReg, kWindow, kStruct };

  void error(int line, const std::string& msg) { errors_.emplace_back(line, msg); }
  void error(const std::string& msg) { error(line_, msg); }

  bool tokenize(std::string_view s, std::vector<Token>& out) {
    size_t i = 0;
    while (i < s.size()) {
      char c = s[i];
      if (c == '#') break;
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      if (c == '"') {
        size_t close = s.find('"', i + 1);
        if (close == std::string_view::npos) {
          error("unterminated string");
          return false;
        }
        out.push_back({std::string(s.substr(i + 1, close - i - 1)), true});
        i = close + 1;
        continue;
      }
      size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != '"' && s[j] != '#') ++j;
      out.push_back({std::string(s.substr(i, j - i)), false});
      i = j;
    }
    return true;
  }

  // Checks the shape `<keyword> <words...> "<description>"`.
  bool shape(const std::vector<Token>& t, size_t words, const char* usage) {
    const size_t want = words + 2;  // keyword + words + description
    if (t.size() < want) {
      bool has_string = t.back().is_string;
      error(std::string(has_string || t.size() < want - 1 ? "too few arguments" : "missing \"description\"") +
            "; usage: " + usage);
      return false;
    }
    for (size_t i = 1; i + 1 < want; ++i) {
      if (t[i].is_string) {
        error(std::string("unexpected string in ") + t[0].text + " statement; usage: " + usage);
        return false;
      }
    }
    if (!t[want - 1].is_string) {
      error("unexpected '" + t[want - 1].text + "' where the \"description\" belongs; usage: " + usage);
      return false;
    }
    if (t.size() > want) {
      error("unexpected '" + t[want].text + "' after the description");
      return false;
    }
    return true;
  }

  bool name_ok(const std::string& what, const std::string& name) {
    if (is_identifier(name)) return true;
    error("bad " + what + " name '" + name + "' (letters, digits and '_', not starting with a digit)");
    return false;
  }

  bool number(const std::string& what, const std::string& s, uint32_t& out) {
    if (parse_number(s, out)) return true;
    error("bad number '" + s + "' for " + what + " (decimal or 0x hex, at most 32 bits)");
    return false;
  }

  void statement(std::string_view s) {
    std::vector<Token> t;
    if (!tokenize(s, t) || t.empty()) return;
    if (t[0].is_string) {
      error("a statement cannot start with a string");
      return;
    }
    const std::string& kw = t[0].text;
    if (kw == "block") {
      block(t);
    } else if (kw == "reg") {
      reg(t);
    } else if (kw == "field") {
      field(t);
    } else if (kw == "window") {
      window(t);
    } else if (kw == "struct") {
      strukt(t);
    } else if (kw == "enum") {
      enumeration(t);
    } else if (kw == "const") {
      constant(t);
    } else {
      error("unknown statement '" + kw + "' (block, reg, field, window, struct, enum, const)");
    }
  }

  void block(const std::vector<Token>& t) {
    finish_reg();
    last_ = Last::kBlock;
    seen_block_ = true;
    after_struct_ = false;
    cur_block_ = -1;
    if (!shape(t, 3, "block <name> <base> <size> \"<description>\"")) return;
    Block b;
    b.name = t[1].text;
    b.line = line_;
    b.description = t[4].text;
    bool ok = name_ok("block", b.name);
    ok = number("block base", t[2].text, b.base) && ok;
    ok = number("block size", t[3].text, b.size) && ok;
    if (!ok) return;
    if (duplicate(map_.blocks, "block", b.name)) return;
    if (!is_pow2(b.size) || b.size < 8) {
      error("block size " + hex(b.size) + " is not a power of two of at least 8 bytes");
      return;
    }
    if (b.base % b.size != 0) {
      error("block base " + hex(b.base) + " is not aligned to its size " + hex(b.size));
      return;
    }
    for (const Block& o : map_.blocks) {
      if (b.base < uint64_t{o.base} + o.size && o.base < uint64_t{b.base} + b.size) {
        error("block " + b.name + " [" + hex(b.base) + ", " + hex(uint64_t{b.base} + b.size) + ") overlaps block " +
              o.name + " (line " + std::to_string(o.line) + ")");
        return;
      }
    }
    map_.blocks.push_back(std::move(b));
    cur_block_ = static_cast<int>(map_.blocks.size()) - 1;
  }

  // Returns the block a reg or window belongs to, or null after an error.
  Block* owner_block(const char* what) {
    if (after_struct_) {
      error(std::string(what) + " after a struct: regs and windows must follow their block statement");
      return nullptr;
    }
    if (!seen_block_) {
      error(std::string(what) + " outside a block (a block statement must come first)");
      return nullptr;
    }
    if (cur_block_ < 0) return nullptr;  // the block statement itself was bad: reported there
    return &map_.blocks[cur_block_];
  }

  // Name already used by a reg or window of the block?
  bool block_name_free(const Block& b, const std::string& name) {
    for (const Reg& r : b.regs) {
      if (upper(r.name) == upper(name)) {
        error("duplicate name '" + name + "' in block " + b.name + " (reg at line " + std::to_string(r.line) + ")");
        return false;
      }
    }
    for (const Window& w : b.windows) {
      if (upper(w.name) == upper(name)) {
        error("duplicate name '" + name + "' in block " + b.name + " (window at line " + std::to_string(w.line) + ")");
        return false;
      }
    }
    return true;
  }

  // Does [off, off+size) overlap a reg or window of the block?
  bool block_space_free(const Block& b, const std::string& what, uint32_t off, uint32_t size) {
    uint64_t end = uint64_t{off} + size;
    for (const Reg& r : b.regs) {
      if (off < uint64_t{r.offset} + 4 && r.offset < end) {
        error(what + " at " + hex(off) + " overlaps reg " + r.name + " at " + hex(r.offset) + " (line " +
              std::to_string(r.line) + ")");
        return false;
      }
    }
    for (const Window& w : b.windows) {
      if (off < uint64_t{w.offset} + w.size && w.offset < end) {
        error(what + " at " + hex(off) + " overlaps window " + w.name + " [" + hex(w.offset) + ", " +
              hex(uint64_t{w.offset} + w.size) + ") (line " + std::to_string(w.line) + ")");
        return false;
      }
    }
    return true;
  }

  void reg(const std::vector<Token>& t) {
    finish_reg();
    last_ = Last::kReg;
    Block* b = owner_block("reg");
    if (!shape(t, 4, "reg <NAME> <offset> <const|ro|rw|w1p> <reset> \"<description>\"") || !b) return;
    Reg r;
    r.name = t[1].text;
    r.line = line_;
    r.description = t[5].text;
    bool ok = name_ok("reg", r.name);
    ok = number("reg offset", t[2].text, r.offset) && ok;
    const std::string& acc = t[3].text;
    if (acc == "const") {
      r.access = Access::kConst;
    } else if (acc == "ro") {
      r.access = Access::kRo;
    } else if (acc == "rw") {
      r.access = Access::kRw;
    } else if (acc == "w1p") {
      r.access = Access::kW1p;
    } else {
      error("unknown access '" + acc + "' (const, ro, rw, w1p)");
      ok = false;
    }
    ok = number("reg reset", t[4].text, r.reset) && ok;
    if (!ok || !block_name_free(*b, r.name)) return;
    if (r.offset % 4 != 0) {
      error("reg " + r.name + " offset " + hex(r.offset) + " is not 4-aligned");
      return;
    }
    if (uint64_t{r.offset} + 4 > b->size) {
      error("reg " + r.name + " offset " + hex(r.offset) + " is outside block " + b->name + " (size " + hex(b->size) +
            ")");
      return;
    }
    if (!block_space_free(*b, "reg " + r.name, r.offset, 4)) return;
    b->regs.push_back(std::move(r));
    cur_reg_ = static_cast<int>(b->regs.size()) - 1;
  }

  // Checks made once all fields of the current reg are known.
  void finish_reg() {
    if (cur_block_ >= 0 && cur_reg_ >= 0) {
      const Reg& r = map_.blocks[cur_block_].regs[cur_reg_];
      uint32_t outside = r.reset & ~r.field_mask();
      if (outside != 0) {
        error(r.line,
              "reg " + r.name + " reset " + hex(r.reset) + " sets bits outside its fields (" + hex(outside) + ")");
      }
    }
    cur_reg_ = -1;
  }

  // Reports `name` when `list` already holds it (names compare case-insensitively: the generated
  // upper-case names would collide) and returns true; `where` follows the name in the message.
  template <class T>
  bool duplicate(const std::vector<T>& list, const std::string& what, const std::string& name,
                 const std::string& where = "") {
    for (const T& o : list) {
      if (upper(o.name) == upper(name)) {
        error("duplicate " + what + " '" + name + "'" + where + " (first at line " + std::to_string(o.line) + ")");
        return true;
      }
    }
    return false;
  }

  bool field_fits(std::vector<Field>& fields, const Field& f, uint32_t bits, const std::string& owner) {
    if (duplicate(fields, "field", f.name, " in " + owner)) return false;
    if (f.width == 0) {
      error("field " + f.name + " has width 0");
      return false;
    }
    if (uint64_t{f.lsb} + f.width > bits) {
      error("field " + f.name + " [" + std::to_string(uint64_t{f.lsb} + f.width - 1) + ":" + std::to_string(f.lsb) +
            "] is outside " + owner + " (" + std::to_string(bits) + " bits)");
      return false;
    }
    for (const Field& o : fields) {
      if (f.lsb < uint64_t{o.lsb} + o.width && o.lsb < uint64_t{f.lsb} + f.width) {
        error("field " + f.name + " overlaps field " + o.name + " (line " + std::to_string(o.line) + ")");
        return false;
      }
    }
    return true;
  }

  void field(const std::vector<Token>& t) {
    bool to_reg = last_ == Last::kReg;
    bool to_struct = last_ == Last::kStruct;
    if (!to_reg && !to_struct) {
      error("field must follow a reg, a struct or another field");
      return;
    }
    if (!shape(t, 3, "field <NAME> <lsb> <width> \"<description>\"")) return;
    Field f;
    f.name = t[1].text;
    f.line = line_;
    f.description = t[4].text;
    bool ok = name_ok("field", f.name);
    ok = number("field lsb", t[2].text, f.lsb) && ok;
    ok = number("field width", t[3].text, f.width) && ok;
    if (!ok) return;
    if (to_reg) {
      if (cur_block_ < 0 || cur_reg_ < 0) return;  // the reg was bad: reported there
      Reg& r = map_.blocks[cur_block_].regs[cur_reg_];
      if (field_fits(r.fields, f, 32, "reg " + r.name)) r.fields.push_back(std::move(f));
    } else {
      if (cur_struct_ < 0) return;
      Struct& s = map_.structs[cur_struct_];
      if (field_fits(s.fields, f, s.bits, "struct " + s.name)) s.fields.push_back(std::move(f));
    }
  }

  void window(const std::vector<Token>& t) {
    finish_reg();
    last_ = Last::kWindow;
    Block* b = owner_block("window");
    if (!shape(t, 3, "window <NAME> <offset> <size> \"<description>\"") || !b) return;
    Window w;
    w.name = t[1].text;
    w.line = line_;
    w.description = t[4].text;
    bool ok = name_ok("window", w.name);
    ok = number("window offset", t[2].text, w.offset) && ok;
    ok = number("window size", t[3].text, w.size) && ok;
    if (!ok || !block_name_free(*b, w.name)) return;
    if (!is_pow2(w.size) || w.size < 8) {
      error("window " + w.name + " size " + hex(w.size) + " is not a power of two of at least 8 bytes");
      return;
    }
    if (w.offset % w.size != 0) {
      error("window " + w.name + " offset " + hex(w.offset) + " is not aligned to its size " + hex(w.size));
      return;
    }
    if (uint64_t{w.offset} + w.size > b->size) {
      error("window " + w.name + " [" + hex(w.offset) + ", " + hex(uint64_t{w.offset} + w.size) +
            ") is not inside block " + b->name + " (size " + hex(b->size) + ")");
      return;
    }
    if (!block_space_free(*b, "window " + w.name, w.offset, w.size)) return;
    b->windows.push_back(std::move(w));
  }

  void strukt(const std::vector<Token>& t) {
    finish_reg();
    last_ = Last::kStruct;
    after_struct_ = true;
    cur_struct_ = -1;
    if (!shape(t, 2, "struct <NAME> <bits> \"<description>\"")) return;
    Struct s;
    s.name = t[1].text;
    s.line = line_;
    s.description = t[3].text;
    bool ok = name_ok("struct", s.name);
    ok = number("struct bits", t[2].text, s.bits) && ok;
    if (!ok) return;
    if (s.bits == 0) {
      error("struct " + s.name + " has 0 bits");
      return;
    }
    if (duplicate(map_.structs, "struct", s.name)) return;
    map_.structs.push_back(std::move(s));
    cur_struct_ = static_cast<int>(map_.structs.size()) - 1;
  }

  // The field `path` names: <STRUCT>.<FIELD> or <block>.<REG>.<FIELD>, declared earlier. Null
  // after an error (reported here).
  Field* find_field(const std::string& path, std::string& label) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
      size_t dot = path.find('.', start);
      parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    for (const std::string& p : parts) {
      if (!is_identifier(p)) {
        error("bad field path '" + path + "' (<STRUCT>.<FIELD> or <block>.<REG>.<FIELD>)");
        return nullptr;
      }
    }
    auto same = [](const std::string& a, const std::string& b) { return upper(a) == upper(b); };
    auto in = [&](std::vector<Field>& fields, const std::string& owner) -> Field* {
      for (Field& f : fields) {
        if (same(f.name, parts.back())) return &f;
      }
      error("unknown field '" + path + "': " + owner + " has no field " + parts.back() +
            " (declare the field before its enum values)");
      return nullptr;
    };
    if (parts.size() == 2) {
      for (Struct& s : map_.structs) {
        if (same(s.name, parts[0])) {
          label = s.name + "." + parts[1];
          return in(s.fields, "struct " + s.name);
        }
      }
      error("unknown field '" + path + "': no struct " + parts[0] + " (a reg field is <block>.<REG>.<FIELD>)");
      return nullptr;
    }
    if (parts.size() == 3) {
      for (Block& b : map_.blocks) {
        if (!same(b.name, parts[0])) continue;
        for (Reg& r : b.regs) {
          if (same(r.name, parts[1])) {
            label = b.name + "." + r.name + "." + parts[2];
            return in(r.fields, "reg " + b.name + "." + r.name);
          }
        }
        error("unknown field '" + path + "': block " + b.name + " has no reg " + parts[1]);
        return nullptr;
      }
      error("unknown field '" + path + "': no block " + parts[0]);
      return nullptr;
    }
    error("bad field path '" + path + "' (<STRUCT>.<FIELD> or <block>.<REG>.<FIELD>)");
    return nullptr;
  }

  // Does `value` fit in `width` bits?
  static bool fits(uint32_t value, uint32_t width) { return width >= 32 || (uint64_t{value} >> width) == 0; }

  // `enum <FIELD PATH> <NAME> <value> "<description>"`: a named value of a field declared earlier.
  // It leaves the statement context alone, so enum lines may sit between the fields of a struct.
  void enumeration(const std::vector<Token>& t) {
    if (!shape(t, 3, "enum <STRUCT>.<FIELD>|<block>.<REG>.<FIELD> <NAME> <value> \"<description>\"")) return;
    EnumValue v;
    v.name = t[2].text;
    v.line = line_;
    v.description = t[4].text;
    bool ok = name_ok("enum", v.name);
    ok = number("enum value", t[3].text, v.value) && ok;
    if (!ok) return;
    std::string label;
    Field* f = find_field(t[1].text, label);
    if (!f) return;
    if (!fits(v.value, f->width)) {
      error("enum " + v.name + " value " + t[3].text + " is too wide for field " + label + " (" +
            std::to_string(f->width) + " bits, at most " + std::to_string((uint64_t{1} << f->width) - 1) + ")");
      return;
    }
    for (const EnumValue& o : f->values) {
      if (upper(o.name) == upper(v.name)) {
        error("duplicate enum '" + v.name + "' of field " + label + " (first at line " + std::to_string(o.line) + ")");
        return;
      }
      if (o.value == v.value) {
        error("enum " + v.name + " repeats the value " + std::to_string(v.value) + " of " + o.name + " (line " +
              std::to_string(o.line) + ") in field " + label);
        return;
      }
    }
    f->values.push_back(std::move(v));
  }

  // `const <NAME> <width> <value> "<description>"`: a named constant shared by every output.
  void constant(const std::vector<Token>& t) {
    if (!shape(t, 3, "const <NAME> <width> <value> \"<description>\"")) return;
    Const c;
    c.name = t[1].text;
    c.line = line_;
    c.description = t[4].text;
    c.hex = t[3].text.size() > 2 && t[3].text[0] == '0' && (t[3].text[1] == 'x' || t[3].text[1] == 'X');
    bool ok = name_ok("const", c.name);
    ok = number("const width", t[2].text, c.width) && ok;
    ok = number("const value", t[3].text, c.value) && ok;
    if (!ok) return;
    if (c.width == 0 || c.width > 32) {
      error("const " + c.name + " width " + std::to_string(c.width) + " is not 1..32 bits");
      return;
    }
    if (!fits(c.value, c.width)) {
      error("const " + c.name + " value " + t[3].text + " is too wide for " + std::to_string(c.width) +
            " bits (at most " + std::to_string((uint64_t{1} << c.width) - 1) + ")");
      return;
    }
    if (duplicate(map_.consts, "const", c.name)) return;
    map_.consts.push_back(std::move(c));
  }

  // Names that must be unique once generated: package/header constants, and the identifiers of
  // each block's CSR module.
  void cross_checks() {
    std::map<std::string, int> consts;
    std::set<int> reported;  // one collision message per statement
    auto claim = [&](const std::string& name, int line) {
      auto [it, fresh] = consts.emplace(name, line);
      if (!fresh && !reported.insert(line).second) return;
      if (!fresh && it->second != line) {
        error(line, "generated name " + name + " collides with the one from line " + std::to_string(it->second));
      } else if (!fresh) {
        error(line, "generated name " + name + " is produced twice by this statement");
      }
    };
    for (const Block& b : map_.blocks) {
      std::string B = upper(b.name);
      for (const char* s : {"_BASE", "_SIZE", "_ADDR_BITS"}) claim(B + s, b.line);
      for (const Reg& r : b.regs) {
        std::string R = B + "_" + upper(r.name);
        for (const char* s : {"_OFFSET", "_ADDR", "_RESET"}) claim(R + s, r.line);
        for (const Field& f : r.fields) {
          for (const char* s : {"_LSB", "_WIDTH", "_MASK"}) claim(R + "_" + upper(f.name) + s, f.line);
          for (const EnumValue& v : f.values) claim(R + "_" + upper(f.name) + "_" + upper(v.name), v.line);
        }
      }
      for (const Window& w : b.windows) {
        std::string W = B + "_" + upper(w.name);
        for (const char* s : {"_OFFSET", "_ADDR", "_SIZE", "_WORDS", "_WORD_ADDR_BITS"}) claim(W + s, w.line);
      }
      // Module identifiers: ports, stored registers and the fixed internal names.
      std::map<std::string, int> ids;
      for (const char* fixed : {"clk_i", "rst_ni", "AddrWidth", "WordAddrWidth", "unused_addr", "axi_wmask"}) {
        ids.emplace(fixed, 0);
      }
      for (const char* ch : {"aw_full", "aw_addr", "w_full", "w_data", "w_strb", "b_valid", "b_resp", "ar_full",
                             "ar_addr", "r_valid", "r_data", "r_resp", "r_win"}) {
        ids.emplace(std::string("axi_") + ch + "_d", 0);
        ids.emplace(std::string("axi_") + ch + "_q", 0);
      }
      auto id = [&](const std::string& name, int line) {
        auto [it, fresh] = ids.emplace(name, line);
        if (!fresh) {
          error(line, "name " + name + " in the generated module " + lower(b.name) + "_csr collides with " +
                          (it->second ? "the one from line " + std::to_string(it->second) : "a fixed name"));
        }
      };
      for (const Reg& r : b.regs) {
        std::string l = lower(r.name);
        switch (r.access) {
          case Access::kConst:
            break;
          case Access::kRo:
            id(l + "_i", r.line);
            break;
          case Access::kRw:
          case Access::kW1p:
            id(l + "_o", r.line);
            id(l + "_d", r.line);
            id(l + "_q", r.line);
            break;
        }
      }
      for (const Window& w : b.windows) {
        std::string l = lower(w.name);
        for (const char* s : {"_req_o", "_we_o", "_addr_o", "_wdata_o", "_wstrb_o", "_rdata_i", "_aw_hit", "_ar_hit"}) {
          id(l + s, w.line);
        }
      }
    }
    for (const Struct& s : map_.structs) {
      std::string S = upper(s.name);
      claim(S + "_BITS", s.line);
      for (const Field& f : s.fields) {
        for (const char* sfx : {"_LSB", "_WIDTH"}) claim(S + "_" + upper(f.name) + sfx, f.line);
        for (const EnumValue& v : f.values) claim(S + "_" + upper(f.name) + "_" + upper(v.name), v.line);
      }
    }
    for (const Const& c : map_.consts) claim(upper(c.name), c.line);
  }

  std::string file_;
  int line_ = 0;
  RegMap map_;
  std::vector<std::pair<int, std::string>> errors_;
  Last last_ = Last::kNone;
  bool after_struct_ = false;
  bool seen_block_ = false;
  int cur_block_ = -1;
  int cur_reg_ = -1;
  int cur_struct_ = -1;
};

}  // namespace

ParseResult parse_regs(std::string_view text, std::string_view file) { return Parser(file).run(text); }

}  // namespace conductor::regen
