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
