#pragma once
// The protocol of one OKX WebSocket connection (/ws/v5/public or /ws/v5/business), sans I/O: subscribe
// requests, the text ping, and the verified books of the instruments it carries.
//
// Book rules (OKX docs, order book channel): a snapshot (action "snapshot", prevSeqId -1) starts the
// book; each update's prevSeqId must equal the previous message's seqId, else the book has a gap. A
// keep-alive update (no levels, seqId == prevSeqId) and an update after maintenance whose seqId is
// below its prevSeqId are valid. A non-zero checksum must match the CRC-32 of the best 25 levels. A gap,
// a checksum mismatch, a crossed book or a malformed book message resyncs that instrument alone: its
// book is dropped (counted) and its books channel is unsubscribed and subscribed again on the same
// connection, which makes OKX send a fresh snapshot. Nothing is emitted for it meanwhile.
//
// The local book keeps the channel's depth (400 levels per side for books): a level pushed below the
// 400th, or pushed out of the 400 by a better one, is dropped, so memory is bounded whatever OKX sends.
// Subscribe and unsubscribe requests go through a paced_sender on a window of max_requests per
// request_window for this connection (OKX: 480 per connection per hour, beyond which it refuses
// requests): over budget they wait (sent from on_message / on_ping once due), never dropped, and a book
// whose resubscribe is still waiting does not queue another one.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/common/book_keeper.hpp"
#include "adapters/common/session.hpp"
#include "adapters/okx/config.hpp"
#include "adapters/okx/parser.hpp"
#include "core/metrics.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::adapters {

struct okx_session_config {
  okx_channels channels;
  std::size_t max_args_bytes = 60000;                 // see okx_config
  std::chrono::milliseconds snapshot_timeout{10000};  // see okx_config; 0: never resubscribe on a timeout
  std::size_t max_requests = 480;                     // see okx_config; 0: no pacing
  std::chrono::seconds request_window{3660};          // see okx_config
};

// The levels OKX keeps in a book channel, which the local book is truncated to: books and
// books-l2-tbt 400, books50-l2-tbt 50, books5 5, bbo-tbt 1; 0 (unbounded) for anything else.
std::size_t okx_book_depth(std::string_view channel) noexcept;

class okx_session final : public protocol_session {
 public:
  okx_session(okx_session_config cfg, metrics_registry& metrics, std::shared_ptr<spdlog::logger> log);
  ~okx_session() override;

  void on_open(session_io& io) override;
  void on_message(std::string_view msg, std::int64_t receive_ns, session_io& io) override;
  void on_close() override;
  // Sends the text "ping" (OKX drops a connection after 30 s without traffic) and resubscribes books
  // whose snapshot is overdue.
  void on_ping(session_io& io) override;

  // The book of an instrument (native instId), null when none; for tests and tools.
  const book_keeper* book(std::string_view symbol) const;
  std::uint64_t resubscribes() const noexcept { return resubscribes_; }
  const paced_sender& pacer() const noexcept { return pacer_; }

 private:
  struct book_state;
  book_state* state(const std::string& symbol, std::string_view channel, bool incremental);
  void on_book(const okx_book_msg& m, std::int64_t receive_ns, session_io& io);
  void on_top_book(book_update& b, session_io& io);
  void resync(book_state& b, resync_reason why, session_io& io);
  void resubscribe(book_state& b, session_io& io);
  void check_overdue(book_state& b, session_io& io);
  bool request(session_io& io, std::string text, std::string tag = {});
  void flush_requests(session_io& io);

  okx_session_config cfg_;
  std::shared_ptr<spdlog::logger> log_;
  book_metrics book_metrics_;
  counter& malformed_;
  counter& delayed_;
  paced_sender pacer_;
  okx_parser parser_;
  okx_message msg_;
  okx_parse_error error_;
  std::map<std::string, std::unique_ptr<book_state>, std::less<>> books_;
  std::uint64_t resubscribes_ = 0;
  std::uint64_t malformed_logged_ = 0;
};

}  // namespace mdfan::adapters
