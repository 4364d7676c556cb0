// The list of generated files.
#include "emit.hpp"

namespace conductor::regen {

std::vector<OutFile> generate_all(const RegMap& map, std::string_view source) {
  std::vector<OutFile> out;
  out.push_back({"rtl/csr/gen/conductor_regs_pkg.sv", emit_sv_package(map, source)});
  for (const Block& b : map.blocks) out.push_back({"rtl/csr/gen/" + lower(b.name) + "_csr.sv", emit_sv_csr(b, source)});
  out.push_back({"hls/common/gen/conductor_regs.hpp", emit_cpp_header(map, source)});
  out.push_back({"docs/registers.md", emit_markdown(map, source)});
  out.push_back({"host/sync/wireshark/conductor_regs.lua", emit_lua_module(map, source)});
  return out;
}

std::vector<std::string> generated_dirs() { return {"rtl/csr/gen", "hls/common/gen"}; }

}  // namespace conductor::regen
