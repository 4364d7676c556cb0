#!/usr/bin/env python3
"""Turns the Yosys runs of constraints/synth.sh into synth_report.json and a printed summary.

For each run NAME it reads, in the output folder: NAME.stat.json (`stat -json` of the mapped,
flattened netlist), NAME.log (for `ltp` and the memory-mapping lines) and NAME.seconds.
Cell classes follow the Xilinx primitives synth_xilinx instantiates; LUTRAM LUTs are estimated
from the primitive (RAM64M = 4 LUTs, ...), as Vivado's utilization report would count them.
"""
import argparse
import datetime
import json
import os
import re
import sys

FF_TYPES = ("FDRE", "FDSE", "FDCE", "FDPE", "FDRE_1", "FDSE_1", "FDCE_1", "FDPE_1")
LATCH_TYPES = ("LDCE", "LDPE")
LUT_TYPES = ("LUT1", "LUT2", "LUT3", "LUT4", "LUT5", "LUT6")
SRL_TYPES = ("SRL16E", "SRLC16E", "SRLC32E")
CARRY_TYPES = ("CARRY4", "CARRY8")
MUXF_TYPES = ("MUXF7", "MUXF8", "MUXF9")
RAMB18_TYPES = ("RAMB18E1", "RAMB18E2", "RAMB18")
RAMB36_TYPES = ("RAMB36E1", "RAMB36E2", "RAMB36")
URAM_TYPES = ("URAM288", "URAM288_BASE")
DSP_TYPES = ("DSP48E1", "DSP48E2")
BUFFER_TYPES = ("BUFG", "IBUF", "OBUF", "GND", "VCC")
# LUT levels that fit the core clock (300 MHz on UltraScale+ -2, with routing): paths deeper than
# this are listed in the report.
LEVEL_BUDGET = 6
# LUTs used by each distributed-RAM primitive (UltraScale+ CLB: a LUT is 64x1 or 2x32x1).
LUTRAM_LUTS = {
    "RAM16X1S": 1, "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4, "RAM512X1S": 8,
    "RAM16X1D": 2, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4, "RAM256X1D": 8,
    "RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8, "RAM32X16DR8": 8, "RAM64X8SW": 8,
}
MEM_CLASS = [
    (re.compile(r"URAM", re.I), "URAM"),
    (re.compile(r"RAMB|BRAM|BLOCKRAM", re.I), "BRAM"),
    (re.compile(r"LUTRAM|RAM\d+M|RAM\d+X", re.I), "LUTRAM"),
]


def classify_cells(by_type):
    """Resource counts of one netlist from its cells by type."""
    def total(types):
        return sum(by_type.get(t, 0) for t in types)

    lutram_cells = {t: n for t, n in by_type.items() if t in LUTRAM_LUTS}
    known = set(FF_TYPES + LATCH_TYPES + LUT_TYPES + SRL_TYPES + CARRY_TYPES + MUXF_TYPES +
                RAMB18_TYPES + RAMB36_TYPES + URAM_TYPES + DSP_TYPES + BUFFER_TYPES + ("INV",))
    known |= set(LUTRAM_LUTS)
    return {
        "lut": total(LUT_TYPES),
        "lut_by_inputs": {t: by_type[t] for t in LUT_TYPES if t in by_type},
        "inv": by_type.get("INV", 0),
        "lutram_luts": sum(LUTRAM_LUTS[t] * n for t, n in lutram_cells.items()),
        "lutram_cells": lutram_cells,
        "srl": total(SRL_TYPES),
        "ff": total(FF_TYPES),
        "ff_by_type": {t: by_type[t] for t in FF_TYPES if t in by_type},
        "latch": total(LATCH_TYPES),
        "carry": total(CARRY_TYPES),
        "carry_by_type": {t: by_type[t] for t in CARRY_TYPES if t in by_type},
        "muxf": total(MUXF_TYPES),
        "ramb18": total(RAMB18_TYPES),
        "ramb36": total(RAMB36_TYPES),
        "bram36_equivalent": total(RAMB36_TYPES) + total(RAMB18_TYPES) / 2,
        "uram": total(URAM_TYPES),
        "dsp": total(DSP_TYPES),
        "other_cells": {t: n for t, n in by_type.items() if t not in known},
    }


def parse_log(path):
    """Logic depth and path ends from `ltp`, memory mapping decisions, warnings."""
    depth = None
    path_nodes = []
    memories = []
    warnings = 0
    in_path = False
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            m = re.match(r"Longest topological path in \S+ \(length=(-?\d+)\):", line)
            if m:
                depth = int(m.group(1))
                path_nodes = []
                in_path = True
                continue
            if in_path:
                m = re.match(r"\s+\d+: (.*?)(?: \(via .*\))?$", line.rstrip("\n"))
                if m:
                    path_nodes.append(m.group(1))
                    continue
                in_path = False
            m = re.match(r"mapping memory (\S+) via (\S+)", line)
            if m:
                kind = next((k for rx, k in MEM_CLASS if rx.search(m.group(2))), m.group(2))
                memories.append({"memory": m.group(1), "mapped_to": m.group(2), "kind": kind})
                continue
            m = re.match(r"using FF mapping for memory (\S+)", line)
            if m:
                memories.append({"memory": m.group(1), "mapped_to": "flip-flops", "kind": "FF"})
                continue
            if line.startswith("Warning:"):
                warnings += 1
    return {
        "logic_depth": depth,
        "logic_depth_path": ({"from": path_nodes[0], "to": path_nodes[-1]}
                             if path_nodes else None),
        "memories": memories,
        "yosys_warnings": warnings,
    }


def lut_weight(cell_type):
    """Cost of a cell on a combinational path in LUT levels; None where the path is cut."""
    if cell_type in LUT_TYPES or cell_type == "INV" or cell_type in LUTRAM_LUTS:
        return 1
    if cell_type in MUXF_TYPES or cell_type in CARRY_TYPES:
        return 0  # dedicated slice logic next to the LUTs: tens of ps, no routing
    return None   # flip-flops, SRLs, block/ultra RAM, DSP, buffers: paths start and end here


def lutram_comb_input(port):
    """The read-address pins of a distributed RAM: its only combinational inputs."""
    return port.startswith("ADDR") or port.startswith("DPRA") or re.fullmatch(r"A\d", port)


def lut_levels(path, top):
    """The most LUT levels on any combinational path of the flattened netlist (write_json).

    A LUT, INV or distributed-RAM read counts 1; MUXF7/8/9 and CARRY4 count 0; registers,
    SRLs, block RAM, URAM, DSP and ports end paths. Unlike `ltp`, which counts cells, this is the
    figure that decides whether a path fits a clock period (roughly 0.5-0.7 ns per LUT level with
    routing on UltraScale+ at -2: 5-6 levels at 300 MHz).
    """
    with open(path, encoding="utf-8") as f:
        mod = json.load(f)["modules"][top]
    driver = {}   # net bit -> combinational cell that drives it
    cells = {}    # combinational cell -> (weight, input bits)
    for name, cell in mod["cells"].items():
        weight = lut_weight(cell["type"])
        if weight is None:
            continue
        dirs = cell.get("port_directions", {})
        ins = []
        for port, bits in cell["connections"].items():
            bits = [b for b in bits if isinstance(b, int)]
            if dirs.get(port) == "output":
                for b in bits:
                    driver[b] = name
            elif dirs.get(port) == "input":
                if cell["type"] in LUTRAM_LUTS and not lutram_comb_input(port):
                    continue
                ins.extend(bits)
        cells[name] = (weight, ins)

    level = {}    # cell -> (LUT levels up to and including it, predecessor cell)
    for root in cells:
        if root in level:
            continue
        stack = [(root, False)]
        on_stack = set()
        while stack:
            name, expanded = stack.pop()
            if expanded:
                on_stack.discard(name)
                weight, ins = cells[name]
                best, pred = 0, None
                for b in ins:
                    d = driver.get(b)
                    if d is not None and d in level and level[d][0] > best:
                        best, pred = level[d][0], d
                level[name] = (best + weight, pred)
                continue
            if name in level or name in on_stack:
                continue  # done, or a combinational loop (not expected): cut it here
            on_stack.add(name)
            stack.append((name, True))
            for b in cells[name][1]:
                d = driver.get(b)
                if d is not None and d not in level and d not in on_stack:
                    stack.append((d, False))
    if not level:
        return {"lut_levels": 0, "lut_levels_path": None}
    end = max(level, key=lambda c: level[c][0])
    start = end
    while level[start][1] is not None:
        start = level[start][1]

    names = {}    # net bit -> a public net name carrying it (registers keep theirs)
    for net, info in mod["netnames"].items():
        if not info.get("hide_name"):
            for b in info["bits"]:
                if isinstance(b, int):
                    names.setdefault(b, net)

    def port_bits(cell, want_output):
        dirs = mod["cells"][cell].get("port_directions", {})
        for port, bits in mod["cells"][cell]["connections"].items():
            if (dirs.get(port) == "output") == want_output:
                yield from (b for b in bits if isinstance(b, int))

    def start_name(cell):
        return next((names[b] for b in port_bits(cell, False) if b in names), cell)

    consumers = {}  # net bit -> cells reading it
    for name in mod["cells"]:
        for b in port_bits(name, False):
            consumers.setdefault(b, []).append(name)

    def end_name(cell):
        """The path's last named net: through MUXF/CARRY cells to the register or memory input."""
        queue, seen = [cell], set()
        while queue:
            c = queue.pop(0)
            if c in seen:
                continue
            seen.add(c)
            outs = list(port_bits(c, True))
            named = next((names[b] for b in outs if b in names), None)
            if named:
                return named
            for b in outs:
                for sink in consumers.get(b, []):
                    if sink not in cells:
                        q = next((names[x] for x in port_bits(sink, True) if x in names), sink)
                        return f"{q} ({mod['cells'][sink]['type']} input)"
                    if cells[sink][0] == 0:
                        queue.append(sink)
        return cell

    # Every path end deeper than the budget, grouped by its start and end register (bit indices
    # dropped): where the deep logic is, not only the deepest path.
    over = {}
    comb_ins = {name: set(ins) for name, (_, ins) in cells.items()}
    for name, (lv, _) in level.items():
        if lv <= LEVEL_BUDGET:
            continue
        # A path ends here when an output reaches a register, memory or port (through MUXF/CARRY
        # cells at most, which the end_name walk follows), not only further LUTs.
        # A distributed RAM's write data and address are such ends: they are not among its
        # combinational inputs (comb_ins).
        outs = list(port_bits(name, True))
        if outs and all(b in consumers and all(sink in cells and cells[sink][0] == 1 and
                                               b in comb_ins[sink]
                                               for sink in consumers[b]) for b in outs):
            continue
        first = name
        while level[first][1] is not None:
            first = level[first][1]
        key = (re.sub(r"\[\d+\]", "", start_name(first)), re.sub(r"\[\d+\]", "", end_name(name)))
        if key not in over or over[key]["lut_levels"] < lv:
            over[key] = {"from": key[0], "to": key[1], "lut_levels": lv,
                         "ends": over.get(key, {}).get("ends", 0)}
        over[key]["ends"] += 1
    worst = sorted(over.values(), key=lambda o: (-o["lut_levels"], o["from"], o["to"]))
    return {"lut_levels": level[end][0],
            "lut_levels_path": {"from": start_name(start), "to": end_name(end)},
            "lut_level_budget": LEVEL_BUDGET,
            "paths_over_budget": worst}


def load_run(out, name):
    with open(os.path.join(out, name + ".stat.json"), encoding="utf-8") as f:
        stat = json.load(f)
    mods = stat.get("modules", {})
    if len(mods) != 1:
        sys.exit(f"synth_report: {name}: expected one flattened module, stat lists {list(mods)}")
    (mod_name, mod), = mods.items()
    with open(os.path.join(out, name + ".ys"), encoding="utf-8") as f:
        synth_cmd = next((l.strip() for l in f if l.startswith("synth_xilinx")), "")
    seconds = None
    sec_path = os.path.join(out, name + ".seconds")
    if os.path.exists(sec_path):
        with open(sec_path, encoding="utf-8") as f:
            seconds = int(f.read().strip())
    run = {"top": mod_name.lstrip("\\"), "synth": synth_cmd, "seconds": seconds,
           "cells": mod.get("num_cells", 0)}
    run.update(classify_cells(mod.get("num_cells_by_type", {})))
    run.update(parse_log(os.path.join(out, name + ".log")))
    netlist = os.path.join(out, name + ".netlist.json")
    run.update(lut_levels(netlist, run["top"]) if os.path.exists(netlist)
               else {"lut_levels": None, "lut_levels_path": None, "paths_over_budget": None})
    run["cells_by_type"] = mod.get("num_cells_by_type", {})
    return run


def summary(report):
    cols = [("run", 16), ("LUT", 7), ("LUTRAM", 7), ("SRL", 5), ("FF", 7), ("CARRY", 6),
            ("RAMB36", 7), ("RAMB18", 7), ("URAM", 5), ("DSP", 4), ("depth", 6), ("LUTlv", 6), ("time", 6)]
    lines = ["".join(f"{c:>{w}}" if i else f"{c:<{w}}" for i, (c, w) in enumerate(cols))]
    for name, r in report["runs"].items():
        vals = [name, r["lut"], r["lutram_luts"], r["srl"], r["ff"], r["carry"], r["ramb36"],
                r["ramb18"], r["uram"], r["dsp"],
                "-" if r["logic_depth"] is None else r["logic_depth"],
                "-" if r["lut_levels"] is None else r["lut_levels"],
                "-" if r["seconds"] is None else f"{r['seconds']}s"]
        lines.append("".join(f"{v:>{w}}" if i else f"{v:<{w}}"
                             for i, ((_, w), v) in enumerate(zip(cols, vals))))
    lines.append("")
    lines.append("LUT = LUT1..LUT6 (INV cells not included); LUTRAM = LUTs used as distributed RAM;")
    lines.append("depth = cells on the longest chain of LUT/MUXF/CARRY4/INV cells between registers,")
    lines.append("memories and ports (ltp); LUTlv = most LUT levels on any such path (MUXF and CARRY")
    lines.append("count 0). Yosys' xcup mapping is 7-series-like (CARRY4): an estimate, not a timing")
    lines.append("sign-off.")
    for name, r in report["runs"].items():
        for m in r["memories"]:
            lines.append(f"{name}: memory {m['memory']} -> {m['kind']} ({m['mapped_to']})")
        if r["latch"]:
            lines.append(f"{name}: WARNING {r['latch']} latches inferred")
        if r["lut_levels_path"]:
            cp = r["lut_levels_path"]
            lines.append(f"{name}: most LUT levels ({r['lut_levels']}) from {cp['from']} "
                         f"to {cp['to']}")
        over = r.get("paths_over_budget") or []
        if over:
            lines.append(f"{name}: {len(over)} register pairs with paths over "
                         f"{r['lut_level_budget']} LUT levels:")
            for o in over[:12]:
                lines.append(f"    {o['lut_levels']:>3}  {o['from']} -> {o['to']}")
            if len(over) > 12:
                lines.append(f"    ... {len(over) - 12} more in synth_report.json")
    lines.append(f"total synthesis time {report['total_seconds']} s ({report['yosys']})")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", default="")
    ap.add_argument("--git", default="")
    ap.add_argument("--total-seconds", type=int, default=None)
    ap.add_argument("--files", nargs="*", default=[])
    ap.add_argument("runs", nargs="+")
    args = ap.parse_args()

    report = {
        "yosys": args.version,
        "family": "xcup",
        "git": args.git,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rtl_files": args.files,
        "total_seconds": args.total_seconds,
        "note": "Yosys synth_xilinx -family xcup: 7-series-like mapping (CARRY4), no place and "
                "route; estimates, not a timing sign-off",
        "runs": {name: load_run(args.out, name) for name in args.runs},
    }
    with open(os.path.join(args.out, "synth_report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    text = summary(report)
    with open(os.path.join(args.out, "summary.txt"), "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(text)
    print(f"report: {os.path.join(args.out, 'synth_report.json')}")


if __name__ == "__main__":
    main()
