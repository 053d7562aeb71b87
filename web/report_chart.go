package web

import (
	"math"
	"strconv"
	"time"

	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// The report's charts are inline SVG that the template writes out: the
// labels are <text> in the page's font, so Chinese reads as it does in the
// rest of the page (the PNG chart of the chat report has no CJK glyphs).
// Colours are presentation attributes, which the page's content policy
// allows where it refuses inline styles.

// chart is one SVG chart.
type chart struct {
	W, H   int
	Label  string // what the chart shows, for screen readers
	Bars   []bar
	Texts  []text
	Lines  []line
	Legend []legend
}

type bar struct {
	X, Y, W, H px
	Fill       string
	Title      string // shown on hover
}

type text struct {
	X, Y   px
	Anchor string // start, middle, end
	Text   string
}

type line struct{ X1, Y1, X2, Y2 px }

type legend struct {
	X     px
	Fill  string
	Text  string
	TextX px
}

// px is a coordinate, written with at most one decimal.
type px float64

func (p px) String() string { return strconv.FormatFloat(math.Round(float64(p)*10)/10, 'f', -1, 64) }

const (
	fillOpened   = "#0969da"
	fillResolved = "#0b7a53"
)

// legends are the two series' keys at the top of a chart, from x.
func legends(lang string, x px) []legend {
	return []legend{
		{X: x, TextX: x + 16, Fill: fillOpened, Text: i18n.T(lang, i18n.WebReportOpened)},
		{X: x + 96, TextX: x + 112, Fill: fillResolved, Text: i18n.T(lang, i18n.WebReportResolved)},
	}
}

// kindChart draws each kind's tickets, new and resolved, as bars.
func kindChart(lang string, rows []kindRow) *chart {
	const (
		left, right = 100, 56
		top, band   = 28, 46
		w           = 560
	)
	c := &chart{W: w, H: top + band*len(rows) + 4, Label: i18n.T(lang, i18n.WebReportByKind), Legend: legends(lang, left)}
	most := 1
	for _, r := range rows {
		most = max(most, r.Opened, r.Resolved)
	}
	scale := float64(w-left-right) / float64(most)
	for i, r := range rows {
		y := px(top + band*i)
		c.Texts = append(c.Texts, text{X: left - 8, Y: y + 22, Anchor: "end", Text: r.Name})
		for j, s := range []struct {
			n    int
			fill string
			key  i18n.Key
		}{{r.Opened, fillOpened, i18n.WebReportOpened}, {r.Resolved, fillResolved, i18n.WebReportResolved}} {
			by := y + px(18*j)
			bw := px(float64(s.n) * scale)
			title := r.Name + " · " + i18n.T(lang, s.key) + " " + strconv.Itoa(s.n)
			if s.n > 0 {
				c.Bars = append(c.Bars, bar{X: left, Y: by, W: bw, H: 16, Fill: s.fill, Title: title})
			}
			c.Texts = append(c.Texts, text{X: left + bw + 6, Y: by + 13, Anchor: "start", Text: strconv.Itoa(s.n)})
		}
	}
	c.Lines = []line{{X1: left, Y1: top - 4, X2: left, Y2: px(c.H - 4)}}
	return c
}

// dayChart draws the month day by day: tickets new and resolved each day.
// Days that have not begun have no bars; nil when none has.
func dayChart(lang string, year int, month time.Month, days []store.DayFigures) *chart {
	if len(days) == 0 {
		return nil
	}
	const (
		left, right = 36, 8
		top, bottom = 30, 26
		w, h        = 640, 230
	)
	n := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
	c := &chart{W: w, H: h, Label: i18n.T(lang, i18n.WebReportByDay), Legend: legends(lang, left)}
	most := 1
	for _, d := range days {
		most = max(most, d.Opened, d.Resolved)
	}
	step := (most + 3) / 4
	ceil := step * ((most + step - 1) / step)
	ph := float64(h - top - bottom)
	y := func(v int) px { return px(float64(top) + ph - ph*float64(v)/float64(ceil)) }
	for v := 0; v <= ceil; v += step {
		c.Lines = append(c.Lines, line{X1: left, Y1: y(v), X2: w - right, Y2: y(v)})
		c.Texts = append(c.Texts, text{X: left - 6, Y: y(v) + 4, Anchor: "end", Text: strconv.Itoa(v)})
	}
	slot := float64(w-left-right) / float64(n)
	x := func(day int, f float64) px { return px(float64(left) + float64(day-1)*slot + f*slot) }
	for _, d := range days {
		day := d.Day.Day()
		title := i18n.T(lang, i18n.WebReportDayBar, day, d.Opened, d.Resolved)
		for j, s := range []struct {
			n    int
			fill string
		}{{d.Opened, fillOpened}, {d.Resolved, fillResolved}} {
			if s.n > 0 {
				c.Bars = append(c.Bars, bar{X: x(day, 0.1+0.42*float64(j)), Y: y(s.n), W: px(0.38 * slot), H: y(0) - y(s.n), Fill: s.fill, Title: title})
			}
		}
	}
	for day := 1; day <= n; day++ {
		if day == 1 || day%5 == 0 {
			c.Texts = append(c.Texts, text{X: x(day, 0.5), Y: h - 8, Anchor: "middle", Text: i18n.T(lang, i18n.WebReportDay, day)})
		}
	}
	return c
}
