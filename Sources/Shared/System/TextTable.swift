/// A plain-text table for the command lines: columns padded to their widest cell, two spaces apart.
public enum TextTable {
    public static func render(_ headers: [String], _ rows: [[String]]) -> String {
        let widths = headers.indices.map { i in max(headers[i].count, rows.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            var out = ""
            for (i, width) in widths.enumerated() {
                let cell = i < cells.count ? cells[i] : ""
                out += i == widths.count - 1 ? cell : cell + String(repeating: " ", count: width - cell.count + 2)
            }
            return out
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}
