#pragma once
// Shared by the parse benchmarks: fixture loading, the two loops every exchange measures, and the
// naming rule the ratio table relies on.
//
// Name every benchmark "<exchange>/<message type>/mdfan" (our parse + normalize into events) and its
// twin "<exchange>/<message type>/simdjson" (a bare simdjson On-Demand extraction of the same fields
// into std::string_view / numbers, nothing normalized): bench_main prints the ratio of each pair.
#include <cstddef>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include "adapters/common/wire_shape.hpp"

namespace mdfan::bench {

// tests/fixtures/<exchange>/<file>, whole. Throws when missing (a benchmark must not measure nothing).
inline std::string fixture(const std::string& exchange, const std::string& file) {
  const std::string path = std::string(MDFAN_FIXTURES_DIR) + "/" + exchange + "/" + file;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("bench: missing fixture " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A message followed by 64 readable bytes (simdjson padding), as the WebSocket client delivers it.
struct padded_message {
  explicit padded_message(std::string text) : size(text.size()) {
    text.append(64, '\0');
    storage = std::move(text);
  }
  std::string_view view() const noexcept { return {storage.data(), size}; }
  std::string storage;
  std::size_t size;
};

// The bare baseline: every field of a value touched (keys and strings as views, numbers as their raw
// text), nothing normalized or stored.
inline std::size_t walk_all(simdjson::ondemand::value v) {
  simdjson::ondemand::json_type t;
  if (v.type().get(t)) return 0;
  switch (t) {
    case simdjson::ondemand::json_type::object: {
      std::size_t n = 0;
      simdjson::ondemand::object obj;
      if (v.get_object().get(obj)) return 0;
      for (auto f : obj) {
        std::string_view key;
        simdjson::ondemand::value fv;
        if (f.unescaped_key().get(key) || f.value().get(fv)) return 0;
        n += key.size() + walk_all(fv);
      }
      return n;
    }
    case simdjson::ondemand::json_type::array: {
      std::size_t n = 0;
      simdjson::ondemand::array arr;
      if (v.get_array().get(arr)) return 0;
      for (auto e : arr) {
        simdjson::ondemand::value ev;
        if (e.get(ev)) return 0;
        n += walk_all(ev);
      }
      return n;
    }
    case simdjson::ondemand::json_type::string: {
      std::string_view s;
      return v.get_string().get(s) ? 0 : s.size();
    }
    case simdjson::ondemand::json_type::number: return v.raw_json_token().size();
    case simdjson::ondemand::json_type::boolean: {
      bool b = false;
      return v.get_bool().get(b) ? 0 : (b ? 1 : 0);
    }
    default: return 0;
  }
}

// The fixture as it comes off the wire: minified, padded.
inline padded_message minified(const std::string& exchange, const std::string& file) {
  const std::string text = fixture(exchange, file);
  std::string out(text.size(), '\0');
  std::size_t len = 0;
  if (simdjson::minify(text.data(), text.size(), out.data(), len))
    throw std::runtime_error("bench: bad fixture " + file);
  out.resize(len);
  return padded_message(std::move(out));
}

// Heap allocations made by this thread so far (bench_main replaces the global operator new).
std::size_t allocations() noexcept;

// The mdfan side: one parser, one reused output, the message parsed once per iteration. Reports the
// heap allocations per message as the counter "allocs" (0 in the steady state is the goal).
template <class Parser, class Message, class Error>
void run_parser(benchmark::State& state, Parser& parser, const padded_message& msg) {
  Message out;
  Error err;
  const auto fast_before = adapters::fast_path_hits();
  const std::size_t before = allocations();
  for (auto _ : state) {
    const bool ok = parser.parse_padded(msg.view(), 1, out, err);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(&out);
    benchmark::ClobberMemory();
    if (!ok) {
      state.SkipWithError("parse failed");
      break;
    }
  }
  state.counters["allocs"] =
      benchmark::Counter(static_cast<double>(allocations() - before), benchmark::Counter::kAvgIterations);
  // The share of messages the fast path read (1: all; 0: the general simdjson path read every one).
  state.counters["fast"] = benchmark::Counter(static_cast<double>(adapters::fast_path_hits() - fast_before),
                                              benchmark::Counter::kAvgIterations);
}

// The mdfan side with the fast path off: every message through the general simdjson path.
template <class Parser, class Message, class Error>
void run_parser_general(benchmark::State& state, Parser& parser, const padded_message& msg) {
  adapters::fast_path_enabled() = false;
  run_parser<Parser, Message, Error>(state, parser, msg);
  adapters::fast_path_enabled() = true;
}

// The bare side: iterate the document and walk_all() of its root.
inline void run_bare(benchmark::State& state, const padded_message& msg) {
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    simdjson::ondemand::document doc;
    simdjson::ondemand::value root;
    if (parser.iterate(msg.view().data(), msg.size, msg.storage.size()).get(doc) || doc.get_value().get(root)) {
      state.SkipWithError("bad json");
      break;
    }
    benchmark::DoNotOptimize(walk_all(root));
  }
}

}  // namespace mdfan::bench
