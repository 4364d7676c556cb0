# Timing constraints of the portable core conductor_core on an AMD Alveo U280
# (part xcu280-fsvh2892-2L-e).
#
# How this file is used:
# - constraints/vivado_build.tcl reads it for an out-of-context (OOC) build of conductor_core:
#   clk_i and rst_ni are then ports of the top, as below.
# - In the Vitis flow the core runs as a kernel inside the platform shell: the shell owns the board
#   pins and drives the kernel clock (ap_clk, 300 MHz by default on the U280 XDMA platforms) and its
#   reset from its own constraints. Pass the kernel frequency to v++ (--kernel_frequency 300); this
#   file is then not read, and none of its pin lines are needed.
# - A board top of our own (clocks, transceivers around the core) would keep the clock period and
#   the reset false path below, applied to its internal nets, plus the pins of its reference clock
#   (see the commented lines at the end).
#
# Yosys cannot read XDC: `make synth` gives cell counts and logic depth only (constraints/README.md).

# ---------------------------------------------------------------- core clock
# 300 MHz, the shell's default kernel clock. Lower it here (and in --kernel_frequency) together.
set core_clk_period 3.333
create_clock -name core_clk -period $core_clk_period [get_ports clk_i]

# ---------------------------------------------------------------- reset
# rst_ni is asserted asynchronously (every always_ff with a reset uses negedge rst_ni). Its release
# must come from a reset synchronizer in the core_clk domain, which belongs to the board top or
# the shell; the path from the port itself is therefore not timed.
set_false_path -from [get_ports rst_ni]

# ---------------------------------------------------------------- I/O budget (OOC only)
# In OOC the ports connect to logic of the same clock domain in the enclosing design. Budget about
# 30% of the period to that logic on each side so that port-to-register paths are timed.
set io_budget [expr {0.3 * $core_clk_period}]
set_input_delay  -clock core_clk $io_budget [get_ports -filter {DIRECTION == IN && NAME != clk_i && NAME != rst_ni}]
set_output_delay -clock core_clk $io_budget [get_ports -filter {DIRECTION == OUT}]

# ---------------------------------------------------------------- board reference clocks
# Only for a board top of our own; the core has no such ports. Fixed 100 MHz LVDS system clocks of
# the U280 (as in Corundum's AU280 constraints; check them against AMD's U280 master XDC before a
# board build):
# set_property -dict {PACKAGE_PIN BJ43 IOSTANDARD LVDS} [get_ports sysclk0_p]  ;# SYSCLK0 (DDR4 bank)
# set_property -dict {PACKAGE_PIN BJ44 IOSTANDARD LVDS} [get_ports sysclk0_n]
# set_property -dict {PACKAGE_PIN BH6  IOSTANDARD LVDS} [get_ports sysclk1_p]  ;# SYSCLK1 (DDR4 bank)
# set_property -dict {PACKAGE_PIN BJ6  IOSTANDARD LVDS} [get_ports sysclk1_n]
# set_property -dict {PACKAGE_PIN G31  IOSTANDARD LVDS} [get_ports sysclk2_p]  ;# SYSCLK2
# set_property -dict {PACKAGE_PIN F31  IOSTANDARD LVDS} [get_ports sysclk2_n]
# create_clock -name sysclk0 -period 10.000 [get_ports sysclk0_p]
# A board top derives core_clk from one of them with an MMCM; Vivado then propagates the generated
# clock and the create_clock on clk_i above is replaced by the MMCM's output constraint.
