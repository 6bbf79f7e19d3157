/// The report's only stylesheet, inlined in the page: the file must open on an air-gapped
/// host and in a mail attachment, so nothing is fetched (no fonts, no CSS, no scripts).
/// Series and heatmap colours are generated from `ShareSeries` and `HeatScale`, the single
/// place each colour is defined. Print: white background, outlined verdict, sections kept on
/// one page where they fit, and colours printed as they are (`print-color-adjust: exact`).
enum ReportStyle {
    /// The verdict banner's background: green for PASS, red for FAIL (and the good / bad
    /// marks on the key numbers).
    static let passColour = "#1b7f3b"
    static let failColour = "#b3261e"

    static let css: String = {
        var css = ":root{--pass:\(passColour);--fail:\(failColour)}\n" + base
        for series in ShareSeries.allCases {
            css += ".\(series.cssClass){fill:\(series.colour);background-color:\(series.colour)}\n"
        }
        for bucket in 0...HeatScale.steps {
            let colour = HeatScale.colour(bucket)
            css += ".\(HeatScale.cssClass(bucket)){fill:\(colour);background-color:\(colour)}\n"
        }
        return css + print
    }()

    private static let base = """
        :root{color-scheme:light;--fg:#1d2329;--muted:#5b6670;--line:#d5dbe1;--soft:#f4f6f8}
        *{box-sizing:border-box;-webkit-print-color-adjust:exact;print-color-adjust:exact}
        html{background:#fff}
        body{margin:0 auto;max-width:1240px;padding:16px 20px 40px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:#fff}
        h1{font-size:22px;margin:0 0 6px}h1 .host{font-weight:400}
        h2{font-size:18px;margin:0 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
        h3{font-size:14px;margin:14px 0 6px}
        code,pre{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px}
        section{margin-top:26px;break-inside:avoid;page-break-inside:avoid}
        .facts{display:flex;flex-wrap:wrap;gap:4px 22px;margin:0;color:var(--muted)}
        .facts div{display:flex;gap:6px}.facts dt::after{content:":"}.facts dd{margin:0;color:var(--fg)}
        .verdict{margin-top:14px;padding:14px 24px;border-radius:8px;color:#fff}
        .verdict.pass{background:var(--pass)}.verdict.fail{background:var(--fail)}
        .verdict-word{margin:0;font-size:46px;font-weight:800;letter-spacing:.08em;line-height:1.1}
        .verdict .reasons{margin:6px 0 0;padding-left:20px;font-size:15px}
        .numbers{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:10px}
        .number{border:1px solid var(--line);border-left:5px solid var(--line);border-radius:6px;padding:8px 12px}
        .number .name{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
        .number .value{font-size:22px;font-weight:700;font-variant-numeric:tabular-nums;white-space:nowrap}
        .number .note{color:var(--muted);font-size:12px}
        .number.good{border-left-color:var(--pass)}.number.good .value{color:var(--pass)}
        .number.bad{border-left-color:var(--fail)}.number.bad .value{color:var(--fail)}
        .legend{display:flex;flex-wrap:wrap;gap:16px;list-style:none;margin:0 0 8px;padding:0}
        .swatch{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-1px;border-radius:2px}
        .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:10px 14px}
        .charts.compact{grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:6px 10px}
        .charts.compact figcaption{font-size:11px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
        figure.cpu{margin:0;break-inside:avoid;page-break-inside:avoid}
        figure.cpu figcaption{font-size:12px;color:var(--muted)}figure.cpu figcaption b{color:var(--fg)}
        .cpu-chart{display:block;width:100%;height:auto}
        .cpu-chart text{font-size:10px;fill:var(--muted)}
        .cpu-chart .grid line{stroke:#e6eaee;stroke-width:1}
        .cpu-chart .axis path,.cpu-chart .axis line{stroke:#8a949e;stroke-width:1;fill:none}
        .note{color:var(--muted);font-size:12px}
        .empty{color:var(--muted);font-style:italic}
        .heatmap{display:grid;grid-template-columns:4.5em 1fr;column-gap:6px}
        .hm-rows{position:relative;font-size:11px;color:var(--muted)}
        .hm-rows span{position:absolute;right:0;transform:translateY(-50%);white-space:nowrap;line-height:1}
        .hm-cells{display:block;width:100%;background:#eef2f7}
        .hm-cells rect{width:1px;height:1px}
        .hm-time{position:relative;height:2.8em;font-size:11px;color:var(--muted)}
        .hm-time span{position:absolute;top:2px;transform:translateX(-50%);white-space:nowrap}
        .hm-time .end{transform:translateX(-100%)}
        .hm-time .unit{right:0;top:1.4em;transform:none}
        .heat-scale{display:flex;flex-wrap:wrap;align-items:center;gap:6px;font-size:12px;margin-top:4px}
        .ramp{display:inline-flex}.ramp i{display:inline-block;width:14px;height:12px}
        table{border-collapse:collapse;font-variant-numeric:tabular-nums}
        th,td{padding:4px 12px 4px 0;text-align:left;border-bottom:1px solid var(--line);vertical-align:middle}
        thead th{font-size:12px;color:var(--muted);font-weight:600}
        .num{text-align:right}
        .bar{display:inline-block;width:90px;height:9px;margin-left:8px;vertical-align:middle;background:#eef2f7;border-radius:2px;overflow:hidden}
        .bar span{display:block;height:100%}
        .bar .conn{background:#56b4e9}.bar .busy{background:#0072b2}.bar .top{background:#d55e00}
        .flag{font-size:11px;padding:0 5px;border:1px solid #d55e00;color:#d55e00;border-radius:8px}
        .load-table th{font-weight:400;color:var(--muted)}
        tr.bad td{color:var(--fail);font-weight:700}
        .none{color:var(--muted)}
        .findings-list{list-style:none;margin:0;padding:0}
        .finding{border:1px solid var(--line);border-left:5px solid #8a949e;border-radius:6px;padding:8px 14px;margin:10px 0;break-inside:avoid;page-break-inside:avoid}
        .finding.critical{border-left-color:#a4161a}.finding.warning{border-left-color:#b7791f}.finding.info{border-left-color:#0072b2}
        .badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:11px;font-weight:700;text-transform:uppercase;color:#fff;background:#8a949e}
        .badge.critical{background:#a4161a}.badge.warning{background:#b7791f}.badge.info{background:#0072b2}
        .finding .code{color:var(--muted)}
        .evidence{margin:6px 0;white-space:pre-wrap}
        .fix{display:flex;gap:8px;align-items:baseline}.fix>span{font-size:12px;color:var(--muted)}
        .fix pre{flex:1;margin:0;padding:6px 10px;background:var(--soft);border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere}
        footer{margin-top:30px;color:var(--muted);font-size:12px}

        """

    private static let print = """
        @page{margin:14mm}
        @media print{
        body{max-width:none;padding:0;font-size:10.5pt}
        .verdict{background:#fff!important;border:3px solid;color:var(--fg)}
        .verdict.pass{border-color:var(--pass)}.verdict.pass .verdict-word{color:var(--pass)}
        .verdict.fail{border-color:var(--fail)}.verdict.fail .verdict-word{color:var(--fail)}
        .badge{background:#fff!important;color:var(--fg);border:1px solid var(--fg)}
        .fix pre{background:#fff;border:1px solid var(--line)}
        section,figure,.finding,tr{break-inside:avoid;page-break-inside:avoid}
        h2,h3{break-after:avoid;page-break-after:avoid}
        .charts{grid-template-columns:repeat(3,1fr)}.charts.compact{grid-template-columns:repeat(5,1fr)}
        }

        """
}
