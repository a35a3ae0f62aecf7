#pragma once
// Helpers of the Coinbase tests: its fixtures and the names its tests use for the helpers every
// exchange's tests share (support/exchange_test_util.hpp: minification, level lists, the fake
// session_io, a quiet logger).
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/exchange_test_util.hpp"

namespace mdfan::test {

using cb_fake_io = fake_io;

inline std::shared_ptr<spdlog::logger> cb_quiet() {
  static auto log = null_logger("coinbase-test");
  return log;
}

inline std::string read_coinbase_fixture(const std::string& name) { return read_fixture("coinbase", name); }

inline std::string cb_minify(const std::string& json) { return minify(json); }

inline std::vector<price_level> cb_levels(std::initializer_list<std::pair<const char*, const char*>> l) {
  return levels(l);
}

}  // namespace mdfan::test
