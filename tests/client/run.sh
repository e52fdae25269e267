#!/bin/sh
# run.sh <build dir> <consumer source dir> <c++ compiler> [sanitizer flags]
set -eu
build=$1 consumer=$2 cxx=$3 sanitize=${4:-}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build" --prefix "$scratch/prefix" --component faasgate_client >/dev/null
# What a client includes must not need the HTTP stack or the gateway.
if grep -rlE '#include <boost/(beast|asio)|#include "faasgate/(api|server|store|provider|platform|invoke|iam|oidc|oauth|access)/' \
     "$scratch/prefix/include"; then
  echo "an installed header includes the HTTP stack or a gateway module" >&2
  exit 1
fi
cmake -S "$consumer" -B "$scratch/build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$scratch/prefix" -DCMAKE_CXX_FLAGS="$sanitize" -DCMAKE_EXE_LINKER_FLAGS="$sanitize" >/dev/null
cmake --build "$scratch/build" >/dev/null
"$scratch/build/consumer"
