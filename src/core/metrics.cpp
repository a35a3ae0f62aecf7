#include "core/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mdfan {

metrics_registry::entry* metrics_registry::find(std::string_view name, std::string_view labels) const {
  for (const auto& e : entries_)
    if (e->name == name && e->labels == labels) return e.get();
  return nullptr;
}

counter& metrics_registry::get_counter(std::string_view name, std::string_view help, std::string_view labels) {
  std::lock_guard lock(mu_);
  if (auto* e = find(name, labels); e && e->c) return *e->c;
  auto e = std::make_unique<entry>();
  e->name = name;
  e->help = help;
  e->labels = labels;
  e->is_counter = true;
  e->c = std::make_unique<counter>();
  auto& ref = *e->c;
  entries_.push_back(std::move(e));
  return ref;
}

gauge& metrics_registry::get_gauge(std::string_view name, std::string_view help, std::string_view labels) {
  std::lock_guard lock(mu_);
  if (auto* e = find(name, labels); e && e->g) return *e->g;
  auto e = std::make_unique<entry>();
  e->name = name;
  e->help = help;
  e->labels = labels;
  e->is_counter = false;
  e->g = std::make_unique<gauge>();
  auto& ref = *e->g;
  entries_.push_back(std::move(e));
  return ref;
}

std::int64_t metrics_registry::value(std::string_view name, std::string_view labels) const {
  std::lock_guard lock(mu_);
  const auto* e = find(name, labels);
  if (!e) return 0;
  return e->is_counter ? static_cast<std::int64_t>(e->c->value()) : e->g->value();
}

std::string metrics_registry::render() const {
  std::lock_guard lock(mu_);
  std::vector<const entry*> sorted;
  sorted.reserve(entries_.size());
  for (const auto& e : entries_) sorted.push_back(e.get());
  std::stable_sort(sorted.begin(), sorted.end(), [](const entry* a, const entry* b) { return a->name < b->name; });
  std::string out;
  std::string_view last;
  for (const auto* e : sorted) {
    if (e->name != last) {
      fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", e->name, e->help, e->name,
                     e->is_counter ? "counter" : "gauge");
      last = e->name;
    }
    const std::int64_t v = e->is_counter ? static_cast<std::int64_t>(e->c->value()) : e->g->value();
    if (e->labels.empty()) {
      fmt::format_to(std::back_inserter(out), "{} {}\n", e->name, v);
    } else {
      fmt::format_to(std::back_inserter(out), "{}{{{}}} {}\n", e->name, e->labels, v);
    }
  }
  return out;
}

}  // namespace mdfan
