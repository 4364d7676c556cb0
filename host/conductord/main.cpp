// conductord: the Conductor control-plane daemon (docs/conductord.md).
#include "host/conductord/daemon.hpp"

int main(int argc, char** argv) { return conductor::daemon::run_conductord(argc, argv); }
