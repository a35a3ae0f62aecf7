#pragma once
// Helpers every exchange's tests share: the fixture loader, minification, level lists and how they
// print, a quiet logger, and the fake session_io that stands for the WebSocket in session tests. What
// is specific to one exchange (its message builders, its fixture folder's name) stays in
// tests/<exchange>/test_util.hpp.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "adapters/adapter.hpp"
#include "adapters/common/session.hpp"
#include "mdfan/event.hpp"

namespace mdfan::test {

inline std::filesystem::path fixture_dir(std::string_view exchange) {
  return std::filesystem::path(MDFAN_FIXTURES_DIR) / exchange;
}

// tests/fixtures/<exchange>/<name>, whole; a missing file fails the test.
inline std::string read_fixture(std::string_view exchange, const std::string& name) {
  std::ifstream f(fixture_dir(exchange) / name, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing fixture " << exchange << "/" << name;
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

inline std::vector<price_level> levels(std::initializer_list<std::pair<const char*, const char*>> l) {
  std::vector<price_level> out;
  for (const auto& [p, s] : l) out.push_back({decimal::from(p), decimal::from(s)});
  return out;
}

// "[[price,size],...]" with the exact texts, for readable failures.
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

inline bool same_levels(const std::vector<price_level>& a, const std::vector<price_level>& b) {
  return show(a) == show(b);
}

// A logger that discards everything (sessions warn on every fault the tests provoke).
inline std::shared_ptr<spdlog::logger> null_logger(const std::string& name) {
  return std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::null_sink_mt>());
}

// The connection as a protocol_session sees it, recording what the session does; the clock is set by
// the test. Messages are delivered padded (simdjson needs 64 readable bytes after them).
class fake_io final : public adapters::session_io {
 public:
  bool send(std::string text) override {
    sent.push_back(std::move(text));
    return send_ok;
  }
  void reconnect(std::string_view reason) override { reconnects.emplace_back(reason); }
  void emit(event&& ev) override { events.push_back(std::move(ev)); }
  std::int64_t now_ns() const override { return now; }

  // Feeds one message through the session.
  void feed(adapters::protocol_session& s, const std::string& msg, std::int64_t receive_ns = 1) {
    buf_.assign(msg);
    buf_.append(64, '\0');
    s.on_message(std::string_view(buf_.data(), msg.size()), receive_ns, *this);
  }
  void deliver(adapters::protocol_session& s, const std::string& msg, std::int64_t receive_ns = 1) {
    feed(s, msg, receive_ns);
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
  void clear() {
    sent.clear();
    events.clear();
    reconnects.clear();
  }

  std::vector<std::string> sent;
  std::vector<std::string> reconnects;
  std::vector<event> events;
  bool send_ok = true;  // what send() answers (false: the connection refuses)
  std::int64_t now = 1'700'000'000'000'000'000;

 private:
  std::string buf_;
};

// Stops `adapter` and waits for its done callback; false when it did not come within `limit`.
inline bool stop_and_wait(adapters::exchange_adapter& adapter,
                          std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  std::promise<void> stopped;
  auto done = stopped.get_future();
  adapter.stop([&stopped] { stopped.set_value(); });
  return done.wait_for(limit) == std::future_status::ready;
}

}  // namespace mdfan::test
