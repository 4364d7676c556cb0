// conductor-member: the member agent as a stand-alone binary (the same code as `conductor member`), so
// hosts that run only the agent need neither the simulator nor the RTL model.
#include <string>
#include <vector>

#include "host/member/member_agent.hpp"

int main(int argc, char** argv) {
  return conductor::member::member_main(std::vector<std::string>(argv + 1, argv + argc), "conductor-member");
}
