#include "adapters/kraken/factory.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/common/ws_adapter.hpp"

namespace mdfan::adapters {

std::string kraken_ws_url(const adapter_options& opts) {
  std::string base = opts.ws_url.empty() ? std::string(kraken_default_ws_base) : opts.ws_url;
  if (base.find("://") == std::string::npos)
    throw std::invalid_argument(fmt::format("kraken: ws_url: '{}' is not scheme://host[:port]", opts.ws_url));
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + kraken_ws_path;
}

std::unique_ptr<exchange_adapter> make_kraken_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                                      event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                      metrics_registry& metrics, std::chrono::milliseconds idle_timeout,
                                                      std::chrono::milliseconds ping_interval) {
  const kraken_config cfg = make_kraken_config(opts);
  const std::string url = kraken_ws_url(opts);
  if (!log) log = spdlog::default_logger();

  ws_adapter_config wc;
  wc.idle_timeout = idle_timeout;
  wc.ping_interval = ping_interval;
  wc.tap = opts.tap;
  wc.read_gate = opts.read_gate;

  // Symbols are spread over connections of at most max_symbols_per_connection each.
  std::vector<connection_spec> conns;
  const std::size_t per = kraken_config::max_symbols_per_connection;
  for (std::size_t i = 0; i < cfg.symbols.size(); i += per) {
    kraken_config part = cfg;
    part.symbols.assign(cfg.symbols.begin() + static_cast<std::ptrdiff_t>(i),
                        cfg.symbols.begin() + static_cast<std::ptrdiff_t>(std::min(cfg.symbols.size(), i + per)));
    conns.push_back(
        connection_spec{url, fmt::format("kraken#{}", conns.size()), make_kraken_session(part, metrics, log)});
  }
  return std::make_unique<ws_adapter>(ex, exchange_id::kraken, std::move(wc), std::move(conns), std::move(sink),
                                      std::move(log), metrics);
}

std::unique_ptr<exchange_adapter> make_kraken_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                                      event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                      metrics_registry& metrics) {
  return make_kraken_adapter(ex, opts, std::move(sink), std::move(log), metrics, kraken_idle_timeout,
                             kraken_ping_interval);
}

}  // namespace mdfan::adapters
