#include "app/version.hpp"
#include "commands.hpp"

#include <iostream>

namespace faasgate::app {

Run setup_version(CLI::App&) {
  return [] {
    std::cout << "faasgate " << kVersion << " (" << kCommit << ")\n";
    return 0;
  };
}

}  // namespace faasgate::app
