/// One decoded frame at the camera's detect size: the luma plane (what motion, tracking and most
/// analytics use) and, when an analytic needs colour (smoke, fire), the 4:2:0 chroma planes.
struct Frame: Sendable {
    let width: Int
    let height: Int
    /// Y plane, `width × height`, row-major.
    var luma: [UInt8]
    /// Cb and Cr planes, `(width / 2) × (height / 2)` each; nil when the source delivers grey only.
    var chroma: ChromaPlanes?
    /// 0-based frame number in the stream.
    var index: Int
    /// Capture time, ms since the epoch.
    var captureTimeMs: Int64

    init(width: Int, height: Int, luma: [UInt8], chroma: ChromaPlanes? = nil, index: Int, captureTimeMs: Int64) {
        precondition(luma.count == width * height, "luma plane size mismatch")
        self.width = width
        self.height = height
        self.luma = luma
        self.chroma = chroma
        self.index = index
        self.captureTimeMs = captureTimeMs
    }
}

/// The two chroma planes of a 4:2:0 frame.
struct ChromaPlanes: Sendable {
    var cb: [UInt8]
    var cr: [UInt8]
}

/// What a frame source reports: frames, and the loss and return of video.
enum CaptureEvent: Sendable {
    case frame(Frame)
    /// No frames for the stall timeout, or the decoder exited. `restarts` counts restarts so far.
    case videoLost(reason: String, restarts: Int, atMs: Int64)
    case videoRestored(atMs: Int64)
}

/// A camera's stream of capture events (frames, video loss, recovery).
protocol FrameSource: AsyncSequence, Sendable where Element == CaptureEvent {}

extension Frame {
    /// The colour of pixel (x, y) (BT.601, full range); grey when the frame has no chroma.
    @inline(__always)
    func rgb(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let luma = Double(self.luma[y * width + x])
        guard let chroma else {
            let grey = self.luma[y * width + x]
            return (grey, grey, grey)
        }
        let ci = (y / 2) * (width / 2) + min(x / 2, width / 2 - 1)
        let cb = Double(chroma.cb[ci]) - 128, cr = Double(chroma.cr[ci]) - 128
        return (
            UInt8(clamping: Int(luma + 1.402 * cr)), UInt8(clamping: Int(luma - 0.344 * cb - 0.714 * cr)),
            UInt8(clamping: Int(luma + 1.772 * cb)))
    }
}
