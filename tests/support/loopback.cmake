# mdfan_loopback: the loopback port helpers (support/loopback.hpp) shared by the test support library
# and the benchmark tool. Included from tests/CMakeLists.txt and bench/CMakeLists.txt, since either may
# be built without the other (MDFAN_BUILD_TESTS, MDFAN_BUILD_BENCH); the target is defined once, by
# whichever comes first. No gtest dependency, so mdfan-bench does not pull it in.
include_guard(GLOBAL)
add_library(mdfan_loopback STATIC ${CMAKE_CURRENT_LIST_DIR}/loopback.cpp)
target_include_directories(mdfan_loopback PUBLIC ${CMAKE_SOURCE_DIR}/tests)
target_compile_options(mdfan_loopback PRIVATE ${MDFAN_WARNINGS})
