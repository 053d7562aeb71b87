package commands

import (
	"fmt"
	"strings"
)

// catalog is the reply catalogue: one message per key and language, merged
// from each command family's table. Replies follow the community's language;
// keys missing in a language fall back to Chinese.
var catalog = mergeCatalogs(coreMessages, outboxMessages, communityMessages, scheduleMessages, boardMessages, pollMessages, exportMessages)

// mergeCatalogs joins message tables; a key defined twice is a programming error.
func mergeCatalogs(tables ...map[string]map[string]string) map[string]map[string]string {
	out := map[string]map[string]string{"zh": {}, "en": {}}
	for _, t := range tables {
		for lang, msgs := range t {
			for k, v := range msgs {
				if _, dup := out[lang][k]; dup {
					panic("commands: message " + k + " defined twice")
				}
				out[lang][k] = v
			}
		}
	}
	return out
}

// coreMessages are the replies of the ticket, role and binding commands.
var coreMessages = map[string]map[string]string{
	"zh": {
		// tickets
		"kind.repair":          "报修",
		"kind.complaint":       "投诉",
		"status.open":          "待处理",
		"status.in_progress":   "处理中",
		"status.on_hold":       "暂缓（计时暂停）",
		"status.resolved":      "已解决，待评价",
		"status.closed":        "已关闭",
		"status.cancelled":     "已取消",
		"card.title":           "工单 #%d · %s",
		"card.text":            "内容：%s",
		"card.status":          "状态：%s",
		"card.reporter":        "报告人：%s",
		"card.assignee":        "负责人：%s",
		"card.first_due":       "首次回复：%s 前",
		"card.resolve_due":     "解决期限：%s 前",
		"card.responded":       "首次回复：%s",
		"card.rating":          "评分：%d 星",
		"card.created_ok":      "已收到，我们会尽快处理。补充情况请直接回复本消息。",
		"card.staff_title":     "新工单 #%d · %s · %s",
		"card.staff_hint":      "回复本消息即可答复业主；/take %d 接单，/resolve %d 完成。",
		"card.staff_hint_ref":  "发送“#%d 内容”即可答复业主；/take %d 接单，/resolve %d 完成。",
		"card.created_ok_ref":  "已收到，我们会尽快处理。补充情况请发送“#%d 内容”。",
		"card.overdue_first":   "⚠ 首次回复已超时",
		"card.overdue_resolve": "⚠ 已超过解决期限",
		"btn.take":             "接单",
		"btn.resolve":          "已解决",
		"btn.reopen":           "重新打开",
		"ticket.taken":         "#%d 已由%s接单，正在处理。",
		"ticket.assigned":      "#%d 已指派给%s。",
		"ticket.reply":         "#%d 物业回复（%s）：%s",
		"ticket.followup":      "#%d 业主补充（%s）：%s",
		"ticket.held":          "#%d 暂缓处理：%s\n处理时限暂停计时，恢复后会继续通知您。",
		"ticket.resumed":       "#%d 已恢复处理（%s）：%s",
		"ticket.resolved":      "#%d 已处理完成（%s）。",
		"ticket.resolved_note": "#%d 已处理完成（%s）：%s",
		"ticket.rate_ask":      "请为本次服务评分：发送 /rate %d 加 1–5 分（5 为非常满意），可附一句意见。",
		"ticket.rate_buttons":  "请为本次服务评分（5 为非常满意）：",
		"ticket.reopened":      "#%d 已重新打开，我们会继续处理。",
		"ticket.cancelled":     "#%d 已取消。",
		"ticket.rated":         "谢谢您的评价！#%d 已关闭。",
		"ticket.low_rating":    "⚠ #%d 收到 %d 星评价（%s）：%s\n如需跟进，可 /reopen %d。",
		"ack.take":             "✅ #%d 已接单。",
		"ack.assign":           "✅ #%d 已指派给%s。",
		"ack.progress":         "✅ 已转告业主（#%d）。",
		"ack.comment":          "✅ 已记录并转告业主（#%d）。",
		"ack.followup":         "✅ 已转给物业（#%d）。",
		"ack.hold":             "✅ #%d 已暂缓，计时暂停。",
		"ack.resolve":          "✅ #%d 已标记为解决，已请业主评价。",
		"ack.reopen":           "✅ #%d 已重新打开。",
		"tickets.none":         "目前没有符合条件的工单。",
		"tickets.header":       "工单（%d 条）：",
		"tickets.mine_header":  "您的工单：",
		"tickets.mine_none":    "您还没有提交过工单。发送“#报修 问题描述”即可报修。",
		"tickets.line":         "#%d %s · %s · %s",
		"tickets.overdue":      "（超时）",
		"tickets.more":         "……另有 %d 条未显示。",
		"status.history":       "记录：",
		"event.created":        "%s 提交",
		"event.take":           "%s 接单",
		"event.assign":         "%s 指派",
		"event.progress":       "%s 更新进度",
		"event.comment":        "%s 留言",
		"event.hold":           "%s 暂缓",
		"event.resolve":        "%s 解决",
		"event.reopen":         "%s 重新打开",
		"event.cancel":         "%s 取消",
		"event.rate":           "%s 评价",
		"event.close":          "%s 关闭",
		"event.escalate_1":     "%s 首次回复超时提醒",
		"event.escalate_2":     "%s 解决超时提醒",
		"system":               "系统",
		// errors and refusals
		"err.internal":           "抱歉，系统出了点问题，请稍后再试。我们已记录这个问题。",
		"err.empty_text":         "请在后面写上具体情况，例如：%s 3号楼电梯按钮坏了",
		"err.text_too_long":      "内容太长了（%[2]d 字），请控制在 %[1]d 字以内，可以分几条补充。",
		"err.bad_text":           "这条消息包含无法识别的字符，请重新输入。",
		"err.no_ticket":          "没有找到工单 #%v。",
		"err.no_ticket_number":   "请写上工单号，例如：/%s 12",
		"err.bad_ticket_number":  "“%s”不是有效的工单号，请写数字，例如 12。",
		"err.bad_transition":     "#%v 目前无法执行此操作（%[3]s）。",
		"err.throttled":          "您在 10 分钟内已提交 %d 个工单，请稍后再提交。紧急情况请直接致电物业。",
		"err.not_staff":          "这个命令只有物业工作人员可以使用。",
		"err.not_manager":        "这个命令只有物业经理可以使用。",
		"err.not_reporter":       "只有提交工单的业主本人可以这样做。",
		"err.admin_private":      "管理命令请私聊我发送，群里不会执行。",
		"err.bind_in_group":      "请在要绑定的群里发送 /bind 小区名称 [resident|staff]。",
		"err.private_only":       "这个命令请私聊我发送。",
		"err.no_community":       "还没有找到小区“%v”。",
		"err.no_community_set":   "还不知道您属于哪个小区，请先在小区业主群里发一条报修或留言。",
		"err.bad_community_name": "小区名称不能为空，最多 60 个字。",
		"err.no_person":          "没有找到“%v”。可以写 @用户名、用户编号，或机器人见过的群昵称。",
		"err.ambiguous_person":   "有多人叫“%v”，请改用 @用户名 或用户编号。",
		"err.bad_role":           "角色只能是 staff（工作人员）或 manager（经理）。",
		"err.bad_rating":         "评分请写 1 到 5 之间的整数，例如：/rate %d 5",
		"err.already_rated":      "#%v 已经评过分了，谢谢！",
		"err.bad_sla":            "时限格式不对。例如：/sla 阳光花园 first=24h resolve=7d（支持 30m、24h、7d）。",
		"err.unknown_command":    "不认识这个命令。发送 /help 查看可用命令。",
		"err.usage":              "用法：%s",
		"err.bad_chat_role":      "群的类型只能是 resident（业主群）或 staff（物业群）。",
		"err.bad_lang":           "语言只能是 zh 或 en。",
		"err.ticket_closed":      "#%d 已结束，如需继续请 /reopen %d。",
		// roles and bindings
		"bind.resident":      "好的，本群已绑定为“%s”的业主群。\n业主发送“#报修 问题描述”或“#投诉 内容”即可提交工单，发送 /help 查看全部命令。",
		"bind.staff":         "好的，本群已绑定为“%s”的物业工作群。新工单会发到这里，直接回复工单卡片即可答复业主。",
		"bind.created":       "已新建小区“%s”。",
		"bind.privacy":       "提示：机器人目前开启了隐私模式，只能看到命令和回复它的消息。要让 #报修 标签生效，请在 BotFather 中 /setprivacy 关闭隐私模式，或把机器人设为群管理员。",
		"unbind.done":        "本群已解除绑定，机器人将不再处理这里的消息。",
		"unbind.not_bound":   "本群还没有绑定。",
		"grant.done":         "已将 %s 设为%s。",
		"revoke.done":        "已取消 %s 的%s权限，现在是普通业主。",
		"role.resident":      "业主",
		"role.staff":         "工作人员",
		"role.manager":       "经理",
		"sla.done":           "“%s”的处理时限已更新：首次回复 %s，解决 %s。新工单按新时限计算。",
		"whoami":             "您是%s（%s），小区：%s。",
		"whoami.none":        "未设置",
		"added.to_group":     "机器人被加入了群“%s”（%s）。如需使用，请在该群发送：\n/bind 小区名称 resident（业主群）\n/bind 小区名称 staff（物业工作群）",
		"removed.from_group": "机器人已被移出群“%s”（%s），该群已停用。",
		"wechat.login":       "微信需要重新登录。请用机器人的微信号扫码：%s",
		"photo.added":        "已把照片附到工单 #%d，师傅会看到。",
		"err.unvouched":      "在微信群里需要先核实工作人员和经理的身份：请让机器人的微信号加您为好友，并把备注设为您的群昵称“%s”；也可以私聊机器人发送这个命令。",
		"photo.staff":        "#%d 业主补充的照片（%s）",
		"err.no_chat":        "这个群还没有绑定。",
		"err.bad_kind":       "工单类型只能是报修或投诉。",
		"wechat.alert":       "微信提醒：%s",
		// help
		"help.resident":  "邻里小助手 · 业主可用：\n#报修 问题描述 — 报修（也可 /repair）\n#投诉 内容 — 投诉（也可 /complain）\n/status 12 — 查看工单进度\n/mine — 我的工单\n/cancel 12 — 取消未处理的工单\n/rate 12 5 [意见] — 为已解决的工单评分\n/join 3 — 报名参加活动\n/agenda 内容 — 为业主大会提议题\n回复工单卡片可补充情况。",
		"help.staff":     "工作人员可用：\n/tickets [open|overdue] — 工单列表\n/take 12 — 接单\n/assign 12 @某人 — 指派\n/progress 12 进展 — 更新进度（告知业主）\n/hold 12 原因 — 暂缓（计时暂停）\n/resolve 12 [说明] — 完成\n/reopen 12 — 重新打开\n回复工单卡片或写“#12 内容”即可答复业主。",
		"help.manager":   "经理可用（请私聊发送）：\n/bind 小区 resident|staff — 在群里发送，绑定本群\n/unbind — 在群里发送，解除绑定\n/grant staff|manager 某人 — 授权\n/revoke 某人 — 取消权限\n/sla 小区 first=24h resolve=7d — 设置处理时限\n/tickets overdue — 超时工单\n/announce 小区|all 内容 — 立即发布公告\n/schedule add \"0 9 * * 1\" 类型 小区|all 内容 — 定时消息（另有 list、rm、pause、resume、preview）\n/activity add 日期 名称 [地点] [人数] — 发布活动\n/meeting add 日期 [地点] — 发布业主大会；/agenda list — 查看议题\n/expense add 金额 类别 [说明] — 记录支出（另有 list、rm）\n/report [2026-11] — 月度工作报告；/kpi — 目标完成情况\n/jobs — 后台任务；/runjob 任务名 — 立即运行",
		"usage.assign":   "/assign 12 @用户名",
		"usage.hold":     "/hold 12 原因",
		"usage.progress": "/progress 12 进展说明",
		"usage.rate":     "/rate 12 5 [意见]",
		"usage.bind":     "/bind 小区名称 [resident|staff]",
		"usage.grant":    "/grant staff|manager @用户名",
		"usage.revoke":   "/revoke @用户名",
		"usage.sla":      "/sla 小区名称 first=24h resolve=7d",
		"time.format":    "1月2日 15:04",
	},
	"en": {
		"kind.repair":            "repair",
		"kind.complaint":         "complaint",
		"status.open":            "open",
		"status.in_progress":     "in progress",
		"status.on_hold":         "on hold (clock paused)",
		"status.resolved":        "resolved, awaiting your rating",
		"status.closed":          "closed",
		"status.cancelled":       "cancelled",
		"card.title":             "Ticket #%d · %s",
		"card.text":              "Details: %s",
		"card.status":            "Status: %s",
		"card.reporter":          "Reported by: %s",
		"card.assignee":          "Handled by: %s",
		"card.first_due":         "First reply by: %s",
		"card.resolve_due":       "Resolve by: %s",
		"card.responded":         "First reply: %s",
		"card.rating":            "Rating: %d/5",
		"card.created_ok":        "Got it, we're on it. Reply to this message to add details.",
		"card.staff_title":       "New ticket #%d · %s · %s",
		"card.staff_hint":        "Reply to this message to answer the resident; /take %d to take it, /resolve %d when done.",
		"card.staff_hint_ref":    "Send \"#%d your answer\" to answer the resident; /take %d to take it, /resolve %d when done.",
		"card.created_ok_ref":    "Got it, we're on it. To add details, send \"#%d\" followed by them.",
		"card.overdue_first":     "⚠ First reply overdue",
		"card.overdue_resolve":   "⚠ Past its resolve-by time",
		"btn.take":               "Take",
		"btn.resolve":            "Resolved",
		"btn.reopen":             "Reopen",
		"ticket.taken":           "#%d has been taken by %s and is being worked on.",
		"ticket.assigned":        "#%d has been assigned to %s.",
		"ticket.reply":           "#%d reply from the office (%s): %s",
		"ticket.followup":        "#%d follow-up from the resident (%s): %s",
		"ticket.held":            "#%d is on hold: %s\nThe clock is paused; we'll let you know when work resumes.",
		"ticket.resumed":         "#%d is being worked on again (%s): %s",
		"ticket.resolved":        "#%d has been resolved (%s).",
		"ticket.resolved_note":   "#%d has been resolved (%s): %s",
		"ticket.rate_ask":        "How did we do? Send /rate %d with a score from 1 to 5 (5 is best), and a comment if you like.",
		"ticket.rate_buttons":    "How did we do? (5 is best)",
		"ticket.reopened":        "#%d has been reopened; we'll keep working on it.",
		"ticket.cancelled":       "#%d has been cancelled.",
		"ticket.rated":           "Thank you for your rating! #%d is now closed.",
		"ticket.low_rating":      "⚠ #%d was rated %d/5 (%s): %s\nTo follow up: /reopen %d.",
		"ack.take":               "✅ You've taken #%d.",
		"ack.assign":             "✅ #%d assigned to %s.",
		"ack.progress":           "✅ The resident has been updated (#%d).",
		"ack.comment":            "✅ Noted and passed on to the resident (#%d).",
		"ack.followup":           "✅ Passed on to the office (#%d).",
		"ack.hold":               "✅ #%d is on hold; its clock is paused.",
		"ack.resolve":            "✅ #%d marked resolved; the resident has been asked to rate it.",
		"ack.reopen":             "✅ #%d reopened.",
		"tickets.none":           "No tickets match.",
		"tickets.header":         "Tickets (%d):",
		"tickets.mine_header":    "Your tickets:",
		"tickets.mine_none":      "You haven't filed any tickets yet. Send \"#repair what's wrong\" to report a problem.",
		"tickets.line":           "#%d %s · %s · %s",
		"tickets.overdue":        " (overdue)",
		"tickets.more":           "…and %d more.",
		"status.history":         "History:",
		"event.created":          "%s filed it",
		"event.take":             "%s took it",
		"event.assign":           "%s assigned it",
		"event.progress":         "%s posted progress",
		"event.comment":          "%s commented",
		"event.hold":             "%s put it on hold",
		"event.resolve":          "%s resolved it",
		"event.reopen":           "%s reopened it",
		"event.cancel":           "%s cancelled it",
		"event.rate":             "%s rated it",
		"event.close":            "%s closed it",
		"event.escalate_1":       "%s: first reply overdue",
		"event.escalate_2":       "%s: resolution overdue",
		"system":                 "system",
		"err.internal":           "Sorry, something went wrong on our side. Please try again in a moment; we've logged the problem.",
		"err.empty_text":         "Please describe the problem after the tag, for example: %s the lift button in building 3 is broken",
		"err.text_too_long":      "That's too long (%[2]d characters). Please keep it under %[1]d; you can add details in follow-up messages.",
		"err.bad_text":           "That message has characters we can't read. Please type it again.",
		"err.no_ticket":          "There is no ticket #%v.",
		"err.no_ticket_number":   "Please give the ticket number, for example: /%s 12",
		"err.bad_ticket_number":  "\"%s\" is not a ticket number. Please use digits, like 12.",
		"err.bad_transition":     "#%v can't do that right now (%[3]s).",
		"err.throttled":          "You've filed %d tickets in the last 10 minutes. Please wait a little before filing more; for emergencies, call the office.",
		"err.not_staff":          "Only property staff can use this command.",
		"err.not_manager":        "Only managers can use this command.",
		"err.not_reporter":       "Only the resident who filed the ticket can do that.",
		"err.admin_private":      "Please send admin commands to me in a private chat; they don't run in groups.",
		"err.bind_in_group":      "Please send /bind COMMUNITY [resident|staff] in the group you want to bind.",
		"err.private_only":       "Please send this command to me in a private chat.",
		"err.no_community":       "There is no community called \"%v\".",
		"err.no_community_set":   "I don't know your community yet. Please post once in your community's resident group first.",
		"err.bad_community_name": "A community name must be 1 to 60 characters.",
		"err.no_person":          "I couldn't find \"%v\". Use @username, a user id, or a name I've seen in the group.",
		"err.ambiguous_person":   "Several people are called \"%v\". Please use @username or a user id.",
		"err.bad_role":           "The role must be staff or manager.",
		"err.bad_rating":         "Please rate with a whole number from 1 to 5, for example: /rate %d 5",
		"err.already_rated":      "#%v has already been rated. Thank you!",
		"err.bad_sla":            "That time limit isn't valid. Example: /sla Sunshine first=24h resolve=7d (30m, 24h and 7d all work).",
		"err.unknown_command":    "I don't know that command. Send /help to see what I can do.",
		"err.usage":              "Usage: %s",
		"err.bad_chat_role":      "A group is either resident or staff.",
		"err.bad_lang":           "The language must be zh or en.",
		"err.ticket_closed":      "#%d is finished. Send /reopen %d to continue it.",
		"bind.resident":          "Done: this group is now the resident group of \"%s\".\nResidents can send \"#repair what's wrong\" or \"#complaint …\" to file a ticket; /help lists everything.",
		"bind.staff":             "Done: this group is now the staff group of \"%s\". New tickets arrive here; reply to a ticket card to answer the resident.",
		"bind.created":           "Created the community \"%s\".",
		"bind.privacy":           "Note: the bot has privacy mode on, so it only sees commands and replies to itself. For #repair tags to work, turn privacy off with BotFather's /setprivacy, or make the bot a group admin.",
		"unbind.done":            "This group is no longer bound; the bot will ignore it.",
		"unbind.not_bound":       "This group isn't bound.",
		"grant.done":             "%s is now %s.",
		"revoke.done":            "%s is no longer %s and is now a resident.",
		"role.resident":          "a resident",
		"role.staff":             "staff",
		"role.manager":           "a manager",
		"sla.done":               "Time limits for \"%s\" updated: first reply %s, resolution %s. New tickets use them.",
		"whoami":                 "You are %s (%s), community: %s.",
		"whoami.none":            "not set",
		"added.to_group":         "The bot was added to the group \"%s\" (%s). To use it, send in that group:\n/bind COMMUNITY resident (resident group)\n/bind COMMUNITY staff (staff group)",
		"removed.from_group":     "The bot was removed from the group \"%s\" (%s); the group is now inactive.",
		"wechat.login":           "WeChat needs a new login. Scan this with the bot's WeChat account: %s",
		"photo.added":            "The photo is attached to ticket #%d; the staff will see it.",
		"err.unvouched":          "In WeChat groups, staff and managers must be verified first: have the bot's WeChat account add you as a friend with the remark \"%s\" (your group card), or send this command to the bot privately.",
		"photo.staff":            "#%d photo from the resident (%s)",
		"err.no_chat":            "This group isn't bound yet.",
		"err.bad_kind":           "A ticket is either a repair or a complaint.",
		"wechat.alert":           "WeChat: %s",
		"help.resident":          "Linli · for residents:\n#repair what's wrong — report a repair (or /repair)\n#complaint … — file a complaint (or /complain)\n/status 12 — see a ticket's progress\n/mine — your tickets\n/cancel 12 — cancel a ticket nobody has started\n/rate 12 5 [comment] — rate a resolved ticket\n/join 3 — sign up for an activity\n/agenda TOPIC — raise a topic for the residents' meeting\nReply to a ticket card to add details.",
		"help.staff":             "For staff:\n/tickets [open|overdue] — list tickets\n/take 12 — take a ticket\n/assign 12 @someone — assign it\n/progress 12 text — post progress (the resident sees it)\n/hold 12 reason — put on hold (clock paused)\n/resolve 12 [note] — mark resolved\n/reopen 12 — reopen\nReply to a ticket card, or write \"#12 text\", to answer the resident.",
		"help.manager":           "For managers (in a private chat):\n/bind COMMUNITY resident|staff — send in the group to bind it\n/unbind — send in the group to unbind it\n/grant staff|manager PERSON — give a role\n/revoke PERSON — take it back\n/sla COMMUNITY first=24h resolve=7d — set time limits\n/tickets overdue — overdue tickets\n/announce COMMUNITY|all TEXT — post an announcement now\n/schedule add \"0 9 * * 1\" KIND COMMUNITY|all TEXT — scheduled messages (also list, rm, pause, resume, preview)\n/activity add DATE TITLE [PLACE] [CAPACITY] — post an activity\n/meeting add DATE [PLACE] — post a residents' meeting; /agenda list — its topics\n/expense add AMOUNT CATEGORY [TEXT] — record an expense (also list, rm)\n/report [2026-11] — monthly work report; /kpi — targets\n/jobs — background jobs; /runjob NAME — run one now",
		"usage.assign":           "/assign 12 @username",
		"usage.hold":             "/hold 12 reason",
		"usage.progress":         "/progress 12 what was done",
		"usage.rate":             "/rate 12 5 [comment]",
		"usage.bind":             "/bind COMMUNITY [resident|staff]",
		"usage.grant":            "/grant staff|manager @username",
		"usage.revoke":           "/revoke @username",
		"usage.sla":              "/sla COMMUNITY first=24h resolve=7d",
		"time.format":            "Jan 2 15:04",
	},
}

// T returns the catalogue message key in lang, filled with args.
func T(lang, key string, args ...any) string {
	msg, ok := catalog[lang][key]
	if !ok {
		msg, ok = catalog["zh"][key]
	}
	if !ok {
		return key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// lines joins non-empty lines.
func lines(ls ...string) string {
	var b strings.Builder
	for _, l := range ls {
		if l == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}
