/// Which image regions the person detector looks at in one frame: the candidates' boxes grown by a
/// margin, with nearby candidates merged into one region so one inference answers for all of them.
///
/// This is the batching that pays on a CPU: ONNX Runtime's cost for this model is per image whatever
/// the batch size (scripts/ort-batch-timing.py: 22–26 ms per 300×300 image for batches of 1, 4 and
/// 8 on one thread), while the model resizes any input
/// to 300×300 itself, so two people walking together cost one inference instead of two. A merge is
/// refused when it would waste area (the union must stay within `maxAreaGrowth` times the parts)
/// or shrink a person below `minShareOfRegion` of the region's longer side, where the detector's
/// recall drops.
struct InferenceRegions {
    var margin = 0.25
    var maxAreaGrowth = 1.6
    var minShareOfRegion = 0.3

    struct Region: Equatable {
        /// In fractions of the frame, margins included and clipped to it.
        var rect: Rect
        /// Indices into the candidates.
        var members: [Int]
    }

    /// Groups `candidates` (boxes in fractions of a `frameWidth`×`frameHeight` frame). Regions come
    /// in the order of their smallest member: a merge keeps the earlier region's place.
    func regions(for candidates: [Rect], frameWidth: Int, frameHeight: Int) -> [Region] {
        let w = Double(frameWidth), h = Double(frameHeight)
        var regions = candidates.indices.map { Region(rect: grown(candidates[$0]), members: [$0]) }
        // Greedy: merge the pair whose union wastes least, until no pair qualifies. Candidates per
        // frame are few (a handful of people), so the quadratic scan is cheap.
        while regions.count > 1 {
            var best: (i: Int, j: Int, growth: Double)?
            for i in regions.indices {
                for j in regions.indices where j > i {
                    let union = regions[i].rect.union(regions[j].rect)
                    let growth = union.area / (regions[i].rect.area + regions[j].rect.area)
                    guard growth <= maxAreaGrowth else { continue }
                    let longSide = max(union.width * w, union.height * h)
                    let smallest = (regions[i].members + regions[j].members).map { candidates[$0].height * h }.min() ?? 0
                    guard smallest >= minShareOfRegion * longSide else { continue }
                    if best == nil || growth < best!.growth { best = (i, j, growth) }
                }
            }
            guard let (i, j, _) = best else { break }
            regions[i] = Region(rect: regions[i].rect.union(regions[j].rect), members: regions[i].members + regions[j].members)
            regions.remove(at: j)
        }
        return regions
    }

    private func grown(_ r: Rect) -> Rect {
        let x0 = max(0, r.x - r.width * margin), y0 = max(0, r.y - r.height * margin)
        let x1 = min(1, r.maxX + r.width * margin), y1 = min(1, r.maxY + r.height * margin)
        return Rect(x: x0, y: y0, width: max(0, x1 - x0), height: max(0, y1 - y0))
    }
}

extension Rect {
    /// The smallest rectangle holding both.
    func union(_ other: Rect) -> Rect {
        let x0 = min(x, other.x), y0 = min(y, other.y)
        return Rect(x: x0, y: y0, width: max(maxX, other.maxX) - x0, height: max(maxY, other.maxY) - y0)
    }
}
