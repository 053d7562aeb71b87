package board

import "testing"

func TestParseClock(t *testing.T) {
	for in, want := range map[string][2]int{"8:00": {8, 0}, "08:30": {8, 30}, "20：15": {20, 15}, "7点": {7, 0}, "23:59": {23, 59}} {
		h, m, ok := ParseClock(in)
		if !ok || h != want[0] || m != want[1] {
			t.Errorf("ParseClock(%q) = %d, %d, %v", in, h, m, ok)
		}
	}
	for _, in := range []string{"", "24:00", "8:60", "8:5:1", "eight", "-1:00", "8:000"} {
		if _, _, ok := ParseClock(in); ok {
			t.Errorf("ParseClock(%q) accepted", in)
		}
	}
}
