package commands_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/linli/linli/bot"
)

// /merge N M… end to end (issue 18 item 3): staff fold duplicates into one
// ticket; each duplicate's resident hears so in their thread, its card says
// where it went, and resolving the ticket tells every reporter.
func TestMergeEndToEnd(t *testing.T) {
	h := newHarness(t)
	h.group(residentGroup, li, "#报修 3号楼电梯坏了")
	h.group(residentGroup, tom, "#报修 3号楼电梯又坏了")
	wang := person{ID: "3", Name: "王阿姨"}
	h.group("-101", manager, "/bind 阳光花园")
	out := h.group("-101", wang, "#报修 3号楼的电梯不动了")
	wangReport := bot.MessageID(fmt.Sprint(h.LastID))
	if one(t, out, "-101").ReplyTo != wangReport {
		t.Fatalf("setup: %+v", out)
	}

	// Residents may not merge; nothing changes.
	out = h.group(residentGroup, tom, "/merge 1 2")
	if got := one(t, out, residentGroup); strings.Contains(got.Text, "并入") {
		t.Errorf("a resident merged: %q", got.Text)
	}
	if n := h.count(`SELECT count(*) FROM tickets WHERE merged_into IS NOT NULL`); n != 0 {
		t.Fatalf("merged by a resident: %d", n)
	}
	contains(t, one(t, h.group(staffGroup, zhang, "/merge 1"), staffGroup), "/merge 12 13")

	out = h.group(staffGroup, zhang, "/合并 1 2 3")
	contains(t, one(t, out, staffGroup), "已将 #2、#3 并入 #1")
	contains(t, one(t, out, residentGroup), "#2 和 #1 是同一个问题", "/status 1")
	if got := one(t, out, "-101"); got.ReplyTo != wangReport || !strings.Contains(got.Text, "#3 和 #1") {
		t.Errorf("王阿姨's thread: %+v", got)
	}
	var cards int
	for _, ed := range append(edits(out, residentGroup), edits(out, "-101")...) {
		if strings.Contains(ed.Text, "已并入 #1 一起处理") && strings.Contains(ed.Text, "已关闭") {
			cards++
		}
	}
	if cards != 2 {
		t.Errorf("the duplicates' resident cards edited: %d, want 2: %+v", cards, out)
	}
	if tk := h.ticket(2); tk.Status != "closed" || tk.MergedInto != 1 {
		t.Errorf("#2 after the merge: %s into %d", tk.Status, tk.MergedInto)
	}
	contains(t, one(t, h.group(residentGroup, tom, "/status 2"), residentGroup), "已并入 #1 一起处理")
	contains(t, one(t, h.group(residentGroup, tom, "/rate 2 1"), residentGroup), "#2 已并入 #1，请查看 #1")

	// Resolving #1 tells 李阿姨 in her thread; Tom reads that thread too;
	// 王阿姨 hears in her group.
	out = h.group(staffGroup, zhang, "/resolve 1")
	contains(t, one(t, out, residentGroup), "#1 已处理完成")
	contains(t, one(t, out, "-101"), "#1 已处理完成")
}

// English: the command, its help and its answers.
func TestMergeInEnglish(t *testing.T) {
	h := newHarness(t)
	h.private(manager, "/community 阳光花园")
	setLang(t, h, "阳光花园", "en")
	contains(t, one(t, h.group(staffGroup, zhang, "/help"), staffGroup), "/merge 12 13")
	h.group(residentGroup, li, "#报修 3号楼电梯坏了")
	h.group(residentGroup, tom, "#报修 3号楼电梯又坏了")
	out := h.group(staffGroup, zhang, "/merge 1 2")
	contains(t, one(t, out, staffGroup), "Merged #2 into #1")
	contains(t, one(t, out, residentGroup), "#2 is the same problem as #1")
	contains(t, one(t, h.group(staffGroup, zhang, "/merge 1 1"), staffGroup), "#1 cannot be merged into itself")
}
