extension Array where Element == String {
    /// Joins cells padded to the given column widths (the last cell is not padded).
    func padded(_ widths: [Int]) -> String {
        enumerated().map { i, cell in
            i < widths.count ? cell.rightPad(widths[i]) : cell
        }.joined(separator: " ")
    }
}

extension String {
    func rightPad(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

/// A plain-text table: a header row and rows, columns padded to their widest cell.
enum TextTable {
    static func render(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = Swift.max(widths[i], cell.count) }
        }
        return ([header] + rows).map { $0.padded(widths) }.joined(separator: "\n")
    }
}
