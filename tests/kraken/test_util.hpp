#pragma once
// Helpers of the Kraken tests: its fixtures and the names its tests use for the helpers every
// exchange's tests share (support/exchange_test_util.hpp: minification, level lists, the fake
// session_io, a quiet logger).
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/exchange_test_util.hpp"

namespace mdfan::test {

inline std::shared_ptr<spdlog::logger> quiet_logger() {
  static auto log = null_logger("kraken-test");
  return log;
}

inline std::string read_kraken_fixture(const std::string& name) { return read_fixture("kraken", name); }

inline std::string minify_json(const std::string& json) { return minify(json); }

inline std::vector<price_level> lv(std::initializer_list<std::pair<const char*, const char*>> l) { return levels(l); }

}  // namespace mdfan::test
