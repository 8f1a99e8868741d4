#!/bin/sh
# Rebuilds amalgam's wasm kernels from kernels.c with emscripten (Debian: apt-get install emscripten).
# Two builds of the same source: kernels.wasm imports an ordinary memory (tfjs's single-thread SIMD
# build), kernels-threaded.wasm a shared one (its threaded SIMD build). Both are shipped in the
# package: users never run this. Run from anywhere: sh lib/backend/wasm/native/build.sh
set -e
cd "$(dirname "$0")"
FLAGS="-O3 -msimd128 -sSIDE_MODULE=2 -fno-builtin -Wall -Werror"
emcc $FLAGS -o kernels.wasm kernels.c
emcc $FLAGS -pthread -Wno-experimental -o kernels-threaded.wasm kernels.c
ls -l kernels.wasm kernels-threaded.wasm
