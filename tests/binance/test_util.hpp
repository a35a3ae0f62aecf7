#pragma once
// Helpers of the Binance tests: its fixtures; the rest (minification, level lists) is shared by every
// exchange's tests (support/exchange_test_util.hpp).
#include <filesystem>
#include <string>

#include "support/exchange_test_util.hpp"

namespace mdfan::test {

inline std::filesystem::path binance_fixture_dir() { return fixture_dir("binance"); }

inline std::string read_binance_fixture(const std::string& name) { return read_fixture("binance", name); }

}  // namespace mdfan::test
