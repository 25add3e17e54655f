// Verification of the messages a peer sends: everything a gateway or a client reads
// from a connection passes here before any field is touched. Beyond the generated
// FlatBuffers Verifier (bounds, depth and table limits, required fields, the nested
// order/decision/quote buffers) it checks what the Verifier does not: the message's
// file identifier, that the body is of a type this build knows, the identifiers and
// alignment of nested buffers, and, for requests, the rules the schema states in words
// (an adjustment kind and its quantity field, the exception code of delayed and failed
// events). A refusal names the request and what is wrong with it, as the peer will
// read it:
//   request 42: RouteOrder.order is not a valid Order buffer
//   request 7: AdjustInventory.counted is required for a cycle_count
//   frame of 3 bytes is too short for a message
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "edgeroute/protocol/checked.h"
#include "edgeroute/protocol/fbs/protocol_generated.h"

namespace edgeroute::protocol {

inline constexpr const char* kRequestIdentifier = "ERRQ";
inline constexpr const char* kResponseIdentifier = "ERRS";

// The request a payload holds, or why it is refused: malformed_frame (identifier,
// structure, nested buffers), unknown_request (a body type this build does not know)
// or invalid_request (well-formed, not meaningful). The refusal carries the request id
// whenever it could be read.
// REQUIRES: payload.data() is 8-byte aligned (FrameReader's payloads are).
Checked<const fbs::Request*> verify_request(std::span<const std::uint8_t> payload);

// The response a payload holds, or why it is not one (malformed_frame,
// unknown_request for a body type this build does not know).
// REQUIRES: payload.data() is 8-byte aligned.
Checked<const fbs::Response*> verify_response(std::span<const std::uint8_t> payload);

// The request_id of a Request or Response payload when its root table can be read,
// whatever the state of its body.
// REQUIRES: payload.data() is 8-byte aligned.
std::optional<std::uint64_t> readable_request_id(std::span<const std::uint8_t> payload);

}  // namespace edgeroute::protocol
