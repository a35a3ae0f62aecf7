#pragma once
// Decoding an event from a simdjson On-Demand object that sits inside a larger document (the bridge's
// envelope), so the envelope and its event take one parse. Internal to the codec's users that already
// hold a simdjson document; everyone else uses decode_json() (core/codec.hpp).
#include <simdjson.h>

#include <string>

#include "mdfan/event.hpp"

namespace mdfan {

// As decode_json(), from `obj` (consumed).
bool decode_json_object(simdjson::ondemand::object obj, event& out, std::string* error = nullptr);

}  // namespace mdfan
