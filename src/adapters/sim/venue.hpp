#pragma once
// One exchange's protocol in the simulator: the topics it serves, how the seeded market becomes its
// wire messages, how a client subscribes, and how scripted faults alter its stream. The server
// (server.hpp) does the networking and fan-out for every venue alike; a venue does no I/O.
//
// Threading: everything here runs on the simulator's single thread.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/sim/binance_feed.hpp"  // sim_message, message_sink, market

namespace mdfan::sim {

struct sim_config;

// Faults a venue can be asked to script into its stream. `symbol` is the venue's native spelling;
// empty means "any symbol" (the next book message of whichever symbol comes first).
enum class fault_kind : std::uint8_t {
  skip_sequence,  // drop the next book update of the symbol: the receiver must see a sequence gap
  bad_checksum,   // send the next book update of the symbol with a wrong checksum (where the venue has one;
                  // venues without checksums corrupt a sequence field instead)
  malformed,      // send one malformed (unparseable) message on the symbol's book topic
};

// Faults injected and not yet applied, oldest first. Each applies to the next book update of its
// symbol (a venue's own symbol index) or, with no symbol, of whichever symbol comes first.
class fault_queue {
 public:
  static constexpr std::ptrdiff_t any_symbol = -1;

  // Queues `kind` for `symbol` (empty: any). `find` maps the text to the venue's symbol index, or a
  // negative number when the venue does not serve it; then `error` says so and nothing is queued.
  template <typename Find>
  bool add(fault_kind kind, std::string_view symbol, Find&& find, std::string& error) {
    std::ptrdiff_t index = any_symbol;
    if (!symbol.empty()) {
      index = find(symbol);
      if (index < 0) {
        error = "unknown symbol '" + std::string(symbol) + "'";
        return false;
      }
    }
    pending_.push_back({kind, index});
    return true;
  }
  // Queues `kind` for `symbol` ahead of everything else (a fault that must follow at once).
  void add_first(fault_kind kind, std::size_t symbol) {
    pending_.insert(pending_.begin(), {kind, static_cast<std::ptrdiff_t>(symbol)});
  }

  bool empty() const noexcept { return pending_.empty(); }
  // The oldest fault that applies to `symbol`, removed; nullopt when none.
  std::optional<fault_kind> take(std::size_t symbol) {
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->symbol == any_symbol || it->symbol == static_cast<std::ptrdiff_t>(symbol)) {
        const fault_kind kind = it->kind;
        pending_.erase(it);
        return kind;
      }
    }
    return std::nullopt;
  }

 private:
  struct pending_fault {
    fault_kind kind;
    std::ptrdiff_t symbol;
  };
  std::vector<pending_fault> pending_;
};

// Per-connection state a venue keeps (subscriptions by the venue's own ids, per-connection counters).
class venue_session {
 public:
  virtual ~venue_session() = default;
};

// What the server must do after a client message or at connection open.
struct venue_reply {
  std::vector<std::string> frames;     // text frames for this connection only, in order (acks, snapshots, pongs)
  std::vector<std::uint32_t> added;    // topics this connection now receives (server fan-out)
  std::vector<std::uint32_t> removed;  // topics it no longer receives
  bool close = false;                  // close the connection after sending `frames`
  std::uint16_t close_code = 1000;
  std::string close_reason;
};

struct http_reply {
  unsigned status = 200;
  std::string body;
};

class venue {
 public:
  virtual ~venue() = default;

  // "binance", "coinbase", ... (logs).
  virtual std::string_view name() const noexcept = 0;

  // --- generation (sim_message::stream is a topic id < topic_count())
  virtual std::uint32_t topic_count() const noexcept = 0;
  virtual std::string topic_name(std::uint32_t topic) const = 0;  // for logs and message hooks
  // Generates at least `n` more messages into `sink`. Messages of topics nobody wants may be skipped
  // (sink.wanted()), but the market must still move the same way: a seed replays the same market.
  virtual void generate(std::uint64_t n, message_sink& sink) = 0;
  virtual std::uint64_t generated() const noexcept = 0;
  virtual const market& mkt() const noexcept = 0;

  // --- connections
  // A WebSocket upgrade at `target` (path + query). Returns the session state and fills `reply`
  // (initial topics, frames to send first), or returns null with `error` set (HTTP 400 to the client).
  virtual std::unique_ptr<venue_session> open(std::string_view target, venue_reply& reply, std::string& error) = 0;
  // One text message from a client.
  virtual venue_reply on_message(venue_session& session, std::string_view text) = 0;
  // The frame a session is sent for a fan-out message: by default the shared text, unchanged.
  // A venue with per-connection fields (Coinbase's sequence_num, Binance's raw vs combined framing)
  // overrides it; `scratch` is an owned string the venue may build into and point `payload` at.
  virtual std::string_view render(venue_session& session, const sim_message& msg, std::string& scratch) {
    (void)session;
    (void)scratch;
    return msg.payload();
  }
  // Whether the server sends WebSocket ping frames to this venue's clients (Binance does) and expects
  // pongs; venues with application-level pings answer them in on_message instead.
  virtual bool server_pings() const noexcept { return false; }

  // --- REST (GET only). nullopt: 404.
  virtual std::optional<http_reply> rest(std::string_view target) {
    (void)target;
    return std::nullopt;
  }

  // --- faults. False (with `error`) when the venue cannot script this fault or the symbol is unknown.
  virtual bool inject(fault_kind kind, std::string_view symbol, std::string& error) = 0;
};

// Venue factories (make_<exchange>_venue(const sim_config&)) copy what they need from the config:
// it need not outlive the call.
// The venue for sim_config::exchange (defined in venues.cpp, which links every exchange's venue).
std::unique_ptr<venue> make_venue(const sim_config& cfg);

}  // namespace mdfan::sim
