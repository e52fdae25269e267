# The two commands a new user needs: `make run` and `make test`.
.PHONY: all deps build run test bench clean

BUILD_DIR      ?= build
TEST_BUILD_DIR ?= build-test
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

clean:
	rm -rf $(BUILD_DIR) $(TEST_BUILD_DIR)
