#pragma once
// An exchange adapter made of protocol_sessions over feed::ws_client connections: the I/O half every
// WebSocket-only exchange shares (Coinbase, Kraken, Bybit, OKX). Each connection has its own strand;
// its session is called only there.
#include <chrono>
#include <functional>
#include <string_view>
#include <memory>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "adapters/common/session.hpp"
#include "core/backoff.hpp"
#include "core/metrics.hpp"
#include "net/net.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::adapters {

struct ws_adapter_config {
  std::chrono::milliseconds idle_timeout{30000};     // no frame this long: reconnect (stale-feed watchdog); 0: never
  std::chrono::milliseconds connect_timeout{10000};  // TCP + TLS + WebSocket handshake
  std::chrono::milliseconds ping_interval{0};        // protocol_session::on_ping period; 0: never
  std::chrono::milliseconds ws_ping_interval{0};     // WebSocket-level ping frames; 0: none
  backoff_config backoff{};
  std::size_t max_message_bytes = 16u << 20;
  // Connection i is first opened i * start_spacing after start(), for exchanges that limit new
  // connections (or the subscribe messages that follow each) per second and IP; 0: all at once.
  std::chrono::milliseconds start_spacing{0};
  // Sees every raw frame before the session does (adapter_options::tap). Optional.
  std::function<void(std::string_view connection, std::string_view msg, std::int64_t receive_ns)> tap;
  // Back-pressure from what consumes the events (adapter_options::read_gate). Optional.
  std::function<bool()> read_gate;
};

struct connection_spec {
  std::string url;
  std::string name;  // for logs, e.g. "kraken#0"
  std::unique_ptr<protocol_session> session;
};

// Metrics (label exchange="<name>"): mdfan_adapter_messages_total, mdfan_adapter_reconnects_total.
// Sessions register their own (resyncs, gaps, checksum failures) with the same registry.
class ws_adapter final : public exchange_adapter {
 public:
  ws_adapter(const net::any_io_executor& ex, exchange_id exchange, ws_adapter_config cfg,
             std::vector<connection_spec> connections, event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
             metrics_registry& metrics);
  ~ws_adapter() override;
  ws_adapter(const ws_adapter&) = delete;
  ws_adapter& operator=(const ws_adapter&) = delete;

  exchange_id exchange() const noexcept override { return exchange_; }
  void start() override;
  void stop(std::function<void()> done = {}) override;
  std::size_t connection_count() const noexcept { return connections_.size(); }

  class connection;

 private:
  exchange_id exchange_;
  ws_adapter_config cfg_;  // connections hold a reference: declared before them
  std::vector<std::shared_ptr<connection>> connections_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace mdfan::adapters
