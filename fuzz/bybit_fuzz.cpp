// libFuzzer target for the Bybit v5 parser and protocol session. The input goes through the stateless
// decoder whole, then, split at newlines, through a session of each market (books synced first from a
// fixed snapshot so that fuzzed deltas are applied, linear ticker merging, candles built from trades)
// as a sequence of messages on one connection, with a ping, a close and a reopen at the end.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "adapters/bybit/session.hpp"

namespace {

using namespace mdfan;

class discard_io final : public adapters::session_io {
 public:
  bool send(std::string text) override { return !text.empty(); }
  void reconnect(std::string_view) override {}
  void emit(event&& ev) override { (void)ev; }
  std::int64_t now_ns() const override { return now; }
  std::int64_t now = 1'700'000'000'000'000'000;
};

// `text` followed by 64 readable bytes, as the WebSocket client delivers it.
std::string_view padded(std::string_view text, std::string& buf) {
  buf.assign(text);
  buf.append(64, '\0');
  return {buf.data(), text.size()};
}

void run_session(const std::string& input, const char* market, const char* interval) {
  static auto log = std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  static metrics_registry metrics;
  adapters::adapter_options opts;
  opts.exchange = exchange_id::bybit;
  opts.market = market;
  opts.symbols = {"BTCUSDT", "ETHUSDT"};
  opts.types = {event_type::book, event_type::trade, event_type::ticker, event_type::candle};
  opts.candle_interval = interval;
  auto session = adapters::make_bybit_session(opts, metrics, log);
  discard_io io;
  std::string buf;
  session->on_open(io);
  const std::string snapshot =
      R"({"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1672304484978,"data":{"s":"BTCUSDT",)"
      R"("b":[["16493.50","0.006"],["16493.00","0.100"]],"a":[["16611.00","0.029"],["16612.00","0.213"]],)"
      R"("u":18521288,"seq":7961638724},"cts":1672304484976})";
  session->on_message(padded(snapshot, buf), 1, io);
  std::size_t start = 0, lines = 0;
  while (start <= input.size() && lines++ < 10000) {
    auto end = input.find('\n', start);
    if (end == std::string::npos) end = input.size();
    session->on_message(padded(std::string_view(input).substr(start, end - start), buf), 2, io);
    start = end + 1;
  }
  io.now += 30'000'000'000;  // past the resync retry
  session->on_ping(io);
  session->on_close();
  session->on_open(io);
  session->on_message(padded(input, buf), 3, io);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto decoder = adapters::make_bybit_decoder();
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::string buf;
  std::vector<event> out;
  std::string error;
  (void)decoder->decode(padded(input, buf), 1, out, error);
  run_session(input, "linear", "1m");  // native klines
  run_session(input, "spot", "2m");    // candles built from trades
  return 0;
}
