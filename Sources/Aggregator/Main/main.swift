// The `aggregator` executable: everything lives in the Aggregator library (so that tests and the
// benchmarks reach it); this entry point only runs the command line.
import Aggregator
import Shared

ParentWatch.startIfRequested()
await AggregatorCommand.runMain()
