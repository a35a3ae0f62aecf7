// The parse benchmark's main: runs every registered benchmark (Google Benchmark flags apply), then
// prints, for each "<exchange>/<type>/mdfan" with a "<exchange>/<type>/simdjson" twin, the time per
// message of both and their ratio (mdfan / bare simdjson extraction of the same fields), and where an
// "<exchange>/<type>/general" twin exists (the parser with its fast path off), that time too.
// It also counts heap allocations (the replaced global operator new below), which run_parser reports.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <simdjson.h>
#include <unistd.h>

#include "bench_util.hpp"

namespace {

thread_local std::size_t allocation_count = 0;  // per thread: no atomic on the measured path

}  // namespace

std::size_t mdfan::bench::allocations() noexcept { return allocation_count; }

void* operator new(std::size_t n) {
  ++allocation_count;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

class collecting_reporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal: a redirected run gives plain text.
  collecting_reporter() : ConsoleReporter(::isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      const std::string name = r.run_name.function_name;
      ns[name] = r.GetAdjustedCPUTime();  // per iteration, in the benchmark's time unit (ns by default)
    }
  }
  std::map<std::string, double> ns;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  collecting_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  // The kernel the inlined On-Demand code was compiled for (set by -march; see MDFAN_ARCH in CMakeLists.txt).
#define MDFAN_STR2(x) #x
#define MDFAN_STR(x) MDFAN_STR2(x)
  std::printf("\nsimdjson On-Demand kernel compiled in: %s\n", MDFAN_STR(SIMDJSON_BUILTIN_IMPLEMENTATION));
  // "general": the same parser with the fast path off (every message through simdjson), where the
  // exchange has a fast path for the type.
  bool header = false;
  auto cell = [](const std::map<std::string, double>& m, const std::string& key, char* buf, std::size_t n) {
    const auto it = m.find(key);
    if (it == m.end()) {
      std::snprintf(buf, n, "%s", "-");
    } else {
      std::snprintf(buf, n, "%.1f", it->second);
    }
    return it == m.end() ? 0.0 : it->second;
  };
  for (const auto& [name, t] : reporter.ns) {
    const auto slash = name.rfind("/mdfan");
    if (slash == std::string::npos || slash + 6 != name.size()) continue;
    const std::string base = name.substr(0, slash);
    if (!header) {
      std::printf("\n%-36s %12s %12s %12s %8s\n", "message", "mdfan ns", "general ns", "simdjson ns", "ratio");
      header = true;
    }
    char general[32], bare[32], ratio[32] = "-";
    cell(reporter.ns, base + "/general", general, sizeof general);
    const double b = cell(reporter.ns, base + "/simdjson", bare, sizeof bare);
    if (b > 0) std::snprintf(ratio, sizeof ratio, "%.2fx", t / b);
    std::printf("%-36s %12.1f %12s %12s %8s\n", base.c_str(), t, general, bare, ratio);
  }
  return 0;
}
