// The mdfan command line (CLI11): run options generated from the settings table, plus the sim and decode
// subcommands. Parsing only; main.cpp runs what it selects.
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app/commands.hpp"

#ifndef MDFAN_VERSION
#define MDFAN_VERSION "unknown"
#endif

namespace mdfan::app {
namespace {

constexpr std::string_view footer_text =
    "Every run option can also come from the environment (env) or the TOML file given by --config "
    "(file: key, where \"redis.port\" is `port` in section [redis]).\n"
    "Precedence, per setting: flag > environment > file > default. Empty environment variables count as unset.\n"
    "REDIS_URL: a part it spells out (host, port, user, password, db) beats the same part given separately at "
    "the same or a lower level; a part given separately at a higher level beats the URL.\n"
    "Full reference: docs/configuration.md";

std::string_view group_of(std::string_view key) {
  auto dot = key.find('.');
  if (dot == std::string_view::npos) return "General";
  auto section = key.substr(0, dot);
  if (section == "server") return "Server (HTTP + WebSocket)";
  if (section == "redis") return "Redis";
  if (section == "exchange") return "Exchange (host, hybrid)";
  if (section == "bridge") return "Bridge";
  return "Order books";
}

// Everything parse_command_line fills in: the CLI11 app and the variables its options write to.
struct cli {
  CLI::App app{
      "mdfan: market-data fan-out. A host holds exchange connections and publishes normalized events "
      "to Redis; executors subscribe through Redis and serve WebSocket clients; hybrid does both.",
      "mdfan"};
  bool version = false;
  std::string config_file;
  CLI::Option* config_opt = nullptr;
  std::vector<std::string> values = std::vector<std::string>(settings().size());
  std::vector<CLI::Option*> options;

  const sim_command sim_defaults;
  CLI::App* sim = nullptr;
  std::string sim_listen;
  std::string sim_exchange = sim_defaults.exchange;
  std::string sim_faults;
  std::string sim_symbols;
  std::string sim_rate = fmt::format("{}", sim_defaults.rate);
  std::string sim_seed = std::to_string(sim_defaults.seed);

  CLI::App* decode = nullptr;
  std::string decode_exchange = decode_command{}.exchange;
  std::string decode_file;

  CLI::App* record = nullptr;
  std::string rec_exchange = "binance", rec_symbols, rec_channels = "ticker,trade,book", rec_ws_url, rec_rest_url,
              rec_interval = "1m", rec_market = "spot", rec_out, rec_seconds = "0", rec_frames = "0";

  cli() {
    app.get_formatter()->column_width(40);
    app.require_subcommand(0, 1);
    app.set_help_flag("-h,--help", "print this help and exit");
    app.add_flag("-V,--version", version, "print the version and exit");
    config_opt = app.add_option("-c,--config", config_file,
                                "TOML file with settings (sections [server], [redis], [exchange], [bridge], "
                                "[book]) [env: MDFAN_CONFIG]")
                     ->type_name("FILE")
                     ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    const auto& table = settings();
    for (std::size_t i = 0; i < table.size(); ++i) {
      const auto& s = table[i];
      auto desc = fmt::format("{} [default: {}] [env: {}] [file: {}]", s.help,
                              s.default_text.empty() ? "none" : s.default_text, s.env, s.key);
      options.push_back(app.add_option(std::string(s.flag), values[i], desc)
                            ->type_name(std::string(s.value_name))
                            ->group(std::string(group_of(s.key)))
                            ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast));
    }

    sim = app.add_subcommand("sim", "run the exchange simulator: the exchange's own protocol on ws:// and http://");
    sim->add_option("--exchange", sim_exchange,
                    "whose protocol to speak: binance, coinbase, kraken, bybit, okx [default: binance]")
        ->type_name("NAME");
    sim->add_option("--listen", sim_listen, "address to serve on")->type_name("HOST:PORT")->required();
    sim->add_option("--symbols", sim_symbols,
                    "instruments to simulate, native or BASE-QUOTE [default: BTC-USDT,ETH-USDT; BTC-USD,ETH-USD on "
                    "coinbase and kraken]")
        ->type_name("LIST");
    sim->add_option("--faults", sim_faults,
                    "fault script, comma-separated TIME:ACTION[:ARG] with TIME like 500ms or 5s after start and "
                    "ACTION one of drop (close every connection), silent:DURATION (send nothing), skip[:SYMBOL] "
                    "(drop the next book update: a sequence gap), checksum[:SYMBOL] (a wrong checksum), "
                    "malformed[:SYMBOL] (an unparseable message); e.g. 5s:skip:BTC-USD,10s:silent:3s,15s:drop")
        ->type_name("SCRIPT");
    sim->add_option("--rate", sim_rate,
                    fmt::format("messages per second across all streams; 0 pauses the feed [default: {}]", sim_rate))
        ->type_name("EVENTS_PER_S");
    sim->add_option("--seed", sim_seed,
                    fmt::format("random seed; the same seed replays the same feed [default: {}]", sim_seed))
        ->type_name("N");

    decode = app.add_subcommand("decode",
                                "decode recorded exchange messages (one per line) into normalized events, one JSON "
                                "object per line; exits non-zero when any line fails");
    decode
        ->add_option("--exchange", decode_exchange,
                     fmt::format("exchange whose protocol the lines are in [default: {}]", decode_exchange))
        ->type_name("NAME");
    decode->add_option("file", decode_file, "file to read: one message per line, or a recording [default: standard input]")->type_name("FILE");

    record = app.add_subcommand("record",
                                "record an exchange's raw frames with their receive times into a file; replay it "
                                "with --exchange replay:FILE");
    record->add_option("--exchange", rec_exchange, "binance, coinbase, kraken, bybit or okx [default: binance]")
        ->type_name("NAME");
    record->add_option("--symbols", rec_symbols, "instruments, native or BASE-QUOTE [default: the exchange's defaults]")
        ->type_name("LIST");
    record->add_option("--channels", rec_channels, "event types: ticker, trade, book, candle [default: ticker,trade,book]")
        ->type_name("LIST");
    record->add_option("--exchange-ws-url", rec_ws_url, "WebSocket base URL [default: the exchange's own]")
        ->type_name("URL");
    record->add_option("--exchange-rest-url", rec_rest_url, "REST base URL (Binance) [default: the exchange's own]")
        ->type_name("URL");
    record->add_option("--candle-interval", rec_interval, "candle interval [default: 1m]")->type_name("INTERVAL");
    record->add_option("--market", rec_market, "Bybit market: spot or linear [default: spot]")->type_name("MARKET");
    record->add_option("--out", rec_out, "file to write")->type_name("FILE")->required();
    record->add_option("--seconds", rec_seconds, "stop after this many seconds [default: 0, until interrupted]")
        ->type_name("S");
    record->add_option("--max-frames", rec_frames, "stop after this many frames [default: 0, no limit]")
        ->type_name("N");

    app.footer(std::string(footer_text));  // after the subcommands, which would inherit it
  }
};

// Runs parse(); a config_error it throws is prefixed with the option's name and source.
template <typename F>
auto with_origin(std::string_view origin, F&& parse) -> decltype(parse()) {
  try {
    return parse();
  } catch (const config_error& e) {
    throw config_error(fmt::format("{} (command line): {}", origin, e.what()));
  }
}

}  // namespace

command parse_command_line(int argc, const char* const* argv, const env_map& env) {
  cli c;
  try {
    c.app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return print_command{c.app.help(), 0};
  } catch (const CLI::CallForAllHelp&) {
    return print_command{c.app.help("", CLI::AppFormatMode::All), 0};
  } catch (const CLI::ParseError& e) {
    throw config_error(e.what());
  }
  if (c.version) return print_command{fmt::format("mdfan {}\n", MDFAN_VERSION), 0};

  if (c.sim->parsed()) {
    sim_command s;
    exchange_id id{};
    if (!parse_exchange(c.sim_exchange, id))
      throw config_error(fmt::format("sim --exchange (command line): \"{}\" is not an exchange (binance, coinbase, "
                                     "kraken, bybit, okx)",
                                     c.sim_exchange));
    s.exchange = std::string(to_string(id));
    s.faults = c.sim_faults;
    s.listen = with_origin("sim --listen", [&] { return parse_endpoint(c.sim_listen); });
    if (!c.sim_symbols.empty()) s.symbols = with_origin("sim --symbols", [&] { return parse_symbols(c.sim_symbols); });
    s.rate = with_origin("sim --rate", [&] { return parse_rate(c.sim_rate); });
    s.seed = with_origin("sim --seed",
                         [&] { return parse_unsigned(c.sim_seed, 0, std::numeric_limits<std::uint64_t>::max()); });
    return s;
  }
  if (c.decode->parsed()) return decode_command{c.decode_exchange, c.decode_file};
  if (c.record->parsed()) {
    // The run settings' parsers check the values, so record accepts exactly what a run would.
    std::map<std::string, std::string> flags{{"exchange.name", c.rec_exchange},
                                             {"exchange.channels", c.rec_channels},
                                             {"exchange.candle_interval", c.rec_interval},
                                             {"exchange.market", c.rec_market}};
    if (!c.rec_symbols.empty()) flags.emplace("exchange.symbols", c.rec_symbols);
    if (!c.rec_ws_url.empty()) flags.emplace("exchange.ws_url", c.rec_ws_url);
    if (!c.rec_rest_url.empty()) flags.emplace("exchange.rest_url", c.rec_rest_url);
    const app_config rc = resolve_config(flags, std::nullopt, env_map{});
    if (!rc.exchange.replay_file.empty()) throw config_error("record --exchange (command line): cannot record a replay");
    record_command r;
    r.exchange = rc.exchange.name;
    r.symbols = rc.exchange.symbols.empty() ? default_symbols(r.exchange) : rc.exchange.symbols;
    r.channels = rc.exchange.channels;
    r.ws_url = rc.exchange.ws_url;
    r.rest_url = rc.exchange.rest_url;
    r.candle_interval = rc.exchange.candle_interval;
    r.market = rc.exchange.market;
    r.out = c.rec_out;
    r.seconds = with_origin("record --seconds", [&] { return parse_rate(c.rec_seconds); });
    r.max_frames = with_origin("record --max-frames",
                               [&] { return parse_unsigned(c.rec_frames, 0, std::numeric_limits<std::uint64_t>::max()); });
    return r;
  }

  std::map<std::string, std::string> flags;
  const auto& table = settings();
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (c.options[i]->count() > 0) flags.emplace(std::string(table[i].key), c.values[i]);
  }
  std::optional<std::string> config_flag;
  if (c.config_opt->count() > 0) config_flag = c.config_file;
  return run_command{resolve_config(flags, config_flag, env)};
}

app_config load_config(int argc, const char* const* argv, const env_map& env) {
  auto cmd = parse_command_line(argc, argv, env);
  if (auto* run = std::get_if<run_command>(&cmd)) return std::move(run->config);
  throw config_error("the command line does not run an instance");
}

std::string help_text() {
  cli c;
  return c.app.help();
}

}  // namespace mdfan::app
