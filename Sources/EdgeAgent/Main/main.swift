// The `edge-agent` executable: everything lives in the EdgeAgent library (so that tests and the
// benchmarks reach it); this entry point only runs the command line.
import EdgeAgent
import Shared

ParentWatch.startIfRequested()
await EdgeAgentCommand.runMain()
