#pragma once
// The sans-I/O protocol logic of one exchange WebSocket connection, and the interface tools use to
// run an exchange's parser without a connection (decode, replay, record, fuzz, bench).
//
// An exchange adapter built on ws_adapter (ws_adapter.hpp) supplies one protocol_session per planned
// connection; the runner owns the socket, reconnects with backoff, runs the idle watchdog and the
// application ping timer, and calls the session on the connection's strand. The same session is
// driven by `--exchange replay:FILE` from a recording, so live and replayed data share every rule.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mdfan/event.hpp"

namespace mdfan::adapters {

// What a session can ask of its connection. Calls are only valid during a session callback.
class session_io {
 public:
  // Queues a text frame on this connection (a subscribe, unsubscribe, resubscribe or ping message).
  // False when the connection is gone or its send queue is full (the session should resync later).
  virtual bool send(std::string text) = 0;
  // Drops the connection and reconnects after backoff (on_open resubscribes). For protocol states
  // only a reconnect clears (e.g. a feed-wide reset); a single book's resync must not use it.
  virtual void reconnect(std::string_view reason) = 0;
  // A normalized event for the manager.
  virtual void emit(event&& ev) = 0;
  // Wall-clock now (ns since the epoch); replay returns the recorded time.
  virtual std::int64_t now_ns() const = 0;

 protected:
  ~session_io() = default;
};

class protocol_session {
 public:
  virtual ~protocol_session() = default;
  // Connected (first time and after every reconnect): send the subscribe messages.
  virtual void on_open(session_io& io) = 0;
  // One message. `msg` is followed by 64 readable bytes (simdjson padding); valid only during the call.
  virtual void on_message(std::string_view msg, std::int64_t receive_ns, session_io& io) = 0;
  // The connection is gone: every book of this connection is out of sync (nothing emitted for it
  // until resynced after the reconnect). Counted by the session as resyncs where books were synced.
  virtual void on_close() = 0;
  // Every ws_adapter_config::ping_interval while connected: the application-level ping, if any.
  virtual void on_ping(session_io& io) { (void)io; }
};

// An exchange's parser as tools see it: one raw message in, the events it decodes to out, with book
// updates shown as decoded (snapshot or delta, with the exchange's sequence fields) rather than
// synced. Control traffic (acks, heartbeats, pongs, status) decodes to no event and is no error.
class message_decoder {
 public:
  virtual ~message_decoder() = default;
  // `msg` must be followed by 64 readable bytes. Appends to `out`; false (with `error`) when the
  // message is malformed. Never throws.
  virtual bool decode(std::string_view msg, std::int64_t receive_ns, std::vector<event>& out, std::string& error) = 0;
};

}  // namespace mdfan::adapters
