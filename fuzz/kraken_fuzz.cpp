// libFuzzer target for the Kraken WebSocket v2 parser and protocol session. The input goes through the
// stateless decoder whole, then, split at newlines, through a session (books with checksums, candles
// built from trades) as a sequence of messages on one connection, with a close and reopen at the end.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "adapters/kraken/session.hpp"

namespace {

using namespace mdfan;

class discard_io final : public adapters::session_io {
 public:
  bool send(std::string text) override { return !text.empty(); }
  void reconnect(std::string_view) override {}
  void emit(event&& ev) override { (void)ev; }
  std::int64_t now_ns() const override { return 1'700'000'000'000'000'000; }
};

// `text` followed by 64 readable bytes, as the WebSocket client delivers it.
std::string_view padded(const std::string& text, std::string& buf) {
  buf.assign(text);
  buf.append(64, '\0');
  return {buf.data(), text.size()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto log = std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  static metrics_registry metrics;
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
  std::size_t start = 0, lines = 0;
  while (start <= input.size() && lines++ < 10000) {
    auto end = input.find('\n', start);
    if (end == std::string::npos) end = input.size();
    session->on_message(padded(input.substr(start, end - start), buf), 2, io);
    start = end + 1;
  }
  session->on_ping(io);
  session->on_close();
  session->on_open(io);
  session->on_message(padded(input, buf), 3, io);
  return 0;
}
