#pragma once
// Helpers of the Bybit tests: its fixtures, padded messages, book message builders; the rest (minification,
// level lists, the fake session_io) is shared by every exchange's tests (support/exchange_test_util.hpp).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "support/exchange_test_util.hpp"

namespace mdfan::test {

inline std::string read_bybit_fixture(const std::string& name) { return read_fixture("bybit", name); }

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

// Book messages in Bybit's linear layout, built by hand (`{"topic","type","ts","data":{"s","b","a","u","seq"},"cts"}`).
inline std::string book_msg(std::string_view symbol, std::string_view type, std::uint64_t u, std::string_view bids,
                            std::string_view asks, unsigned depth = 50) {
  return fmt::format(
      R"({{"topic":"orderbook.{}.{}","type":"{}","ts":1687940967466,"data":{{"s":"{}","b":{},"a":{},"u":{},"seq":{}}},"cts":1687940967464}})",
      depth, symbol, type, symbol, bids, asks, u, 1000 + u);
}

}  // namespace mdfan::test
