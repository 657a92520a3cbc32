import CVisionKernels

/// Finds what moves, on a small grid, in the spirit of Frigate's improved motion detector:
/// downsample (which also blurs), stretch contrast, compare with a running-average background,
/// threshold, and recalibrate when most of the frame changes at once (lights, lightning, auto
/// exposure) instead of reporting it as motion.
///
/// Differences from a plain running average, each for a false alarm that NVR users complain of:
/// - the background adapts slowly under foreground pixels, so a car that stops stays foreground
///   long enough for "stopped vehicle" and "abandoned object" to be decided;
/// - pixels that move often (swaying foliage, water surface) earn a higher threshold;
/// - masked areas (config `motion.masks`) never count.
///
/// All buffers are allocated once; `process` does not allocate.
struct MotionDetector {
    struct Configuration: Sendable, Hashable {
        /// Detect-size pixels per grid cell along each axis (config `motion.grid`, default 4).
        var cellSize = 4
        /// Minimum difference from the background, after contrast stretch (config `motion.threshold`, default 25).
        var threshold = 25
        /// Background learning rate 1/2^shift per frame (config `motion.adapt_shift`, default 5 ≈ 1/32).
        var adaptShift = 5
        /// Extra shift under foreground pixels (default 5: 32× slower).
        var foregroundExtraShift = 5
        /// Share of the grid that, changing at once, means a global change (default 0.5).
        var lightningShare = 0.5
        /// Frames during which motion is suppressed after a recalibration (default 3).
        var calibrationFrames = 3
        /// Frames at start-up that only learn (background, busy areas) and report nothing (default 10).
        var warmupFrames = 10
        /// Stretch the grid's contrast to its 2nd–98th percentiles (default true).
        var contrastStretch = true
        /// Raise the threshold on pixels that moved in most recent frames (default true).
        var adaptiveThreshold = true
        /// Polygons excluded from motion (normalised).
        var masks: [Polygon] = []
    }

    let configuration: Configuration
    let gridWidth: Int
    let gridHeight: Int
    private let frameWidth: Int
    private(set) var grid: [UInt8]
    /// Background in 8.8 fixed point.
    private(set) var background: [UInt16]
    /// 1 where the cell moved this frame.
    private(set) var mask: [UInt8]
    /// Exponential average of `mask` × 255: how often each cell moves.
    private(set) var activity: [UInt8]
    private var maskedOut: [UInt8]
    /// Column sums of one grid row's pixel rows (downsample scratch).
    private var rowSums: [UInt16]
    private var stretch = [UInt8](repeating: 0, count: 256)
    private var histogram = [Int](repeating: 0, count: 256)
    private var initialised = false
    /// Stretch bounds, smoothed over frames so that an object entering or leaving (which moves
    /// the percentiles) does not shift the whole image and read as motion everywhere.
    private var stretchLow = -1.0
    private var stretchHigh = -1.0
    private var suppress = 0

    init(width: Int, height: Int, configuration: Configuration = Configuration()) {
        self.configuration = configuration
        frameWidth = width
        gridWidth = max(1, width / configuration.cellSize)
        gridHeight = max(1, height / configuration.cellSize)
        let n = gridWidth * gridHeight
        grid = [UInt8](repeating: 0, count: n)
        background = [UInt16](repeating: 0, count: n)
        mask = [UInt8](repeating: 0, count: n)
        activity = [UInt8](repeating: 0, count: n)
        maskedOut = [UInt8](repeating: 0, count: n)
        rowSums = [UInt16](repeating: 0, count: gridWidth * configuration.cellSize)
        for gy in 0..<gridHeight {
            for gx in 0..<gridWidth {
                let p = Point(x: (Double(gx) + 0.5) / Double(gridWidth), y: (Double(gy) + 0.5) / Double(gridHeight))
                maskedOut[gy * gridWidth + gx] = configuration.masks.contains { $0.contains(p) } ? 1 : 0
            }
        }
        for i in 0..<256 { stretch[i] = UInt8(i) }
    }

    /// Updates the model with a frame's luma plane and fills `mask`. Returns true when the frame
    /// was a global change (recalibrated, no motion reported).
    @discardableResult
    mutating func process(luma: [UInt8]) -> Bool {
        downsample(luma)
        if configuration.contrastStretch { applyStretch() }
        guard initialised else {
            for i in 0..<grid.count { background[i] = UInt16(grid[i]) << 8 }
            initialised = true
            suppress = configuration.warmupFrames
            return false
        }
        let changed = threshold()
        let share = Double(changed) / Double(grid.count)
        if share >= configuration.lightningShare {
            recalibrate()
            return true
        }
        if suppress > 0 {
            suppress -= 1
            clearMask()
            adapt(all: true)
            return false
        }
        adapt(all: false)
        return false
    }

    /// Resets the background (and the contrast stretch) to the current grid and suppresses motion
    /// for a few frames.
    mutating func recalibrate() {
        stretchLow = -1
        for i in 0..<grid.count { background[i] = UInt16(grid[i]) << 8 }
        clearMask()
        suppress = configuration.calibrationFrames
    }

    private mutating func clearMask() {
        mask.withUnsafeMutableBufferPointer { m in
            for i in 0..<m.count { m[i] = 0 }
        }
    }

    /// Box-average `cellSize × cellSize` blocks into `grid` (C kernel: sums each cell's rows
    /// column by column, then the columns of each cell).
    private mutating func downsample(_ luma: [UInt8]) {
        let cell = configuration.cellSize, gw = gridWidth, gh = gridHeight, fw = frameWidth
        luma.withUnsafeBufferPointer { src in
            rowSums.withUnsafeMutableBufferPointer { acc in
                grid.withUnsafeMutableBufferPointer { dst in
                    cw_box_downsample(src.baseAddress, fw, gw, gh, cell, acc.baseAddress, dst.baseAddress)
                }
            }
        }
    }

    /// Maps the grid through a lookup table that stretches its 2nd–98th percentile to 0–255.
    private mutating func applyStretch() {
        histogram.withUnsafeMutableBufferPointer { h in
            for i in 0..<256 { h[i] = 0 }
            grid.withUnsafeBufferPointer { g in
                for v in g { h[Int(v)] &+= 1 }
            }
        }
        let n = grid.count
        var low = 0, high = 255, cumulative = 0
        for i in 0..<256 {
            cumulative += histogram[i]
            if cumulative >= n / 50 {
                low = i
                break
            }
        }
        cumulative = 0
        for i in stride(from: 255, through: 0, by: -1) {
            cumulative += histogram[i]
            if cumulative >= n / 50 {
                high = i
                break
            }
        }
        if stretchLow < 0 {
            stretchLow = Double(low)
            stretchHigh = Double(high)
        } else {
            stretchLow += 0.5 * (Double(low) - stretchLow)
            stretchHigh += 0.5 * (Double(high) - stretchHigh)
        }
        // Do not amplify a nearly flat image (a covered lens) into noise.
        let smoothedLow = Int(stretchLow.rounded())
        let span = max(Int(stretchHigh.rounded()) - smoothedLow, 48)
        for i in 0..<256 {
            let v = (i - smoothedLow) * 255 / span
            stretch[i] = UInt8(clamping: v)
        }
        let table = stretch
        grid.withUnsafeMutableBufferPointer { g in
            table.withUnsafeBufferPointer { t in
                for i in 0..<g.count { g[i] = t[Int(g[i])] }
            }
        }
    }

    /// Fills `mask`; returns the number of changed cells (masked cells excluded). Cells busy in
    /// more than ~40% of recent frames need up to 3× the difference; activity ← activity +
    /// (255·moved − activity) / 16 (C kernel).
    private mutating func threshold() -> Int {
        let base = Int32(clamping: configuration.threshold), adaptive: Int32 = configuration.adaptiveThreshold ? 1 : 0
        let n = grid.count
        return grid.withUnsafeBufferPointer { g in
            background.withUnsafeBufferPointer { bg in
                activity.withUnsafeMutableBufferPointer { act in
                    maskedOut.withUnsafeBufferPointer { masked in
                        mask.withUnsafeMutableBufferPointer { m in
                            cw_motion_threshold(g.baseAddress, bg.baseAddress, act.baseAddress, masked.baseAddress, m.baseAddress, n, base, adaptive)
                        }
                    }
                }
            }
        }
    }

    /// Running average: bg += (x − bg) / 2^shift, slower under foreground (unless `all`); a step
    /// that rounds to zero still moves one unit so that small differences converge (C kernel).
    private mutating func adapt(all: Bool) {
        let shift = Int32(clamping: min(configuration.adaptShift, 31))
        let slow = all ? shift : Int32(clamping: min(configuration.adaptShift + configuration.foregroundExtraShift, 31))
        let n = grid.count
        grid.withUnsafeBufferPointer { g in
            mask.withUnsafeBufferPointer { m in
                background.withUnsafeMutableBufferPointer { bg in
                    cw_motion_adapt(g.baseAddress, m.baseAddress, bg.baseAddress, n, shift, slow)
                }
            }
        }
    }
}

extension MotionDetector {
    /// Compares edges along the border of a static region in the current grid and in the
    /// background: > 0 when the current frame has the stronger outline (something new stands
    /// there: abandoned object), < 0 when the background does (something it remembers is gone:
    /// object removed). −1...1.
    func outlineEvidence(_ rect: Rect) -> Double {
        let x0 = max(1, Int(rect.x * Double(gridWidth))), y0 = max(1, Int(rect.y * Double(gridHeight)))
        let x1 = min(gridWidth - 2, Int((rect.maxX * Double(gridWidth)).rounded(.up)) - 1)
        let y1 = min(gridHeight - 2, Int((rect.maxY * Double(gridHeight)).rounded(.up)) - 1)
        guard x1 >= x0, y1 >= y0 else { return 0 }
        var current = 0, reference = 0
        func add(_ inside: Int, _ outside: Int) {
            current += abs(Int(grid[inside]) - Int(grid[outside]))
            reference += abs(Int(background[inside] >> 8) - Int(background[outside] >> 8))
        }
        for x in x0...x1 {
            add(y0 * gridWidth + x, (y0 - 1) * gridWidth + x)
            add(y1 * gridWidth + x, (y1 + 1) * gridWidth + x)
        }
        for y in y0...y1 {
            add(y * gridWidth + x0, y * gridWidth + x0 - 1)
            add(y * gridWidth + x1, y * gridWidth + x1 + 1)
        }
        let total = max(current, reference)
        return total == 0 ? 0 : Double(current - reference) / Double(total)
    }

    /// Share of the cells inside `cells` (indexes into the grid) that moved in the last frame.
    func motionShare(of cells: [Int]) -> Double {
        guard !cells.isEmpty else { return 0 }
        var moved = 0
        for i in cells where mask[i] != 0 { moved += 1 }
        return Double(moved) / Double(cells.count)
    }
}
