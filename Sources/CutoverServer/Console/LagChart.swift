import Foundation

/// Projection lag over time as an inline SVG line chart, rendered on the server (no script, no
/// external assets): one line per projection, y in seconds from zero, x from the window's start
/// (or the first sample, when the history is younger) to now. Gaps longer than a few polls (a
/// failed poll, a stopped monitor) break the line instead of bridging it.
struct LagChart {
    var samples: [LagHistory.Sample]
    var projections: [String]
    var from: Double
    var to: Double
    var width = 960.0
    var height = 240.0

    static let gridColor = "#d0d7de", textColor = "#57606a", tickColor = "#eaeef2", frameColor = "#8c959f"
    static let colors = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7ea4", "#57606a"]
    /// The most points drawn per line; the samples are bucketed to it by their maximum.
    static let maxPoints = 480
    /// A pause between samples longer than this breaks a line (seconds).
    static let gapSeconds = 10.0

    let left = 56.0, right = 16.0, top = 12.0, bottom = 28.0

    /// The top of the y axis: the highest lag, rounded up to a readable bound (at least 1 s).
    var yMax: Double {
        let peak = samples.flatMap { $0.lagSeconds.values }.max() ?? 0
        for bound in [1.0, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600] where peak <= bound { return bound }
        return (peak / 3600).rounded(.up) * 3600
    }

    func x(_ t: Double) -> Double {
        let span = max(to - from, 1)
        return left + (t - from) / span * (width - left - right)
    }

    func y(_ v: Double, _ maxY: Double) -> Double {
        top + (1 - min(v, maxY) / maxY) * (height - top - bottom)
    }

    /// The SVG element.
    func svg() -> String {
        let maxY = yMax
        var out = #"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 \#(Int(width)) \#(Int(height))" "#
            + #"width="100%" aria-label="projection lag over time">"#
        out += "<title>projection lag in seconds, \(HTML.escape(HTML.time(from))) to \(HTML.escape(HTML.time(to)))</title>"
        // Horizontal grid with second labels.
        for i in 0...4 {
            let v = maxY * Double(i) / 4, py = y(v, maxY)
            out += #"<line x1="\#(f(left))" y1="\#(f(py))" x2="\#(f(width - right))" y2="\#(f(py))" stroke="\#(Self.gridColor)" stroke-width="1"/>"#
            out += #"<text x="\#(f(left - 6))" y="\#(f(py + 4))" text-anchor="end" font-size="11" fill="\#(Self.textColor)">\#(label(v))</text>"#
        }
        // Vertical ticks: minutes before now.
        let span = to - from
        let step = span > 1800 ? 600.0 : span > 600 ? 300 : span > 120 ? 60 : 15
        var t = to
        while t >= from - 0.001 {
            let px = x(t)
            out += #"<line x1="\#(f(px))" y1="\#(f(top))" x2="\#(f(px))" y2="\#(f(height - bottom))" stroke="\#(Self.tickColor)" stroke-width="1"/>"#
            let ago = Int((to - t).rounded())
            let text = ago == 0 ? "now" : ago % 60 == 0 ? "−\(ago / 60) min" : "−\(ago) s"
            out += #"<text x="\#(f(px))" y="\#(f(height - 10))" text-anchor="middle" font-size="11" fill="\#(Self.textColor)">\#(text)</text>"#
            t -= step
        }
        for (i, projection) in projections.enumerated() {
            let color = Self.colors[i % Self.colors.count]
            for segment in segments(projection) where !segment.isEmpty {
                let points = segment.map { "\(f(x($0.0))),\(f(y($0.1, maxY)))" }.joined(separator: " ")
                if segment.count == 1 {
                    out += #"<circle cx="\#(f(x(segment[0].0)))" cy="\#(f(y(segment[0].1, maxY)))" r="2" fill="\#(color)"/>"#
                } else {
                    out += #"<polyline fill="none" stroke="\#(color)" stroke-width="1.8" stroke-linejoin="round" points="\#(points)"/>"#
                }
            }
        }
        out += #"<rect x="\#(f(left))" y="\#(f(top))" width="\#(f(width - left - right))" height="\#(f(height - top - bottom))" fill="none" stroke="\#(Self.frameColor)"/>"#
        return out + "</svg>"
    }

    /// The legend entries: projection and its colour.
    var legend: [(projection: String, color: String)] {
        projections.enumerated().map { ($0.element, Self.colors[$0.offset % Self.colors.count]) }
    }

    /// One projection's points, bucketed to at most ``maxPoints`` (the highest lag per bucket)
    /// and split where samples are missing.
    func segments(_ projection: String) -> [[(Double, Double)]] {
        let bucket = max((to - from) / Double(Self.maxPoints), 0.001)
        var buckets: [(Double, Double)] = []
        for s in samples {
            guard let lag = s.lagSeconds[projection] else { continue }
            let key = ((s.at - from) / bucket).rounded(.down)
            if let last = buckets.last, ((last.0 - from) / bucket).rounded(.down) == key {
                buckets[buckets.count - 1] = (s.at, max(last.1, lag))
            } else {
                buckets.append((s.at, lag))
            }
        }
        var out: [[(Double, Double)]] = [[]]
        var previous: Double?
        for point in buckets {
            if let previous, point.0 - previous > max(Self.gapSeconds, bucket * 2.5) { out.append([]) }
            out[out.count - 1].append(point)
            previous = point.0
        }
        return out
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }

    func label(_ seconds: Double) -> String {
        seconds >= 120 ? String(format: "%.0f min", seconds / 60) : seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }
}
