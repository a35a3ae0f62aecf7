#pragma once
// The Bybit v5 protocol session of one connection (sans-I/O): subscriptions, application pings,
// linear ticker merging and order-book integrity; and the pure factories tools use (decoder,
// replay session), which need no network library.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/bybit/config.hpp"
#include "adapters/bybit/parser.hpp"
#include "adapters/common/book_keeper.hpp"
#include "adapters/common/session.hpp"
#include "adapters/options.hpp"
#include "core/metrics.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::adapters {

// One connection's topics and books. Book rules (Bybit v5 orderbook):
// - a snapshot (type "snapshot", or any message with u == 1: the service restarted) replaces the
//   book; on a synced book of depth > 1 it is an unexpected reset and counted as `reset` (level 1
//   is snapshot-only, so its snapshots are the normal stream);
// - a delta must carry u == previous u + 1; anything else is a `gap`;
// - crossed book, unparseable book message: `crossed`, `malformed`;
// - a fault resyncs that symbol only: unsubscribe + subscribe of its orderbook topic on this
//   connection (Bybit answers with a fresh snapshot); nothing is emitted for it until then.
class bybit_session final : public protocol_session {
 public:
  // `symbols`: native symbols of this connection, a subset of cfg.symbols; empty: every symbol seen
  // is accepted (replay of a recording with no symbol list).
  bybit_session(const bybit_config& cfg, std::vector<std::string> symbols, metrics_registry& metrics,
                std::shared_ptr<spdlog::logger> log, std::string name = "bybit");
  ~bybit_session() override;

  void on_open(session_io& io) override;
  void on_message(std::string_view msg, std::int64_t receive_ns, session_io& io) override;
  void on_close() override;
  void on_ping(session_io& io) override;

  // For tests and diagnostics. Null for a symbol this session does not carry.
  const book_keeper* book(std::string_view native) const;
  std::uint64_t malformed_messages() const noexcept { return malformed_; }

 private:
  struct symbol_state;
  symbol_state* find(std::string_view native);
  symbol_state* add(std::string_view native);
  void on_book(symbol_state& st, const bybit_book_message& m, std::int64_t receive_ns, session_io& io);
  void on_ticker(std::int64_t receive_ns, session_io& io);
  void on_trades(std::int64_t receive_ns, session_io& io);
  void on_control(const bybit_control& c);
  void request_resync(symbol_state& st, session_io& io);

  bybit_config cfg_;
  std::vector<std::string> symbols_;
  bool accept_any_ = false;
  book_metrics metrics_;
  std::shared_ptr<spdlog::logger> log_;
  std::string name_;
  bybit_parser parser_;
  bybit_message msg_;
  bybit_parse_error error_;
  std::vector<std::unique_ptr<symbol_state>> states_;
  std::map<std::string, symbol_state*, std::less<>> index_;
  std::uint64_t malformed_ = 0;
};

// One session covering every symbol of `opts` (replay, fuzz). Throws std::invalid_argument for bad
// options (make_bybit_config).
std::unique_ptr<protocol_session> make_bybit_session(const adapter_options& opts, metrics_registry& metrics,
                                                     std::shared_ptr<spdlog::logger> log);

// Bybit messages for tools: books shown as decoded (snapshot or delta, sequence = u), linear ticker
// deltas as the fields they carry.
std::unique_ptr<message_decoder> make_bybit_decoder();

}  // namespace mdfan::adapters
