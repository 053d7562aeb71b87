package telegram

import (
	"context"
	"slices"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Command is one entry of the menu Telegram clients show after "/".
type Command struct {
	Name        string // without the slash, [a-z0-9_]{1,32}
	Description string
}

// Menu is the command menu per language code ("zh", "en"): residents'
// commands in groups; everyone's in private chats, where staff and managers
// do their work. Commands typed outside the menu work all the same.
type Menu struct {
	Group   map[string][]Command
	Private map[string][]Command
}

// DefaultMenu returns Linli's menu in Chinese and English.
func DefaultMenu() Menu {
	resident := map[string][]Command{
		"zh": {
			{"repair", "报修：/repair 问题描述"},
			{"complain", "投诉：/complain 内容"},
			{"status", "查询工单：/status 编号"},
			{"mine", "我的工单"},
			{"cancel", "取消工单：/cancel 编号"},
			{"rate", "评价：/rate 编号 1-5 [意见]"},
			{"notices", "公告栏"},
			{"join", "报名活动：/join 编号"},
			{"volunteer", "加入志愿者"},
			{"agenda", "提交业主大会议题"},
			{"help", "使用说明"},
		},
		"en": {
			{"repair", "Repair request: /repair what is broken"},
			{"complain", "Complaint: /complain text"},
			{"status", "Ticket status: /status N"},
			{"mine", "My tickets"},
			{"cancel", "Cancel a ticket: /cancel N"},
			{"rate", "Rate: /rate N 1-5 [comment]"},
			{"notices", "Notice board"},
			{"join", "Sign up for an activity: /join N"},
			{"volunteer", "Join the volunteers"},
			{"agenda", "Propose a resident meeting topic"},
			{"help", "How to use Linli"},
		},
	}
	private := map[string][]Command{
		"zh": {
			{"suggest", "匿名意见箱：/suggest 内容"},
			{"take", "员工：接单 /take 编号"},
			{"assign", "员工：派单 /assign 编号 人员"},
			{"progress", "员工：进度 /progress 编号 说明"},
			{"hold", "员工：挂起 /hold 编号 原因"},
			{"resolve", "员工：完成 /resolve 编号"},
			{"reopen", "员工：重开 /reopen 编号"},
			{"tickets", "员工：工单列表 [open|overdue]"},
			{"grant", "经理：授权 /grant staff|manager 人员"},
			{"revoke", "经理：撤销权限 /revoke 人员"},
			{"announce", "经理：发布公告"},
			{"poll", "经理：发起投票 /poll 问题 | 选项 | 选项"},
			{"survey", "经理：发问卷 /survey add 链接"},
			{"schedule", "经理：定时任务"},
			{"activity", "经理：社区活动"},
			{"meeting", "经理：业主大会"},
			{"expense", "经理：记录支出"},
			{"sla", "经理：处理时限"},
			{"report", "经理：月度报告 [YYYY-MM]"},
			{"kpi", "经理：目标指标"},
			{"export", "经理：导出 [YYYY-MM]"},
			{"jobs", "经理：后台任务"},
			{"runjob", "经理：立即运行任务"},
		},
		"en": {
			{"suggest", "Anonymous suggestion: /suggest text"},
			{"take", "Staff: take a ticket /take N"},
			{"assign", "Staff: assign /assign N PERSON"},
			{"progress", "Staff: progress /progress N TEXT"},
			{"hold", "Staff: put on hold /hold N REASON"},
			{"resolve", "Staff: resolve /resolve N"},
			{"reopen", "Staff: reopen /reopen N"},
			{"tickets", "Staff: ticket list [open|overdue]"},
			{"grant", "Manager: grant staff|manager PERSON"},
			{"revoke", "Manager: revoke PERSON"},
			{"announce", "Manager: announcement"},
			{"poll", "Manager: poll /poll QUESTION | OPTION | OPTION"},
			{"survey", "Manager: survey /survey add LINK"},
			{"schedule", "Manager: scheduled posts"},
			{"activity", "Manager: community activities"},
			{"meeting", "Manager: resident meetings"},
			{"expense", "Manager: record an expense"},
			{"sla", "Manager: response and resolution times"},
			{"report", "Manager: monthly report [YYYY-MM]"},
			{"kpi", "Manager: targets"},
			{"export", "Manager: export [YYYY-MM]"},
			{"jobs", "Manager: background jobs"},
			{"runjob", "Manager: run a job now"},
		},
	}
	m := Menu{Group: resident, Private: map[string][]Command{}}
	for lang, cmds := range resident {
		m.Private[lang] = append(slices.Clone(cmds), private[lang]...)
	}
	return m
}

// setCommands sets the menu for private chats and for groups, once per
// language and once more without a language for everyone else (in
// Config.Lang). A failure is logged: the bot works without a menu.
func (t *Telegram) setCommands(ctx context.Context) {
	scopes := []struct {
		name  string
		scope models.BotCommandScope
		menu  map[string][]Command
	}{
		{"all_private_chats", &models.BotCommandScopeAllPrivateChats{}, t.cfg.Menu.Private},
		{"all_group_chats", &models.BotCommandScopeAllGroupChats{}, t.cfg.Menu.Group},
	}
	for _, sc := range scopes {
		langs := make([]string, 0, len(sc.menu))
		for lang := range sc.menu {
			langs = append(langs, lang)
		}
		slices.Sort(langs)
		if _, ok := sc.menu[t.cfg.Lang]; ok {
			langs = append(langs, "") // the fallback for every other language
		}
		for _, lang := range langs {
			src := t.cfg.Lang
			if lang != "" {
				src = lang
			}
			var cmds []models.BotCommand
			for _, c := range sc.menu[src] {
				cmds = append(cmds, models.BotCommand{Command: c.Name, Description: c.Description})
			}
			if len(cmds) == 0 {
				continue
			}
			rctx, cancel := t.request(ctx)
			_, err := t.api.SetMyCommands(rctx, &tgbot.SetMyCommandsParams{Commands: cmds, Scope: sc.scope, LanguageCode: lang})
			cancel()
			if err != nil {
				t.log.Warn("telegram set command menu", "scope", sc.name, "lang", lang, "err", err)
			}
		}
	}
}
