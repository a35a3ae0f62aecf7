// `mdfan record`: the exchange's raw frames, with receive times, into a recording file.
#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>

#include <fmt/format.h>

#include "adapters/recording.hpp"
#include "adapters/registry.hpp"
#include "app/commands.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"

namespace mdfan::app {

int run_record(const record_command& cmd) {
  std::ofstream out(cmd.out, std::ios::binary | std::ios::trunc);
  if (!out) {
    fmt::print(stderr, "error: record --out: cannot write \"{}\": {}\n", cmd.out, std::strerror(errno));
    return 1;
  }
  adapters::recording_header header;
  header.exchange = cmd.exchange;
  header.symbols = cmd.symbols;
  header.started_ns = wall_ns();
  adapters::recording_writer writer(out, header);

  net::io_context io(1);
  metrics_registry metrics;
  std::mutex mu;
  bool limit_reached = false;

  adapters::adapter_options opts;
  opts.exchange = cmd.exchange;
  opts.symbols = cmd.symbols;
  opts.types = cmd.channels;
  opts.ws_url = cmd.ws_url;
  opts.rest_url = cmd.rest_url;
  opts.candle_interval = cmd.candle_interval;
  opts.market = cmd.market;
  opts.tap = [&](std::string_view connection, std::string_view msg, std::int64_t receive_ns) {
    std::lock_guard lock(mu);
    if (limit_reached) return;
    writer.write(connection, msg, receive_ns);
    if (cmd.max_frames != 0 && writer.frames() >= cmd.max_frames) {
      limit_reached = true;
      net::post(io, [&io] { io.stop(); });
    }
  };
  std::unique_ptr<adapters::exchange_adapter> adapter;
  try {
    adapter = adapters::make_adapter(io.get_executor(), opts, [](event&&) {}, spdlog::default_logger(), metrics);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "error: record: {}\n", e.what());
    return 2;
  }
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](error_code ec, int) {
    if (!ec) io.stop();
  });
  net::steady_timer deadline(io);
  if (cmd.seconds > 0) {
    deadline.expires_after(std::chrono::milliseconds(static_cast<std::int64_t>(cmd.seconds * 1000)));
    deadline.async_wait([&](error_code ec) {
      if (!ec) io.stop();
    });
  }
  spdlog::info("record: {} {} -> {}", to_string(cmd.exchange), fmt::join(cmd.symbols, ","), cmd.out);
  adapter->start();
  io.run();
  // Close the connections (their handlers need the loop once more), then flush the file.
  io.restart();
  adapter->stop([&io] { io.stop(); });
  io.run_for(std::chrono::seconds(5));
  std::lock_guard lock(mu);
  limit_reached = true;
  out.flush();
  spdlog::info("record: {} frames, {} bytes written to {}", writer.frames(), writer.bytes(), cmd.out);
  return out ? 0 : 1;
}

}  // namespace mdfan::app
