#pragma once
// Bybit v5 public market-data messages -> normalized events. Pure: no I/O, no clock, no logging.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/bybit/symbols.hpp"
#include "mdfan/event.hpp"

namespace mdfan::adapters {

// What one message was.
enum class bybit_kind : std::uint8_t {
  control,  // subscribe/unsubscribe ack, pong, a client request seen in a recording: no market data
  book,     // orderbook.<depth>.<symbol>: bybit_message::book
  ticker,   // tickers.<symbol>: bybit_message::tick (a linear delta carries only the changed fields)
  trades,   // publicTrade.<symbol>: bybit_message::trades
  candles,  // kline.<interval>.<symbol>: bybit_message::candles
  other,    // a topic this parser does not map (liquidation, ...): ignored, no error
};

// An orderbook message as sent: input for the session's book_keeper, not an event by itself.
struct bybit_book_message {
  std::string symbol;                   // native, from the topic ("BTCUSDT")
  unsigned depth = 0;                   // from the topic
  bool snapshot = false;                // type == "snapshot"
  std::uint64_t update_id = 0;          // u (1: the service restarted; the message is a full book)
  std::uint64_t cross_seq = 0;          // seq
  std::int64_t ts_ns = 0;               // ts
  std::int64_t cts_ns = 0;              // cts, the matching engine's time (0 when absent)
  std::vector<price_level> bids, asks;  // as sent; size "0" removes the level
};

// Traffic without market data.
struct bybit_control {
  enum class kind : std::uint8_t {
    ack,      // {"success":..,"op":"subscribe"|"unsubscribe",...} or {"type":"COMMAND_RESP",...}
    pong,     // {"success":true,"ret_msg":"pong","op":"ping"} or {"op":"pong","args":[..]}
    request,  // a client request ({"op":"subscribe","args":[..]}, {"op":"ping"}), as recorded
  };
  kind what = kind::ack;
  bool success = true;
  std::string op, ret_msg, req_id;
};

// One decoded message. Only the member for `kind` is meaningful; all are reused between parses.
struct bybit_message {
  bybit_kind kind = bybit_kind::control;
  std::string topic;
  bybit_book_message book;
  ticker tick;                // header filled; empty decimals: field not sent
  bool ticker_delta = false;  // type == "delta" (linear tickers)
  std::vector<trade> trades;
  std::vector<candle> candles;
  bybit_control control;
};

// Why a message was rejected, and which book it concerned when that could still be told.
struct bybit_parse_error {
  std::string reason;
  std::string symbol;  // native symbol of the topic when known
  bool book = false;   // the message was, or claimed to be, an orderbook message (its book must resync)
};

// Parses every public v5 message shape of spot and linear. One instance per connection: it owns a
// reused simdjson parser. Never throws; malformed input yields an error. Fields are read once, in
// document order, whatever that order is (Bybit's key order differs between categories and depths).
class bybit_parser {
 public:
  explicit bybit_parser(bybit_symbols symbols = {});
  ~bybit_parser();
  bybit_parser(bybit_parser&&) noexcept;
  bybit_parser& operator=(bybit_parser&&) noexcept;

  // `msg` must be followed by at least 64 readable bytes (simdjson padding; ws_client guarantees it).
  // Every event gets header.receive_ts_ns = receive_ns.
  bool parse_padded(std::string_view msg, std::int64_t receive_ns, bybit_message& out, bybit_parse_error& error);
  // Same, for a buffer without padding: copies it first.
  bool parse(std::string_view msg, std::int64_t receive_ns, bybit_message& out, bybit_parse_error& error);

  const bybit_symbols& symbols() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// The book_update an orderbook message shows as by itself (snapshot or delta, sequence = u), for
// display (`mdfan decode`); the live path emits books only from a synced book_keeper.
book_update to_book_update(const bybit_book_message& m, const bybit_symbols& symbols, std::int64_t receive_ns);

// Merges a linear ticker delta into the full ticker state: every field the delta carries replaces
// the state's; header fields (times, sequence) come from the delta.
void merge_ticker(ticker& state, const ticker& delta);

// "1.5e-7" -> "0.00000015" exactly (JSON number text to plain decimal text); false when `text` is
// not a JSON number.
bool plain_decimal_text(std::string_view text, std::string& out);

}  // namespace mdfan::adapters
