package export

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"
	"time"
)

func TestChartPNGSizeAndContent(t *testing.T) {
	days := make([]ChartDay, 30)
	for i := range days {
		days[i] = ChartDay{Opened: i % 5, Resolved: (i + 2) % 4, OnTime: (i + 2) % 4 / 2}
	}
	for _, tc := range []struct {
		name string
		m    Chart
	}{
		{"full", Chart{Year: 2026, Month: time.November, Days: days, Name: "Lakeside"}},
		{"partial", Chart{Year: 2026, Month: time.December, Days: days[:3], Name: "阳光花园"}},
		{"empty", Chart{Year: 2026, Month: time.February, Days: make([]ChartDay, 28)}},
		{"first day", Chart{Year: 2026, Month: time.January}},
		{"busy", Chart{Year: 2026, Month: time.March, Days: []ChartDay{{Opened: 480, Resolved: 12, OnTime: 12}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ChartPNG(tc.m)
			if err != nil {
				t.Fatal(err)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
			if err != nil || format != "png" {
				t.Fatalf("DecodeConfig: %v, %q", err, format)
			}
			if cfg.Width != ChartWidth || cfg.Height != ChartHeight {
				t.Errorf("size %d×%d, want %d×%d", cfg.Width, cfg.Height, ChartWidth, ChartHeight)
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

func TestChartDrawable(t *testing.T) {
	for s, want := range map[string]bool{"Lakeside Gardens": true, "Café 3-201": true, "阳光花园": false, "Sunny 花园": false, "": true} {
		if got := drawable(s); got != want {
			t.Errorf("drawable(%q) = %v, want %v", s, got, want)
		}
	}
}
