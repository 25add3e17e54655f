#include "edgeroute/protocol/verify.h"

#include <cctype>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "edgeroute/protocol/frame.h"

namespace edgeroute::protocol {
namespace {

using flatbuffers::Table;
using flatbuffers::Verifier;
using flatbuffers::voffset_t;
namespace routing_fbs = edgeroute::routing::fbs;

// A message nests at most: root, body, vector, table, string. The table limit bounds
// the work one frame can cost; a 1 MiB frame of real messages holds far fewer.
constexpr flatbuffers::uoffset_t kMaxDepth = 16;
constexpr flatbuffers::uoffset_t kMaxTables = 100000;
// A root offset and a file identifier.
constexpr std::size_t kMinimumMessageBytes = 8;

Verifier::Options verifier_options() {
  Verifier::Options options;
  options.max_depth = kMaxDepth;
  options.max_tables = kMaxTables;
  return options;
}

bool is_aligned(const void* pointer) {
  return reinterpret_cast<std::uintptr_t>(pointer) % kMessageAlignment == 0;
}

// The four identifier bytes as text a person can read: "ERDE", or "\x00\x01AB".
std::string identifier_text(const std::uint8_t* bytes) {
  std::string text;
  for (std::size_t i = 0; i < flatbuffers::kFileIdentifierLength; ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (std::isprint(byte) != 0 && byte != '"' && byte != '\\') {
      text.push_back(static_cast<char>(byte));
    } else {
      text += fmt::format("\\x{:02x}", byte);
    }
  }
  return text;
}

std::string_view identifier_of(const std::uint8_t* buffer) {
  return {reinterpret_cast<const char*>(buffer) + sizeof(flatbuffers::uoffset_t),
          flatbuffers::kFileIdentifierLength};
}

// Size and file identifier of a payload meant to hold `kind` ("Request").
std::optional<std::string> envelope_fault(std::span<const std::uint8_t> payload,
                                          std::string_view identifier, std::string_view kind,
                                          std::string_view other_identifier,
                                          std::string_view other_kind) {
  if (payload.size() < kMinimumMessageBytes) {
    if (payload.empty()) return "frame of 0 bytes";
    return fmt::format("frame of {} bytes is too short for a message", payload.size());
  }
  const std::string_view found = identifier_of(payload.data());
  if (found == identifier) return std::nullopt;
  if (found == other_identifier) return fmt::format("frame holds a {}, not a {}", other_kind, kind);
  return fmt::format("frame is not a {} (file identifier \"{}\", expected \"{}\")", kind,
                     identifier_text(payload.data() + sizeof(flatbuffers::uoffset_t)), identifier);
}

// "an Order", "a Decision".
std::string_view article(std::string_view noun) {
  return noun.find_first_of("AEIOU") == 0 ? "an" : "a";
}

enum class Presence : std::uint8_t { optional, required };

// Finds the first fault in a message's tables, field by field, to name it: the generated
// Verifier only says whether there is one. Each check verifies what it reads before
// reading it, and after a fault nothing more is read. Also checks what the generated
// Verifier does not: nested buffers' identifiers and alignment. `deep` is false when
// the generated Verifier has passed the message already, so nested buffers need not be
// verified a second time.
class Inspector {
 public:
  Inspector(std::span<const std::uint8_t> payload, bool deep)
      : buffer_(payload.data()),
        verifier_(payload.data(), payload.size(), verifier_options()),
        deep_(deep) {}

  const std::optional<std::string>& fault() const { return fault_; }

  // False (with the fault) when the table cannot be read.
  bool table(const Table* table, std::string_view name) {
    if (fault_) return false;
    if (!table->VerifyTableStart(verifier_)) {
      fail(fmt::format("{} is damaged", name));
      return false;
    }
    // Depth is the generated Verifier's concern; here it would only count the tables
    // inspected one after another as nested.
    verifier_.EndTable();
    return true;
  }

  template <typename T>
  void scalar(const Table& table, voffset_t field, std::string_view name) {
    if (fault_) return;
    if (!table.VerifyField<T>(verifier_, field, sizeof(T)))
      fail(fmt::format("{} is damaged", name));
  }

  // The table an offset field points to, or nullptr (absent, or a fault).
  const Table* subtable(const Table& table, voffset_t field, std::string_view name,
                        Presence presence) {
    if (!offset(table, field, name, presence)) return nullptr;
    const auto* child = table.GetPointer<const Table*>(field);
    if (child != nullptr && !this->table(child, name)) return nullptr;
    return child;
  }

  void string(const Table& table, voffset_t field, std::string_view name, Presence presence) {
    if (!offset(table, field, name, presence)) return;
    const auto* text = table.GetPointer<const flatbuffers::String*>(field);
    if (text != nullptr && !verifier_.VerifyString(text)) {
      fail(fmt::format("{} is not a valid string", name));
    }
  }

  template <typename Root>
  void nested(const Table& table, voffset_t field, std::string_view name, Presence presence,
              const char* identifier, std::string_view root_name) {
    if (!offset(table, field, name, presence)) return;
    const auto* bytes = table.GetPointer<const flatbuffers::Vector<std::uint8_t>*>(field);
    if (bytes == nullptr) return;
    if (!verifier_.VerifyVector(bytes)) {
      fail(fmt::format("{} is damaged", name));
      return;
    }
    if (bytes->size() < kMinimumMessageBytes || identifier_of(bytes->data()) != identifier) {
      fail(fmt::format("{} is not {} {} buffer (file identifier \"{}\" expected)", name,
                       article(root_name), root_name, identifier));
      return;
    }
    // FlatBuffers reads a nested buffer in place: its 8-byte fields are aligned only
    // if the buffer itself is (builders.h forces it).
    if (!is_aligned(bytes->data())) {
      fail(fmt::format("{} does not start at an 8-byte boundary of the message", name));
      return;
    }
    if (!deep_) return;
    Verifier nested_verifier(bytes->data(), bytes->size(), verifier_options());
    if (!nested_verifier.VerifyBuffer<Root>(identifier)) {
      fail(fmt::format("{} is not a valid {} buffer", name, root_name));
    }
  }

  // Each element of a vector of tables, inspected by `each(table, "name[i]")`.
  template <typename Each>
  void tables(const Table& table, voffset_t field, std::string_view name, Each each) {
    if (!offset(table, field, name, Presence::optional)) return;
    const auto* elements =
        table.GetPointer<const flatbuffers::Vector<flatbuffers::Offset<Table>>*>(field);
    if (elements == nullptr) return;
    if (!verifier_.VerifyVector(elements)) {
      fail(fmt::format("{} is damaged", name));
      return;
    }
    const auto* slots = reinterpret_cast<const std::uint8_t*>(elements->Data());
    for (flatbuffers::uoffset_t i = 0; i < elements->size() && !fault_; ++i) {
      const std::string element_name = fmt::format("{}[{}]", name, i);
      // Where the element's offset points must be inside the message before it is used.
      const auto slot = static_cast<std::size_t>(
          slots + std::size_t{i} * sizeof(flatbuffers::uoffset_t) - buffer_);
      if (verifier_.VerifyOffset(slot) == 0) {
        fail(fmt::format("{} is damaged", element_name));
        return;
      }
      const Table* element = elements->Get(i);
      if (this->table(element, element_name)) each(*element, element_name);
    }
  }

 private:
  bool offset(const Table& table, voffset_t field, std::string_view name, Presence presence) {
    if (fault_) return false;
    if (presence == Presence::required && !table.CheckField(field)) {
      fail(fmt::format("{} is missing", name));
      return false;
    }
    if (!table.VerifyOffset(verifier_, field)) {
      fail(fmt::format("{} is damaged", name));
      return false;
    }
    return true;
  }

  void fail(std::string message) {
    if (!fault_) fault_ = std::move(message);
  }

  const std::uint8_t* buffer_;
  Verifier verifier_;
  bool deep_;
  std::optional<std::string> fault_;
};

void inspect_request_body(Inspector& in, fbs::RequestBody type, const void* body) {
  const auto* table = static_cast<const Table*>(body);
  if (!in.table(table, fbs::EnumNameRequestBody(type))) return;
  const Table& t = *table;
  constexpr auto required = Presence::required;
  constexpr auto optional = Presence::optional;
  switch (type) {
    case fbs::RequestBody::RouteOrder:
      in.nested<routing_fbs::Order>(t, fbs::RouteOrder::VT_ORDER, "RouteOrder.order", required,
                                    routing_fbs::OrderIdentifier(), "Order");
      break;
    case fbs::RequestBody::QuoteRequest:
      in.nested<routing_fbs::Order>(t, fbs::QuoteRequest::VT_ORDER, "QuoteRequest.order", required,
                                    routing_fbs::OrderIdentifier(), "Order");
      break;
    case fbs::RequestBody::CancelOrder:
      in.string(t, fbs::CancelOrder::VT_ORDER_ID, "CancelOrder.order_id", required);
      in.string(t, fbs::CancelOrder::VT_REASON, "CancelOrder.reason", optional);
      break;
    case fbs::RequestBody::AdjustInventory:
      in.string(t, fbs::AdjustInventory::VT_NODE_ID, "AdjustInventory.node_id", required);
      in.string(t, fbs::AdjustInventory::VT_SKU_ID, "AdjustInventory.sku_id", required);
      in.scalar<std::int8_t>(t, fbs::AdjustInventory::VT_KIND, "AdjustInventory.kind");
      in.scalar<std::int32_t>(t, fbs::AdjustInventory::VT_DELTA, "AdjustInventory.delta");
      in.scalar<std::int32_t>(t, fbs::AdjustInventory::VT_COUNTED, "AdjustInventory.counted");
      in.string(t, fbs::AdjustInventory::VT_REFERENCE, "AdjustInventory.reference", optional);
      break;
    case fbs::RequestBody::ReportFulfillment:
      in.string(t, fbs::ReportFulfillment::VT_ORDER_ID, "ReportFulfillment.order_id", required);
      in.string(t, fbs::ReportFulfillment::VT_NODE_ID, "ReportFulfillment.node_id", required);
      in.scalar<std::int8_t>(t, fbs::ReportFulfillment::VT_EVENT, "ReportFulfillment.event");
      in.string(t, fbs::ReportFulfillment::VT_OCCURRED_AT, "ReportFulfillment.occurred_at",
                required);
      in.string(t, fbs::ReportFulfillment::VT_EXCEPTION_CODE, "ReportFulfillment.exception_code",
                optional);
      in.string(t, fbs::ReportFulfillment::VT_DETAIL, "ReportFulfillment.detail", optional);
      in.string(t, fbs::ReportFulfillment::VT_EXPECTED_DELIVERY_DATE,
                "ReportFulfillment.expected_delivery_date", optional);
      break;
    case fbs::RequestBody::QueryOrder:
      in.string(t, fbs::QueryOrder::VT_ORDER_ID, "QueryOrder.order_id", required);
      break;
    case fbs::RequestBody::QueryInventory:
      in.string(t, fbs::QueryInventory::VT_SKU_ID, "QueryInventory.sku_id", required);
      in.string(t, fbs::QueryInventory::VT_NODE_ID, "QueryInventory.node_id", optional);
      break;
    case fbs::RequestBody::RollbackPolicy:
      in.string(t, fbs::RollbackPolicy::VT_REASON, "RollbackPolicy.reason", optional);
      break;
    case fbs::RequestBody::Ping:
    case fbs::RequestBody::GatewayStatusRequest:
    case fbs::RequestBody::NONE: break;
  }
}

void inspect_response_body(Inspector& in, fbs::ResponseBody type, const void* body) {
  const auto* table = static_cast<const Table*>(body);
  if (!in.table(table, fbs::EnumNameResponseBody(type))) return;
  const Table& t = *table;
  constexpr auto required = Presence::required;
  constexpr auto optional = Presence::optional;
  switch (type) {
    case fbs::ResponseBody::RouteOrderResult:
      in.nested<routing_fbs::Decision>(t, fbs::RouteOrderResult::VT_DECISION,
                                       "RouteOrderResult.decision", required,
                                       routing_fbs::DecisionIdentifier(), "Decision");
      break;
    case fbs::ResponseBody::QuoteResult:
      in.nested<routing_fbs::Quote>(t, fbs::QuoteResult::VT_QUOTE, "QuoteResult.quote", required,
                                    routing_fbs::QuoteIdentifier(), "Quote");
      break;
    case fbs::ResponseBody::CancelOrderResult:
      in.string(t, fbs::CancelOrderResult::VT_ORDER_ID, "CancelOrderResult.order_id", required);
      in.scalar<std::uint8_t>(t, fbs::CancelOrderResult::VT_RELEASED, "CancelOrderResult.released");
      in.scalar<std::uint64_t>(t, fbs::CancelOrderResult::VT_JOURNAL_SEQUENCE,
                               "CancelOrderResult.journal_sequence");
      break;
    case fbs::ResponseBody::AdjustInventoryResult:
      in.string(t, fbs::AdjustInventoryResult::VT_NODE_ID, "AdjustInventoryResult.node_id",
                required);
      in.string(t, fbs::AdjustInventoryResult::VT_SKU_ID, "AdjustInventoryResult.sku_id", required);
      in.scalar<std::int32_t>(t, fbs::AdjustInventoryResult::VT_ON_HAND,
                              "AdjustInventoryResult.on_hand");
      in.scalar<std::int32_t>(t, fbs::AdjustInventoryResult::VT_RESERVED,
                              "AdjustInventoryResult.reserved");
      in.scalar<std::int32_t>(t, fbs::AdjustInventoryResult::VT_OVERSOLD_UNITS,
                              "AdjustInventoryResult.oversold_units");
      in.scalar<std::uint64_t>(t, fbs::AdjustInventoryResult::VT_JOURNAL_SEQUENCE,
                               "AdjustInventoryResult.journal_sequence");
      break;
    case fbs::ResponseBody::ReportFulfillmentResult:
      in.string(t, fbs::ReportFulfillmentResult::VT_ORDER_ID, "ReportFulfillmentResult.order_id",
                required);
      in.scalar<std::uint64_t>(t, fbs::ReportFulfillmentResult::VT_JOURNAL_SEQUENCE,
                               "ReportFulfillmentResult.journal_sequence");
      in.scalar<std::uint8_t>(t, fbs::ReportFulfillmentResult::VT_REROUTED,
                              "ReportFulfillmentResult.rerouted");
      break;
    case fbs::ResponseBody::OrderState:
      in.string(t, fbs::OrderState::VT_ORDER_ID, "OrderState.order_id", required);
      in.scalar<std::int8_t>(t, fbs::OrderState::VT_STATUS, "OrderState.status");
      in.nested<routing_fbs::Decision>(t, fbs::OrderState::VT_DECISION, "OrderState.decision",
                                       optional, routing_fbs::DecisionIdentifier(), "Decision");
      in.scalar<std::uint64_t>(t, fbs::OrderState::VT_JOURNAL_SEQUENCE,
                               "OrderState.journal_sequence");
      break;
    case fbs::ResponseBody::InventoryState:
      in.string(t, fbs::InventoryState::VT_SKU_ID, "InventoryState.sku_id", required);
      in.tables(t, fbs::InventoryState::VT_LEVELS, "InventoryState.levels",
                [&](const Table& level, const std::string& name) {
                  in.string(level, fbs::NodeStock::VT_NODE_ID, name + ".node_id", required);
                  in.scalar<std::int32_t>(level, fbs::NodeStock::VT_ON_HAND, name + ".on_hand");
                  in.scalar<std::int32_t>(level, fbs::NodeStock::VT_RESERVED, name + ".reserved");
                });
      break;
    case fbs::ResponseBody::Pong:
      in.string(t, fbs::Pong::VT_GATEWAY_ID, "Pong.gateway_id", optional);
      in.string(t, fbs::Pong::VT_GATEWAY_TIME, "Pong.gateway_time", optional);
      break;
    case fbs::ResponseBody::GatewayStatus:
      in.string(t, fbs::GatewayStatus::VT_GATEWAY_ID, "GatewayStatus.gateway_id", optional);
      in.scalar<std::uint8_t>(t, fbs::GatewayStatus::VT_READY, "GatewayStatus.ready");
      in.scalar<std::uint8_t>(t, fbs::GatewayStatus::VT_ACCEPTING, "GatewayStatus.accepting");
      in.scalar<std::uint64_t>(t, fbs::GatewayStatus::VT_JOURNAL_LAST_SEQUENCE,
                               "GatewayStatus.journal_last_sequence");
      in.scalar<std::uint64_t>(t, fbs::GatewayStatus::VT_JOURNAL_ACKNOWLEDGED_SEQUENCE,
                               "GatewayStatus.journal_acknowledged_sequence");
      in.scalar<std::uint64_t>(t, fbs::GatewayStatus::VT_POLICY_VERSION,
                               "GatewayStatus.policy_version");
      in.scalar<std::uint64_t>(t, fbs::GatewayStatus::VT_NETWORK_VERSION,
                               "GatewayStatus.network_version");
      in.scalar<std::uint32_t>(t, fbs::GatewayStatus::VT_INGRESS_QUEUE_DEPTH,
                               "GatewayStatus.ingress_queue_depth");
      in.scalar<std::uint32_t>(t, fbs::GatewayStatus::VT_JOURNAL_QUEUE_DEPTH,
                               "GatewayStatus.journal_queue_depth");
      in.scalar<std::uint32_t>(t, fbs::GatewayStatus::VT_ROUTING_WORKERS,
                               "GatewayStatus.routing_workers");
      in.scalar<std::uint64_t>(t, fbs::GatewayStatus::VT_UPTIME_SECONDS,
                               "GatewayStatus.uptime_seconds");
      in.string(t, fbs::GatewayStatus::VT_DETAIL, "GatewayStatus.detail", optional);
      in.string(t, fbs::GatewayStatus::VT_SYNC_DETAIL, "GatewayStatus.sync_detail", optional);
      in.string(t, fbs::GatewayStatus::VT_POLICY_DETAIL, "GatewayStatus.policy_detail", optional);
      break;
    case fbs::ResponseBody::PolicyRolledBack:
      in.scalar<std::uint64_t>(t, fbs::PolicyRolledBack::VT_ROLLED_BACK_VERSION,
                               "PolicyRolledBack.rolled_back_version");
      in.scalar<std::uint64_t>(t, fbs::PolicyRolledBack::VT_ACTIVE_VERSION,
                               "PolicyRolledBack.active_version");
      in.scalar<std::uint64_t>(t, fbs::PolicyRolledBack::VT_SEQUENCE, "PolicyRolledBack.sequence");
      break;
    case fbs::ResponseBody::Error:
      in.scalar<std::uint8_t>(t, fbs::Error::VT_CODE, "Error.code");
      in.string(t, fbs::Error::VT_MESSAGE, "Error.message", optional);
      break;
    case fbs::ResponseBody::NONE: break;
  }
}

std::optional<std::string> empty_fault(const flatbuffers::String* text, std::string_view name) {
  if (text == nullptr || text->size() == 0) return fmt::format("{} is empty", name);
  return std::nullopt;
}

// The rules protocol.fbs states in words, for a request that verified.
std::optional<std::string> adjustment_fault(const fbs::AdjustInventory& adjustment) {
  if (auto fault = empty_fault(adjustment.node_id(), "AdjustInventory.node_id")) return fault;
  if (auto fault = empty_fault(adjustment.sku_id(), "AdjustInventory.sku_id")) return fault;
  const fbs::AdjustmentKind kind = adjustment.kind();
  const flatbuffers::Optional<std::int32_t> delta = adjustment.delta();
  const flatbuffers::Optional<std::int32_t> counted = adjustment.counted();
  switch (kind) {
    case fbs::AdjustmentKind::receipt:
    case fbs::AdjustmentKind::damage: {
      const char* kind_name = fbs::EnumNameAdjustmentKind(kind);
      if (counted) {
        return fmt::format("AdjustInventory.counted is for a cycle_count, not a {} (use delta)",
                           kind_name);
      }
      if (!delta) return fmt::format("AdjustInventory.delta is required for a {}", kind_name);
      if (kind == fbs::AdjustmentKind::receipt && *delta <= 0) {
        return fmt::format("AdjustInventory.delta of a receipt must be positive, not {}", *delta);
      }
      if (kind == fbs::AdjustmentKind::damage && *delta >= 0) {
        return fmt::format("AdjustInventory.delta of a damage must be negative, not {}", *delta);
      }
      return std::nullopt;
    }
    case fbs::AdjustmentKind::cycle_count:
      if (delta) return "AdjustInventory.delta is not used by a cycle_count (use counted)";
      if (!counted) return "AdjustInventory.counted is required for a cycle_count";
      if (*counted < 0) {
        return fmt::format("AdjustInventory.counted must be 0 or more, not {}", *counted);
      }
      return std::nullopt;
  }
  return fmt::format("AdjustInventory.kind {} is not a known adjustment kind",
                     static_cast<int>(kind));
}

std::optional<std::string> fulfillment_fault(const fbs::ReportFulfillment& report) {
  if (auto fault = empty_fault(report.order_id(), "ReportFulfillment.order_id")) return fault;
  if (auto fault = empty_fault(report.node_id(), "ReportFulfillment.node_id")) return fault;
  if (auto fault = empty_fault(report.occurred_at(), "ReportFulfillment.occurred_at")) {
    return fault;
  }
  const fbs::FulfillmentEventKind event = report.event();
  switch (event) {
    case fbs::FulfillmentEventKind::picked:
    case fbs::FulfillmentEventKind::packed:
    case fbs::FulfillmentEventKind::handed_off: return std::nullopt;
    case fbs::FulfillmentEventKind::delayed:
    case fbs::FulfillmentEventKind::failed:
      if (report.exception_code() == nullptr || report.exception_code()->size() == 0) {
        return fmt::format("ReportFulfillment.exception_code is required for a {} event",
                           fbs::EnumNameFulfillmentEventKind(event));
      }
      return std::nullopt;
  }
  return fmt::format("ReportFulfillment.event {} is not a known event", static_cast<int>(event));
}

std::optional<std::string> meaning_fault(const fbs::Request& request) {
  if (request.request_id() == 0) return "request id 0 is reserved; number requests from 1";
  switch (request.body_type()) {
    case fbs::RequestBody::CancelOrder:
      return empty_fault(request.body_as_CancelOrder()->order_id(), "CancelOrder.order_id");
    case fbs::RequestBody::AdjustInventory:
      return adjustment_fault(*request.body_as_AdjustInventory());
    case fbs::RequestBody::ReportFulfillment:
      return fulfillment_fault(*request.body_as_ReportFulfillment());
    case fbs::RequestBody::QueryOrder:
      return empty_fault(request.body_as_QueryOrder()->order_id(), "QueryOrder.order_id");
    case fbs::RequestBody::QueryInventory:
      return empty_fault(request.body_as_QueryInventory()->sku_id(), "QueryInventory.sku_id");
    default: return std::nullopt;
  }
}

// What Request and Response share: a request id, a union body, an identifier.
template <typename Message>
struct MessageTraits;

template <>
struct MessageTraits<fbs::Request> {
  using Body = fbs::RequestBody;
  static constexpr std::string_view kind = "Request";
  static constexpr std::string_view who = "request";
  static constexpr std::string_view identifier = kRequestIdentifier;
  static constexpr std::string_view other_kind = "Response";
  static constexpr std::string_view other_identifier = kResponseIdentifier;
  static constexpr voffset_t body_type_field = fbs::Request::VT_BODY_TYPE;
  static constexpr voffset_t body_field = fbs::Request::VT_BODY;
  static void inspect_body(Inspector& in, Body type, const void* body) {
    inspect_request_body(in, type, body);
  }
};

template <>
struct MessageTraits<fbs::Response> {
  using Body = fbs::ResponseBody;
  static constexpr std::string_view kind = "Response";
  static constexpr std::string_view who = "response";
  static constexpr std::string_view identifier = kResponseIdentifier;
  static constexpr std::string_view other_kind = "Request";
  static constexpr std::string_view other_identifier = kRequestIdentifier;
  static constexpr voffset_t body_type_field = fbs::Response::VT_BODY_TYPE;
  static constexpr voffset_t body_field = fbs::Response::VT_BODY;
  static void inspect_body(Inspector& in, Body type, const void* body) {
    inspect_response_body(in, type, body);
  }
};

// The structure of a Request or Response: everything but the meaning of its fields.
template <typename Message>
Checked<const Message*> verify_structure(std::span<const std::uint8_t> payload) {
  using Traits = MessageTraits<Message>;
  using Body = typename Traits::Body;
  EDGEROUTE_ASSERT(is_aligned(payload.data()), "a message to verify is not 8-byte aligned");
  const auto malformed = [](std::string message, std::uint64_t request_id) {
    return Refusal{.code = fbs::ErrorCode::malformed_frame,
                   .message = std::move(message),
                   .request_id = request_id};
  };
  if (auto fault = envelope_fault(payload, Traits::identifier, Traits::kind,
                                  Traits::other_identifier, Traits::other_kind)) {
    return malformed(std::move(*fault), 0);
  }
  const std::optional<std::uint64_t> request_id = readable_request_id(payload);
  if (!request_id) {
    return malformed(
        fmt::format("frame is not a valid {}: its root table is damaged", Traits::kind), 0);
  }
  const std::string who = fmt::format("{} {}", Traits::who, *request_id);

  Verifier verifier(payload.data(), payload.size(), verifier_options());
  const std::string identifier(Traits::identifier);
  const bool verified = verifier.template VerifyBuffer<Message>(identifier.c_str());

  // The root table's start was verified by readable_request_id.
  const auto* message = flatbuffers::GetRoot<Message>(payload.data());
  const auto& root = *reinterpret_cast<const Table*>(message);
  Inspector in(payload, !verified);
  in.scalar<std::uint8_t>(root, Traits::body_type_field, fmt::format("{}.body_type", Traits::kind));
  const Table* body = in.subtable(root, Traits::body_field, fmt::format("{}.body", Traits::kind),
                                  Presence::required);
  if (in.fault()) return malformed(fmt::format("{}: {}", who, *in.fault()), *request_id);
  const Body type = message->body_type();
  if (type == Body::NONE) {
    return malformed(fmt::format("{}: {}.body_type is NONE", who, Traits::kind), *request_id);
  }
  if (type > Body::MAX) {
    return Refusal{
        .code = fbs::ErrorCode::unknown_request,
        .message = fmt::format("{}: unknown {} type {} (this build knows 1 to {})", who,
                               Traits::who, static_cast<int>(type), static_cast<int>(Body::MAX)),
        .request_id = *request_id};
  }
  Traits::inspect_body(in, type, body);
  if (in.fault()) return malformed(fmt::format("{}: {}", who, *in.fault()), *request_id);
  if (!verified) {
    // The inspector names every fault the generated Verifier looks for in these
    // messages; this is the backstop should the schema gain a check it does not know.
    return malformed(fmt::format("{}: the {} is damaged", who, Traits::kind), *request_id);
  }
  return message;
}

}  // namespace

Status Refusal::to_status() const {
  return Status(StatusCode::invalid_argument,
                fmt::format("{}: {}", fbs::EnumNameErrorCode(code), message));
}

std::optional<std::uint64_t> readable_request_id(std::span<const std::uint8_t> payload) {
  EDGEROUTE_ASSERT(is_aligned(payload.data()), "a message to read is not 8-byte aligned");
  if (payload.size() < kMinimumMessageBytes) return std::nullopt;
  Verifier verifier(payload.data(), payload.size(), verifier_options());
  const flatbuffers::uoffset_t root_offset = verifier.VerifyOffset(0);
  if (root_offset == 0) return std::nullopt;
  const auto* root = reinterpret_cast<const Table*>(payload.data() + root_offset);
  // Request and Response both keep request_id in their first field.
  static_assert(static_cast<int>(fbs::Request::VT_REQUEST_ID) ==
                static_cast<int>(fbs::Response::VT_REQUEST_ID));
  if (!root->VerifyTableStart(verifier) ||
      !root->VerifyField<std::uint64_t>(verifier, fbs::Request::VT_REQUEST_ID,
                                        sizeof(std::uint64_t))) {
    return std::nullopt;
  }
  return root->GetField<std::uint64_t>(fbs::Request::VT_REQUEST_ID, 0);
}

Checked<const fbs::Request*> verify_request(std::span<const std::uint8_t> payload) {
  Checked<const fbs::Request*> request = verify_structure<fbs::Request>(payload);
  if (!request) return request;
  if (auto fault = meaning_fault(**request)) {
    const std::uint64_t request_id = (*request)->request_id();
    return Refusal{.code = fbs::ErrorCode::invalid_request,
                   .message = fmt::format("request {}: {}", request_id, *fault),
                   .request_id = request_id};
  }
  return request;
}

Checked<const fbs::Response*> verify_response(std::span<const std::uint8_t> payload) {
  return verify_structure<fbs::Response>(payload);
}

}  // namespace edgeroute::protocol
