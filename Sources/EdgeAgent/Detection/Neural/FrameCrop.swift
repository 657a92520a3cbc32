/// A region of a frame as packed RGB (what the neural detector takes), from the 4:2:0 planes;
/// grey when the frame has no chroma.
enum FrameCrop {
    /// The pixels of `rect` (fractions of the frame), grown by `margin` of its size on each side
    /// and clipped to the frame; nil when nothing is left.
    static func rgb(_ frame: Frame, rect: Rect, margin: Double = 0.25) -> (pixels: [UInt8], width: Int, height: Int, rect: Rect)? {
        let w = frame.width, h = frame.height
        let x0 = max(0, Int(((rect.x - rect.width * margin) * Double(w)).rounded(.down)))
        let y0 = max(0, Int(((rect.y - rect.height * margin) * Double(h)).rounded(.down)))
        let x1 = min(w, Int(((rect.x + rect.width * (1 + margin)) * Double(w)).rounded(.up)))
        let y1 = min(h, Int(((rect.y + rect.height * (1 + margin)) * Double(h)).rounded(.up)))
        guard x1 - x0 >= 2, y1 - y0 >= 2 else { return nil }
        let cw = x1 - x0, ch = y1 - y0
        var pixels = [UInt8](repeating: 0, count: cw * ch * 3)
        for y in 0..<ch {
            for x in 0..<cw {
                let (r, g, b) = frame.rgb(x: x0 + x, y: y0 + y)
                let o = (y * cw + x) * 3
                pixels[o] = r
                pixels[o + 1] = g
                pixels[o + 2] = b
            }
        }
        let cropRect = Rect(x: Double(x0) / Double(w), y: Double(y0) / Double(h), width: Double(cw) / Double(w), height: Double(ch) / Double(h))
        return (pixels, cw, ch, cropRect)
    }
}
