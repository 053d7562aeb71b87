package chart_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"
	"time"

	"github.com/linli/linli/chart"
)

func TestPNGSizeAndContent(t *testing.T) {
	days := make([]chart.Day, 30)
	for i := range days {
		days[i] = chart.Day{Opened: i % 5, Resolved: (i + 2) % 4, OnTime: (i + 2) % 4 / 2}
	}
	for _, tc := range []struct {
		name string
		m    chart.Month
	}{
		{"full", chart.Month{Year: 2026, Month: time.November, Days: days, Name: "Lakeside"}},
		{"partial", chart.Month{Year: 2026, Month: time.December, Days: days[:3], Name: "阳光花园"}},
		{"empty", chart.Month{Year: 2026, Month: time.February, Days: make([]chart.Day, 28)}},
		{"first day", chart.Month{Year: 2026, Month: time.January}},
		{"busy", chart.Month{Year: 2026, Month: time.March, Days: []chart.Day{{Opened: 480, Resolved: 12, OnTime: 12}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := chart.PNG(tc.m)
			if err != nil {
				t.Fatal(err)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
			if err != nil || format != "png" {
				t.Fatalf("DecodeConfig: %v, %q", err, format)
			}
			if cfg.Width != chart.Width || cfg.Height != chart.Height {
				t.Errorf("size %d×%d, want %d×%d", cfg.Width, cfg.Height, chart.Width, chart.Height)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if f := inked(img); f < 0.01 {
				t.Errorf("only %.4f of the pixels are drawn on: blank", f)
			}
			if os.Getenv("CHART_OUT") != "" {
				os.WriteFile(os.Getenv("CHART_OUT")+"-"+tc.name+".png", b, 0o644)
			}
		})
	}
}

// inked is the share of pixels that are not white.
func inked(img image.Image) float64 {
	r := img.Bounds()
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c := color.GrayModel.Convert(img.At(x, y)).(color.Gray); c.Y < 0xf0 {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

func TestDrawable(t *testing.T) {
	for s, want := range map[string]bool{"Lakeside Gardens": true, "Café 3-201": true, "阳光花园": false, "Sunny 花园": false, "": true} {
		if got := chart.Drawable(s); got != want {
			t.Errorf("Drawable(%q) = %v, want %v", s, got, want)
		}
	}
}
