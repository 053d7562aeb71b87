package commands

import "testing"

func TestVoteNumber(t *testing.T) {
	tests := []struct {
		in       string
		n        int
		explicit bool
		ok       bool
	}{
		{"2", 2, false, true},
		{" 2 ", 2, false, true},
		{"２", 2, false, true},
		{"10", 10, false, true},
		{"2。", 2, false, true},
		{"回复 2", 2, true, true},
		{"回复2", 2, true, true},
		{"投票：3", 3, true, true},
		{"投票: 3", 3, true, true},
		{"选 1", 1, true, true},
		{"Vote 4", 4, true, true},
		{"＠Linli_bot 2", 2, false, true},
		{"0", 0, false, false},
		{"100", 0, false, false},
		{"2楼漏水", 0, false, false},
		{"#2", 0, false, false}, // a ticket reference
		{"回复", 0, false, false},
		{"我选 2 号方案，因为近", 0, false, false},
		{"/status 2", 0, false, false},
		{"评分 5", 0, false, false},
		{"", 0, false, false},
	}
	for _, tt := range tests {
		v, ok := voteNumber(Parse(tt.in, testBotNames))
		if ok != tt.ok || (ok && (v.n != tt.n || v.explicit != tt.explicit)) {
			t.Errorf("voteNumber(%q) = %+v, %v; want n=%d explicit=%v, %v", tt.in, v, ok, tt.n, tt.explicit, tt.ok)
		}
	}
}
