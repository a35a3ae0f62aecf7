#pragma once
// The commands the mdfan binary runs, and how its command line selects one:
//   mdfan [run options]                 run an instance (host, executor or hybrid)
//   mdfan sim --listen HOST:PORT ...    run the exchange simulator
//   mdfan decode [--exchange X] [FILE]  decode recorded exchange messages (lines or a recording)
//   mdfan record --exchange X --out F   record an exchange's raw frames for replay
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "app/config.hpp"

namespace mdfan::app {

// Run an instance with this configuration.
struct run_command {
  app_config config;
};

// Run the exchange simulator.
struct sim_command {
  std::string exchange = "binance";     // whose protocol it speaks
  endpoint listen;                      // required
  std::vector<std::string> symbols;     // instruments it serves (empty: the venue's defaults)
  double rate = 1000;                   // messages per second, all streams (0: paused)
  std::uint64_t seed = 1;               // random seed: the same seed gives the same feed
  std::string faults;                   // fault script, e.g. "5s:skip:BTC-USD,10s:drop" (see sim --help)
};

// Record an exchange's raw frames (with receive times) into a file `--exchange replay:FILE` replays.
struct record_command {
  exchange_id exchange = exchange_id::binance;
  std::vector<std::string> symbols;  // empty: default_symbols(exchange)
  std::vector<event_type> channels{event_type::ticker, event_type::trade, event_type::book};
  std::string ws_url, rest_url;      // empty: the exchange's own
  std::string candle_interval = "1m";
  std::string market = "spot";
  std::string out;                   // required
  double seconds = 0;                // stop after this long (0: until SIGINT/SIGTERM)
  std::uint64_t max_frames = 0;      // stop after this many frames (0: no limit)
};

// Decode recorded exchange messages (one per line) into normalized events as JSON.
struct decode_command {
  std::string exchange = "binance";
  std::string file;  // empty: standard input
};

// Nothing to run: print `text` on standard output and exit with `exit_code` (--help, --version).
struct print_command {
  std::string text;
  int exit_code = 0;
};

using command = std::variant<run_command, sim_command, decode_command, record_command, print_command>;

// Parses the command line; run options are resolved with resolve_config (flags > environment > file >
// defaults). Throws config_error on bad usage or a bad value: the caller prints it and exits with 2.
command parse_command_line(int argc, const char* const* argv, const env_map& env);

// parse_command_line for a run: the configuration an instance would start with. Throws config_error,
// also when the command line asks for something else (a subcommand, --help, --version).
app_config load_config(int argc, const char* const* argv, const env_map& env);

// The text of `mdfan --help`.
std::string help_text();

// Runs an instance until it is asked to stop (SIGINT, SIGTERM); returns the process exit status.
// Defined in instance.cpp.
int run_instance(const app_config& cfg);

// Runs `mdfan record`; returns the exit status. Defined in record.cpp.
int run_record(const record_command& cmd);

}  // namespace mdfan::app
