// The translation unit that carries the precompiled LibTorch headers (CMakeLists.txt: sst_torch_pch).
// CMake compiles the precompiled header beside it; every target that uses LibTorch reuses that header.
