// Writes the HTML report of the synthetic three-run report to the path given, for the
// headless-browser check (chromium_renders.sh) to load.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "edgeroute/simulate/report_html.h"
#include "synthetic_report.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: simulate_report_fixture OUTPUT.html\n";
    return 2;
  }
  std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
  out << edgeroute::simulate::report_to_html(edgeroute::simulate::testing::synthetic_report());
  out.close();
  if (!out) {
    std::cerr << "simulate_report_fixture: cannot write " << argv[1] << '\n';
    return 1;
  }
  return 0;
}
