#pragma once
// Helpers shared by the OKX tests: fixtures, minification, level lists, a fake session_io.
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "adapters/common/session.hpp"
#include "mdfan/event.hpp"

namespace mdfan::test {

inline std::string read_okx_fixture(const std::string& name) {
  std::ifstream f(std::filesystem::path(MDFAN_FIXTURES_DIR) / "okx" / name, std::ios::binary);
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

inline std::vector<price_level> levels(std::initializer_list<std::pair<const char*, const char*>> l) {
  std::vector<price_level> out;
  for (const auto& [p, s] : l) out.push_back({decimal::from(p), decimal::from(s)});
  return out;
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

// A connection as a protocol_session sees it: records sends, events and reconnect requests; the clock
// is set by the test. `msg` views passed to the session are padded (simdjson needs 64 bytes after).
class fake_io final : public adapters::session_io {
 public:
  bool send(std::string text) override {
    sent.push_back(std::move(text));
    return true;
  }
  void reconnect(std::string_view reason) override { reconnects.emplace_back(reason); }
  void emit(event&& ev) override { events.push_back(std::move(ev)); }
  std::int64_t now_ns() const override { return now; }

  // Feeds one message through the session with padding after it.
  void feed(adapters::protocol_session& s, const std::string& msg, std::int64_t receive_ns = 1) {
    buf_.assign(msg);
    buf_.append(64, '\0');
    s.on_message(std::string_view(buf_.data(), msg.size()), receive_ns, *this);
  }

  std::vector<std::string> sent;
  std::vector<std::string> reconnects;
  std::vector<event> events;
  std::int64_t now = 1'700'000'000'000'000'000;

 private:
  std::string buf_;
};

}  // namespace mdfan::test
