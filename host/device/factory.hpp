// Picks the back end named by [device] type or `conductord --device`.
#pragma once

#include <memory>

#include "host/config/cluster_config.hpp"
#include "host/device/device.hpp"

namespace conductor::device {

// kUnsupported when this build has no such back end (sim needs the Verilated core).
Expected<std::unique_ptr<Device>> make_device(config::DeviceType type);

}  // namespace conductor::device
