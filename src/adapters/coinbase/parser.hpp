#pragma once
// Coinbase Advanced Trade market-data messages -> normalized events. Pure: no I/O, no clock, no logging.
//
// Every message is an envelope {channel, client_id, timestamp, sequence_num, events[]}; one message
// may carry events of several products. Errors are {"type":"error","message":..} with no channel.
// Coinbase's product ids ("BTC-USD") are already BASE-QUOTE: symbol and instrument are the same.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mdfan/event.hpp"

namespace mdfan::adapters {

enum class coinbase_channel : std::uint8_t {
  unknown,  // a channel this parser does not know (no event, no error)
  l2_data,  // subscribed as "level2"
  ticker,
  ticker_batch,
  market_trades,
  candles,
  heartbeats,
  status,
  subscriptions,  // the (un)subscribe ack: every subscription of the connection
  error,          // {"type":"error","message":...}
  request,        // a client's own {"type":"subscribe"|"unsubscribe",...} (seen in recordings and samples)
};
std::string_view to_string(coinbase_channel c) noexcept;

// One events[] entry of l2_data: a product's full book (snapshot) or changed levels (update).
struct coinbase_book {
  std::string product_id;
  bool snapshot = false;
  std::int64_t event_time_ns = 0;       // latest updates[].event_time (the snapshot's are 1970: 0)
  std::vector<price_level> bids, asks;  // in message order (a snapshot is not sorted); size "0" removes
};

// A trade and whether it came from a `snapshot` event (recent history sent on subscribe).
struct coinbase_trade {
  trade t;
  bool snapshot = false;
};

// One decoded message. Vectors are reused by the parser between messages.
struct coinbase_message {
  coinbase_channel channel = coinbase_channel::unknown;
  bool has_sequence = false;
  std::uint64_t sequence_num = 0;  // per connection, across every channel
  std::int64_t timestamp_ns = 0;   // envelope "timestamp"
  std::vector<coinbase_book> books;
  std::vector<ticker> tickers;          // ticker and ticker_batch
  std::vector<coinbase_trade> trades;   // market_trades; aggressor is the taker (Coinbase sends the maker side)
  std::vector<candle> candles;          // candles: 5-minute bars, closed = false (Coinbase has no flag)
  std::uint64_t heartbeat_counter = 0;  // heartbeats (a string in the docs, an integer on the wire)
  std::string error_message;            // error

  void clear() noexcept;
};

// Why a message was rejected, and what of it could be read before the error (in document order):
// the session uses it to decide which books it can no longer trust.
struct coinbase_parse_error {
  std::string reason;
  coinbase_channel channel = coinbase_channel::unknown;
  std::string product_id;  // the l2_data product whose event failed, when read before the failure
  bool has_sequence = false;
  std::uint64_t sequence_num = 0;
};

// One instance per connection (it owns a reused simdjson parser). Never throws.
class coinbase_parser {
 public:
  coinbase_parser();
  ~coinbase_parser();
  coinbase_parser(coinbase_parser&&) noexcept;
  coinbase_parser& operator=(coinbase_parser&&) noexcept;

  // `msg` must be followed by at least 64 readable bytes (simdjson padding). Events get
  // receive_ts_ns = receive_ns. On false, `out` may hold part of the message: do not use it.
  bool parse_padded(std::string_view msg, std::int64_t receive_ns, coinbase_message& out, coinbase_parse_error& error);
  // Same, for a buffer without padding: copies it first.
  bool parse(std::string_view msg, std::int64_t receive_ns, coinbase_message& out, coinbase_parse_error& error);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// RFC 3339 with up to 9 fractional digits and "Z" or a "+hh:mm" offset -> ns since the epoch.
bool parse_rfc3339_ns(std::string_view text, std::int64_t& ns) noexcept;

// The book_update an l2_data event shows as decoded (for `mdfan decode`): levels as sent, header
// sequence = the message's sequence_num. The live path emits books only from a synced book_keeper.
book_update to_book_update(const coinbase_book& book, const coinbase_message& msg, std::int64_t receive_ns);

}  // namespace mdfan::adapters
