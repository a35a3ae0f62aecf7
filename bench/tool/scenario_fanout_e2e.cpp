// Scenarios `fanout` (Redis -> one executor -> N WebSocket clients; mdfan, seed-node, Nchan) and `e2e`
// (simulator -> host -> Redis -> executors -> clients, latency per hop).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "bridge/envelope.hpp"
#include "core/codec.hpp"
#include "mdfan/event.hpp"
#include "tool/scenarios.hpp"
#include "tool/ws_swarm.hpp"

namespace mdfan::bench {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::string_view publisher_src = "mdfan-bench-publisher";  // not any executor's instance id

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

double round2(double v) { return std::round(v * 100) / 100; }

// The JSON of an mdfan trade event whose "recv" (and "ts") is `wall_ns`, wrapped in a bridge envelope.
void encode_mdfan_trade(std::string& out, std::uint64_t n, std::int64_t wall_ns) {
  trade t;
  t.exchange = exchange_id::binance;
  t.instrument = "BTC-USDT";
  t.symbol = "BTCUSDT";
  t.exchange_ts_ns = wall_ns;
  t.receive_ts_ns = wall_ns;
  t.sequence = n;
  t.trade_id = std::to_string(n);
  t.price = decimal::from("43012.10");
  t.size = decimal::from("0.00123");
  t.aggressor = (n & 1) ? side::buy : side::sell;
  thread_local std::string data;
  data.clear();
  encode_json(event{std::move(t)}, data);
  encode_envelope(out, "trade", publisher_src, n, wall_ns, data);
}

// The seed-node bridge's envelope (bridge.js), data.t_ns = publish time.
void encode_seed_trade(std::string& out, std::uint64_t n, std::int64_t wall_ns) {
  fmt::format_to(std::back_inserter(out),
                 R"({{"type":"trade","data":{{"exchange":"sim","symbol":"BTCUSDT","price":"43012.15","qty":"0.0125",)"
                 R"("side":"buy","trade_id":{},"t_ns":"{}"}},"timestamp":{},"source":{}}})",
                 n, wall_ns, wall_ns / 1'000'000, ::getpid());
}

// The body posted to Nchan: the same fields, t_ns = publish time.
void encode_nchan_trade(std::string& out, std::uint64_t n, std::int64_t wall_ns) {
  fmt::format_to(std::back_inserter(out),
                 R"({{"type":"trade","exchange":"sim","symbol":"BTCUSDT","price":"43012.15","qty":"0.0125",)"
                 R"("side":"buy","trade_id":{},"t_ns":{}}})",
                 n, wall_ns);
}

// One server under the fan-out load: how to reach it and how to feed it.
struct fanout_subject {
  std::string key, label;
  pid_t pid = -1;  // root of the server's process tree
  swarm_config swarm;
  std::unique_ptr<paced_publisher> publisher;
};

// Connects the clients, measures idle memory, offers load for warmup + window, and reports.
json::object measure_fanout(const bench_options& o, fanout_subject& s, std::size_t clients, double rate,
                            text_table& t) {
  json::object j;
  auto fail = [&](const std::string& why) {
    j["status"] = "failed";
    j["reason"] = why;
    t.rows.push_back({s.label, "-", "-", "-", "-", "-", "-", "-", "-", "-", "failed: " + why.substr(0, 120)});
    return j;
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const long rss_base = process_tree_rss_kib(s.pid);
  ws_swarm swarm(s.swarm);
  std::string err;
  const auto connect_timeout = std::chrono::milliseconds(10'000 + 20 * static_cast<long>(clients));
  {
    progress_bar bar(fmt::format("fanout: {} connect", s.key), 1);
    bar.update(0, fmt::format("{} clients", clients));
    swarm.connect(clients, connect_timeout, &err);
  }
  j["clients_requested"] = clients;
  j["clients_ready"] = swarm.ready();
  if (interrupted()) return fail("interrupted");
  if (swarm.ready() == 0) return fail("no client became ready: " + err);
  if (swarm.ready() < clients) j["connect_error"] = err;
  // Let the server settle (subscriptions, buffers), then its memory with idle subscribed clients.
  swarm.run_for(std::chrono::milliseconds(700));
  const long rss_idle = process_tree_rss_kib(s.pid);
  j["rss_baseline_kib"] = rss_base;
  j["rss_idle_kib"] = rss_idle;
  j["kib_per_idle_client"] = round2(static_cast<double>(rss_idle - rss_base) / static_cast<double>(swarm.ready()));

  if (!s.publisher->start(rate, &err)) return fail(err);
  j["publisher"] = json::value_from(s.publisher->argv_like());
  {
    progress_bar bar(fmt::format("fanout: {} warmup", s.key), o.warmup_seconds);
    const auto w0 = mono_now_ns();
    swarm.run_for(std::chrono::milliseconds(static_cast<long>(o.warmup_seconds * 1000)), [&] {
      bar.update(static_cast<double>(mono_now_ns() - w0) / 1e9, fmt::format("{} frames", swarm.frames()));
      return true;
    });
  }
  const auto frames0 = swarm.frames(), gaps0 = swarm.gap_frames(), bytes0 = swarm.bytes();
  const auto sent0 = s.publisher->sent();
  const double server_cpu0 = process_tree_cpu_seconds(s.pid), client_cpu0 = thread_cpu_seconds();
  const auto t0 = mono_now_ns();
  swarm.set_sampling(true);
  std::string aborted;
  {
    progress_bar bar(fmt::format("fanout: {}", s.key), o.seconds);
    int ticks = 0;
    swarm.run_for(std::chrono::milliseconds(static_cast<long>(o.seconds * 1000)), [&] {
      const double el = static_cast<double>(mono_now_ns() - t0) / 1e9;
      bar.update(el, fmt::format("{} frames", fmt_rate(static_cast<double>(swarm.frames() - frames0) / el)));
      if (++ticks % 5 == 0) {
        const long rss = process_tree_rss_kib(s.pid);
        if (rss > o.max_rss_mib * 1024) {
          aborted = fmt::format("window ended early: server RSS {} MiB > --max-rss-mib {}", rss / 1024, o.max_rss_mib);
          return false;
        }
      }
      return true;
    });
  }
  const auto t1 = mono_now_ns();
  const double window = static_cast<double>(t1 - t0) / 1e9;
  const double server_cpu = (process_tree_cpu_seconds(s.pid) - server_cpu0) / window;
  const double client_cpu = (thread_cpu_seconds() - client_cpu0) / window;
  swarm.set_sampling(false);
  const auto frames = swarm.frames() - frames0, gaps = swarm.gap_frames() - gaps0, bytes = swarm.bytes() - bytes0;
  const auto sent = s.publisher->sent() - sent0;
  const long rss_end = process_tree_rss_kib(s.pid);
  s.publisher->stop();
  if (interrupted()) return fail("interrupted");

  const double offered = static_cast<double>(sent) / window;
  const double delivered = static_cast<double>(frames) / window;
  const double demanded = offered * static_cast<double>(swarm.ready());
  j["status"] = "ok";
  if (!aborted.empty()) j["note"] = aborted;
  j["window_s"] = std::round(window * 1000) / 1000;
  j["offered_events_per_s"] = std::round(offered);
  j["publisher_behind"] = s.publisher->behind();
  j["publisher_errors"] = s.publisher->errors();
  if (!s.publisher->first_error().empty()) j["publisher_error"] = s.publisher->first_error();
  j["demanded_frames_per_s"] = std::round(demanded);
  j["delivered_frames_per_s"] = std::round(delivered);
  j["delivered_share"] = demanded > 0 ? num(std::round(delivered / demanded * 1000) / 1000) : json::value(nullptr);
  j["delivered_bytes_per_s"] = std::round(static_cast<double>(bytes) / window);
  j["gap_notices"] = gaps;
  j["clients_receiving"] = swarm.clients_with_frames();
  j["clients_closed"] = swarm.closed();
  j["latency"] = latency_json(swarm.samples());
  j["latency_sample_every"] = o.sample_every;
  j["server_cpu_cores"] = round2(server_cpu);
  j["client_cpu_cores"] = round2(client_cpu);
  j["rss_end_kib"] = rss_end;
  auto lat = latency_cells(swarm.samples());
  t.rows.push_back(
      {s.label, fmt_rate(delivered), fmt_rate(offered), lat[0], lat[1], lat[2], lat[3],
       fmt::format("{:.2f}", server_cpu), fmt::format("{:.2f}", client_cpu),
       fmt::format("{:.1f}", static_cast<double>(rss_idle - rss_base) / static_cast<double>(swarm.ready())),
       fmt::format("ok{}{}", swarm.ready() < clients ? fmt::format(", {}/{} clients", swarm.ready(), clients) : "",
                   aborted.empty() ? "" : ", RSS limit")});
  return j;
}

json::object skipped_row(const std::string& label, const std::string& reason, text_table& t) {
  t.rows.push_back({label, "-", "-", "-", "-", "-", "-", "-", "-", "-", "skipped: " + reason});
  return skipped(reason);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// fanout

scenario_output run_fanout(const bench_options& o) {
  scenario_output out;
  auto& j = out.json;
  const std::size_t clients = o.clients.value_or(1000);
  const double rate = o.rate.value_or(2000);
  j["what"] =
      "Redis -> one executor -> N WebSocket clients: WebSocket frames delivered per second to all clients "
      "together at a fixed offered event rate";
  j["main_figure"] = "delivered_frames_per_s";
  j["clients"] = clients;
  j["offered_rate_events_per_s"] = rate;
  text_table t{
      fmt::format("fanout: Redis -> 1 executor -> {} clients, {} events/s offered (demand: {} frames)", clients, rate,
                  fmt_rate(rate * static_cast<double>(clients))),
      {"server", "delivered", "offered", "p50", "p90", "p99", "p99.9", "srv CPU", "cli CPU", "KiB/idle cli", "status"},
      {},
      {}};
  redis_instance redis(o, "fanout");
  j["redis_port"] = redis.port();
  double mdfan_fps = NAN, seed_fps = NAN, nchan_fps = NAN;

  // mdfan --role executor --threads 1
  {
    const auto port = free_port();
    child exec = start_mdfan(o, "fanout-executor",
                             {"--role", "executor", "--threads", "1", "--listen", fmt::format("127.0.0.1:{}", port),
                              "--redis-url", redis.url(), "--log-level", "warn"});
    std::string why;
    json::object r;
    if (!wait_healthy(port, std::chrono::seconds(15), &why)) {
      r = json::object{{"status", "failed"},
                       {"reason", "executor not healthy: " + why + " " + log_tail(exec.log_file())}};
      t.rows.push_back({"mdfan executor", "-", "-", "-", "-", "-", "-", "-", "-", "-", "failed"});
    } else {
      fanout_subject s;
      s.key = "mdfan";
      s.label = "mdfan executor (--threads 1)";
      s.pid = exec.pid();
      s.swarm.ports = {port};
      s.swarm.path = "/ws";
      s.swarm.first_message = R"({"op":"subscribe","topics":["trade:binance:BTC-USDT"]})";
      s.swarm.ready_prefix = R"({"op":"subscribed")";
      s.swarm.latency_key = R"("recv":)";
      s.swarm.sample_every = o.sample_every;
      s.publisher = paced_publisher::redis(redis.port(), "md:trade:binance:BTC-USDT", encode_mdfan_trade);
      r = measure_fanout(o, s, clients, rate, t);
      if (r.at("status").as_string() == "ok") mdfan_fps = r.at("delivered_frames_per_s").to_number<double>();
    }
    exec.stop();
    j["mdfan"] = std::move(r);
  }

  // seed-node executor.js
  {
    json::object r;
    const std::string label = "seed-node executor.js";
    if (interrupted()) {
      r = skipped_row(label, "interrupted", t);
    } else if (o.no_peers) {
      r = skipped_row(label, "--no-peers", t);
    } else if (const auto setup = prepare_seed_node(o); !setup.ok) {
      r = skipped_row(label, setup.reason, t);
    } else {
      const auto port = free_port();
      child exec({o.node, "executor.js"},
                 child_opts("seed-node executor.js", log_path(o, "fanout-seed-node"),
                            {"REDIS_URL=" + redis.url(), fmt::format("PORT={}", port)}, setup.dir));
      if (!wait_for_port(port, std::chrono::seconds(20))) {
        r = json::object{{"status", "failed"}, {"reason", "executor.js did not listen: " + log_tail(exec.log_file())}};
        t.rows.push_back({label, "-", "-", "-", "-", "-", "-", "-", "-", "-", "failed"});
      } else {
        fanout_subject s;
        s.key = "seed_node";
        s.label = label;
        s.pid = exec.pid();
        s.swarm.ports = {port};
        s.swarm.path = "/";
        s.swarm.latency_key = R"("t_ns":)";
        s.swarm.sample_every = o.sample_every;
        s.publisher = paced_publisher::redis(redis.port(), "ws:trade", encode_seed_trade);
        r = measure_fanout(o, s, clients, rate, t);
        if (r.at("status").as_string() == "ok") seed_fps = r.at("delivered_frames_per_s").to_number<double>();
      }
      exec.stop();
    }
    j["seed_node"] = std::move(r);
  }

  // Nchan (nginx) with Redis
  {
    json::object r;
    const std::string label = "Nchan (nginx, 1 worker)";
    if (interrupted()) {
      r = skipped_row(label, "interrupted", t);
    } else if (o.no_peers) {
      r = skipped_row(label, "--no-peers", t);
    } else if (const auto setup = prepare_nchan(o); !setup.ok) {
      r = skipped_row(label, setup.reason, t);
    } else {
      const auto port = free_port();
      child nginx({"sh", setup.dir + "/run.sh", std::to_string(port), redis.url()},
                  child_opts("nchan run.sh", log_path(o, "fanout-nchan")));
      std::string prefix;  // run.sh's temporary nginx prefix, removed afterwards
      if (!wait_for_port(port, std::chrono::seconds(20))) {
        r = json::object{{"status", "failed"}, {"reason", "nginx did not listen: " + log_tail(nginx.log_file())}};
        t.rows.push_back({label, "-", "-", "-", "-", "-", "-", "-", "-", "-", "failed"});
      } else {
        auto cmdline = read_text_file(fmt::format("/proc/{}/cmdline", nginx.pid()));
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        if (const auto at = cmdline.find("-p /tmp/nchan-peer."); at != std::string::npos)
          prefix = cmdline.substr(at + 3, cmdline.find(' ', at + 3) - at - 3);
        fanout_subject s;
        s.key = "nchan";
        s.label = label;
        s.pid = nginx.pid();
        s.swarm.ports = {port};
        s.swarm.path = "/sub/trade";
        s.swarm.latency_key = R"("t_ns":)";
        s.swarm.sample_every = o.sample_every;
        s.publisher = paced_publisher::http(port, "/pub/trade", o.nchan_connections, encode_nchan_trade);
        r = measure_fanout(o, s, clients, rate, t);
        if (r.at("status").as_string() == "ok") nchan_fps = r.at("delivered_frames_per_s").to_number<double>();
      }
      nginx.stop();
      if (!prefix.empty()) {
        std::error_code ec;
        fs::remove_all(prefix, ec);
      }
    }
    j["nchan"] = std::move(r);
  }
  j["ratio_vs_seed_node"] = ratio(mdfan_fps, seed_fps);
  j["ratio_vs_nchan"] = ratio(mdfan_fps, nchan_fps);
  t.notes.push_back(fmt::format("delivered frames/s, mdfan / seed-node: {}   mdfan / Nchan: {}",
                                fmt_ratio(mdfan_fps / seed_fps), fmt_ratio(mdfan_fps / nchan_fps)));
  t.notes.push_back(
      fmt::format("latency: arrival - publish time, every {}th frame per client; CPU in cores over "
                  "the window (cli = the tool's client thread)",
                  o.sample_every));
  out.tables.push_back(std::move(t));
  out.ok = std::isfinite(mdfan_fps);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// e2e

namespace {

// The RESP subscriber beside the executors: per event, the publish hops, and its arrival time for the
// client hop (events are matched by the hash of their JSON, which executors forward verbatim).
struct redis_tap {
  redis_client conn;
  bool sampling = false;
  std::uint64_t messages = 0;
  std::vector<std::int64_t> recv_to_publish, publish_to_redis;
  // The loopback floor: the tool's own PUBLISHes (wall clock in the payload) on floor_channel, as this
  // subscriber receives them — one trip through Redis with two process wake-ups, like the
  // publish -> Redis hop, under the same load.
  static constexpr std::string_view floor_channel = "mdfan-bench:floor";
  std::vector<std::int64_t> floor;
  // Two generations, swapped every 2 s, bound the memory of arrival times.
  std::unordered_map<std::size_t, std::int64_t> arrivals, older;
  std::int64_t rotated_at = 0;
  static constexpr std::size_t max_samples = 4'000'000;

  static std::int64_t number(std::string_view s, std::string_view key) {
    const auto at = s.find(key);
    if (at == std::string_view::npos) return -1;
    std::int64_t v = 0;
    std::size_t i = at + key.size(), digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 19; ++i, ++digits) v = v * 10 + (s[i] - '0');
    return digits ? v : -1;
  }

  void on_readable() {
    if (!conn.fill(std::chrono::milliseconds(0))) return;
    const auto now = wall_now_ns();
    if (now - rotated_at > 2'000'000'000) {
      older.swap(arrivals);
      arrivals.clear();
      rotated_at = now;
    }
    resp_value v;
    while (conn.next_reply(&v)) {
      if (v.type != '*' || v.elems.size() < 3 || v.elems[0].str != "message") continue;
      if (v.elems[1].str == floor_channel) {
        const auto sent = number(v.elems[2].str, "");
        if (sampling && sent > 0) floor.push_back(now - sent);
        continue;
      }
      ++messages;
      const std::string_view payload = v.elems[2].str;
      const auto data_at = payload.find(R"("data":)");
      if (data_at == std::string_view::npos || payload.size() < data_at + 8) continue;
      const auto data = payload.substr(data_at + 7, payload.size() - data_at - 8);  // the envelope ends with '}'
      arrivals[std::hash<std::string_view>{}(data)] = now;
      if (!sampling || recv_to_publish.size() >= max_samples) continue;
      const auto ts = number(payload.substr(0, data_at), R"("ts":)");
      const auto recv = number(data, R"("recv":)");
      if (ts > 0 && recv > 0) recv_to_publish.push_back(ts - recv);
      if (ts > 0) publish_to_redis.push_back(now - ts);
    }
  }

  // Client arrival minus this subscriber's arrival of the same event; -1 when unknown.
  std::int64_t redis_arrival(std::string_view data) const {
    const auto h = std::hash<std::string_view>{}(data);
    if (auto it = arrivals.find(h); it != arrivals.end()) return it->second;
    if (auto it = older.find(h); it != older.end()) return it->second;
    return -1;
  }
};

}  // namespace

scenario_output run_e2e(const bench_options& o) {
  scenario_output out;
  auto& j = out.json;
  const std::size_t clients = o.clients.value_or(10);
  const double rate = o.rate.value_or(20000);
  const auto symbols = split(o.symbols, ',');
  const auto channels = split(o.channels, ',');
  j["what"] =
      "mdfan sim -> mdfan host -> Redis -> mdfan executor(s) -> WebSocket clients at a fixed simulator "
      "rate: latency per hop";
  j["main_figure"] = "latency.total_recv_to_client.p50_us";
  j["sim_rate_messages_per_s"] = rate;
  j["clients"] = clients;
  j["executors"] = o.executors;
  j["channels"] = json::value_from(channels);
  j["symbols"] = json::value_from(symbols);
  j["peers"] = "none: the hops are mdfan's own";
  text_table t{fmt::format("e2e: sim ({} msg/s, {}) -> host -> Redis -> {} executor(s) -> {} clients", rate, o.channels,
                           o.executors, clients),
               {"hop", "p50", "p90", "p99", "p99.9", "samples"},
               {},
               {}};

  redis_instance redis(o, "e2e");
  const auto sim_port = free_port(), host_port = free_port();
  child sim = start_mdfan(o, "e2e-sim",
                          {"sim", "--exchange", "binance", "--listen", fmt::format("127.0.0.1:{}", sim_port), "--rate",
                           fmt::format("{}", rate), "--symbols", o.symbols});
  if (!wait_for_port(sim_port, std::chrono::seconds(15)))
    throw std::runtime_error("mdfan sim did not listen: " + log_tail(sim.log_file()));
  std::vector<child> executors;
  std::vector<std::uint16_t> exec_ports;
  for (int i = 0; i < std::max(1, o.executors); ++i) {
    const auto p = free_port();
    exec_ports.push_back(p);
    executors.push_back(
        start_mdfan(o, fmt::format("e2e-executor-{}", i + 1),
                    {"--role", "executor", "--threads", std::to_string(o.executor_threads), "--listen",
                     fmt::format("127.0.0.1:{}", p), "--redis-url", redis.url(), "--log-level", "warn"}));
  }
  child host = start_mdfan(
      o, "e2e-host",
      {"--role", "host", "--threads", std::to_string(o.host_threads), "--exchange", "binance", "--exchange-ws-url", fmt::format("ws://127.0.0.1:{}", sim_port),
       "--exchange-rest-url", fmt::format("http://127.0.0.1:{}", sim_port), "--symbols", o.symbols, "--channels",
       o.channels, "--redis-url", redis.url(), "--listen", fmt::format("127.0.0.1:{}", host_port), "--log-level",
       "warn"});
  std::string why;
  if (!wait_healthy(host_port, std::chrono::seconds(20), &why))
    throw std::runtime_error("mdfan host not healthy: " + why + " " + log_tail(host.log_file()));
  for (std::size_t i = 0; i < exec_ports.size(); ++i)
    if (!wait_healthy(exec_ports[i], std::chrono::seconds(20), &why))
      throw std::runtime_error("mdfan executor not healthy: " + why + " " + log_tail(executors[i].log_file()));

  // Topics and channels.
  std::vector<std::string> topics, redis_channels;
  for (const auto& c : channels)
    for (const auto& s : symbols) {
      topics.push_back(fmt::format("{}:binance:{}", c, s));
      redis_channels.push_back("md:" + topics.back());
    }
  redis_tap tap;
  if (!tap.conn.connect(redis.port(), std::chrono::seconds(5), &why)) throw std::runtime_error(why);
  {
    std::string req;
    std::vector<std::string_view> args{"SUBSCRIBE", redis_tap::floor_channel};
    for (const auto& c : redis_channels) args.push_back(c);
    append_command(req, args);
    tap.conn.send_raw(req);
  }
  swarm_config sc;
  sc.ports = exec_ports;
  sc.path = "/ws";
  std::string topic_list;
  for (const auto& tp : topics) topic_list += (topic_list.empty() ? "\"" : ",\"") + tp + "\"";
  sc.first_message = R"({"op":"subscribe","topics":[)" + topic_list + "]}";
  sc.ready_prefix = R"({"op":"subscribed")";
  sc.latency_key = R"("recv":)";
  sc.sample_every = o.sample_every;
  ws_swarm swarm(sc);
  swarm.add_external(tap.conn.fd(), [&] { tap.on_readable(); });
  std::vector<std::int64_t> redis_to_client;
  swarm.set_sample_callback([&](std::size_t, std::string_view payload, std::int64_t arrival) {
    const auto at = tap.redis_arrival(payload);
    if (at > 0 && redis_to_client.size() < 4'000'000) redis_to_client.push_back(arrival - at);
  });
  {
    progress_bar bar("e2e: connect", 1);
    bar.update(0, fmt::format("{} clients", clients));
    swarm.connect(clients, std::chrono::milliseconds(10'000 + 20 * static_cast<long>(clients)), &why);
  }
  if (swarm.ready() == 0) throw std::runtime_error("no client became ready: " + why);
  {
    progress_bar bar("e2e: warmup", o.warmup_seconds);
    const auto w0 = mono_now_ns();
    swarm.run_for(std::chrono::milliseconds(static_cast<long>(o.warmup_seconds * 1000)), [&] {
      bar.update(static_cast<double>(mono_now_ns() - w0) / 1e9, fmt::format("{} at Redis", tap.messages));
      return true;
    });
  }
  std::vector<pid_t> pids{host.pid(), sim.pid(), redis.pid()};
  for (auto& e : executors) pids.push_back(e.pid());
  std::vector<double> cpu0;
  for (auto p : pids) cpu0.push_back(process_cpu_seconds(p));
  const double client_cpu0 = thread_cpu_seconds();
  const auto frames0 = swarm.frames(), msgs0 = tap.messages;
  const auto t0 = mono_now_ns();
  swarm.set_sampling(true);
  tap.sampling = true;
  // The floor probe: one PUBLISH per millisecond from its own connection while the window runs.
  std::atomic<bool> probing{true};
  redis_client probe;
  if (!probe.connect(redis.port(), std::chrono::seconds(5), &why)) throw std::runtime_error(why);
  std::thread prober([&] {
    resp_value reply;
    for (int i = 0; i < 600'000 && probing.load(); ++i) {
      const auto ts = std::to_string(wall_now_ns());
      if (!probe.command({"PUBLISH", redis_tap::floor_channel, ts}, reply, std::chrono::seconds(2))) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  {
    progress_bar bar("e2e: measuring", o.seconds);
    swarm.run_for(std::chrono::milliseconds(static_cast<long>(o.seconds * 1000)), [&] {
      const double el = static_cast<double>(mono_now_ns() - t0) / 1e9;
      bar.update(el,
                 fmt::format("{} events at Redis, {} frames", fmt_rate(static_cast<double>(tap.messages - msgs0) / el),
                             fmt_rate(static_cast<double>(swarm.frames() - frames0) / el)));
      return true;
    });
  }
  const double window = static_cast<double>(mono_now_ns() - t0) / 1e9;
  swarm.set_sampling(false);
  tap.sampling = false;
  probing = false;
  prober.join();
  if (interrupted()) {
    j["mdfan"] = json::object{{"status", "failed"}, {"reason", "interrupted"}};
    out.ok = false;
    return out;
  }
  const double events_at_redis = static_cast<double>(tap.messages - msgs0) / window;
  const double delivered = static_cast<double>(swarm.frames() - frames0) / window;
  json::object cpu;
  const char* names[] = {"host", "sim", "redis"};
  for (std::size_t i = 0; i < pids.size(); ++i) {
    const std::string name = i < 3 ? names[i] : fmt::format("executor_{}", i - 2);
    cpu[name] = round2((process_cpu_seconds(pids[i]) - cpu0[i]) / window);
  }
  cpu["client_thread"] = round2((thread_cpu_seconds() - client_cpu0) / window);

  auto& total = swarm.samples();
  json::object m;
  m["status"] = "ok";
  m["window_s"] = std::round(window * 1000) / 1000;
  m["events_at_redis_per_s"] = std::round(events_at_redis);
  m["delivered_frames_per_s"] = std::round(delivered);
  m["clients_ready"] = swarm.ready();
  m["gap_notices"] = swarm.gap_frames();
  json::object lat;
  auto hop = [&](const char* key, const char* label, std::vector<std::int64_t>& v) {
    auto cells = latency_cells(v);
    t.rows.push_back({label, cells[0], cells[1], cells[2], cells[3], std::to_string(v.size())});
    lat[key] = latency_json(v);
  };
  hop("recv_to_publish", "exchange receive -> publish (host)", tap.recv_to_publish);
  hop("publish_to_redis", "publish -> Redis delivery (tap)", tap.publish_to_redis);
  hop("redis_to_client", "Redis delivery -> client (executor)", redis_to_client);
  hop("total_recv_to_client", "total: exchange receive -> client", total);
  hop("floor_redis_pubsub", "floor: tool PUBLISH -> tool subscriber", tap.floor);
  // The path from exchange receive to client crosses Redis once and wakes three processes (Redis, an
  // executor, a client) where the floor wakes two: the ratio says how far above that floor mdfan is.
  const auto p50_of = [&](const char* key) {
    const auto* o = lat[key].if_object();
    const auto* v = o ? o->if_contains("p50_us") : nullptr;
    return v && v->is_number() ? v->to_number<double>() : 0.0;
  };
  if (p50_of("floor_redis_pubsub") > 0)
    m["ratio_vs_redis_floor"] = round2(p50_of("total_recv_to_client") / p50_of("floor_redis_pubsub"));
  m["latency"] = std::move(lat);
  m["cpu_cores"] = std::move(cpu);
  j["mdfan"] = std::move(m);
  t.notes.push_back(fmt::format("events at Redis: {}; frames delivered: {} to {} clients", fmt_rate(events_at_redis),
                                fmt_rate(delivered), swarm.ready()));
  t.notes.push_back(
      "the Redis-delivery time is taken by a RESP subscriber in the tool, a second subscriber beside "
      "the executor(s); client hops are matched to it by the event's JSON");
  t.notes.push_back(
      "floor: the tool's own PUBLISH (1/ms, own connection) to its subscriber through the same Redis during "
      "the window: one Redis trip with two process wake-ups, the least any hop through Redis can take here");
  out.tables.push_back(std::move(t));
  for (auto& e : executors) e.stop();
  host.stop();
  sim.stop();
  return out;
}

}  // namespace mdfan::bench
