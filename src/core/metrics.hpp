#pragma once
// Process-wide counters and gauges, rendered as Prometheus text on /metrics.
// Registration (start-up) takes a lock; the hot path only touches relaxed atomics.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mdfan {

class counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

class gauge {
 public:
  void set(std::int64_t v) noexcept { v_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t d) noexcept { v_.fetch_add(d, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> v_{0};
};

// Owns every metric; references it hands out stay valid for its lifetime.
// The same (name, labels) pair registered twice returns the same metric.
class metrics_registry {
 public:
  // `labels` is the Prometheus label body without braces, e.g. R"(type="trade")", or empty.
  counter& get_counter(std::string_view name, std::string_view help, std::string_view labels = {});
  gauge& get_gauge(std::string_view name, std::string_view help, std::string_view labels = {});

  // Current value of a metric (0 when not registered); for tests and /health.
  std::int64_t value(std::string_view name, std::string_view labels = {}) const;

  std::string render() const;

 private:
  struct entry {
    std::string name, help, labels;
    bool is_counter;
    std::unique_ptr<counter> c;
    std::unique_ptr<gauge> g;
  };
  entry* find(std::string_view name, std::string_view labels) const;

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<entry>> entries_;
};

}  // namespace mdfan
