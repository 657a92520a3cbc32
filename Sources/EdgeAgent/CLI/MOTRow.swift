import Foundation

/// One line of a MOTChallenge CSV (`frame,id,left,top,width,height,conf,-1,-1,-1`, frames from 1,
/// pixels of the source frame): what `edge-agent detect --tracks` writes and the tracking-quality
/// tests score, so that both use the same format.
enum MOTRow {
    static func line(frameIndex: Int, id: UInt64, rect: Rect, frameWidth: Int, frameHeight: Int, confidence: Double) -> String {
        let w = Double(frameWidth), h = Double(frameHeight)
        return String(
            format: "%d,%llu,%.1f,%.1f,%.1f,%.1f,%.1f,-1,-1,-1\n",
            frameIndex + 1, id, rect.x * w, rect.y * h, rect.width * w, rect.height * h, confidence)
    }
}
