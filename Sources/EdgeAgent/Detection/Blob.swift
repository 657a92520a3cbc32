import CVisionKernels

/// A connected region of motion, in grid cells and in normalised coordinates.
struct Blob: Sendable, Hashable {
    /// Inclusive grid bounds.
    var minX: Int
    var minY: Int
    var maxX: Int
    var maxY: Int
    /// Cells in motion.
    var cells: Int

    func rect(gridWidth: Int, gridHeight: Int) -> Rect {
        Rect(
            x: Double(minX) / Double(gridWidth), y: Double(minY) / Double(gridHeight),
            width: Double(maxX - minX + 1) / Double(gridWidth), height: Double(maxY - minY + 1) / Double(gridHeight))
    }

    /// Cells of the bounding box that are in motion.
    var fill: Double { Double(cells) / Double((maxX - minX + 1) * (maxY - minY + 1)) }

    func isNear(_ other: Blob, gap: Int) -> Bool {
        minX - gap <= other.maxX && other.minX - gap <= maxX && minY - gap <= other.maxY && other.minY - gap <= maxY
    }

    mutating func merge(_ other: Blob) {
        minX = min(minX, other.minX)
        minY = min(minY, other.minY)
        maxX = max(maxX, other.maxX)
        maxY = max(maxY, other.maxY)
        cells += other.cells
    }
}

/// Turns a motion mask into blobs: one 3×3 dilation to close gaps, 8-connected labelling with
/// union–find, then fragments closer than `mergeGap` cells are merged (a person's head and body).
///
/// Buffers are allocated once; `extract` reuses them and the output array's capacity.
struct BlobExtractor {
    struct Configuration: Sendable, Hashable {
        /// Smallest blob kept, in grid cells (config `motion.min_cells`, default 6).
        var minCells = 6
        /// Fragments this many cells apart are merged (default 1).
        var mergeGap = 1
        /// Blobs whose box is mostly empty are scatter (rain, snow, noise), not objects (default 0.25).
        var minFill = 0.25
    }

    let configuration: Configuration
    let width: Int
    let height: Int
    private var dilated: [UInt8]
    private var horizontal: [UInt8]
    private var labels: [Int32]
    private var parent: [Int32]
    private var boxes: [Blob]
    private(set) var blobs: [Blob] = []

    init(width: Int, height: Int, configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.width = width
        self.height = height
        dilated = [UInt8](repeating: 0, count: width * height)
        horizontal = [UInt8](repeating: 0, count: width * height)
        labels = [Int32](repeating: 0, count: width * height)
        parent = []
        parent.reserveCapacity(1024)
        boxes = []
        boxes.reserveCapacity(1024)
        blobs.reserveCapacity(64)
    }

    mutating func extract(mask: [UInt8]) -> [Blob] {
        dilate(mask)
        label()
        collect(mask)
        return blobs
    }

    /// 3×3 dilation as two separable passes (horizontal then vertical OR; C kernel).
    private mutating func dilate(_ mask: [UInt8]) {
        let w = width, h = height
        mask.withUnsafeBufferPointer { m in
            horizontal.withUnsafeMutableBufferPointer { t in
                dilated.withUnsafeMutableBufferPointer { d in
                    cw_dilate3x3(m.baseAddress, t.baseAddress, d.baseAddress, w, h)
                }
            }
        }
    }

    private static func find(_ parent: UnsafeMutableBufferPointer<Int32>, _ i: Int32) -> Int32 {
        var root = i
        while parent[Int(root)] != root { root = parent[Int(root)] }
        var node = i
        while parent[Int(node)] != root {
            let next = parent[Int(node)]
            parent[Int(node)] = root
            node = next
        }
        return root
    }

    /// Two-pass 8-connected labelling; labels start at 1, 0 is background. Rows without a set
    /// cell cost one pass over their bytes.
    private mutating func label() {
        let w = width, h = height
        parent.removeAll(keepingCapacity: true)
        parent.append(0)
        dilated.withUnsafeBufferPointer { cells in
            labels.withUnsafeMutableBufferPointer { labels in
                for y in 0..<h {
                    let row = y * w
                    for x in 0..<w {
                        let i = row + x
                        guard cells[i] != 0 else {
                            labels[i] = 0
                            continue
                        }
                        // Neighbours already visited: W, NW, N, NE.
                        let west = x > 0 ? labels[i - 1] : 0
                        let northWest = x > 0 && y > 0 ? labels[i - w - 1] : 0
                        let north = y > 0 ? labels[i - w] : 0
                        let northEast = x < w - 1 && y > 0 ? labels[i - w + 1] : 0
                        var best = Int32.max
                        if west != 0 { best = min(best, west) }
                        if northWest != 0 { best = min(best, northWest) }
                        if north != 0 { best = min(best, north) }
                        if northEast != 0 { best = min(best, northEast) }
                        if best == Int32.max {
                            best = Int32(parent.count)
                            parent.append(best)
                        } else {
                            parent.withUnsafeMutableBufferPointer { p in
                                Self.union(p, west, best)
                                Self.union(p, northWest, best)
                                Self.union(p, north, best)
                                Self.union(p, northEast, best)
                            }
                        }
                        labels[i] = best
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func union(_ p: UnsafeMutableBufferPointer<Int32>, _ a: Int32, _ b: Int32) {
        guard a != 0, a != b else { return }
        let ra = find(p, a), rb = find(p, b)
        if ra != rb { p[Int(max(ra, rb))] = min(ra, rb) }
    }

    /// Second pass: bounding boxes per root label, size filter (on cells that really moved, not
    /// on the dilation's), merge near fragments.
    private mutating func collect(_ mask: [UInt8]) {
        let w = width, h = height
        boxes.removeAll(keepingCapacity: true)
        let count = parent.count
        for _ in 0..<count { boxes.append(Blob(minX: Int.max, minY: Int.max, maxX: -1, maxY: -1, cells: 0)) }
        parent.withUnsafeMutableBufferPointer { p in
            labels.withUnsafeBufferPointer { labels in
                mask.withUnsafeBufferPointer { mask in
                    boxes.withUnsafeMutableBufferPointer { boxes in
                        for y in 0..<h {
                            for x in 0..<w {
                                let l = labels[y * w + x]
                                // Bounds and size come from cells that really moved; dilation only joins them.
                                guard l != 0, mask[y * w + x] != 0 else { continue }
                                let root = Int(Self.find(p, l))
                                boxes[root].minX = min(boxes[root].minX, x)
                                boxes[root].minY = min(boxes[root].minY, y)
                                boxes[root].maxX = max(boxes[root].maxX, x)
                                boxes[root].maxY = max(boxes[root].maxY, y)
                                boxes[root].cells += 1
                            }
                        }
                    }
                }
            }
        }
        blobs.removeAll(keepingCapacity: true)
        for b in boxes where b.maxX >= 0 { blobs.append(b) }
        // Merge fragments until stable (few blobs per frame, so quadratic is fine).
        var merged = true
        while merged {
            merged = false
            var i = 0
            while i < blobs.count {
                var j = i + 1
                while j < blobs.count {
                    if blobs[i].isNear(blobs[j], gap: configuration.mergeGap) {
                        blobs[i].merge(blobs[j])
                        blobs.remove(at: j)
                        merged = true
                    } else {
                        j += 1
                    }
                }
                i += 1
            }
        }
        blobs.removeAll { $0.cells < configuration.minCells || $0.fill < configuration.minFill }
    }
}
