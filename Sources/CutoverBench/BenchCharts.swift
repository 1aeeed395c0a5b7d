import Foundation

/// SVG charts of a run, written next to `bench.json`: commit-to-visible lag over time, read
/// latency percentiles at 1/16/64 clients, and cost against data size. Plain SVG (no scripts),
/// so they render in a browser, on GitHub and in `docs/performance.md`.
struct BenchCharts {
    let report: BenchReport

    /// File name and SVG text of every chart the run has data for.
    func all() -> [(String, String)] {
        var out: [(String, String)] = []
        let lag = report.series.keys.filter { $0.hasPrefix("lag_ms_") }.sorted { (Int($0.dropFirst(7)) ?? 0) < (Int($1.dropFirst(7)) ?? 0) }
        if !lag.isEmpty {
            let lines = lag.map { key in (Self.label(rate: key), report.series[key]!.enumerated().map { (Double($0.offset + 1), $0.element) }) }
            out.append(("lag-over-time.svg", LineChart(title: "Commit-to-visible lag, p99 per second", xLabel: "seconds of sustained writes",
                                                       yLabel: "lag p99 (ms)", logX: false, logY: false, lines: lines).svg()))
        }
        if let clients = report.series["read.clients"] {
            var lines: [(String, [(Double, Double)])] = []
            for key in ["read.http.list.read-model", "read.http.list.legacy", "read.http.detail.read-model", "read.http.detail.legacy"] {
                guard let v = report.series[key], v.count == clients.count * 3 else { continue }
                lines.append((key.replacingOccurrences(of: "read.http.", with: "") + " p95", clients.indices.map { (clients[$0], v[$0 * 3 + 1]) }))
            }
            if !lines.isEmpty {
                out.append(("read-latency.svg", LineChart(title: "Read latency over HTTP, p95, back to back", xLabel: "concurrent clients",
                                                          yLabel: "p95 (ms, log scale)", logX: true, logY: true, lines: lines).svg()))
            }
        }
        if let sizes = report.series["scale.customers"] {
            var lines: [(String, [(Double, Double)])] = []
            for (key, name) in [("scale.read_p95_ms", "list p95 read model (ms)"), ("scale.legacy_p95_ms", "list p95 legacy (ms)"),
                                ("scale.rebuild_s", "full rebuild (s)")] {
                guard let v = report.series[key], v.count == sizes.count else { continue }
                lines.append((name, zip(sizes, v).map { ($0, $1) }))
            }
            out.append(("cost-vs-size.svg", LineChart(title: "Cost against data size", xLabel: "customers (log scale)",
                                                      yLabel: "ms or s (log scale)", logX: true, logY: true, lines: lines).svg()))
        }
        return out
    }

    static func label(rate key: String) -> String { "\(key.dropFirst(7)) writes/s" }
}

/// A line chart with axes, ticks and a legend.
struct LineChart {
    var title: String
    var xLabel: String
    var yLabel: String
    var logX: Bool
    var logY: Bool
    var lines: [(String, [(Double, Double)])]

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
    let width = 720.0, height = 420.0, left = 70.0, right = 190.0, top = 40.0, bottom = 55.0

    func svg() -> String {
        let points = lines.flatMap(\.1).filter { (!logX || $0.0 > 0) && (!logY || $0.1 > 0) }
        guard !points.isEmpty else { return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>" }
        let tx = { (v: Double) in logX ? log10(v) : v }, ty = { (v: Double) in logY ? log10(v) : v }
        var (x0, x1) = (points.map { tx($0.0) }.min()!, points.map { tx($0.0) }.max()!)
        var (y0, y1) = (logY ? points.map { ty($0.1) }.min()! : 0, points.map { ty($0.1) }.max()!)
        if logY { y0 = floor(y0); y1 = ceil(y1) } else { y1 *= 1.1 }
        if x1 == x0 { x1 = x0 + 1 }
        if y1 == y0 { y1 = y0 + 1 }
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ v: Double) -> Double { left + (tx(v) - x0) / (x1 - x0) * plotW }
        func py(_ v: Double) -> Double { top + plotH - (ty(v) - y0) / (y1 - y0) * plotH }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(Int(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(Self.escape(title))</text>\n"
        s += "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(left + plotW)\" y2=\"\(top + plotH)\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotH)\" stroke=\"black\"/>\n"
        // Few distinct x values (client counts, data sizes): label exactly those.
        let distinctX = Set(points.map(\.0)).sorted()
        let xTicks = distinctX.count <= 8 ? distinctX.map { (tx($0), Self.short($0)) } : ticks(x0, x1, log: logX)
        for t in xTicks {
            let x = left + (t.position - x0) / (x1 - x0) * plotW
            s += "<line x1=\"\(x)\" y1=\"\(top + plotH)\" x2=\"\(x)\" y2=\"\(top + plotH + 5)\" stroke=\"black\"/>"
            s += "<text x=\"\(x)\" y=\"\(top + plotH + 18)\" text-anchor=\"middle\">\(t.label)</text>\n"
        }
        for t in ticks(y0, y1, log: logY) {
            let y = top + plotH - (t.position - y0) / (y1 - y0) * plotH
            s += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + plotW)\" y2=\"\(y)\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(t.label)</text>\n"
        }
        s += "<text x=\"\(left + plotW / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        s += "<text transform=\"translate(16 \(top + plotH / 2)) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        for (i, line) in lines.enumerated() {
            let color = Self.colors[i % Self.colors.count]
            let pts = line.1.filter { (!logX || $0.0 > 0) && (!logY || $0.1 > 0) }
            let path = pts.map { String(format: "%.1f,%.1f", px($0.0), py($0.1)) }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
            if pts.count <= 12 {
                for p in pts { s += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>", px(p.0), py(p.1), color) }
                s += "\n"
            }
            let ly = top + 10 + Double(i) * 18
            s += "<rect x=\"\(left + plotW + 15)\" y=\"\(ly - 9)\" width=\"12\" height=\"12\" fill=\"\(color)\"/>"
            s += "<text x=\"\(left + plotW + 32)\" y=\"\(ly + 1)\">\(Self.escape(line.0))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// About five ticks: decades on a log axis, round steps on a linear one.
    func ticks(_ lo: Double, _ hi: Double, log: Bool) -> [(position: Double, label: String)] {
        if log {
            return stride(from: floor(lo), through: ceil(hi), by: 1).filter { $0 >= lo - 1e-9 && $0 <= hi + 1e-9 }
                .map { ($0, Self.short(pow(10, $0))) }
        }
        let raw = (hi - lo) / 5
        let magnitude = pow(10, floor(log10(max(raw, 1e-9))))
        let step = [1.0, 2.0, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        return stride(from: ceil(lo / step) * step, through: hi, by: step).map { ($0, Self.short($0)) }
    }

    static func short(_ v: Double) -> String {
        if v >= 1_000_000 { return String(format: "%gM", v / 1_000_000) }
        if v >= 1_000 { return String(format: "%gk", v / 1_000) }
        return String(format: "%g", v)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
