// Configuration loading: defaults, TOML file, environment and flags, their precedence, and the messages
// bad values produce. Everything runs in-process through parse_command_line / load_config.
#include "app/config.hpp"

#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "app/commands.hpp"
#include "support/process.hpp"

namespace mdfan::app {
namespace {

// Calls f(argc, argv) with argv = "mdfan" followed by `args`.
template <typename F>
auto with_argv(std::vector<std::string> args, F&& f) {
  args.insert(args.begin(), "mdfan");
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.c_str());
  return f(static_cast<int>(argv.size()), argv.data());
}

command parse(std::vector<std::string> args, const env_map& env = {}) {
  return with_argv(std::move(args),
                   [&](int argc, const char* const* argv) { return parse_command_line(argc, argv, env); });
}

app_config load(std::vector<std::string> args, const env_map& env = {}) {
  return with_argv(std::move(args), [&](int argc, const char* const* argv) { return load_config(argc, argv, env); });
}

// The config_error message of a command line that must fail (empty when it does not fail).
std::string error_of(std::vector<std::string> args, const env_map& env = {}) {
  try {
    parse(std::move(args), env);
  } catch (const config_error& e) {
    return e.what();
  }
  return {};
}

// A TOML file in a fresh temporary directory.
std::string write_toml(const std::string& text) {
  static int n = 0;
  auto path = test::make_temp_dir("app-config") + "/config-" + std::to_string(n++) + ".toml";
  std::ofstream(path) << text;
  return path;
}

unsigned hardware_threads() { return std::max(1U, std::thread::hardware_concurrency()); }

TEST(AppConfig, DefaultsWithoutAnySource) {
  auto cfg = load({});
  app_config expected;
  expected.threads = hardware_threads();
  EXPECT_EQ(cfg, expected);
  EXPECT_EQ(cfg.role, instance_role::hybrid);
  EXPECT_EQ(to_string(cfg.server.listen), "127.0.0.1:8080");
  EXPECT_EQ(cfg.redis.host, "127.0.0.1");
  EXPECT_EQ(cfg.redis.port, 6379);
  EXPECT_EQ(cfg.redis.db, 0U);
  EXPECT_EQ(cfg.redis.key_prefix, "md:");
  EXPECT_EQ(cfg.redis.mode, redis_mode::single);
  EXPECT_EQ(cfg.exchange.name, exchange_id::binance);
  EXPECT_TRUE(cfg.exchange.symbols.empty());  // the exchange's defaults (default_symbols)
  EXPECT_EQ(default_symbols(exchange_id::binance), (std::vector<std::string>{"BTC-USDT", "ETH-USDT"}));
  EXPECT_EQ(default_symbols(exchange_id::kraken), (std::vector<std::string>{"BTC-USD", "ETH-USD"}));
  EXPECT_EQ(cfg.exchange.ws_url, "");  // the exchange's own
  EXPECT_EQ(cfg.exchange.rest_url, "");
  EXPECT_EQ(cfg.exchange.replay_file, "");
  EXPECT_EQ(cfg.exchange.replay_speed, 1.0);
  EXPECT_EQ(cfg.exchange.candle_interval, "1m");
  EXPECT_EQ(cfg.exchange.market, "spot");
  EXPECT_EQ(cfg.exchange.max_backlog, 20000U);
  EXPECT_EQ(cfg.bridge.max_pending, 100000U);
  EXPECT_EQ(cfg.bridge.max_backlog, 20000U);
  EXPECT_EQ(cfg.server.max_frame_bytes, 65536U);
  EXPECT_EQ(cfg.server.max_subscriptions, 1024U);
  EXPECT_EQ(cfg.server.max_client_rate, 50.0);
  EXPECT_EQ(cfg.server.session_queue_messages, 16384U);
  EXPECT_EQ(cfg.server.session_queue_bytes, 16U * 1024 * 1024);
  EXPECT_EQ(cfg.server.max_clients, 10000U);
  EXPECT_EQ(cfg.book.snapshot_depth, 100U);
  EXPECT_EQ(cfg.log_level, spdlog::level::info);
}

// Three valid values per setting, distinct from each other and from the default: one for the file (as a
// TOML literal), one for the environment, one for the flag.
struct samples {
  std::string file, env, flag;
};
const std::map<std::string, samples>& sample_values() {
  static const std::map<std::string, samples> table{
      {"role", {R"("host")", "executor", "host"}},
      {"log_level", {R"("debug")", "warn", "error"}},
      {"threads", {"13", "15", "17"}},
      {"server.listen", {R"("0.0.0.0:9000")", "[::1]:9001", "localhost:9002"}},
      {"server.max_frame_bytes", {"1000", "2KiB", "3MiB"}},
      {"server.max_subscriptions", {"10", "20", "30"}},
      {"server.max_client_rate", {"2.5", "0", "7"}},
      {"server.session_queue_messages", {"11", "22", "33"}},
      {"server.session_queue_bytes", {R"("1MiB")", "2048", "3GiB"}},
      {"server.slow_consumer",
       {R"(["trade=disconnect", "book=disconnect"])", "ticker=drop", "candle=disconnect,book=disconnect"}},
      {"server.max_clients", {"1", "2", "3"}},
      {"redis.url", {R"("redis://file-host:7001/1")", "redis://env-host:7002/2", "redis://flag-host:7003/3"}},
      {"redis.host", {R"("file-host")", "env-host", "flag-host"}},
      {"redis.port", {"7001", "7002", "7003"}},
      {"redis.username", {R"("file-user")", "env-user", "flag-user"}},
      {"redis.password", {R"("file-pw")", "env-pw", "flag-pw"}},
      {"redis.db", {"1", "2", "3"}},
      {"redis.key_prefix", {R"("file:")", "env:", "flag:"}},
      {"exchange.name", {R"("kraken")", "bybit", "okx"}},
      {"exchange.replay_speed", {"2.5", "0", "10"}},
      {"exchange.candle_interval", {R"("5m")", "1h", "1d"}},
      {"exchange.symbols", {R"(["SOLUSDT"])", "XRPUSDT,ADAUSDT", "DOGEUSDT"}},
      {"exchange.ws_url", {R"("ws://127.0.0.1:1")", "ws://127.0.0.1:2", "wss://example.com/ws"}},
      {"exchange.rest_url", {R"("http://127.0.0.1:1")", "http://127.0.0.1:2", "https://example.com"}},
      {"exchange.channels", {R"(["trade"])", "book,candle", "ticker"}},
      {"exchange.max_backlog", {"0", "500", "70000"}},
      {"bridge.max_pending", {"1", "2", "3"}},
      {"bridge.max_backlog", {"0", "500", "70000"}},
      {"book.snapshot_depth", {"0", "5", "10"}},
  };
  return table;
}

// Settings with fewer than three valid values besides the default: precedence cannot be observed on
// them with three distinct values (exchange.market: spot or linear).
bool single_valued(std::string_view key) { return key == "redis.mode" || key == "exchange.market"; }

std::string toml_for(std::string_view key, const std::string& literal) {
  auto dot = key.find('.');
  if (dot == std::string_view::npos) return fmt::format("{} = {}\n", key, literal);
  return fmt::format("[{}]\n{} = {}\n", key.substr(0, dot), key.substr(dot + 1), literal);
}

app_config without_file(app_config c) {
  c.config_file.clear();
  return c;
}

TEST(AppConfig, EverySettingFollowsFlagOverEnvOverFileOverDefault) {
  for (const auto& s : settings()) {
    if (single_valued(s.key)) continue;
    SCOPED_TRACE(std::string(s.key));
    auto it = sample_values().find(std::string(s.key));
    ASSERT_NE(it, sample_values().end()) << "add sample values for " << s.key;
    const auto& v = it->second;
    const auto file = write_toml(toml_for(s.key, v.file));
    const std::string flag_eq = std::string(s.flag) + "=" + v.flag;
    const env_map env{{std::string(s.env), v.env}};

    const auto defaults = load({});
    const auto from_file = load({"--config", file});
    const auto from_env = load({}, env);
    const auto from_flag = load({flag_eq});
    EXPECT_NE(without_file(from_file), defaults);
    EXPECT_NE(from_env, defaults);
    EXPECT_NE(from_flag, defaults);
    EXPECT_NE(from_env, without_file(from_file));
    EXPECT_NE(from_flag, from_env);

    EXPECT_EQ(without_file(load({"--config", file}, env)), from_env);
    EXPECT_EQ(without_file(load({"--config", file, flag_eq}, env)), from_flag);
    EXPECT_EQ(without_file(load({"--config", file, flag_eq})), from_flag);
    EXPECT_EQ(load({flag_eq}, env), from_flag);
  }
}

TEST(AppConfig, PrecedenceIsPerKey) {
  const auto file = write_toml(R"(
role = "host"
log_level = "debug"
[server]
listen = "0.0.0.0:9000"
max_clients = 5
[redis]
port = 7001
key_prefix = "file:"
[exchange]
symbols = ["SOLUSDT"]
[bridge]
max_pending = 10
)");
  const env_map env{{"MDFAN_ROLE", "executor"},
                    {"REDIS_PORT", "7002"},
                    {"MDFAN_LISTEN", "0.0.0.0:9001"},
                    {"MDFAN_SYMBOLS", "xrpusdt, adausdt"}};
  auto cfg = load({"--config", file, "--role", "hybrid", "--redis-port", "7003"}, env);
  EXPECT_EQ(cfg.role, instance_role::hybrid);                                         // flag
  EXPECT_EQ(cfg.redis.port, 7003);                                                    // flag
  EXPECT_EQ(cfg.server.listen, (endpoint{"0.0.0.0", 9001}));                          // env
  EXPECT_EQ(cfg.exchange.symbols, (std::vector<std::string>{"XRPUSDT", "ADAUSDT"}));  // env, upper-cased
  EXPECT_EQ(cfg.log_level, spdlog::level::debug);                                     // file
  EXPECT_EQ(cfg.server.max_clients, 5U);                                              // file
  EXPECT_EQ(cfg.redis.key_prefix, "file:");                                           // file
  EXPECT_EQ(cfg.bridge.max_pending, 10U);                                             // file
  EXPECT_EQ(cfg.redis.host, "127.0.0.1");                                             // default
  EXPECT_EQ(cfg.book.snapshot_depth, 100U);                                           // default
  EXPECT_EQ(cfg.config_file, file);
}

TEST(AppConfig, ConfigFileFromEnvironmentAndFlag) {
  const auto a = write_toml("role = \"host\"\n");
  const auto b = write_toml("role = \"executor\"\n");
  EXPECT_EQ(load({}, {{"MDFAN_CONFIG", a}}).role, instance_role::host);
  EXPECT_EQ(load({"--config", b}, {{"MDFAN_CONFIG", a}}).role, instance_role::executor);
}

TEST(AppConfig, EmptyEnvironmentVariablesCountAsUnset) {
  const auto file = write_toml("[redis]\nport = 7001\n");
  auto cfg = load({"--config", file}, {{"REDIS_PORT", ""}, {"MDFAN_ROLE", ""}, {"REDIS_PASSWORD", ""}});
  EXPECT_EQ(cfg.redis.port, 7001);
  EXPECT_EQ(cfg.role, instance_role::hybrid);
}

TEST(AppConfig, ThreadsZeroMeansOnePerHardwareThread) {
  EXPECT_EQ(load({"--threads", "0"}).threads, hardware_threads());
  EXPECT_EQ(load({"--threads", "4"}).threads, 4U);
}

TEST(AppConfig, SizesAcceptBinaryUnits) {
  auto cfg = load({"--max-frame-bytes", "64KiB", "--session-queue-bytes", "2MiB"});
  EXPECT_EQ(cfg.server.max_frame_bytes, 64U * 1024);
  EXPECT_EQ(cfg.server.session_queue_bytes, 2U * 1024 * 1024);
  const auto file = write_toml("[server]\nmax_frame_bytes = \"1KiB\"\nsession_queue_bytes = 4096\n");
  cfg = load({"--config", file});
  EXPECT_EQ(cfg.server.max_frame_bytes, 1024U);
  EXPECT_EQ(cfg.server.session_queue_bytes, 4096U);
}

TEST(AppConfig, TomlSectionsAreRead) {
  const auto file = write_toml(R"(# every section
role = "executor"
log_level = "trace"
threads = 2

[server]
listen = "[::]:8443"
max_frame_bytes = 1024
max_subscriptions = 8
max_client_rate = 0.5
session_queue_messages = 100
session_queue_bytes = "1MiB"
max_clients = 7

[redis]
host = "redis.internal"
port = 6380
username = "mdfan"
password = "s3cret"
db = 4
key_prefix = "ws:"
mode = "single"

[exchange]
name = "binance"
symbols = ["btcusdt", "BNBUSDT"]
ws_url = "ws://127.0.0.1:9100"
rest_url = "http://127.0.0.1:9100"
channels = "trade, book"

[bridge]
max_pending = 500

[book]
snapshot_depth = 20
)");
  auto cfg = load({"--config", file});
  EXPECT_EQ(cfg.role, instance_role::executor);
  EXPECT_EQ(cfg.log_level, spdlog::level::trace);
  EXPECT_EQ(cfg.threads, 2U);
  EXPECT_EQ(cfg.server.listen, (endpoint{"::", 8443}));
  EXPECT_EQ(to_string(cfg.server.listen), "[::]:8443");
  EXPECT_EQ(cfg.server.max_frame_bytes, 1024U);
  EXPECT_EQ(cfg.server.max_subscriptions, 8U);
  EXPECT_EQ(cfg.server.max_client_rate, 0.5);
  EXPECT_EQ(cfg.server.session_queue_messages, 100U);
  EXPECT_EQ(cfg.server.session_queue_bytes, 1024U * 1024);
  EXPECT_EQ(cfg.server.max_clients, 7U);
  EXPECT_EQ(cfg.redis.host, "redis.internal");
  EXPECT_EQ(cfg.redis.port, 6380);
  EXPECT_EQ(cfg.redis.username, "mdfan");
  EXPECT_EQ(cfg.redis.password, "s3cret");
  EXPECT_EQ(cfg.redis.db, 4U);
  EXPECT_EQ(cfg.redis.key_prefix, "ws:");
  EXPECT_EQ(cfg.exchange.symbols, (std::vector<std::string>{"BTCUSDT", "BNBUSDT"}));
  EXPECT_EQ(cfg.exchange.ws_url, "ws://127.0.0.1:9100");
  EXPECT_EQ(cfg.exchange.rest_url, "http://127.0.0.1:9100");
  EXPECT_EQ(cfg.exchange.channels, (std::vector<event_type>{event_type::trade, event_type::book}));
  EXPECT_EQ(cfg.bridge.max_pending, 500U);
  EXPECT_EQ(cfg.book.snapshot_depth, 20U);
}

TEST(AppConfig, ShippedConfigFilesLoad) {
  for (const char* name : {"host", "executor", "hybrid"}) {
    SCOPED_TRACE(name);
    const auto path = std::string(MDFAN_SOURCE_DIR) + "/config/" + name + ".toml";
    auto cfg = load({"--config", path});
    EXPECT_EQ(to_string(cfg.role), name);
  }
}

// --- REDIS_URL and the separate Redis settings ---

TEST(AppConfigRedisUrl, UrlPartsFillTheRedisSettings) {
  auto cfg = load({}, {{"REDIS_URL", "redis://user:p%40ss@cache.local:6390/5"}});
  EXPECT_EQ(cfg.redis.url, "redis://user:p%40ss@cache.local:6390/5");
  EXPECT_EQ(cfg.redis.host, "cache.local");
  EXPECT_EQ(cfg.redis.port, 6390);
  EXPECT_EQ(cfg.redis.username, "user");
  EXPECT_EQ(cfg.redis.password, "p@ss");
  EXPECT_EQ(cfg.redis.db, 5U);
}

TEST(AppConfigRedisUrl, SeedNodeStyleUrlWithPasswordOnly) {
  auto cfg = load({}, {{"REDIS_URL", "redis://:pw@[::1]"}});
  EXPECT_EQ(cfg.redis.host, "::1");
  EXPECT_EQ(cfg.redis.port, 6379);
  EXPECT_EQ(cfg.redis.username, "");
  EXPECT_EQ(cfg.redis.password, "pw");
}

TEST(AppConfigRedisUrl, UrlWinsAtTheSameLevel) {
  auto cfg = load({}, {{"REDIS_URL", "redis://url-host:7000"}, {"REDIS_HOST", "env-host"}, {"REDIS_PORT", "7100"}});
  EXPECT_EQ(cfg.redis.host, "url-host");
  EXPECT_EQ(cfg.redis.port, 7000);
  cfg = load({"--redis-url", "redis://flag-url:7001", "--redis-host", "flag-host"});
  EXPECT_EQ(cfg.redis.host, "flag-url");
  EXPECT_EQ(cfg.redis.port, 7001);
}

TEST(AppConfigRedisUrl, HigherLevelWins) {
  // A separate setting above the URL beats the URL's part.
  auto cfg = load({"--redis-host", "flag-host"}, {{"REDIS_URL", "redis://url-host:7000/2"}});
  EXPECT_EQ(cfg.redis.host, "flag-host");
  EXPECT_EQ(cfg.redis.port, 7000);
  EXPECT_EQ(cfg.redis.db, 2U);
  const auto file = write_toml("[redis]\nurl = \"redis://file-host:7000\"\n");
  cfg = load({"--config", file}, {{"REDIS_PORT", "7100"}});
  EXPECT_EQ(cfg.redis.host, "file-host");
  EXPECT_EQ(cfg.redis.port, 7100);
  // A URL above the separate setting beats it.
  const auto file2 = write_toml("[redis]\nhost = \"file-host\"\nport = 7000\n");
  cfg = load({"--config", file2}, {{"REDIS_URL", "redis://env-host"}});
  EXPECT_EQ(cfg.redis.host, "env-host");
  EXPECT_EQ(cfg.redis.port, 7000);  // the URL leaves the port out
}

TEST(AppConfigRedisUrl, PartsTheUrlLeavesOutComeFromSeparateSettings) {
  auto cfg = load(
      {}, {{"REDIS_URL", "redis://url-host"}, {"REDIS_PORT", "7100"}, {"REDIS_PASSWORD", "pw"}, {"REDIS_DB", "3"}});
  EXPECT_EQ(cfg.redis.host, "url-host");
  EXPECT_EQ(cfg.redis.port, 7100);
  EXPECT_EQ(cfg.redis.password, "pw");
  EXPECT_EQ(cfg.redis.db, 3U);
}

TEST(AppConfigRedisUrl, KubernetesServiceVariablesDoNoHarmWhenOverridden) {
  // A Service named "redis" gives every pod REDIS_PORT=tcp://IP:PORT.
  const env_map k8s{{"REDIS_PORT", "tcp://10.0.0.7:6379"}};
  auto with_url = k8s;
  with_url["REDIS_URL"] = "redis://redis:6380";
  EXPECT_EQ(load({}, with_url).redis.port, 6380);
  EXPECT_EQ(load({"--redis-port", "6381"}, k8s).redis.port, 6381);
  auto msg = error_of({}, k8s);
  EXPECT_NE(msg.find("REDIS_PORT (environment): \"tcp://10.0.0.7:6379\" is not a port number"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("Kubernetes"), std::string::npos) << msg;
}

TEST(AppConfigRedisUrl, BadUrlsAreRejectedWithoutShowingThePassword) {
  for (const char* url : {"http://host:6379", "redis://", "redis://host:99999", "redis://host/x", "redis://host?db=1",
                          "redis://:hunter2@host:abc"}) {
    SCOPED_TRACE(url);
    auto msg = error_of({}, {{"REDIS_URL", url}});
    EXPECT_NE(msg.find("REDIS_URL (environment)"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("hunter2"), std::string::npos) << msg;
  }
  auto msg = error_of({"--redis-url", "rediss://h:1"});
  EXPECT_NE(msg.find("--redis-url (command line)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not supported yet"), std::string::npos) << msg;
}

// --- bad values ---

struct bad_case {
  std::vector<std::string> args;
  env_map env;
  std::vector<std::string> expected;  // substrings of the message
};

TEST(AppConfigErrors, BadValuesNameTheSettingAndItsSource) {
  const std::vector<bad_case> cases{
      {{"--role", "boss"}, {}, {"--role (command line)", "\"boss\"", "host, executor, hybrid"}},
      {{}, {{"MDFAN_ROLE", "boss"}}, {"MDFAN_ROLE (environment)", "\"boss\""}},
      {{"--redis-port", "70000"}, {}, {"--redis-port (command line)", "\"70000\" is not a port number"}},
      {{"--redis-port", "0"}, {}, {"--redis-port (command line)", "not a port number"}},
      {{}, {{"REDIS_PORT", "abc"}}, {"REDIS_PORT (environment): \"abc\" is not a port number (1-65535)"}},
      {{"--listen", "nonsense"}, {}, {"--listen (command line)", "\"nonsense\" is not HOST:PORT"}},
      {{"--listen", "127.0.0.1:70000"}, {}, {"--listen (command line)", "not a port number"}},
      {{"--listen", ":8080"}, {}, {"--listen (command line)", "not HOST:PORT"}},
      {{}, {{"MDFAN_LISTEN", "8080"}}, {"MDFAN_LISTEN (environment)", "not HOST:PORT"}},
      {{"--threads=-1"}, {}, {"--threads (command line)", "\"-1\" is not a whole number"}},
      {{"--threads", "-1"}, {}, {"--threads"}},
      {{}, {{"MDFAN_THREADS", "-3"}}, {"MDFAN_THREADS (environment)", "\"-3\""}},
      {{}, {{"MDFAN_THREADS", "100000"}}, {"MDFAN_THREADS (environment)", "out of range"}},
      {{}, {{"REDIS_DB", "abc"}}, {"REDIS_DB (environment)", "\"abc\" is not a database number"}},
      {{}, {{"REDIS_MODE", "sentinel"}}, {"REDIS_MODE (environment)", "not supported yet"}},
      {{"--redis-mode", "cluster"}, {}, {"--redis-mode (command line)", "not supported yet"}},
      {{"--redis-mode", "ring"}, {}, {"--redis-mode (command line)", "not a Redis mode"}},
      {{"--redis-host", "a b"}, {}, {"--redis-host (command line)", "not a host name"}},
      {{"--redis-key-prefix", "a b"}, {}, {"--redis-key-prefix (command line)"}},
      {{}, {{"MDFAN_EXCHANGE", "nasdaq"}}, {"MDFAN_EXCHANGE (environment)", "not a supported exchange"}},
      {{"--exchange", "replay:/nonexistent/x.rec"}, {}, {"--exchange (command line)", "cannot open the recording"}},
      {{"--replay-speed", "-1"}, {}, {"--replay-speed (command line)", "not a replay speed"}},
      {{"--market", "futures"}, {}, {"--market (command line)", "not a Bybit market"}},
      {{"--exchange", "nyse"}, {}, {"--exchange (command line)", "\"nyse\""}},
      {{"--symbols", ""}, {}, {"--symbols (command line)", "empty"}},
      {{"--symbols", "BTC USDT"}, {}, {"--symbols (command line)", "not a symbol"}},
      {{"--symbols", "BTCUSDT,,ETHUSDT"}, {}, {"--symbols (command line)", "empty item"}},
      {{"--symbols", "BTCUSDT,btcusdt"}, {}, {"--symbols (command line)", "listed twice"}},
      {{"--exchange-ws-url", "http://x"}, {}, {"--exchange-ws-url (command line)", "ws:// or wss://"}},
      {{}, {{"MDFAN_EXCHANGE_WS_URL", "wss://"}}, {"MDFAN_EXCHANGE_WS_URL (environment)"}},
      {{"--exchange-rest-url", "ws://x"}, {}, {"--exchange-rest-url (command line)", "http:// or https://"}},
      {{}, {{"MDFAN_EXCHANGE_REST_URL", "https://h:0"}}, {"MDFAN_EXCHANGE_REST_URL (environment)"}},
      {{"--channels", "trade,quotes"}, {}, {"--channels (command line)", "\"quotes\" is not a channel"}},
      {{}, {{"MDFAN_LOG_LEVEL", "loud"}}, {"MDFAN_LOG_LEVEL (environment)", "not a log level"}},
      {{"--max-frame-bytes", "16Q"}, {}, {"--max-frame-bytes (command line)", "not a size"}},
      {{"--session-queue-bytes", "2TiB"}, {}, {"--session-queue-bytes (command line)", "not a size"}},
      {{"--max-client-rate", "fast"}, {}, {"--max-client-rate (command line)", "not a rate"}},
      {{"--max-client-rate=-1"}, {}, {"--max-client-rate (command line)", "not a rate"}},
      {{"--bridge-max-pending", "0"}, {}, {"--bridge-max-pending (command line)", "out of range"}},
      {{}, {{"MDFAN_MAX_CLIENTS", "1e3"}}, {"MDFAN_MAX_CLIENTS (environment)", "not a whole number"}},
      {{"--bogus"}, {}, {"--bogus"}},
      {{"--redis-port"}, {}, {"--redis-port"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::PrintToString(c.args) + " " + testing::PrintToString(c.env));
    auto msg = error_of(c.args, c.env);
    ASSERT_FALSE(msg.empty()) << "accepted";
    for (const auto& want : c.expected) EXPECT_NE(msg.find(want), std::string::npos) << msg;
  }
}

TEST(AppConfigErrors, BadFilesNameTheKeyAndTheFile) {
  struct file_case {
    std::string toml;
    std::vector<std::string> expected;
  };
  const std::vector<file_case> cases{
      {"role = \"host\nport = 1\n", {"--config (command line)", "is not valid TOML"}},
      {"[redis]\nprot = 6379\n", {"redis.prot (file ", "unknown setting"}},
      {"[nonsense]\nx = 1\n", {"nonsense (file ", "unknown setting"}},
      {"listen = \"127.0.0.1:1\"\n", {"listen (file ", "unknown setting"}},
      {"[server.extra]\nx = 1\n", {"server.extra (file ", "unknown setting"}},
      {"[redis]\nport = \"abc\"\n", {"redis.port (file ", "expected an integer, not a string"}},
      {"[redis]\nport = 70000\n", {"redis.port (file ", "\"70000\" is not a port number"}},
      {"[exchange]\nsymbols = [1, 2]\n", {"exchange.symbols (file ", "expected an array of strings"}},
      {"threads = -2\n", {"threads (file ", "\"-2\""}},
      {"role = 1\n", {"role (file ", "expected a string, not an integer"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.toml);
    const auto path = write_toml(c.toml);
    auto msg = error_of({"--config", path});
    ASSERT_FALSE(msg.empty()) << "accepted";
    for (const auto& want : c.expected) EXPECT_NE(msg.find(want), std::string::npos) << msg;
    if (c.expected[0].find("(file ") != std::string::npos) {
      EXPECT_NE(msg.find(path), std::string::npos) << msg;
    }
  }
}

TEST(AppConfigErrors, MissingConfigFileNamesItsSource) {
  auto msg = error_of({"--config", "/nonexistent/mdfan.toml"});
  EXPECT_NE(msg.find("--config (command line)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/nonexistent/mdfan.toml"), std::string::npos) << msg;
  msg = error_of({}, {{"MDFAN_CONFIG", "/nonexistent/mdfan.toml"}});
  EXPECT_NE(msg.find("MDFAN_CONFIG (environment)"), std::string::npos) << msg;
}

TEST(AppConfigErrors, AFlagDoesNotRescueABadFileValue) {
  // The file is read whole: a bad value in it is reported even when a flag overrides that key.
  const auto path = write_toml("[redis]\nport = \"abc\"\n");
  auto msg = error_of({"--config", path, "--redis-port", "6379"});
  EXPECT_NE(msg.find("redis.port (file "), std::string::npos) << msg;
}

// --- the command line ---

TEST(CommandLine, HelpListsEveryOptionWithItsDefault) {
  auto cmd = parse({"--help"});
  auto* printed = std::get_if<print_command>(&cmd);
  ASSERT_NE(printed, nullptr);
  EXPECT_EQ(printed->exit_code, 0);
  EXPECT_EQ(printed->text, help_text());
  const auto& help = printed->text;
  for (const auto& s : settings()) {
    SCOPED_TRACE(std::string(s.key));
    EXPECT_NE(help.find(std::string(s.flag) + " "), std::string::npos);
    EXPECT_NE(help.find("[env: " + std::string(s.env) + "]"), std::string::npos);
    EXPECT_NE(help.find("[file: " + std::string(s.key) + "]"), std::string::npos);
    EXPECT_NE(help.find("[default: " + (s.default_text.empty() ? std::string("none") : s.default_text) + "]"),
              std::string::npos);
  }
  // The options the operators' guide names, spelled out.
  for (const char* want : {"--role",
                           "--config",
                           "--redis-url",
                           "--listen",
                           "--exchange",
                           "--symbols",
                           "--exchange-ws-url",
                           "--exchange-rest-url",
                           "--version",
                           "REDIS_URL",
                           "REDIS_HOST",
                           "REDIS_PORT",
                           "REDIS_PASSWORD",
                           "REDIS_DB",
                           "REDIS_KEY_PREFIX",
                           "REDIS_MODE",
                           "MDFAN_ROLE",
                           "MDFAN_CONFIG",
                           "[default: 127.0.0.1:8080]",
                           "--exchange NAME",
                           "replay:FILE",
                           "[default: 1m]",
                           "record",
                           "[default: 64KiB]",
                           "[default: 16MiB]",
                           "[default: 100000]",
                           "sim",
                           "decode",
                           "flag > environment > file > default"}) {
    EXPECT_NE(help.find(want), std::string::npos) << want;
  }
}

TEST(CommandLine, SubcommandHelp) {
  auto cmd = parse({"sim", "--help"});
  auto* printed = std::get_if<print_command>(&cmd);
  ASSERT_NE(printed, nullptr);
  for (const char* want : {"--listen", "--symbols", "--rate", "--seed"}) {
    EXPECT_NE(printed->text.find(want), std::string::npos) << want;
  }
  cmd = parse({"decode", "--help"});
  printed = std::get_if<print_command>(&cmd);
  ASSERT_NE(printed, nullptr);
  EXPECT_NE(printed->text.find("--exchange"), std::string::npos);
  EXPECT_NE(printed->text.find("FILE"), std::string::npos);
}

TEST(CommandLine, Version) {
  auto cmd = parse({"--version"});
  auto* printed = std::get_if<print_command>(&cmd);
  ASSERT_NE(printed, nullptr);
  EXPECT_EQ(printed->exit_code, 0);
  EXPECT_EQ(printed->text.rfind("mdfan ", 0), 0U) << printed->text;
}

TEST(CommandLine, Sim) {
  auto cmd = parse({"sim", "--listen", "127.0.0.1:9100", "--symbols", "solusdt", "--rate", "250", "--seed", "7"});
  auto* sim = std::get_if<sim_command>(&cmd);
  ASSERT_NE(sim, nullptr);
  EXPECT_EQ(sim->listen, (endpoint{"127.0.0.1", 9100}));
  EXPECT_EQ(sim->symbols, std::vector<std::string>{"SOLUSDT"});
  EXPECT_EQ(sim->rate, 250.0);
  EXPECT_EQ(sim->seed, 7U);

  cmd = parse({"sim", "--listen", "127.0.0.1:9100"});
  sim = std::get_if<sim_command>(&cmd);
  ASSERT_NE(sim, nullptr);
  EXPECT_TRUE(sim->symbols.empty());  // the venue's defaults
  EXPECT_EQ(sim->exchange, "binance");
  EXPECT_EQ(sim->rate, 1000.0);
  EXPECT_EQ(sim->seed, 1U);

  cmd = parse({"sim", "--exchange", "okx", "--listen", "127.0.0.1:9100", "--faults", "5s:skip:BTC-USDT,10s:drop"});
  sim = std::get_if<sim_command>(&cmd);
  ASSERT_NE(sim, nullptr);
  EXPECT_EQ(sim->exchange, "okx");
  EXPECT_EQ(sim->faults, "5s:skip:BTC-USDT,10s:drop");
}

TEST(CommandLine, Record) {
  auto cmd = parse({"record", "--exchange", "kraken", "--out", "k.rec", "--seconds", "5", "--channels", "book"});
  auto* rec = std::get_if<record_command>(&cmd);
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->exchange, exchange_id::kraken);
  EXPECT_EQ(rec->symbols, (std::vector<std::string>{"BTC-USD", "ETH-USD"}));
  EXPECT_EQ(rec->channels, std::vector<event_type>{event_type::book});
  EXPECT_EQ(rec->out, "k.rec");
  EXPECT_EQ(rec->seconds, 5.0);
  EXPECT_NE(error_of({"record", "--exchange", "kraken"}).find("--out"), std::string::npos);
  EXPECT_NE(error_of({"record", "--exchange", "nyse", "--out", "x"}).find("not a supported exchange"),
            std::string::npos);
  EXPECT_NE(error_of({"record", "--out", "x", "--candle-interval", "7m"}).find("not a candle interval"),
            std::string::npos);
}

TEST(CommandLine, SimErrors) {
  EXPECT_NE(error_of({"sim"}).find("--listen"), std::string::npos);
  EXPECT_NE(error_of({"sim", "--listen", "nonsense"}).find("sim --listen (command line): \"nonsense\""),
            std::string::npos);
  EXPECT_NE(error_of({"sim", "--listen", "127.0.0.1:1", "--rate", "x"}).find("sim --rate (command line)"),
            std::string::npos);
  EXPECT_NE(error_of({"sim", "--listen", "127.0.0.1:1", "--seed", "-1"}).find("sim --seed (command line)"),
            std::string::npos);
  EXPECT_NE(error_of({"sim", "--listen", "127.0.0.1:1", "--symbols", ","}).find("sim --symbols (command line)"),
            std::string::npos);
  EXPECT_NE(error_of({"sim", "--exchange", "nyse", "--listen", "127.0.0.1:1"}).find("sim --exchange (command line)"),
            std::string::npos);
}

TEST(CommandLine, Decode) {
  auto cmd = parse({"decode", "--exchange", "binance", "recorded.txt"});
  auto* dec = std::get_if<decode_command>(&cmd);
  ASSERT_NE(dec, nullptr);
  EXPECT_EQ(dec->exchange, "binance");
  EXPECT_EQ(dec->file, "recorded.txt");
  cmd = parse({"decode"});
  dec = std::get_if<decode_command>(&cmd);
  ASSERT_NE(dec, nullptr);
  EXPECT_EQ(dec->exchange, "binance");
  EXPECT_EQ(dec->file, "");
}

TEST(CommandLine, RunOptionsIgnoreTheEnvironmentOfSubcommands) {
  // A subcommand does not resolve the run configuration, so a bad MDFAN_* variable does not stop it.
  auto cmd = parse({"decode"}, {{"MDFAN_ROLE", "boss"}});
  EXPECT_NE(std::get_if<decode_command>(&cmd), nullptr);
}

// docs/configuration.md is the operators' reference: it must list every setting with its names and default.
TEST(Docs, ConfigurationReferenceListsEverySetting) {
  const auto doc = test::read_file(std::string(MDFAN_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_FALSE(doc.empty());
  for (const auto& s : settings()) {
    SCOPED_TRACE(std::string(s.key));
    auto row = doc.find("| `" + std::string(s.key) + "` |");
    ASSERT_NE(row, std::string::npos);
    auto line = doc.substr(row, doc.find('\n', row) - row);
    EXPECT_NE(line.find("`" + std::string(s.flag) + "`"), std::string::npos) << line;
    EXPECT_NE(line.find("`" + std::string(s.env) + "`"), std::string::npos) << line;
    if (!s.default_text.empty()) {
      EXPECT_NE(line.find("`" + s.default_text + "`"), std::string::npos) << line;
    }
  }
}

}  // namespace
}  // namespace mdfan::app
