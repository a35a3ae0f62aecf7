// libFuzzer target for the OKX v5 parser and protocol session. The input goes through the stateless
// decoder whole, then, split at newlines, through a session (books synced by seqId/prevSeqId with
// checksums, books5, trades, tickers, candles) as a sequence of messages on one connection, with pings,
// a close and a reopen. The whole input and each line also parse to the same output (events, book
// message with its sequence ids and checksum, control fields) or the same error with the fast path on
// and off, on two parsers that keep their reused outputs from one input to the next.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/common/wire_shape.hpp"
#include "adapters/okx/config.hpp"
#include "adapters/okx/factory.hpp"
#include "adapters/okx/parser.hpp"
#include "adapters/okx/session.hpp"
#include "core/codec.hpp"
#include "fuzz_util.hpp"

using namespace mdfan;
using fuzz::discard_io;
using fuzz::padded;

namespace {

// Everything the parser gave for one message, as text: the error with its book attribution, or the
// meaningful part of the message (the decoder's events leave out the checksum and the control fields).
std::string outcome(bool ok, const adapters::okx_message& m, const adapters::okx_parse_error& err) {
  using adapters::okx_message;
  if (!ok)
    return "error " + err.reason + "|" + err.symbol + "|" + (err.book ? "book" : "-");
  std::string s;
  switch (m.what) {
    case okx_message::kind::events:
      s = "events";
      for (const auto& ev : m.events) s += "|" + encode_json(ev);
      break;
    case okx_message::kind::book: {
      const auto& b = m.book;
      s = "book " + std::to_string(static_cast<int>(b.channel)) + "|" + b.symbol + "|" + b.instrument + "|" +
          (b.snapshot ? "snapshot" : "update") + "|" + std::to_string(b.seq_id) + "|" + std::to_string(b.prev_seq_id) +
          "|" + std::to_string(b.checksum) + "|" + std::to_string(b.ts_ns);
      for (const auto* side : {&b.bids, &b.asks}) {
        s += "|";
        for (const auto& l : *side) {
          s += l.price.str();
          s += ":";
          s += l.size.str();
          s += ",";
        }
      }
      break;
    }
    case okx_message::kind::control: {
      const auto& c = m.control;
      s = "control " + std::to_string(static_cast<int>(c.what)) + "|" + c.code + "|" + c.message + "|" + c.channel +
          "|" + c.symbol;
      break;
    }
  }
  return s;
}

// `msg` (padded) parses the same with the fast path on and off. Traps otherwise.
void check_fast_path_same(std::string_view msg) {
  static fuzz::fast_path_pair<adapters::okx_parser, adapters::okx_message, adapters::okx_parse_error> pair;
  pair.check(msg, outcome);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& log = fuzz::silent_logger();
  auto& metrics = fuzz::fuzz_metrics();
  static auto decoder = adapters::make_okx_decoder();

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string buf;
  std::vector<event> out;
  std::string error;
  (void)decoder->decode(padded(input, buf), 1, out, error);
  check_fast_path_same(padded(input, buf));
  fuzz::for_each_line(input, 64, [&](std::string_view line, std::size_t) { check_fast_path_same(padded(line, buf)); });

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
