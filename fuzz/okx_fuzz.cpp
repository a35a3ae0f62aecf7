// libFuzzer target for the OKX v5 parser and protocol session. The input goes through the stateless
// decoder whole, then, split at newlines, through a session (books synced by seqId/prevSeqId with
// checksums, books5, trades, tickers, candles) as a sequence of messages on one connection, with pings,
// a close and a reopen.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/okx/config.hpp"
#include "adapters/okx/factory.hpp"
#include "adapters/okx/session.hpp"
#include "fuzz_util.hpp"

using namespace mdfan;
using fuzz::discard_io;
using fuzz::padded;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& log = fuzz::silent_logger();
  auto& metrics = fuzz::fuzz_metrics();
  static auto decoder = adapters::make_okx_decoder();

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string buf;
  std::vector<event> out;
  std::string error;
  (void)decoder->decode(padded(input, buf), 1, out, error);

  for (const char* book : {"books", "books5"}) {
    adapters::okx_session_config cfg;
    cfg.channels.symbols = {"BTC-USDT", "ETH-USDT", "BCH-USDT-SWAP"};
    cfg.channels.tickers = cfg.channels.trades = true;
    cfg.channels.book = book;
    cfg.channels.candle = "candle1m";
    cfg.max_args_bytes = 64;  // many small requests
    adapters::okx_session session(cfg, metrics, log);
    discard_io io;
    session.on_open(io);
    fuzz::for_each_line(input, 10000, [&](std::string_view line, std::size_t index) {
      session.on_message(padded(line, buf), 2, io);
      if ((index + 1) % 16 == 0) {
        io.now += 30'000'000'000;  // overdue snapshots are requested again
        session.on_ping(io);
      }
    });
    session.on_ping(io);
    session.on_close();
    session.on_open(io);
    session.on_message(padded(input, buf), 3, io);
  }
  return 0;
}
