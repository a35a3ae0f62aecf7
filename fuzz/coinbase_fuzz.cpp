// libFuzzer target for the Coinbase Advanced Trade parser and protocol session. The input goes through
// the stateless decoder whole, then through a session (level2 books with the connection-wide
// sequence_num, trades, candles built from trades) twice: whole, and split at newlines as a sequence
// of messages on one connection, with a close and reopen at the end.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/coinbase/factory.hpp"
#include "fuzz_util.hpp"

using namespace mdfan;
using fuzz::discard_io;
using fuzz::padded;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& log = fuzz::silent_logger();
  auto& metrics = fuzz::fuzz_metrics();
  static auto decoder = adapters::make_coinbase_decoder();

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string buf;
  std::vector<event> out;
  std::string error;
  (void)decoder->decode(padded(input, buf), 1, out, error);

  adapters::adapter_options opts;
  opts.exchange = exchange_id::coinbase;
  opts.symbols = {"BTC-USD", "ETH-USD"};
  opts.types = {event_type::book, event_type::trade, event_type::ticker, event_type::candle};
  opts.candle_interval = "1m";  // built from trades
  auto session = adapters::make_coinbase_session(opts, metrics, log);
  discard_io io;
  session->on_open(io);
  session->on_message(padded(input, buf), 1, io);
  fuzz::for_each_line(input, 4096, [&](std::string_view line, std::size_t /*index*/) {
    session->on_message(padded(line, buf), 2, io);
  });
  session->on_close();
  session->on_open(io);
  session->on_message(padded(input, buf), 3, io);
  return 0;
}
