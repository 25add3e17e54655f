#include "edgeroute/gateway/central_adjustment.h"

#include <fmt/format.h>

#include <limits>
#include <memory>
#include <utility>

#include "edgeroute/protocol/builders.h"
#include "edgeroute/protocol/verify.h"

namespace edgeroute::gateway {
namespace {

namespace wire = protocol::fbs;

// Request ids only match answers within a connection; this sink takes one answer.
constexpr std::uint64_t kRequestId = 1;

StatusCode status_code_of(wire::ErrorCode code) {
  switch (code) {
    case wire::ErrorCode::unknown_node:
    case wire::ErrorCode::unknown_sku: return StatusCode::not_found;
    case wire::ErrorCode::invalid_request: return StatusCode::invalid_argument;
    case wire::ErrorCode::failed_precondition: return StatusCode::failed_precondition;
    case wire::ErrorCode::busy:
    case wire::ErrorCode::journal_unavailable:
    case wire::ErrorCode::shutting_down: return StatusCode::unavailable;
    default: return StatusCode::internal;
  }
}

class AdjustmentAnswer final : public ResponseSink {
 public:
  explicit AdjustmentAnswer(std::function<void(Status)> done) : done_(std::move(done)) {}

  void send(protocol::Frame frame) override {
    protocol::Checked<const wire::Response*> response = protocol::verify_response(frame.payload());
    if (!response) {
      done_(Status(StatusCode::internal, response.refusal().message));
    } else if ((*response)->body_as_AdjustInventoryResult() != nullptr) {
      done_(Status::ok());
    } else if (const wire::Error* error = (*response)->body_as_Error()) {
      done_(Status(status_code_of(error->code()),
                   error->message() != nullptr ? error->message()->str() : ""));
    } else {
      done_(Status(StatusCode::internal,
                   fmt::format("the gateway answered an adjustment with {}",
                               wire::EnumNameResponseBody((*response)->body_type()))));
    }
  }

 private:
  std::function<void(Status)> done_;
};

}  // namespace

void apply_central_adjustment(Gateway& gateway, const CentralAdjustment& adjustment,
                              std::function<void(Status)> done) {
  if (adjustment.units == 0 || adjustment.units == std::numeric_limits<std::int32_t>::min()) {
    done(Status(StatusCode::invalid_argument,
                fmt::format("an adjustment of {} units", adjustment.units)));
    return;
  }
  const protocol::Frame frame =
      adjustment.units > 0
          ? protocol::build_receipt(kRequestId, adjustment.node_id, adjustment.sku_id,
                                    adjustment.units, adjustment.reference)
          : protocol::build_damage(kRequestId, adjustment.node_id, adjustment.sku_id,
                                   -adjustment.units, adjustment.reference);
  ReceivedRequest request;
  request.payload.assign(frame.payload().begin(), frame.payload().end());
  request.from_central = true;
  // A request is verified before the gateway reads it, this one too (a node or SKU id
  // from central is outside input).
  protocol::Checked<const wire::Request*> verified = protocol::verify_request(request.payload);
  if (!verified) {
    done(Status(StatusCode::invalid_argument, verified.refusal().message));
    return;
  }
  gateway.handle(std::move(request), std::make_shared<AdjustmentAnswer>(std::move(done)));
}

}  // namespace edgeroute::gateway
