// docs/registers.md: one table per block and one per struct.
#include <algorithm>
#include <sstream>

#include "emit.hpp"
#include "text_util.hpp"

namespace conductor::regen {

namespace {

// Table-cell text: '|' would end the cell and '<' could open an HTML tag.
std::string cell(std::string_view s) {
  std::string r;
  for (char c : s) {
    if (c == '|') {
      r += "\\|";
    } else if (c == '<') {
      r += "&lt;";
    } else {
      r.push_back(c);
    }
  }
  return r;
}

// The named values of a field, as a table under its owner's table.
void values_table(std::ostringstream& o, const std::string& owner, const Field& f) {
  if (f.values.empty()) return;
  o << "Values of `" << owner << "." << f.name << "`:\n\n"
    << "| Value | Name | Description |\n"
    << "| --- | --- | --- |\n";
  for (const EnumValue& v : f.values) {
    o << "| " << v.value << " | `" << v.name << "` | " << cell(v.description) << " |\n";
  }
  o << "\n";
}

}  // namespace

std::string emit_markdown(const RegMap& map, std::string_view source) {
  uint64_t top = 0;
  for (const Block& b : map.blocks) top = std::max<uint64_t>(top, uint64_t{b.base} + b.size - 1);
  int digits = 1;
  while (digits < 8 && (top >> (4 * digits)) != 0) ++digits;

  std::ostringstream o;
  o << "<!-- " << kBannerTag << " from " << source << ". Do not edit: change that file and run `make regs`. -->\n"
    << "# Conductor registers\n\n"
    << "Generated from `" << source << "`, the one source of the SV package "
    << "(`rtl/csr/gen/conductor_regs_pkg.sv`), the AXI-Lite CSR blocks (`rtl/csr/gen/<block>_csr.sv`) and "
    << "the C++ header (`hls/common/gen/conductor_regs.hpp`).\n\n"
    << "- Addresses are bytes on the core's AXI-Lite port; the offset is what the block's own "
    << "`s_axi_control` port sees. Registers are 32 bits wide.\n"
    << "- Access: `const` read-only constant (= reset); `ro` read-only, driven by hardware; `rw` read/write; "
    << "`w1p` write-only pulse: the written bits are asserted for one clock, reads return 0.\n"
    << "- Bits outside a register's fields read 0 and ignore writes. WSTRB is honoured.\n"
    << "- Writes to `const`/`ro` registers are ignored (OKAY). Unmapped addresses answer SLVERR (reads return 0, "
    << "writes have no effect).\n"
    << "- Windows are memories of 32-bit words; WSTRB is honoured.\n\n"
    << "## Blocks\n\n"
    << "| Block | Base | Size | Description |\n"
    << "| --- | --- | --- | --- |\n";
  for (const Block& b : map.blocks) {
    o << "| [`" << b.name << "`](#block-" << b.name << ") | " << hex0x(b.base, digits) << " | " << hex0x(b.size, digits)
      << " | " << cell(b.description) << " |\n";
  }
  o << "\n";
  for (const Block& b : map.blocks) {
    int odig = 1;
    while (odig < 8 && ((uint64_t{b.size} - 1) >> (4 * odig)) != 0) ++odig;
    o << "<a id=\"block-" << b.name << "\"></a>\n"
      << "## Block `" << b.name << "` — base " << hex0x(b.base, digits) << ", size " << hex0x(b.size, digits) << " ("
      << b.addr_bits() << "-bit local addresses)\n\n"
      << cell(b.description) << ".\n\n"
      << "| Address | Offset | Name | Access | Reset | Fields | Description |\n"
      << "| --- | --- | --- | --- | --- | --- | --- |\n";
    // Registers and windows in address order.
    struct Row {
      uint32_t offset;
      const Reg* reg;
      const Window* win;
    };
    std::vector<Row> rows;
    for (const Reg& r : b.regs) rows.push_back({r.offset, &r, nullptr});
    for (const Window& w : b.windows) rows.push_back({w.offset, nullptr, &w});
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& c) { return a.offset < c.offset; });
    for (const Row& row : rows) {
      o << "| " << hex0x(uint64_t{b.base} + row.offset, digits) << " | " << hex0x(row.offset, odig) << " | ";
      if (row.reg) {
        const Reg& r = *row.reg;
        o << "`" << r.name << "` | " << access_name(r.access) << " | " << hex0x(r.reset) << " | ";
        for (size_t i = 0; i < r.fields.size(); ++i) {
          const Field& f = r.fields[i];
          o << (i ? "<br>" : "") << "`" << bits_range(f.lsb, f.width) << "` " << f.name << ": " << cell(f.description);
        }
        o << " | " << cell(r.description) << " |\n";
      } else {
        const Window& w = *row.win;
        o << "`" << w.name << "` | window | | " << w.words() << " words (" << hex0x(w.size, odig) << " bytes, to "
          << hex0x(uint64_t{b.base} + w.offset + w.size - 1, digits) << ") | " << cell(w.description) << " |\n";
      }
    }
    o << "\n";
    for (const Reg& r : b.regs) {
      for (const Field& f : r.fields) values_table(o, b.name + "." + r.name, f);
    }
  }
  if (!map.structs.empty()) {
    o << "## Stream payloads\n\n"
      << "Packed words that cross between the RTL, the HLS C++ and the host; bit 0 is the LSB of the "
      << "TDATA/TUSER word.\n\n";
  }
  for (const Struct& s : map.structs) {
    o << "### `" << s.name << "` — " << s.bits << " bits\n\n"
      << cell(s.description) << ".\n\n"
      << "| Bits | Field | Width | Description |\n"
      << "| --- | --- | --- | --- |\n";
    std::vector<const Field*> fs;
    for (const Field& f : s.fields) fs.push_back(&f);
    std::stable_sort(fs.begin(), fs.end(), [](const Field* a, const Field* c) { return a->lsb < c->lsb; });
    for (const Field* f : fs) {
      o << "| `" << bits_range(f->lsb, f->width) << "` | `" << f->name << "` | " << f->width << " | "
        << cell(f->description) << " |\n";
    }
    o << "\n";
    for (const Field& f : s.fields) values_table(o, s.name, f);
  }
  if (!map.consts.empty()) {
    o << "## Constants\n\n"
      << "Numbers of the wire formats and build limits that the RTL, the HLS C++, the host and the "
      << "dissector share (`localparam`s in the SV package, `constexpr` in the C++ header, fields of the Lua "
      << "module `host/sync/wireshark/conductor_regs.lua`).\n\n"
      << "| Name | Bits | Value | Description |\n"
      << "| --- | --- | --- | --- |\n";
    for (const Const& c : map.consts) {
      o << "| `" << c.name << "` | " << c.width << " | " << (c.hex ? hex0x(c.value, 1) : std::to_string(c.value))
        << " | " << cell(c.description) << " |\n";
    }
    o << "\n";
  }
  std::string text = o.str();
  text.pop_back();  // one newline at the end of the file
  return text;
}

}  // namespace conductor::regen
