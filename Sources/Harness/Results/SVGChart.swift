import Platform
import Foundation

/// One line of a chart: a name (the legend, and the `data-series` attribute tests look for)
/// and its points in data coordinates.
public struct ChartSeries: Sendable, Equatable {
    public var name: String
    public var points: [(x: Double, y: Double)]
    /// Drawn dashed (a limit such as the cache's capacity).
    public var dashed: Bool

    public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false) {
        self.name = name
        self.points = points
        self.dashed = dashed
    }

    public static func == (a: ChartSeries, b: ChartSeries) -> Bool {
        a.name == b.name && a.dashed == b.dashed && a.points.map(\.x) == b.points.map(\.x) && a.points.map(\.y) == b.points.map(\.y)
    }
}

/// A shaded span of the x axis (a fault phase).
public struct ChartBand: Sendable, Equatable {
    public var label: String
    public var from: Double
    public var to: Double

    public init(label: String, from: Double, to: Double) {
        self.label = label
        self.from = from
        self.to = to
    }
}

/// A mark on the x axis (faults injected in an interval).
public struct ChartMarker: Sendable, Equatable {
    public var x: Double
    public var label: String

    public init(x: Double, label: String) {
        self.x = x
        self.label = label
    }
}

/// Small, deterministic SVG charts: the same input gives the same bytes, text is escaped, no
/// script, no external reference. One function per kind of chart.
public enum SVGChart {
    static let width = 640.0, height = 300.0
    static let left = 64.0, right = 16.0, top = 36.0, bottom = 64.0
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    /// Lines over time, with shaded bands (fault phases) and markers (faults injected).
    public static func timeSeries(id: String, title: String, xLabel: String = "seconds since the run's start", yLabel: String,
                                  series: [ChartSeries], bands: [ChartBand] = [], markers: [ChartMarker] = []) -> String {
        let xs = series.flatMap { $0.points.map(\.x) } + bands.flatMap { [$0.from, $0.to] } + markers.map(\.x)
        let ys = series.flatMap { $0.points.map(\.y) }
        let xAxis = Axis(minimum: 0, maximum: max(xs.max() ?? 1, 0.001))
        let yAxis = Axis(minimum: 0, maximum: max(ys.max() ?? 1, 0.001))
        var body = grid(x: xAxis.ticks.map { ($0, format($0)) }, y: yAxis.ticks.map { ($0, format($0)) }, xAxis: xAxis, yAxis: yAxis)
        for band in bands {
            let x0 = xAxis.position(band.from, from: left, to: width - right), x1 = xAxis.position(band.to, from: left, to: width - right)
            body += "<rect class=\"band\" data-band=\"\(escape(band.label))\" x=\"\(format(x0))\" y=\"\(format(top))\" width=\"\(format(max(x1 - x0, 1)))\" "
                + "height=\"\(format(height - top - bottom))\" fill=\"#ffbf00\" fill-opacity=\"0.18\"><title>\(escape(band.label))</title></rect>\n"
            body += "<text x=\"\(format(x0 + 3))\" y=\"\(format(top + 12))\" font-size=\"11\" fill=\"#8a6d00\">\(escape(band.label))</text>\n"
        }
        body += lines(series, xAxis: xAxis, yAxis: yAxis)
        for marker in markers {
            let x = xAxis.position(marker.x, from: left, to: width - right), y = height - bottom
            body += "<path class=\"fault\" d=\"M\(format(x)) \(format(y - 8))L\(format(x - 4)) \(format(y))L\(format(x + 4)) \(format(y))Z\" "
                + "fill=\"#d62728\"><title>\(escape(marker.label))</title></path>\n"
        }
        return document(id: id, title: title, xLabel: xLabel, yLabel: yLabel, body: body, legend: legend(series, markers: !markers.isEmpty))
    }

    /// Latency percentile curves: x is the percentile on a log scale of 1 / (1 - p)
    /// (p0, p90, p99, p99.9, p99.99 equally spaced), y the latency in ms.
    public static func percentileCurves(id: String, title: String, series: [ChartSeries]) -> String {
        let xAxis = Axis(minimum: 0, maximum: 4, ticks: [0, 1, 2, 3, 4])
        let ys = series.flatMap { $0.points.map(\.y) }
        let yAxis = Axis(minimum: 0, maximum: max(ys.max() ?? 1, 0.001))
        let mapped = series.map { line in
            ChartSeries(name: line.name, points: line.points.map { (x: percentilePosition($0.x), y: $0.y) }, dashed: line.dashed)
        }
        var body = grid(x: [(0, "p0"), (1, "p90"), (2, "p99"), (3, "p99.9"), (4, "p99.99")], y: yAxis.ticks.map { ($0, format($0)) },
                        xAxis: xAxis, yAxis: yAxis)
        body += lines(mapped, xAxis: xAxis, yAxis: yAxis)
        return document(id: id, title: title, xLabel: "percentile (log scale)", yLabel: "ms", body: body, legend: legend(series, markers: false))
    }

    /// Horizontal bars, one per value (totals such as bytes).
    public static func bars(id: String, title: String, unit: String, values: [(label: String, value: Double)]) -> String {
        let axis = Axis(minimum: 0, maximum: max(values.map(\.value).max() ?? 1, 0.001))
        let rowHeight = (height - top - bottom) / Double(max(values.count, 1))
        var body = ""
        for tick in axis.ticks {
            let x = axis.position(tick, from: left + 100, to: width - right)
            body += "<line x1=\"\(format(x))\" y1=\"\(format(top))\" x2=\"\(format(x))\" y2=\"\(format(height - bottom))\" stroke=\"#ddd\"/>\n"
            body += "<text x=\"\(format(x))\" y=\"\(format(height - bottom + 16))\" font-size=\"11\" text-anchor=\"middle\">\(format(tick))</text>\n"
        }
        for (index, bar) in values.enumerated() {
            let y = top + Double(index) * rowHeight
            let x1 = axis.position(bar.value, from: left + 100, to: width - right)
            body += "<text x=\"\(format(left + 94))\" y=\"\(format(y + rowHeight / 2 + 4))\" font-size=\"12\" text-anchor=\"end\">\(escape(bar.label))</text>\n"
            body += "<rect class=\"series\" data-series=\"\(escape(bar.label))\" x=\"\(format(left + 100))\" y=\"\(format(y + rowHeight * 0.15))\" "
                + "width=\"\(format(max(x1 - left - 100, 0.5)))\" height=\"\(format(rowHeight * 0.7))\" fill=\"\(palette[index % palette.count])\">"
                + "<title>\(escape(bar.label)): \(format(bar.value)) \(escape(unit))</title></rect>\n"
        }
        return document(id: id, title: title, xLabel: unit, yLabel: "", body: body, legend: "")
    }

    /// Where percentile `p` (0 to 100) lies on the log scale: log10(1 / (1 - p/100)), capped at p99.99.
    static func percentilePosition(_ p: Double) -> Double {
        log10(1 / max(1 - min(p, 99.99) / 100, 0.0001))
    }

    // MARK: - Parts

    private static func document(id: String, title: String, xLabel: String, yLabel: String, body: String, legend: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"\(escape(id))\" width=\"\(format(width))\" "
            + "height=\"\(format(height))\" viewBox=\"0 0 \(format(width)) \(format(height))\" font-family=\"sans-serif\">\n"
            + "<title>\(escape(title))</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
            + "<text x=\"\(format(left))\" y=\"20\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>\n"
            + body
            + "<text x=\"\(format((left + width - right) / 2))\" y=\"\(format(height - bottom + 32))\" font-size=\"11\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
            + (yLabel.isEmpty ? "" : "<text x=\"14\" y=\"\(format((top + height - bottom) / 2))\" font-size=\"11\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 14 \(format((top + height - bottom) / 2)))\">\(escape(yLabel))</text>\n")
            + legend + "</svg>\n"
    }

    private static func grid(x: [(Double, String)], y: [(Double, String)], xAxis: Axis, yAxis: Axis) -> String {
        var out = ""
        for (value, label) in y {
            let py = yAxis.position(value, from: height - bottom, to: top)
            out += "<line x1=\"\(format(left))\" y1=\"\(format(py))\" x2=\"\(format(width - right))\" y2=\"\(format(py))\" stroke=\"#e5e5e5\"/>\n"
            out += "<text x=\"\(format(left - 6))\" y=\"\(format(py + 4))\" font-size=\"11\" text-anchor=\"end\">\(escape(label))</text>\n"
        }
        for (value, label) in x {
            let px = xAxis.position(value, from: left, to: width - right)
            out += "<line x1=\"\(format(px))\" y1=\"\(format(height - bottom))\" x2=\"\(format(px))\" y2=\"\(format(height - bottom + 4))\" stroke=\"#555\"/>\n"
            out += "<text x=\"\(format(px))\" y=\"\(format(height - bottom + 16))\" font-size=\"11\" text-anchor=\"middle\">\(escape(label))</text>\n"
        }
        out += "<path d=\"M\(format(left)) \(format(top))V\(format(height - bottom))H\(format(width - right))\" fill=\"none\" stroke=\"#555\"/>\n"
        return out
    }

    private static func lines(_ series: [ChartSeries], xAxis: Axis, yAxis: Axis) -> String {
        var out = ""
        for (index, line) in series.enumerated() {
            let color = palette[index % palette.count]
            let points = line.points.map { (xAxis.position($0.x, from: left, to: width - right), yAxis.position($0.y, from: height - bottom, to: top)) }
            let path = points.enumerated().map { "\($0.offset == 0 ? "M" : "L")\(format($0.element.0)) \(format($0.element.1))" }.joined()
            out += "<path class=\"series\" data-series=\"\(escape(line.name))\" d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\""
                + (line.dashed ? " stroke-dasharray=\"6 4\"" : "") + "><title>\(escape(line.name))</title></path>\n"
            if points.count == 1, let point = points.first {
                out += "<circle cx=\"\(format(point.0))\" cy=\"\(format(point.1))\" r=\"3\" fill=\"\(color)\"/>\n"
            }
        }
        return out
    }

    private static func legend(_ series: [ChartSeries], markers: Bool) -> String {
        var out = ""
        var x = left
        let y = height - 14
        for (index, line) in series.enumerated() {
            out += "<rect x=\"\(format(x))\" y=\"\(format(y - 9))\" width=\"12\" height=\"10\" fill=\"\(palette[index % palette.count])\"/>"
                + "<text x=\"\(format(x + 16))\" y=\"\(format(y))\" font-size=\"11\">\(escape(line.name))</text>\n"
            x += 24 + Double(line.name.count) * 6.5
        }
        if markers {
            out += "<path d=\"M\(format(x + 6)) \(format(y - 9))L\(format(x + 1)) \(format(y + 1))L\(format(x + 11)) \(format(y + 1))Z\" fill=\"#d62728\"/>"
                + "<text x=\"\(format(x + 16))\" y=\"\(format(y))\" font-size=\"11\">faults injected</text>\n"
        }
        return out
    }

    /// `text` safe inside SVG/HTML text and attribute values.
    public static func escape(_ text: String) -> String {
        XMLText.escaped(text)
    }

    /// A number with at most two decimals, no trailing zeros, no locale ("12.5", "3", "-0.25").
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}

/// A linear axis from `minimum` to a rounded-up maximum, with ticks at 1, 2 or 5 x 10^n steps.
struct Axis {
    let minimum: Double
    let maximum: Double
    let ticks: [Double]

    init(minimum: Double, maximum: Double, ticks: [Double]? = nil) {
        if let ticks {
            self.minimum = minimum
            self.maximum = maximum
            self.ticks = ticks
            return
        }
        let span = max(maximum - minimum, 1e-9)
        let rough = span / 5
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let top = (maximum / step).rounded(.up) * step
        self.minimum = minimum
        self.maximum = max(top, minimum + step)
        self.ticks = stride(from: minimum, through: self.maximum + step / 2, by: step).map { ($0 / step).rounded() * step }
    }

    /// Where `value` lies between the pixel positions `from` (minimum) and `to` (maximum).
    func position(_ value: Double, from: Double, to: Double) -> Double {
        let fraction = (min(max(value, minimum), maximum) - minimum) / max(maximum - minimum, 1e-12)
        return from + fraction * (to - from)
    }
}
