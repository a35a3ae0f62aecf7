#pragma once
// What every exchange fuzz target shares: a session_io that throws everything away (with a clock the
// target can move), the padding the WebSocket client gives each message, the split of one fuzz input
// into a sequence of messages, and a silent logger and metrics registry.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "adapters/common/session.hpp"
#include "adapters/common/wire_shape.hpp"
#include "core/codec.hpp"
#include "core/metrics.hpp"

namespace mdfan::fuzz {

class discard_io final : public adapters::session_io {
 public:
  bool send(std::string text) override { return !text.empty(); }
  void reconnect(std::string_view) override {}
  void emit(event&& ev) override { (void)ev; }
  std::int64_t now_ns() const override { return now; }
  std::int64_t now = 1'700'000'000'000'000'000;
};

// `text` followed by 64 readable bytes, as the WebSocket client delivers it.
inline std::string_view padded(std::string_view text, std::string& buf) {
  buf.assign(text);
  buf.append(64, '\0');
  return {buf.data(), text.size()};
}

// Calls fn(line, index) for each newline-separated piece of `input` (the last one may be empty), at
// most `max_lines` times: one fuzz input is a sequence of messages on one connection.
template <typename Fn>
void for_each_line(std::string_view input, std::size_t max_lines, Fn&& fn) {
  std::size_t start = 0;
  for (std::size_t line = 0; start <= input.size() && line < max_lines; ++line) {
    auto end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    fn(input.substr(start, end - start), line);
    start = end + 1;
  }
}

// The fast path changes nothing: `msg` (padded) decodes to the same events, or the same error,
// through `fast` with the fast path on and through `general` with it off. Traps otherwise.
inline void check_fast_path_same(adapters::message_decoder& fast, adapters::message_decoder& general,
                                 std::string_view msg) {
  std::vector<event> a, b;
  std::string ea, eb;
  adapters::fast_path_enabled() = true;
  const bool ok_a = fast.decode(msg, 1, a, ea);
  adapters::fast_path_enabled() = false;
  const bool ok_b = general.decode(msg, 1, b, eb);
  adapters::fast_path_enabled() = true;
  if (ok_a != ok_b || ea != eb || a.size() != b.size()) __builtin_trap();
  for (std::size_t i = 0; i < a.size(); ++i)
    if (encode_json(a[i]) != encode_json(b[i])) __builtin_trap();
}

// For parsers whose decoder output leaves part of what they give out: one parser with the fast path
// on and one with it off, each keeping its output across messages (reused slots, as on a connection).
// check() traps when `outcome(ok, message, error)` — the parser's whole output or its error, as text
// — differs between the two.
template <class Parser, class Message, class Error>
struct fast_path_pair {
  Parser fast, general;
  Message fast_out, general_out;
  Error fast_err, general_err;

  template <class Outcome>
  void check(std::string_view msg, Outcome&& outcome) {
    adapters::fast_path_enabled() = true;
    const bool ok_a = fast.parse_padded(msg, 1, fast_out, fast_err);
    adapters::fast_path_enabled() = false;
    const bool ok_b = general.parse_padded(msg, 1, general_out, general_err);
    adapters::fast_path_enabled() = true;
    if (outcome(ok_a, fast_out, fast_err) != outcome(ok_b, general_out, general_err)) __builtin_trap();
  }
};

inline const std::shared_ptr<spdlog::logger>& silent_logger() {
  static const auto log = std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  return log;
}

inline metrics_registry& fuzz_metrics() {
  static metrics_registry metrics;
  return metrics;
}

}  // namespace mdfan::fuzz
