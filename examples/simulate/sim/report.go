package sim

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// series is one line (or the bars) of a chart.
type series struct {
	name   string
	color  string
	values []float64 // NaN: no value that day
}

// chartW and chartH are a chart's size in SVG units.
const chartW, chartH = 640.0, 260.0

// chart draws a self-contained SVG chart: bars when bars is set (one series),
// lines otherwise, over one x position per day.
func chart(title, unit string, series []series, bars bool, maxY float64) template.HTML {
	return template.HTML(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" style="width:100%%;height:auto" font-family="system-ui, sans-serif" role="img" aria-label="%s">%s</svg>`,
		chartW, chartH, template.HTMLEscapeString(title), chartBody(title, unit, series, bars, maxY)))
}

// chartBody draws a chart's elements in a chartW × chartH box.
func chartBody(title, unit string, series []series, bars bool, maxY float64) string {
	const w, h, left, right, top, bottom = chartW, chartH, 56.0, 16.0, 34.0, 36.0
	n := 0
	for _, s := range series {
		n = max(n, len(s.values))
	}
	if maxY <= 0 {
		for _, s := range series {
			for _, v := range s.values {
				if !math.IsNaN(v) {
					maxY = math.Max(maxY, v)
				}
			}
		}
		maxY = niceCeil(maxY)
	}
	plotW, plotH := w-left-right, h-top-bottom
	x := func(i int) float64 { return left + plotW*(float64(i)+0.5)/float64(max(n, 1)) }
	y := func(v float64) float64 { return top + plotH*(1-v/maxY) }
	var b strings.Builder
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/><text x="%.0f" y="20" font-size="14" font-weight="600" fill="#1d2433">%s</text>`, left, template.HTMLEscapeString(title))
	for k := 0; k <= 4; k++ { // grid and y labels
		v := maxY * float64(k) / 4
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#e4e7ec"/>`, left, w-right, y(v), y(v))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#667085" text-anchor="end">%s%s</text>`, left-6, y(v)+4, trim(v), unit)
	}
	for i := 0; i < n; i++ { // x labels every 5 days
		if i%5 == 0 || i == n-1 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#667085" text-anchor="middle">%d</text>`, x(i), h-bottom+16, i+1)
		}
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#667085" text-anchor="middle">day</text>`, left+plotW/2, h-4)
	for si, s := range series {
		if bars {
			bw := plotW / float64(max(n, 1)) * 0.7
			for i, v := range s.values {
				if !math.IsNaN(v) {
					fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>day %d: %s</title></rect>`, x(i)-bw/2, y(v), bw, top+plotH-y(v), s.color, i+1, trim(v))
				}
			}
			continue
		}
		var pts []string
		for i, v := range s.values {
			if !math.IsNaN(v) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
			}
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, s.color, strings.Join(pts, " "))
		if len(series) > 1 { // legend
			lx := left + 8 + float64(si)*118
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="%s"/><text x="%.1f" y="%.1f" font-size="11" fill="#1d2433">%s</text>`,
				lx, top-2, s.color, lx+14, top+7, template.HTMLEscapeString(s.name))
		}
	}
	return b.String()
}

// niceCeil rounds a chart's top up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 4, 6, 8, 10} { // quarters stay round
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func trim(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

var palette = []string{"#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed"}

// chartSpec is one of the report's charts.
type chartSpec struct {
	title, unit string
	series      []series
	bars        bool
	maxY        float64
}

// charts returns the report's four charts.
func (s *sim) charts() []template.HTML {
	var out []template.HTML
	for _, c := range s.chartSpecs() {
		out = append(out, chart(c.title, c.unit, c.series, c.bars, c.maxY))
	}
	return out
}

// writeSVG writes the four charts as one SVG image, two by two.
func writeSVG(w io.Writer, s *sim) error {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" font-family="system-ui, sans-serif">`, 2*chartW+12, 2*chartH+12, 2*chartW+12, 2*chartH+12)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#f5f6f8"/>`)
	for i, c := range s.chartSpecs() {
		fmt.Fprintf(&b, `<g transform="translate(%.0f,%.0f)">%s</g>`, float64(i%2)*(chartW+12), float64(i/2)*(chartH+12), chartBody(c.title, c.unit, c.series, c.bars, c.maxY))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// chartSpecs are the report's four charts: orders per day, on-time rate,
// stock of the top SKUs and split rate.
func (s *sim) chartSpecs() []chartSpec {
	n := len(s.days)
	orders := make([]float64, n)
	onTime := make([]float64, n)
	split := make([]float64, n)
	stock := make([]series, len(s.top))
	for k, sku := range s.top {
		stock[k] = series{name: string(sku), color: palette[k%len(palette)], values: make([]float64, n)}
	}
	for i, d := range s.days {
		orders[i] = float64(d.orders)
		onTime[i], split[i] = math.NaN(), math.NaN()
		if d.deliveredOrders > 0 {
			onTime[i] = 100 * float64(d.onTime) / float64(d.deliveredOrders)
		}
		if d.shippedOrders > 0 {
			split[i] = 100 * float64(d.splitOrders) / float64(d.shippedOrders)
		}
		for k, v := range d.stock {
			stock[k].values[i] = float64(v)
		}
	}
	return []chartSpec{
		{"Orders per day", "", []series{{name: "orders", color: palette[0], values: orders}}, true, 0},
		{"Delivered on time (orders delivered that day)", "%", []series{{name: "on time", color: palette[2], values: onTime}}, false, 100},
		{"Stock on hand of the top SKUs (all warehouses)", "", stock, false, 0},
		{"Split rate (orders shipped from more than one warehouse)", "%", []series{{name: "split", color: palette[3], values: split}}, false, 0},
	}
}

var reportPage = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>oms shop simulation</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; color: #1d2433; background: #f5f6f8; margin: 0; }
main { max-width: 1320px; margin: 0 auto; padding: 24px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 16px; }
.card { background: #fff; border-radius: 10px; padding: 12px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
table { border-collapse: collapse; } td, th { padding: 3px 14px 3px 0; text-align: left; } td.n { text-align: right; }
</style></head><body><main>
<h1>Shop simulation</h1>
<p>{{.Sum.Cfg}}</p>
<div class="grid">{{range .Charts}}<div class="card">{{.}}</div>{{end}}</div>
<h2>Summary</h2>
<div class="card"><pre>{{.Table}}</pre></div>
</main></body></html>
`))

// writeReport writes the self-contained HTML report: inline SVG charts and
// the summary, no scripts, no external assets.
func writeReport(w io.Writer, s *sim, sum summary) error {
	var table strings.Builder
	sum.print(&table)
	return reportPage.Execute(w, map[string]any{
		"Sum":    map[string]string{"Cfg": fmt.Sprintf("%d days, about %d orders a weekday, seed %d, %d workers", sum.cfg.Days, sum.cfg.OrdersPerDay, sum.cfg.Seed, sum.cfg.Workers)},
		"Charts": s.charts(),
		"Table":  table.String(),
	})
}
