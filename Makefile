# The two commands a new user needs: `make run` and `make test`.
.PHONY: all deps build run test bench fuzz clean

BUILD_DIR      ?= build
TEST_BUILD_DIR ?= build-test
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS   ?= 60
DATA_DIR       ?= .faasgate
LISTEN         ?= 127.0.0.1:8080

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DFAASGATE_TESTS=OFF >/dev/null
	@cmake --build $(BUILD_DIR)

run: build
	@scripts/run-local $(BUILD_DIR)/bin/faasgate $(DATA_DIR) $(LISTEN)

test: deps
	@cmake -S . -B $(TEST_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFAASGATE_SANITIZE=ON >/dev/null
	@cmake --build $(TEST_BUILD_DIR)
	@cd $(TEST_BUILD_DIR) && ctest --output-on-failure --timeout 600 -j2

bench: build
	@$(BUILD_DIR)/bin/faasgate-bench

# libFuzzer targets (fuzz/), built with clang, each run FUZZ_SECONDS over a scratch copy of its corpus.
fuzz: deps
	@command -v clang++ >/dev/null || { echo "make fuzz needs clang (apt-get install clang)" >&2; exit 1; }
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DFAASGATE_FUZZ=ON -DFAASGATE_TESTS=OFF -DFAASGATE_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD_DIR) --target jwt_fuzz jwks_fuzz json_fuzz iam_fuzz form_fuzz cron_fuzz cli_files_fuzz wire_fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh $(FUZZ_BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(TEST_BUILD_DIR)
