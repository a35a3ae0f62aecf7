#pragma once
// Helpers shared by the Coinbase tests: fixtures, minification, level lists, a fake session_io.
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

// A logger that discards everything (the sessions warn on every fault the tests provoke).
inline std::shared_ptr<spdlog::logger> cb_quiet() {
  static auto log = std::make_shared<spdlog::logger>("coinbase-test", std::make_shared<spdlog::sinks::null_sink_mt>());
  return log;
}

inline std::string read_coinbase_fixture(const std::string& name) {
  std::ifstream f(std::filesystem::path(MDFAN_FIXTURES_DIR) / "coinbase" / name, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing fixture " << name;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The fixtures are pretty-printed; the wire has one message per frame, minified.
inline std::string cb_minify(const std::string& json) {
  std::string out(json.size(), '\0');
  std::size_t len = 0;
  EXPECT_EQ(simdjson::minify(json.data(), json.size(), out.data(), len), simdjson::SUCCESS);
  out.resize(len);
  return out;
}

inline std::vector<price_level> cb_levels(std::initializer_list<std::pair<const char*, const char*>> l) {
  std::vector<price_level> out;
  for (const auto& [p, s] : l) out.push_back({decimal::from(p), decimal::from(s)});
  return out;
}

// The connection as a session sees it, recording what the session does. The only fake in the tests.
class cb_fake_io final : public adapters::session_io {
 public:
  bool send(std::string text) override {
    sent.push_back(std::move(text));
    return send_ok;
  }
  void reconnect(std::string_view reason) override { reconnects.emplace_back(reason); }
  void emit(event&& ev) override { events.push_back(std::move(ev)); }
  std::int64_t now_ns() const override { return 0; }

  template <class T>
  std::vector<T> of() const {
    std::vector<T> out;
    for (const auto& e : events)
      if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
    return out;
  }
  void clear() {
    sent.clear();
    events.clear();
    reconnects.clear();
  }

  std::vector<std::string> sent;
  std::vector<std::string> reconnects;
  std::vector<event> events;
  bool send_ok = true;
};

}  // namespace mdfan::test
