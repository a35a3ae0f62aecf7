#pragma once
// Helpers shared by the Bybit tests: fixtures, padded messages, a fake connection for sessions.
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "adapters/common/session.hpp"
#include "mdfan/event.hpp"

namespace mdfan::test {

inline std::string read_bybit_fixture(const std::string& name) {
  std::ifstream f(std::filesystem::path(MDFAN_FIXTURES_DIR) / "bybit" / name, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing fixture " << name;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The fixtures are pretty-printed; the wire has one compact message per frame.
inline std::string minify(const std::string& json) {
  std::string out(json.size(), '\0');
  std::size_t len = 0;
  EXPECT_EQ(simdjson::minify(json.data(), json.size(), out.data(), len), simdjson::SUCCESS);
  out.resize(len);
  return out;
}

// A message followed by 64 readable bytes, as ws_client delivers it.
struct padded {
  explicit padded(std::string text) : size(text.size()) {
    text.append(64, '\0');
    storage = std::move(text);
  }
  std::string_view view() const { return {storage.data(), size}; }
  std::string storage;
  std::size_t size;
};

inline std::vector<price_level> levels(std::initializer_list<std::pair<const char*, const char*>> l) {
  std::vector<price_level> out;
  for (const auto& [p, s] : l) out.push_back({decimal::from(p), decimal::from(s)});
  return out;
}

inline std::string show(const std::vector<price_level>& l) {
  std::string s = "[";
  for (const auto& x : l) s += fmt::format("[{},{}]", x.price.str(), x.size.str());
  return s + "]";
}

inline bool same_levels(const std::vector<price_level>& a, const std::vector<price_level>& b) {
  return show(a) == show(b);
}

// The connection a session talks to in unit tests: records what it sends and emits.
class fake_io final : public adapters::session_io {
 public:
  bool send(std::string text) override {
    sent.push_back(std::move(text));
    return true;
  }
  void reconnect(std::string_view reason) override { reconnects.emplace_back(reason); }
  void emit(event&& ev) override { events.push_back(std::move(ev)); }
  std::int64_t now_ns() const override { return now; }

  std::vector<std::string> sent;
  std::vector<std::string> reconnects;
  std::vector<event> events;
  std::int64_t now = 1'700'000'000'000'000'000;
};

// Book messages in Bybit's linear layout, built by hand (`{"topic","type","ts","data":{"s","b","a","u","seq"},"cts"}`).
inline std::string book_msg(std::string_view symbol, std::string_view type, std::uint64_t u, std::string_view bids,
                            std::string_view asks, unsigned depth = 50) {
  return fmt::format(
      R"({{"topic":"orderbook.{}.{}","type":"{}","ts":1687940967466,"data":{{"s":"{}","b":{},"a":{},"u":{},"seq":{}}},"cts":1687940967464}})",
      depth, symbol, type, symbol, bids, asks, u, 1000 + u);
}

}  // namespace mdfan::test
