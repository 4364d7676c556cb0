#include "host/device/factory.hpp"

#include "host/device/soft_device.hpp"
#ifdef CONDUCTOR_HAVE_SIM_DEVICE
#include "host/device/sim_device.hpp"
#endif

namespace conductor::device {

Expected<std::unique_ptr<Device>> make_device(config::DeviceType type) {
  switch (type) {
    case config::DeviceType::kSoft:
      return std::unique_ptr<Device>(std::make_unique<SoftDevice>());
    case config::DeviceType::kSim:
#ifdef CONDUCTOR_HAVE_SIM_DEVICE
      return std::unique_ptr<Device>(std::make_unique<SimDevice>());
#else
      return make_error(Errc::kUnsupported, "this build has no sim device (the Verilated core was not built)");
#endif
  }
  return make_error(Errc::kUnsupported, "unknown device type");
}

}  // namespace conductor::device
