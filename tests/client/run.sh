#!/bin/sh
# run.sh <build dir> <consumer source dir> <c++ compiler> [sanitizer flags]
# Installs the client libraries and the SDK into a scratch prefix, then builds, as their users
# would, apart from the tree: the consumer (find_package(faasgate)), the examples
# (find_package(faasgate-sdk)) and one example again with pkg-config alone. The examples built
# are left in <build dir>/examples-installed for the end-to-end tests to run against a gateway.
set -eu
build=$1 consumer=$2 cxx=$3 sanitize=${4:-}
examples=$(cd "$(dirname "$0")/../../examples" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" --component faasgate_client >/dev/null
# What a client includes must not need the HTTP stack or the gateway.
if grep -rlE '#include <boost/(beast|asio)|#include "faasgate/(api|server|store|provider|platform|invoke|iam|oidc|oauth|access|http_client|queue|sqlite|app|cli)/' \
     "$prefix/include"; then
  echo "an installed header includes the HTTP stack or a gateway module" >&2
  exit 1
fi
for header in error http auth token_source token_auth client; do
  test -f "$prefix/include/faasgate/sdk/$header.hpp" || { echo "faasgate/sdk/$header.hpp is not installed" >&2; exit 1; }
done

cmake -S "$consumer" -B "$scratch/build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_FLAGS="$sanitize" -DCMAKE_EXE_LINKER_FLAGS="$sanitize" >/dev/null
cmake --build "$scratch/build" >/dev/null
"$scratch/build/consumer"

cmake -S "$examples" -B "$scratch/examples" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_FLAGS="$sanitize" -DCMAKE_EXE_LINKER_FLAGS="$sanitize" >/dev/null
cmake --build "$scratch/examples" >/dev/null

# pkg-config alone, with no CMake: the flags it gives must be enough to build and link.
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs faasgate-sdk)
# shellcheck disable=SC2086 # the flags are words
"$cxx" -std=c++20 $sanitize "$examples/projected_token.cpp" -o "$scratch/projected_token_pkgconfig" $flags
# A program with nothing to talk to says so and fails; it does not crash.
if OPENFAAS_URL=http://127.0.0.1:9 token_mount_path="$scratch" "$scratch/projected_token_pkgconfig" 2>"$scratch/err"; then
  echo "projected_token succeeded with no gateway and no token" >&2
  exit 1
fi
grep -q "openfaas-token" "$scratch/err" || { echo "projected_token's error does not name the token file:" >&2; cat "$scratch/err" >&2; exit 1; }

mkdir -p "$build/examples-installed"
cp "$scratch/examples/projected_token" "$scratch/examples/function_token" "$build/examples-installed/"
echo "client libraries, SDK and examples build from the installed package (CMake and pkg-config)"
