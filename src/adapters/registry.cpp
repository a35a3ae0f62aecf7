#include "adapters/registry.hpp"

#include <stdexcept>

#include <fmt/format.h>

#ifdef MDFAN_HAVE_BINANCE
#include "adapters/binance/factory.hpp"
#endif
#ifdef MDFAN_HAVE_COINBASE
#include "adapters/coinbase/factory.hpp"
#endif
#ifdef MDFAN_HAVE_KRAKEN
#include "adapters/kraken/factory.hpp"
#endif
#ifdef MDFAN_HAVE_BYBIT
#include "adapters/bybit/factory.hpp"
#endif
#ifdef MDFAN_HAVE_OKX
#include "adapters/okx/factory.hpp"
#endif

namespace mdfan::adapters {

std::vector<exchange_id> supported_exchanges() {
  std::vector<exchange_id> out;
#ifdef MDFAN_HAVE_BINANCE
  out.push_back(exchange_id::binance);
#endif
#ifdef MDFAN_HAVE_COINBASE
  out.push_back(exchange_id::coinbase);
#endif
#ifdef MDFAN_HAVE_KRAKEN
  out.push_back(exchange_id::kraken);
#endif
#ifdef MDFAN_HAVE_BYBIT
  out.push_back(exchange_id::bybit);
#endif
#ifdef MDFAN_HAVE_OKX
  out.push_back(exchange_id::okx);
#endif
  return out;
}

std::string supported_exchanges_text() {
  std::string out;
  for (const auto e : supported_exchanges()) {
    if (!out.empty()) out += ", ";
    out += to_string(e);
  }
  return out;
}

std::unique_ptr<exchange_adapter> make_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                               event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                               metrics_registry& metrics) {
  switch (opts.exchange) {
#ifdef MDFAN_HAVE_BINANCE
    case exchange_id::binance: return make_binance_adapter(ex, opts, std::move(sink), std::move(log), metrics);
#endif
#ifdef MDFAN_HAVE_COINBASE
    case exchange_id::coinbase: return make_coinbase_adapter(ex, opts, std::move(sink), std::move(log), metrics);
#endif
#ifdef MDFAN_HAVE_KRAKEN
    case exchange_id::kraken: return make_kraken_adapter(ex, opts, std::move(sink), std::move(log), metrics);
#endif
#ifdef MDFAN_HAVE_BYBIT
    case exchange_id::bybit: return make_bybit_adapter(ex, opts, std::move(sink), std::move(log), metrics);
#endif
#ifdef MDFAN_HAVE_OKX
    case exchange_id::okx: return make_okx_adapter(ex, opts, std::move(sink), std::move(log), metrics);
#endif
    default: break;
  }
  throw std::invalid_argument(fmt::format("exchange '{}' is not built into this mdfan (supported: {})",
                                          to_string(opts.exchange), supported_exchanges_text()));
}

std::unique_ptr<message_decoder> make_decoder(exchange_id exchange) {
  switch (exchange) {
#ifdef MDFAN_HAVE_BINANCE
    case exchange_id::binance: return make_binance_decoder();
#endif
#ifdef MDFAN_HAVE_COINBASE
    case exchange_id::coinbase: return make_coinbase_decoder();
#endif
#ifdef MDFAN_HAVE_KRAKEN
    case exchange_id::kraken: return make_kraken_decoder();
#endif
#ifdef MDFAN_HAVE_BYBIT
    case exchange_id::bybit: return make_bybit_decoder();
#endif
#ifdef MDFAN_HAVE_OKX
    case exchange_id::okx: return make_okx_decoder();
#endif
    default: return nullptr;
  }
}

std::unique_ptr<protocol_session> make_replay_session(const adapter_options& opts, metrics_registry& metrics,
                                                      std::shared_ptr<spdlog::logger> log) {
  switch (opts.exchange) {
#ifdef MDFAN_HAVE_COINBASE
    case exchange_id::coinbase: return make_coinbase_session(opts, metrics, std::move(log));
#endif
#ifdef MDFAN_HAVE_KRAKEN
    case exchange_id::kraken: return make_kraken_session(opts, metrics, std::move(log));
#endif
#ifdef MDFAN_HAVE_BYBIT
    case exchange_id::bybit: return make_bybit_session(opts, metrics, std::move(log));
#endif
#ifdef MDFAN_HAVE_OKX
    case exchange_id::okx: return make_okx_session(opts, metrics, std::move(log));
#endif
    default: return nullptr;
  }
}

}  // namespace mdfan::adapters
