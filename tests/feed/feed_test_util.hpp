#pragma once
// Helpers shared by the feed and simulator tests.
#include <simdjson.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "net/net.hpp"

namespace mdfan::test {

// Silent unless MDFAN_TEST_LOG is set (then debug output on stderr).
inline std::shared_ptr<spdlog::logger> quiet() {
  static auto log = [] {
    if (!std::getenv("MDFAN_TEST_LOG"))
      return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    auto l = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_level(spdlog::level::debug);
    return l;
  }();
  return log;
}


// An io_context running on its own thread until destroyed.
class io_thread {
 public:
  io_thread() : guard_(net::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}
  ~io_thread() {
    guard_.reset();
    ioc_.stop();
    thread_.join();
  }
  net::any_io_executor executor() { return ioc_.get_executor(); }

 private:
  net::io_context ioc_;
  net::executor_work_guard<net::io_context::executor_type> guard_;
  std::thread thread_;
};

// Polls `pred` every 5 ms until it holds or `timeout` passes; returns its last value.
inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= end) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A price -> qty book side keyed by the exact decimal text scaled to 1e-8 units.
inline std::int64_t units(std::string_view dec) {
  std::int64_t whole = 0, frac = 0;
  int digits = 0;
  bool in_frac = false;
  for (const char c : dec) {
    if (c == '.') {
      in_frac = true;
      continue;
    }
    if (in_frac) {
      if (digits < 8) frac = frac * 10 + (c - '0'), ++digits;
    } else {
      whole = whole * 10 + (c - '0');
    }
  }
  for (; digits < 8; ++digits) frac *= 10;
  return whole * 100'000'000 + frac;
}

// A local order book following Binance's diff-depth rules.
struct local_book {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  std::uint64_t id = 0;

  template <class Map>
  static void apply_levels(Map& side, simdjson::dom::array levels) {
    for (auto lv : levels) {
      const auto price = units(lv.at(0).get_string().value());
      const auto qty = units(lv.at(1).get_string().value());
      if (qty == 0)
        side.erase(price);
      else
        side[price] = qty;
    }
  }
  // Loads a REST snapshot {"lastUpdateId","bids","asks"}.
  void load(simdjson::dom::element snap) {
    bids.clear();
    asks.clear();
    id = snap["lastUpdateId"].get_uint64().value();
    apply_levels(bids, snap["bids"].get_array().value());
    apply_levels(asks, snap["asks"].get_array().value());
  }
  bool crossed() const { return !bids.empty() && !asks.empty() && bids.begin()->first >= asks.begin()->first; }
  bool operator==(const local_book& o) const { return bids == o.bids && asks == o.asks && id == o.id; }
};

}  // namespace mdfan::test
