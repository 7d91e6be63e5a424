using System.Globalization;
using System.Text;

namespace Cascade.Calibration.Etcd;

/// <summary>docs/img/etcd-calibration.svg, hand-written SVG: (left) range latency p50 against concurrency,
/// one line per dataset, dashed: processor sharing's prediction; (right) etcd's peak anonymous RSS over
/// its base against the response bytes in flight, with the fitted k.</summary>
static class Chart
{
    static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
    static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    public static void Write(List<Row> all, string path, int? cores = null)
    {
        var rows = all;
        var fit = Fit.Compute(rows, cores ?? Environment.ProcessorCount);
        var cells = Fit.Cells(rows.Where(r => !r.Serializable).ToList());
        var datasets = cells.Select(c => (c.Objects, c.ValueBytes)).Distinct()
            .OrderBy(d => d.ValueBytes).ThenBy(d => d.Objects).ToList();
        string Color((int, int) d) => Colors[datasets.IndexOf(d) % Colors.Length];
        string Name((int Objects, int ValueBytes) d) => $"{d.Objects / 1000}k × {d.ValueBytes / 1024} KB";

        const int W = 1040, H = 545, top = 60, bottom = 450, pw = 400;
        int[] left = [80, 600];
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"12\">");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>");
        sb.AppendLine("<text x=\"520\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">etcd 3.4 full-prefix ranges on loopback (calibration/etcd/etcd-ranges.csv)</text>");

        // Left: latency (log y) vs concurrency (log2 x).
        int[] cs = cells.Select(c => c.Concurrency).Distinct().Order().ToArray();
        double latMin = Math.Min(cells.Min(c => c.LatP50), fit.PsCores.Min(p => p.Predicted));
        double latMax = Math.Max(cells.Max(c => c.LatP50), fit.PsCores.Max(p => p.Predicted));
        double yLo = Math.Pow(10, Math.Floor(Math.Log10(latMin))), yHi = Math.Pow(10, Math.Ceiling(Math.Log10(latMax)));
        double xHi = Math.Log2(cs.Max());
        double X1(double c) => left[0] + pw * (xHi == 0 ? 0 : Math.Log2(c) / xHi);
        double Y1(double s) => bottom - (bottom - top) * (Math.Log10(s) - Math.Log10(yLo)) / (Math.Log10(yHi) - Math.Log10(yLo));
        Axes(sb, left[0], pw, top, bottom, "concurrent ranges c", "latency p50 of a range (s, log)");
        foreach (int c in cs) TickX(sb, X1(c), bottom, c.ToString(CultureInfo.InvariantCulture));
        for (double y = yLo; y <= yHi * 1.0001; y *= 10)
        {
            TickY(sb, left[0], pw, Y1(y), y >= 1 ? N(y) : y.ToString("0.###", CultureInfo.InvariantCulture));
            for (int m = 2; m < 10 && y < yHi; m++) sb.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{left[0]}\" x2=\"{left[0] + pw}\" y1=\"{N(Y1(y * m))}\" y2=\"{N(Y1(y * m))}\" stroke=\"#eee\"/>");
        }
        foreach (var d in datasets)
        {
            var pts = cells.Where(c => (c.Objects, c.ValueBytes) == d).OrderBy(c => c.Concurrency).ToList();
            sb.AppendLine(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{Color(d)}\" stroke-width=\"2\" points=\"{string.Join(' ', pts.Select(p => $"{N(X1(p.Concurrency))},{N(Y1(p.LatP50))}"))}\"/>");
            foreach (var p in pts) sb.AppendLine(CultureInfo.InvariantCulture, $"<circle cx=\"{N(X1(p.Concurrency))}\" cy=\"{N(Y1(p.LatP50))}\" r=\"3.5\" fill=\"{Color(d)}\"/>");
            var pred = fit.PsCores.Where(t => (t.Cell.Objects, t.Cell.ValueBytes) == d).OrderBy(t => t.Cell.Concurrency).ToList();
            if (pred.Count > 1)
                sb.AppendLine(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{Color(d)}\" stroke-width=\"1.2\" stroke-dasharray=\"5,4\" points=\"{string.Join(' ', pred.Select(p => $"{N(X1(p.Cell.Concurrency))},{N(Y1(p.Predicted))}"))}\"/>");
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{left[0] + pw / 2}\" y=\"{top - 12}\" text-anchor=\"middle\" font-weight=\"bold\">Latency of a full range vs concurrency</text>");

        // Right: peak anon RSS over base (GB) vs c × response bytes (GB).
        var mem = rows.Where(r => !r.Serializable).ToList();
        double mx = NiceCeil(mem.Max(r => r.BytesRanged) / 1e9), my = NiceCeil(mem.Max(r => r.AnonOverBase) / 1e9);
        double lineX = Math.Min(mx, my / fit.MemoryFactor);
        double X2(double gb) => left[1] + pw * gb / mx;
        double Y2(double gb) => bottom - (bottom - top) * gb / my;
        Axes(sb, left[1], pw, top, bottom, "response bytes in flight, c × response (GB)", "etcd peak anon RSS − base (GB)");
        for (int i = 0; i <= 5; i++) { TickX(sb, X2(mx * i / 5), bottom, N(mx * i / 5)); TickY(sb, left[1], pw, Y2(my * i / 5), N(my * i / 5)); }
        foreach (var r in mem)
            sb.AppendLine(CultureInfo.InvariantCulture, $"<circle cx=\"{N(X2(r.BytesRanged / 1e9))}\" cy=\"{N(Y2(Math.Max(0, r.AnonOverBase) / 1e9))}\" r=\"3.5\" fill=\"{Color((r.Objects, r.ValueBytes))}\" fill-opacity=\"0.75\"/>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{N(X2(0))}\" y1=\"{N(Y2(0))}\" x2=\"{N(X2(lineX))}\" y2=\"{N(Y2(fit.MemoryFactor * lineX))}\" stroke=\"black\" stroke-dasharray=\"5,4\"/>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{N(X2(lineX) - 8)}\" y=\"{N(Y2(fit.MemoryFactor * lineX) + 4)}\" text-anchor=\"end\">k = {fit.MemoryFactor.ToString("0.00", CultureInfo.InvariantCulture)} (least squares)</text>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{left[1] + pw / 2}\" y=\"{top - 12}\" text-anchor=\"middle\" font-weight=\"bold\">Memory held by ranges in flight</text>");

        // Legend.
        int lx = 80, ly = 522;
        sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{lx}\" y=\"{ly}\">objects × value:</text>");
        lx += 100;
        foreach (var d in datasets)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{lx}\" y=\"{ly - 9}\" width=\"14\" height=\"10\" fill=\"{Color(d)}\"/><text x=\"{lx + 19}\" y=\"{ly}\">{Name(d)}</text>");
            lx += 105;
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{lx}\" x2=\"{lx + 26}\" y1=\"{ly - 4}\" y2=\"{ly - 4}\" stroke=\"black\" stroke-dasharray=\"5,4\"/><text x=\"{lx + 31}\" y=\"{ly}\">processor sharing: latency(1) × max(1, c/{fit.Cores})</text>");
        sb.AppendLine("</svg>");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, sb.ToString());
        Console.WriteLine($"wrote {path}");
    }

    static double NiceCeil(double v)
    {
        double p = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (double m in new[] { 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 }) if (m * p >= v) return m * p;
        return 10 * p;
    }

    static void Axes(StringBuilder sb, int x, int w, int top, int bottom, string xLabel, string yLabel)
    {
        sb.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{top}\" width=\"{w}\" height=\"{bottom - top}\" fill=\"none\" stroke=\"#444\"/>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x + w / 2}\" y=\"{bottom + 36}\" text-anchor=\"middle\">{xLabel}</text>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<text transform=\"translate({x - 52},{(top + bottom) / 2}) rotate(-90)\" text-anchor=\"middle\">{yLabel}</text>");
    }

    static void TickX(StringBuilder sb, double x, int bottom, string label) =>
        sb.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{N(x)}\" x2=\"{N(x)}\" y1=\"{bottom}\" y2=\"{bottom + 5}\" stroke=\"#444\"/><text x=\"{N(x)}\" y=\"{bottom + 18}\" text-anchor=\"middle\">{label}</text>");

    static void TickY(StringBuilder sb, int x, int w, double y, string label) =>
        sb.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x}\" x2=\"{x + w}\" y1=\"{N(y)}\" y2=\"{N(y)}\" stroke=\"#ddd\"/><text x=\"{x - 6}\" y=\"{N(y + 4)}\" text-anchor=\"end\">{label}</text>");
}
