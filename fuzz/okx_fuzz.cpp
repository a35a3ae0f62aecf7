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

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "adapters/okx/config.hpp"
#include "adapters/okx/factory.hpp"
#include "adapters/okx/session.hpp"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto log = std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  static metrics_registry metrics;
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
    std::size_t start = 0, lines = 0;
    while (start <= input.size() && lines++ < 10000) {
      auto end = input.find('\n', start);
      if (end == std::string_view::npos) end = input.size();
      session.on_message(padded(input.substr(start, end - start), buf), 2, io);
      if (lines % 16 == 0) {
        io.now += 30'000'000'000;  // overdue snapshots are requested again
        session.on_ping(io);
      }
      start = end + 1;
    }
    session.on_ping(io);
    session.on_close();
    session.on_open(io);
    session.on_message(padded(input, buf), 3, io);
  }
  return 0;
}
