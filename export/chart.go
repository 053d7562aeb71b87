package export

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"time"

	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The picture's size in pixels: wide enough for 31 labelled days, and well
// within what Telegram and WeChat show without cropping.
const (
	ChartWidth  = 1200
	ChartHeight = 800
	dpi         = 96
)

// ChartDay is one day's figures.
type ChartDay struct {
	Opened, Resolved int
	// OnTime counts the day's resolved tickets that met both deadlines.
	OnTime int
}

// Chart is what the monthly chart shows.
type Chart struct {
	Year  int
	Month time.Month
	// Days holds the days that have begun, from the 1st; a month in progress
	// has fewer than the month's length.
	Days []ChartDay
	// Name is the community's name, put in the title if the font can draw it.
	Name string
}

// Colours (Tableau 10): they stay apart for most colour-blind readers.
var (
	colorOpened   = color.RGBA{R: 0x4e, G: 0x79, B: 0xa7, A: 0xff}
	colorResolved = color.RGBA{R: 0x59, G: 0xa1, B: 0x4f, A: 0xff}
	colorOnTime   = color.RGBA{R: 0xe1, G: 0x57, B: 0x59, A: 0xff}
	colorGrid     = color.Gray{Y: 0xdd}
)

// sans is the embedded Liberation Sans (plot's default is the serif).
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// ChartPNG draws the month as a ChartWidth × ChartHeight PNG.
func ChartPNG(m Chart) ([]byte, error) {
	if m.Month < time.January || m.Month > time.December {
		return nil, fmt.Errorf("chart: bad month %d", m.Month)
	}
	n := daysIn(m.Year, m.Month)
	if len(m.Days) > n {
		return nil, errors.New("chart: more days than the month has")
	}
	top, err := counts(m, n)
	if err != nil {
		return nil, err
	}
	bottom, err := onTime(m, n)
	if err != nil {
		return nil, err
	}

	c := vgimg.NewWith(vgimg.UseWH(ChartWidth*vg.Inch/dpi, ChartHeight*vg.Inch/dpi), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	plots := [][]*plot.Plot{{top}, {bottom}}
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: 8, PadBottom: 8, PadLeft: 8, PadRight: 16, PadY: 16}
	for j, row := range plot.Align(plots, tiles, dc) {
		plots[j][0].Draw(row[0])
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("chart: encode png: %w", err)
	}
	return b.Bytes(), nil
}

// counts is the upper plot: opened and resolved tickets, side by side.
func counts(m Chart, n int) (*plot.Plot, error) {
	p := newPlot(n)
	title := "Tickets opened and resolved per day, " + m.Month.String() + " " + strconv.Itoa(m.Year)
	if m.Name != "" && drawable(m.Name) {
		title = m.Name + ": " + title
	}
	p.Title.Text = title
	p.Y.Label.Text = "tickets"
	top := 0
	opened, resolved := make(plotter.Values, len(m.Days)), make(plotter.Values, len(m.Days))
	for i, d := range m.Days {
		opened[i], resolved[i] = float64(d.Opened), float64(d.Resolved)
		top = max(top, d.Opened, d.Resolved)
	}
	step := intStep(top)
	p.Y.Min, p.Y.Max = 0, float64(step*(top/step+1))
	p.Y.Tick.Marker = intTicks(step)
	if len(m.Days) > 0 {
		// A day is about 26 points wide on this canvas: two 9-point bars.
		const w = 9
		for _, s := range []struct {
			vs     plotter.Values
			c      color.Color
			offset vg.Length
			name   string
		}{{opened, colorOpened, -w / 2, "opened"}, {resolved, colorResolved, w / 2, "resolved"}} {
			b, err := plotter.NewBarChart(s.vs, w)
			if err != nil {
				return nil, fmt.Errorf("chart: bars: %w", err)
			}
			b.XMin, b.Offset, b.Color, b.LineStyle.Width = 1, s.offset, s.c, 0
			p.Add(b)
			p.Legend.Add(s.name, b)
		}
	}
	p.Legend.Top = true
	p.Legend.TextStyle.Font = font.From(sans, 11)
	return p, nil
}

// onTime is the lower plot: of each day's resolved tickets, the share that
// met both deadlines. A day with nothing resolved has no point, and the line
// breaks there rather than pretend to know.
func onTime(m Chart, n int) (*plot.Plot, error) {
	p := newPlot(n)
	p.Title.Text = "Resolved within the time limits (share of the day's resolved tickets; no point: none resolved)"
	p.Y.Label.Text = "on time"
	p.Y.Min, p.Y.Max = 0, 105
	p.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0%"}, {Value: 25, Label: "25%"}, {Value: 50, Label: "50%"}, {Value: 75, Label: "75%"}, {Value: 100, Label: "100%"}}
	var run, all plotter.XYs
	flush := func() error {
		if len(run) > 1 {
			l, err := plotter.NewLine(run)
			if err != nil {
				return fmt.Errorf("chart: line: %w", err)
			}
			l.Color, l.Width = colorOnTime, vg.Points(2)
			p.Add(l)
		}
		run = nil
		return nil
	}
	for i, d := range m.Days {
		if d.Resolved == 0 {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		xy := plotter.XY{X: float64(i + 1), Y: 100 * float64(d.OnTime) / float64(d.Resolved)}
		run, all = append(run, xy), append(all, xy)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(all) > 0 {
		s, err := plotter.NewScatter(all)
		if err != nil {
			return nil, fmt.Errorf("chart: points: %w", err)
		}
		s.GlyphStyle = draw.GlyphStyle{Color: colorOnTime, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
		p.Add(s)
	}
	return p, nil
}

// newPlot is a plot over the days of a month, in the embedded sans font,
// with a light horizontal grid.
func newPlot(n int) *plot.Plot {
	p := plot.New()
	p.Title.TextStyle.Font = font.From(sans, 14)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 11)
		a.Tick.Label.Font = font.From(sans, 10)
	}
	p.X.Label.Text = "day of the month"
	p.X.Min, p.X.Max = 0.5, float64(n)+0.5
	ticks := make(plot.ConstantTicks, n)
	for d := 1; d <= n; d++ {
		ticks[d-1] = plot.Tick{Value: float64(d), Label: strconv.Itoa(d)}
	}
	p.X.Tick.Marker = ticks
	g := plotter.NewGrid()
	g.Vertical.Color = nil // no vertical lines: the day labels are enough
	g.Horizontal.Color = colorGrid
	p.Add(g)
	return p
}

// intStep is a tick step for counts up to top: whole numbers, about five ticks.
func intStep(top int) int {
	for _, s := range []int{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000} {
		if top/s < 6 {
			return s
		}
	}
	return int(math.Pow(10, math.Ceil(math.Log10(float64(top)/5))))
}

// intTicks labels every step from the axis minimum up.
func intTicks(step int) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		var ts []plot.Tick
		for v := int(math.Ceil(lo)); float64(v) <= hi; v++ {
			if v%step == 0 {
				ts = append(ts, plot.Tick{Value: float64(v), Label: strconv.Itoa(v)})
			}
		}
		return ts
	})
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

// drawable reports whether the embedded font has a glyph for every
// character of s (Latin text does; Chinese does not).
func drawable(s string) bool {
	face := font.DefaultCache.Lookup(sans, 12)
	if face.Face == nil {
		return false
	}
	var buf sfnt.Buffer
	for _, r := range s {
		if r == ' ' {
			continue
		}
		if i, err := face.Face.GlyphIndex(&buf, r); err != nil || i == 0 {
			return false
		}
	}
	return true
}
