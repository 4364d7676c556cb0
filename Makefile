# Conductor front door. CMake does the work underneath; every target installs missing Debian
# packages first (scripts/install-deps.sh is idempotent and does nothing when all are present).
BUILD   ?= build
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test run bench synth regs fuzz clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The test command CI runs: every unit test, co-simulation and integration test under CTest.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

# Default demonstration: synthetic traffic through the Verilated core, with a distribution report.
# Builds the conductor tool and what it links (the Verilated core among them), not the tests.
run: configure
	cmake --build $(BUILD) -j $(JOBS) --target conductor
	$(BUILD)/bin/conductor sim --engine rtl --packets 20000 --weights 1:100,2:100,3:200,4:50,5:0 --report

# Benchmarks write JSON to $(BUILD)/bench/ and print a summary with ratios against baselines.
bench: build
	scripts/bench.sh $(BUILD)

# Regenerate the checked-in register outputs from rtl/csr/conductor.regs.
regs: build
	cmake --build $(BUILD) --target regs_update

synth: deps
	constraints/synth.sh $(BUILD)

fuzz: deps
	cmake -S . -B $(BUILD)-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DCONDUCTOR_FUZZ=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target fuzz_all
	scripts/fuzz.sh $(BUILD)-fuzz

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz
