#include <flatbuffers/flatbuffers.h>

#include "edgeroute/firmware_config/config_file.h"
#include "schema_json.h"

namespace edgeroute::firmware_config {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

// Every field is written, including values equal to a profile's default: the output
// is the effective configuration, complete without its profile.
Offset<fbs::Listener> build_listener(FlatBufferBuilder& builder, const Listener& listener) {
  const auto address = builder.CreateString(listener.address);
  return fbs::CreateListener(builder, address, listener.port);
}

Offset<fbs::Central> build_central(FlatBufferBuilder& builder, const Central& central) {
  const auto host = builder.CreateString(central.host);
  const auto server_name = builder.CreateString(central.server_name);
  const auto optional = [&builder](const std::string& text) {
    return text.empty() ? Offset<flatbuffers::String>() : builder.CreateString(text);
  };
  const auto ca_certificate = optional(central.ca_certificate);
  const auto certificate = optional(central.certificate);
  const auto private_key = optional(central.private_key);
  return fbs::CreateCentral(builder, host, central.port, server_name, ca_certificate, certificate,
                            private_key);
}

Offset<fbs::GatewayConfig> build_root(FlatBufferBuilder& builder, const GatewayConfig& config) {
  const auto device_profile = builder.CreateString(config.device_profile);
  const auto gateway_id = builder.CreateString(config.gateway_id);
  const auto served_node_ids = builder.CreateVectorOfStrings(config.served_node_ids);
  const auto orders = build_listener(builder, config.orders);
  const auto ops = build_listener(builder, config.ops);
  const auto sync = build_listener(builder, config.sync);
  const auto data_dir = builder.CreateString(config.data_dir);
  const auto queues =
      fbs::CreateQueues(builder, config.queues.ingress_capacity, config.queues.journal_capacity,
                        config.queues.completion_capacity);
  const auto journal =
      fbs::CreateJournal(builder, config.journal.batch_max_decisions,
                         config.journal.batch_max_delay_us, config.journal.wal_checkpoint_pages);
  const auto central = build_central(builder, config.central);
  const auto trust_anchor = builder.CreateString(config.policy_trust_anchor);
  const auto wan_interface = builder.CreateString(config.wan_interface);
  const auto policy_trial = fbs::CreatePolicyTrial(
      builder, config.policy_trial.seconds, config.policy_trial.min_decisions,
      config.policy_trial.max_rejection_rise_percent,
      config.policy_trial.max_rejection_percent_without_baseline);
  return fbs::CreateGatewayConfig(builder, config.schema_version, device_profile, gateway_id,
                                  served_node_ids, orders, ops, sync, data_dir,
                                  config.routing_workers, queues, journal, central, trust_anchor,
                                  wan_interface, policy_trial);
}

}  // namespace

Result<std::string> to_json(const GatewayConfig& config) {
  FlatBufferBuilder builder;
  fbs::FinishGatewayConfigBuffer(builder, build_root(builder, config));
  return detail::config_buffer_to_json(builder.GetBufferPointer());
}

}  // namespace edgeroute::firmware_config
