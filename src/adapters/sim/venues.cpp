// make_venue: every simulator venue built into this binary.
#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <stdexcept>

#include <fmt/format.h>

#include "net/net.hpp"

#include "adapters/sim/binance_venue.hpp"
#include "adapters/sim/simulator.hpp"
#ifdef MDFAN_HAVE_SIM_COINBASE
#include "adapters/coinbase/sim_venue.hpp"
#endif
#ifdef MDFAN_HAVE_SIM_KRAKEN
#include "adapters/kraken/sim_venue.hpp"
#endif
#ifdef MDFAN_HAVE_SIM_BYBIT
#include "adapters/bybit/sim_venue.hpp"
#endif
#ifdef MDFAN_HAVE_SIM_OKX
#include "adapters/okx/sim_venue.hpp"
#endif

namespace mdfan::sim {

std::unique_ptr<venue> make_venue(const sim_config& cfg) {
  const std::string& e = cfg.exchange;
  if (e == "binance") return make_binance_venue(cfg);
#ifdef MDFAN_HAVE_SIM_COINBASE
  if (e == "coinbase") return make_coinbase_venue(cfg);
#endif
#ifdef MDFAN_HAVE_SIM_KRAKEN
  if (e == "kraken") return make_kraken_venue(cfg);
#endif
#ifdef MDFAN_HAVE_SIM_BYBIT
  if (e == "bybit") return make_bybit_venue(cfg);
#endif
#ifdef MDFAN_HAVE_SIM_OKX
  if (e == "okx") return make_okx_venue(cfg);
#endif
  throw std::invalid_argument(fmt::format("sim: no simulator for exchange '{}'", e));
}

int run_sim(const sim_config& cfg, const std::vector<scripted_fault>& script) {
  try {
    simulator sim(cfg, make_venue(cfg));
    sim.start();
    if (!script.empty()) sim.run_script(script);
    std::printf("sim listening on ws://%s:%u\n", cfg.host.c_str(), static_cast<unsigned>(sim.port()));
    std::fflush(stdout);
    net::io_context ctx(1);
    net::signal_set signals(ctx, SIGINT, SIGTERM);
    signals.async_wait([&](error_code, int sig) {
      spdlog::info("sim: signal {}, stopping", sig);
      ctx.stop();
    });
    ctx.run();
    sim.stop();
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("sim: cannot start: {}", e.what());
    return 1;
  }
}

}  // namespace mdfan::sim
