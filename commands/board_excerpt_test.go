package commands_test

import (
	"strings"
	"testing"
)

func TestBoardShowsRepairsByTheirWords(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#报修 3号楼2单元的电梯按钮坏了，按了没有反应，已经两天了")
	h.group(residentGroup, tom, "#报修 5号楼门口路灯不亮")
	h.group(residentGroup, li, "#投诉 楼上邻居每天半夜装修")
	h.private(tom, "/repair 我家302卫生间漏水")
	board := one(t, h.group(residentGroup, tom, "/notices"), residentGroup).Text
	for _, want := range []string{
		"· #1 报修 · 待处理：3号楼2单元的电梯按钮坏了，按了没有反应…", // 20 characters
		"· #2 报修 · 待处理：5号楼门口路灯不亮",
		"· #3 投诉 · 待处理\n", // kind and status only
		"· #4 报修 · 待处理\n", // filed privately: not shown to the group
	} {
		if !strings.Contains(board+"\n", want) {
			t.Errorf("the board lacks %q:\n%s", want, board)
		}
	}
	for _, secret := range []string{"邻居", "卫生间", "已经两天了", "李阿姨", "Tom"} {
		if strings.Contains(board, secret) {
			t.Errorf("the board shows %q:\n%s", secret, board)
		}
	}
}
