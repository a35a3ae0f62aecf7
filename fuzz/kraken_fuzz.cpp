// libFuzzer target for the Kraken WebSocket v2 parser and protocol session. The input goes through the
// stateless decoder whole, then, split at newlines, through a session (books with checksums, candles
// built from trades) as a sequence of messages on one connection, with a close and reopen at the end.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/kraken/session.hpp"
#include "fuzz_util.hpp"

using namespace mdfan;
using fuzz::discard_io;
using fuzz::padded;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& log = fuzz::silent_logger();
  auto& metrics = fuzz::fuzz_metrics();
  static auto decoder = adapters::make_kraken_decoder();

  const std::string input(reinterpret_cast<const char*>(data), size);
  std::string buf;
  std::vector<event> out;
  std::string error;
  (void)decoder->decode(padded(input, buf), 1, out, error);

  adapters::adapter_options opts;
  opts.exchange = exchange_id::kraken;
  opts.symbols = {"MATIC/USD", "BTC/USD", "ALGO/USD"};
  opts.types = {event_type::book, event_type::trade, event_type::ticker, event_type::candle};
  opts.candle_interval = "2m";  // built from trades
  auto session = adapters::make_kraken_session(opts, metrics, log);
  discard_io io;
  session->on_open(io);
  const std::string instruments =
      R"({"channel":"instrument","type":"snapshot","data":{"pairs":[{"symbol":"MATIC/USD","price_precision":4,)"
      R"("qty_precision":8},{"symbol":"BTC/USD","price_precision":1,"qty_precision":8}]}})";
  session->on_message(padded(instruments, buf), 1, io);
  fuzz::for_each_line(input, 10000, [&](std::string_view line, std::size_t /*index*/) {
    session->on_message(padded(line, buf), 2, io);
  });
  session->on_ping(io);
  session->on_close();
  session->on_open(io);
  session->on_message(padded(input, buf), 3, io);
  return 0;
}
