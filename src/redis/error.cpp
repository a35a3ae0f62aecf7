#include "redis/error.hpp"

#include <string>

namespace mdfan::redis {
namespace {

// The category of mdfan::redis::error.
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "mdfan.redis"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::connect_timeout: return "Redis connect timeout";
      case error::health_timeout: return "Redis health check timeout";
      case error::protocol: return "Redis protocol error";
      case error::handshake_failed: return "Redis AUTH/SELECT refused";
      case error::server_error: return "Redis error reply";
      case error::not_connected: return "Redis connection not established";
      case error::connection_lost: return "Redis connection lost";
      case error::queue_full: return "Redis write buffer full";
      case error::stopped: return "Redis connection stopped";
    }
    return "unknown Redis error";
  }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const category c;
  return c;
}

}  // namespace mdfan::redis
