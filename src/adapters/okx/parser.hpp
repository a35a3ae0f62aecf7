#pragma once
// OKX v5 public/business market-data messages -> normalized events. Pure: no I/O, no clock, no logging.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mdfan/event.hpp"

namespace mdfan::adapters {

// The incremental book channels (sequence ids, optional checksum). books5 and bbo-tbt are not here:
// each of their messages is a whole (5- or 1-level) book and becomes a snapshot event.
enum class okx_book_channel : std::uint8_t { books, books_l2_tbt, books50_l2_tbt };

// A message of an incremental book channel: input for the session's book sync, not an event by itself.
struct okx_book_msg {
  okx_book_channel channel = okx_book_channel::books;
  std::string symbol;      // native instId, "BTC-USDT"
  std::string instrument;  // normalized
  bool snapshot = false;   // action "snapshot" (else "update")
  std::int64_t seq_id = 0;
  std::int64_t prev_seq_id = 0;  // -1 on a snapshot
  std::int32_t checksum = 0;     // 0: not sent, or deprecated (OKX fixed it to 0 from 2026-06-23)
  std::int64_t ts_ns = 0;
  std::vector<price_level> bids, asks;  // as sent, best first; size "0" removes a level
};

// Traffic that carries no market data.
struct okx_control {
  enum class kind : std::uint8_t {
    pong,         // the text "pong" answering our "ping"
    subscribe,    // {"event":"subscribe","arg":{...}}
    unsubscribe,  // {"event":"unsubscribe","arg":{...}}
    error,        // {"event":"error","code":"60012","msg":"..."}
    notice,       // {"event":"notice","code":"64008",...}: service upgrade, reconnect
    other,        // another event (channel-conn-count, login, ...): informational
    request,      // {"op":"subscribe",...}: a client request (seen in recordings)
  };
  kind what = kind::other;
  std::string code;     // error/notice code as text
  std::string message;  // msg, or the event / op name for other kinds
  std::string channel;  // arg.channel when given
  std::string symbol;   // arg.instId when given
};

// One decoded message. Which member is meaningful depends on `what`; the parser reuses the object.
struct okx_message {
  enum class kind : std::uint8_t { events, book, control };
  kind what = kind::control;
  std::vector<event> events;  // tickers, trades, candles, books5 / bbo-tbt (book_update snapshots)
  okx_book_msg book;
  okx_control control;
};

// Why a message was rejected, and which book it concerned when that could still be told.
struct okx_parse_error {
  std::string reason;
  std::string symbol;  // native instId from arg (or the raw text); may be empty
  bool book = false;   // the message was, or claimed to be, on an incremental book channel
};

// Parses every OKX public/business message (both endpoints' traffic: one parser accepts a recording of
// both). One instance per connection: it owns a reused simdjson parser. Never throws; malformed input
// yields an error. Fields are read once, in document order, whatever that order is ("data" before
// "arg" is read on a second pass). The channels OKX pushes most (tickers, trades, candles, books5,
// bbo-tbt and the incremental books) are first tried in OKX's own compact shape without simdjson
// (wire_shape.hpp): same output, less time.
class okx_parser {
 public:
  okx_parser();
  ~okx_parser();
  okx_parser(okx_parser&&) noexcept;
  okx_parser& operator=(okx_parser&&) noexcept;

  // `msg` must be followed by at least 64 readable bytes (simdjson padding; ws_client guarantees it).
  // Every event gets header.receive_ts_ns = receive_ns.
  bool parse_padded(std::string_view msg, std::int64_t receive_ns, okx_message& out, okx_parse_error& error);
  // Same, for a buffer without padding: copies it first.
  bool parse(std::string_view msg, std::int64_t receive_ns, okx_message& out, okx_parse_error& error);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// The book_update an incremental book message shows as (`mdfan decode`): a snapshot, or a delta with
// first_sequence = prevSeqId + 1 and sequence = seqId. The live path emits only from a synced book.
book_update to_book_update(const okx_book_msg& m, std::int64_t receive_ns);

}  // namespace mdfan::adapters
