// libFuzzer target for the Bybit v5 parser and protocol session. The input goes through the stateless
// decoder whole, then, split at newlines, through a session of each market (books synced first from a
// fixed snapshot so that fuzzed deltas are applied, linear ticker merging, candles built from trades)
// as a sequence of messages on one connection, with a ping, a close and a reopen at the end.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/bybit/session.hpp"
#include "fuzz_util.hpp"

using namespace mdfan;
using fuzz::discard_io;
using fuzz::padded;

namespace {

void run_session(const std::string& input, const char* market, const char* interval) {
  const auto& log = fuzz::silent_logger();
  auto& metrics = fuzz::fuzz_metrics();
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
  fuzz::for_each_line(input, 10000, [&](std::string_view line, std::size_t /*index*/) {
    session->on_message(padded(line, buf), 2, io);
  });
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
