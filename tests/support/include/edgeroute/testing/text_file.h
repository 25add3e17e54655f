// The whole text of a file a test reads (a shipped example, a schema, a captured
// stream); a file that cannot be opened fails the test and reads as empty.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace edgeroute::testing {

inline std::string read_text_file(const std::string& path) {
  std::ifstream file(path);
  EXPECT_TRUE(file) << "cannot open " << path;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The text of a shipped example document (routing/examples/`name`: "network.json", ...).
// Its users define EDGEROUTE_SOURCE_DIR (every gtest target does).
inline std::string example_text(const std::string& name) {
  return read_text_file(std::string(EDGEROUTE_SOURCE_DIR) + "/routing/examples/" + name);
}

}  // namespace edgeroute::testing
