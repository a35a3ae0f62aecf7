#pragma once
// Helpers shared by the Kraken tests: fixtures, level lists, a fake session_io.
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "adapters/common/session.hpp"
#include "mdfan/event.hpp"

namespace mdfan::test {

inline std::shared_ptr<spdlog::logger> quiet_logger() {
  static auto log = std::make_shared<spdlog::logger>("kraken-test", std::make_shared<spdlog::sinks::null_sink_mt>());
  return log;
}

inline std::string read_kraken_fixture(const std::string& name) {
  std::ifstream f(std::filesystem::path(MDFAN_FIXTURES_DIR) / "kraken" / name, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing fixture " << name;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The fixtures are pretty-printed; the wire has one compact message per frame.
inline std::string minify_json(const std::string& json) {
  std::string out(json.size(), '\0');
  std::size_t len = 0;
  EXPECT_EQ(simdjson::minify(json.data(), json.size(), out.data(), len), simdjson::SUCCESS);
  out.resize(len);
  return out;
}

inline std::vector<price_level> lv(std::initializer_list<std::pair<const char*, const char*>> l) {
  std::vector<price_level> out;
  for (const auto& [p, s] : l) out.push_back({decimal::from(p), decimal::from(s)});
  return out;
}

inline std::string show(const std::vector<price_level>& l) {
  std::string s = "[";
  for (const auto& x : l) s += "[" + std::string(x.price.str()) + "," + std::string(x.size.str()) + "]";
  return s + "]";
}

// The connection as a session sees it, recording what the session does. The only fake in the
// Kraken tests: it stands for the WebSocket.
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

  // Sends `text` (padded, as the WebSocket client delivers it) to the session.
  void deliver(adapters::protocol_session& s, const std::string& text, std::int64_t recv = 1) {
    std::string padded = text;
    padded.append(64, '\0');
    s.on_message(std::string_view(padded.data(), text.size()), recv, *this);
  }
  template <class T>
  std::vector<T> of() const {
    std::vector<T> out;
    for (const auto& e : events)
      if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
    return out;
  }
  std::vector<book_update> books_of(std::string_view symbol) const {
    std::vector<book_update> out;
    for (const auto& b : of<book_update>())
      if (b.symbol == symbol) out.push_back(b);
    return out;
  }
};

}  // namespace mdfan::test
