import Foundation

// MARK: - ReportPage + Evidence

extension ReportPage {
    /// One small chart per decision of the sequential rule (retirements folded away in a `<details>`): how the confidence bounds of the mean advantage closed in
    /// on it (left; the dashed line is the margin) and how the e-value grew to its threshold (right, log scale), up
    /// to the label that decided.
    static func evidenceSection(_ report: HistoryReport) -> String {
        let changes = report.decisions.filter { $0.kind != "retirement" }.compactMap { evidenceFigure($0, kind: "evidence") }
        let retirements = report.decisions.filter { $0.kind == "retirement" }.compactMap {
            evidenceFigure($0, kind: "evidence retired")
        }
        guard !changes.isEmpty || !retirements.isEmpty else { return "" }
        var html = "<h2>How the evidence grew</h2>\n<p class=\"meta\">Per decision of the sequential test: the confidence "
            + "sequence of the mean paired advantage (left; dashed: the margin) and the e-value against its threshold "
            + "(right; log scale), over the labels compared (docs/promotion.md).</p>\n" + changes.joined()
        if !retirements.isEmpty {
            html += "<details><summary>Retirements (\(retirements.count)): the futility e-value against 1/α</summary>\n"
                + retirements.joined() + "</details>\n"
        }
        return html
    }

    /// One decision's figure, or nil when its evidence has no trajectory (the window rule's).
    private static func evidenceFigure(_ decision: HistoryReport.Decision, kind: String) -> String? {
        guard let evidence = try? JSONSerialization.jsonObject(with: Data(decision.evidence.utf8)) as? [String: Any],
            let text = evidence["trajectory"] as? String
        else { return nil }
        // labels:lower:upper:log e-value[:log futility e-value]; a retirement is decided by the futility wealth.
        let retirement = decision.kind == "retirement"
        let points = text.split(separator: " ").compactMap { entry -> [Double]? in
            let values = entry.split(separator: ":").compactMap { Double($0) }
            guard values.count >= 4 else { return nil }
            return retirement ? (values.count >= 5 ? Array(values[0..<3]) + [values[4]] : nil) : Array(values[0..<4])
        }
        guard points.count >= 2 else { return nil }
        let margin = evidence["margin"] as? Double ?? 0
        let threshold = evidence["threshold"] as? Double ?? 20
        let title = retirement
            ? "retirement — \(decision.winner) retired, \(decision.loser) stays champion"
            : "\(decision.kind) — \(decision.winner) replaces \(decision.loser)"
        return "<section class=\"\(kind)\"><h3>\(escape(title)) · \(escape(date(decision.ts)))</h3>\n"
            + evidenceChart(points, margin: margin, threshold: threshold) + "</section>\n"
    }

    /// The evidence in a line a person reads: the test's verdict, the advantage with its bounds, the labels compared,
    /// the scores; the whole evidence stays in the JSON report and the registry.
    static func evidenceSummary(_ json: String) -> String {
        guard let evidence = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return json }
        func number(_ key: String) -> Double? { evidence[key] as? Double }
        var parts: [String] = []
        if let eValue = number("eValue"), let threshold = number("threshold") {
            parts.append(String(format: "e-value %.0f ≥ %.0f", min(eValue, 1e12), threshold))
        }
        if let mean = number("meanAdvantage"), let lower = number("lowerBound"), let upper = number("upperBound") {
            parts.append(String(format: "advantage %+.4f [%+.4f, %+.4f]", mean, lower, upper))
        }
        if let recent = number("recentAdvantage") { parts.append(String(format: "recent advantage %+.4f", recent)) }
        if let samples = number("samples") { parts.append("\(Int(samples)) paired labels") }
        if let metric = evidence["metric"] as? String, let winner = number("winnerScore"), let loser = number("loserScore") {
            parts.append(String(format: "%@ %.3f vs %.3f", metric, winner, loser))
        }
        if let alpha = number("alpha") { parts.append(String(format: "α %.3g", alpha)) }
        if let bound = number("lossBound") { parts.append(String(format: "loss bound %.3g", bound)) }
        if parts.isEmpty, let rule = evidence["rule"] as? String { parts.append(rule) }
        return parts.joined(separator: " · ")
    }

    /// Two panels: bounds against labels, log e-value against labels.
    private static func evidenceChart(_ points: [[Double]], margin: Double, threshold: Double) -> String {
        let width = 960.0, height = 150.0, panel = 450.0, gap = 60.0, left = 52.0, top = 10.0, bottom = 24.0
        let labels = points.map { $0[0] }
        let lastLabel = max(labels.last ?? 1, 1)
        let lows = points.map { max($0[1], -0.5) }, highs = points.map { min($0[2], 0.5) }
        var low = min(lows.min() ?? -0.1, margin), high = max(highs.max() ?? 0.1, margin)
        if high - low < 1e-6 { low -= 0.05; high += 0.05 }
        let logThreshold = log(threshold)
        let logs = points.map { $0[3] }
        let logLow = min(logs.min() ?? 0, 0), logHigh = max(logs.max() ?? 1, logThreshold) * 1.05
        func x(_ label: Double, _ origin: Double) -> Double { origin + label / lastLabel * (panel - left) }
        func y(_ value: Double, _ low: Double, _ high: Double) -> Double {
            top + (high - value) / max(high - low, 1e-9) * (height - top - bottom)
        }
        var svg = "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"evidence\">"
        for origin in [left, left + panel + gap] {
            svg += "<rect x=\"\(origin)\" y=\"\(top)\" width=\"\(panel - left)\" height=\"\(height - top - bottom)\" fill=\"#fbfcfd\" stroke=\"#e3e6ec\"/>"
            svg += "<text x=\"\(f(origin + (panel - left) / 2))\" y=\"\(height - 6)\" text-anchor=\"middle\">labels compared (0 – \(Int(lastLabel)))</text>"
        }
        // Left: the band between the bounds, and the margin.
        let band = zip(labels, highs).map { "\(f(x($0, left))),\(f(y($1, low, high)))" }
            + zip(labels, lows).reversed().map { "\(f(x($0, left))),\(f(y($1, low, high)))" }
        svg += "<polygon points=\"\(band.joined(separator: " "))\" fill=\"#9fb3dd\" fill-opacity=\"0.55\" stroke=\"#2457c5\" stroke-width=\"1\"/>"
        svg += "<line x1=\"\(left)\" x2=\"\(panel)\" y1=\"\(f(y(margin, low, high)))\" y2=\"\(f(y(margin, low, high)))\" stroke=\"#1d2433\" stroke-dasharray=\"4 3\"/>"
        svg += "<text x=\"\(left - 6)\" y=\"\(f(y(high, low, high) + 8))\" text-anchor=\"end\">\(String(format: "%.2f", high))</text>"
        svg += "<text x=\"\(left - 6)\" y=\"\(f(y(low, low, high)))\" text-anchor=\"end\">\(String(format: "%.2f", low))</text>"
        // Right: log e-value and the threshold.
        let origin = left + panel + gap
        let path = zip(labels, logs).map { "\(f(x($0, origin))),\(f(y($1, logLow, logHigh)))" }
        svg += "<polyline points=\"\(path.joined(separator: " "))\" fill=\"none\" stroke=\"#1f9d55\" stroke-width=\"1.8\"/>"
        svg += "<line x1=\"\(origin)\" x2=\"\(origin + panel - left)\" y1=\"\(f(y(logThreshold, logLow, logHigh)))\" y2=\"\(f(y(logThreshold, logLow, logHigh)))\" stroke=\"#d93f3f\" stroke-dasharray=\"4 3\"/>"
        svg += "<text x=\"\(origin - 6)\" y=\"\(f(y(logThreshold, logLow, logHigh) + 4))\" text-anchor=\"end\">\(String(format: "%.0f", threshold))</text>"
        svg += "<text x=\"\(origin - 6)\" y=\"\(f(y(0, logLow, logHigh) + 4))\" text-anchor=\"end\">1</text>"
        return svg + "</svg>\n"
    }
}
