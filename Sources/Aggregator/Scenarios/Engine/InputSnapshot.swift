/// What the engine keeps of an input inside windows and pending steps: the input itself, an
/// immutable object (see `ScenarioInput`), so that putting it into many rules' windows is one
/// retain each. It used to be a separate object with copies of eight of the input's fields, made
/// per input (4 % of fusion + library in a `perf` profile of `bench scenarios`, and as much again
/// to free it).
typealias InputSnapshot = ScenarioInput
