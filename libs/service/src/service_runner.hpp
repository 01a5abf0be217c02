// Internal: the running half of the service frame (service_runner.cpp).
#pragma once

#include <signal.h>

#include "bw/service/service_main.hpp"

#ifndef BW_VERSION
#define BW_VERSION "0.0.0"
#endif

namespace bw::service {

// Runs a configured service until SIGTERM/SIGINT; returns the process exit code.
int run_configured(const ServiceSpec& spec, const config::Values& values, const sigset_t& signals);

}  // namespace bw::service
