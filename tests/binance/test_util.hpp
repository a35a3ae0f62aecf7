#pragma once
// Helpers shared by the Binance tests: fixtures, minification, level lists.
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "mdfan/event.hpp"

namespace mdfan::test {

inline std::filesystem::path binance_fixture_dir() { return std::filesystem::path(MDFAN_FIXTURES_DIR) / "binance"; }

inline std::string read_binance_fixture(const std::string& name) {
  std::ifstream f(binance_fixture_dir() / name, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing fixture " << name;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The fixtures are pretty-printed; the wire (and `mdfan decode`) has one message per line.
inline std::string minify(const std::string& json) {
  std::string out(json.size(), '\0');
  std::size_t len = 0;
  EXPECT_EQ(simdjson::minify(json.data(), json.size(), out.data(), len), simdjson::SUCCESS);
  out.resize(len);
  return out;
}

inline std::vector<price_level> levels(std::initializer_list<std::pair<const char*, const char*>> l) {
  std::vector<price_level> out;
  for (const auto& [p, s] : l) out.push_back({decimal::from(p), decimal::from(s)});
  return out;
}

inline bool same_levels(const std::vector<price_level>& a, const std::vector<price_level>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i].price == b[i].price) || !(a[i].size == b[i].size)) return false;
  return true;
}

inline std::string show(const std::vector<price_level>& l) {
  std::string s = "[";
  for (const auto& x : l) {
    s += "[";
    s += x.price.str();
    s += ",";
    s += x.size.str();
    s += "]";
  }
  return s + "]";
}

}  // namespace mdfan::test
