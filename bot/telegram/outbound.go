package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/linli/linli/bot"
)

// Telegram's limits, in UTF-16 code units of the text as shown (after the
// HTML is parsed), and in bytes for callback data.
const (
	maxText           = 4096
	maxCaption        = 1024
	maxCallbackAnswer = 200
	maxCallbackData   = 64
)

// target is where a message goes and what it carries besides its text.
type target struct {
	chat   int64
	thread int
	reply  *models.ReplyParameters
	markup models.ReplyMarkup // nil for none: a typed nil would be sent as "null"
}

// Send implements bot.Platform. The text is sent in HTML parse mode with all
// of it escaped; a text of several lines gets its first line in bold (a
// card's title). Text longer than Telegram's limit goes out as several
// messages, and the first one's id is returned; should a later part fail,
// the adapter remembers the parts that went out, and the Sender's next
// attempt sends only the rest. An edit that finds its message gone sends a
// new one instead. Errors never carry the bot token.
func (t *Telegram) Send(ctx context.Context, out bot.Outgoing) (bot.MessageID, error) {
	id, err := t.send(ctx, out)
	return id, t.redact(err)
}

func (t *Telegram) send(ctx context.Context, out bot.Outgoing) (bot.MessageID, error) {
	chat, err := numericID[int64]("chat", string(out.Chat))
	if err != nil {
		return "", err
	}
	tgt := target{chat: chat, markup: t.keyboard(out.Buttons)}
	if out.Thread != "" {
		if tgt.thread, err = numericID[int]("thread", out.Thread); err != nil {
			return "", err
		}
	}
	if out.ReplyTo != "" {
		id, err := numericID[int]("message", string(out.ReplyTo))
		if err != nil {
			return "", err
		}
		// Without allow_sending_without_reply, a deleted original would
		// make the answer itself fail.
		tgt.reply = &models.ReplyParameters{MessageID: id, AllowSendingWithoutReply: true}
	}
	switch {
	case out.Delete != "":
		return out.Delete, t.Delete(ctx, out.Chat, out.Delete)
	case out.Edit != "":
		return t.edit(ctx, out, tgt)
	case out.Attachment != nil && (len(out.Attachment.Data) > 0 || out.Attachment.Ref != ""):
		return t.sendMedia(ctx, out, tgt)
	}
	return t.sendText(ctx, out, tgt)
}

func (t *Telegram) sendText(ctx context.Context, out bot.Outgoing, tgt target) (bot.MessageID, error) {
	parts := splitText(out.Text, maxText)
	if len(parts) == 0 {
		return "", fmt.Errorf("%w: empty message", bot.ErrPermanent)
	}
	done := t.progressOf(out.ID)
	first, err := t.sendParts(ctx, out, tgt, parts, hasTitle(out.Text), 0, done, false)
	if err != nil {
		return "", err
	}
	t.forgetProgress(out.ID)
	return first, nil
}

// sendParts sends the parts of one text in order: the first with the reply
// and buttons, each later one after waiting for the rate limiter, since the
// Sender paced the message as one. The parts are pieces base, base+1… of
// the row (a photo before them is piece 0); those done already (an earlier
// attempt's) are skipped, and each that goes out is recorded in done. The
// Sender waited for the limiter once, for the first piece this attempt
// sends; used says a photo of this attempt took that wait already.
func (t *Telegram) sendParts(ctx context.Context, out bot.Outgoing, tgt target, parts []string, title bool, base int, done progress, used bool) (bot.MessageID, error) {
	first := done.first
	for i, part := range parts {
		piece := base + i
		if piece < done.pieces {
			continue
		}
		text := formatHTML(part, title && i == 0)
		if len(parts) == 1 && part == out.Text && len(out.Mentions) > 0 {
			// A digest: its residents' names become mentions (a text cut
			// in parts has its names as plain text).
			text = formatMentions(part, title, out.Mentions)
		}
		p := &tgbot.SendMessageParams{
			ChatID:          tgt.chat,
			MessageThreadID: tgt.thread,
			Text:            text,
			ParseMode:       models.ParseModeHTML,
		}
		if i == 0 {
			p.ReplyParameters, p.ReplyMarkup = tgt.reply, tgt.markup
		}
		if used {
			if err := t.pace(ctx, out.Chat); err != nil {
				return "", err
			}
		}
		used = true
		msg, err := t.sendMessage(ctx, p, part, who(out))
		if err != nil {
			if piece > 0 {
				t.log.Warn("telegram long message cut short; the rest goes with the next attempt", "chat", who(out), "part", i+1, "of", len(parts))
			}
			return "", mapError(out.Chat, err)
		}
		if piece == 0 {
			first = bot.MessageID(itoa(msg.ID))
		}
		done = progress{pieces: piece + 1, first: first}
		t.setProgress(out.ID, done)
	}
	return first, nil
}

// progress is how much of one outbox row went out: its first pieces (a
// photo, the parts of a long text) and the first one's id.
type progress struct {
	pieces int
	first  bot.MessageID
}

// maxProgress bounds the rows whose progress is remembered; rows given up
// for good would otherwise stay in the map.
const maxProgress = 1024

// progressOf returns what earlier attempts sent of outbox row id.
func (t *Telegram) progressOf(id int64) progress {
	if id == 0 {
		return progress{}
	}
	t.progMu.Lock()
	defer t.progMu.Unlock()
	return t.progress[id]
}

func (t *Telegram) setProgress(id int64, p progress) {
	if id == 0 {
		return
	}
	t.progMu.Lock()
	defer t.progMu.Unlock()
	if t.progress == nil || len(t.progress) >= maxProgress {
		t.progress = map[int64]progress{}
	}
	t.progress[id] = p
}

func (t *Telegram) forgetProgress(id int64) {
	t.progMu.Lock()
	defer t.progMu.Unlock()
	delete(t.progress, id)
}

// sendMessage sends p; should Telegram refuse its HTML, it sends plain once
// more as plain text, which cannot fail to parse. chat names the chat in logs.
func (t *Telegram) sendMessage(ctx context.Context, p *tgbot.SendMessageParams, plain, chat string) (*models.Message, error) {
	rctx, cancel := t.request(ctx)
	msg, err := t.api.SendMessage(rctx, p)
	cancel()
	if !isBadRequest(err, errParseEntities) {
		return msg, err
	}
	t.log.Warn("telegram refused the HTML; sending plain text", "chat", chat, "err", err)
	q := *p
	q.Text, q.ParseMode = plain, ""
	rctx, cancel = t.request(ctx)
	defer cancel()
	return t.api.SendMessage(rctx, &q)
}

// edit changes an earlier message in place.
func (t *Telegram) edit(ctx context.Context, out bot.Outgoing, tgt target) (bot.MessageID, error) {
	id, err := strconv.Atoi(string(out.Edit))
	if err != nil {
		return t.sendInstead(ctx, out, fmt.Errorf("message id %q is not a number", out.Edit))
	}
	if out.Attachment != nil {
		return t.editCaption(ctx, out, tgt, id)
	}
	text := clip(out.Text, maxText)
	if strings.TrimSpace(text) == "" {
		return "", fmt.Errorf("%w: empty message", bot.ErrPermanent)
	}
	if text != out.Text {
		t.log.Warn("telegram edit too long; cut short", "chat", who(out), "msg", out.Edit)
	}
	p := &tgbot.EditMessageTextParams{
		ChatID:      tgt.chat,
		MessageID:   id,
		Text:        formatHTML(text, hasTitle(text)),
		ParseMode:   models.ParseModeHTML,
		ReplyMarkup: tgt.markup, // none removes the buttons, as the card asks
	}
	err = t.callWithPlainFallback(ctx, func(ctx context.Context, html bool) error {
		q := *p
		if !html {
			q.Text, q.ParseMode = text, ""
		}
		_, err := t.api.EditMessageText(ctx, &q)
		return err
	})
	switch {
	case err == nil:
		return out.Edit, nil
	case isBadRequest(err, errNotModified):
		return out.Edit, bot.ErrNotModified
	case isBadRequest(err, errNoTextToEdit):
		return t.editCaption(ctx, out, tgt, id) // the card is a photo or document
	case isBadRequest(err, errEditNotFound), isBadRequest(err, errCantEdit):
		return t.sendInstead(ctx, out, err)
	}
	return "", mapError(out.Chat, err)
}

// editCaption changes the caption (and buttons) of a photo or document.
func (t *Telegram) editCaption(ctx context.Context, out bot.Outgoing, tgt target, id int) (bot.MessageID, error) {
	text := clip(out.Text, maxCaption)
	p := &tgbot.EditMessageCaptionParams{
		ChatID:      tgt.chat,
		MessageID:   id,
		Caption:     formatHTML(text, hasTitle(text)),
		ParseMode:   models.ParseModeHTML,
		ReplyMarkup: tgt.markup,
	}
	err := t.callWithPlainFallback(ctx, func(ctx context.Context, html bool) error {
		q := *p
		if !html {
			q.Caption, q.ParseMode = text, ""
		}
		_, err := t.api.EditMessageCaption(ctx, &q)
		return err
	})
	switch {
	case err == nil:
		return out.Edit, nil
	case isBadRequest(err, errNotModified):
		return out.Edit, bot.ErrNotModified
	case isBadRequest(err, errEditNotFound), isBadRequest(err, errCantEdit):
		return t.sendInstead(ctx, out, err)
	}
	return "", mapError(out.Chat, err)
}

// sendInstead sends an edit that cannot be applied as a new message.
func (t *Telegram) sendInstead(ctx context.Context, out bot.Outgoing, why error) (bot.MessageID, error) {
	t.log.Info("telegram message cannot be edited; sending a new one", "chat", who(out), "msg", out.Edit, "why", why)
	out.Edit = ""
	return t.send(ctx, out)
}

// callWithPlainFallback calls f with HTML, and once more without it if
// Telegram cannot parse the entities.
func (t *Telegram) callWithPlainFallback(ctx context.Context, f func(ctx context.Context, html bool) error) error {
	rctx, cancel := t.request(ctx)
	err := f(rctx, true)
	cancel()
	if !isBadRequest(err, errParseEntities) {
		return err
	}
	t.log.Warn("telegram refused the HTML; sending plain text", "err", err)
	rctx, cancel = t.request(ctx)
	defer cancel()
	return f(rctx, false)
}

// sendMedia sends a photo or document with the text as its caption. Text
// beyond the caption limit follows as messages. If Telegram refuses the
// file itself (a file_id of another bot or platform, a broken image), the
// text still goes out on its own.
func (t *Telegram) sendMedia(ctx context.Context, out bot.Outgoing, tgt target) (bot.MessageID, error) {
	a := out.Attachment
	caption, rest := splitFirst(out.Text, maxCaption)
	title := hasTitle(out.Text)
	if done := t.progressOf(out.ID); done.pieces > 0 {
		// The photo went out with an earlier attempt: only text is left.
		tgt.reply, tgt.markup = nil, nil
		first, err := t.sendParts(ctx, out, tgt, splitText(rest, maxText), false, 1, done, false)
		if err != nil {
			return "", err
		}
		t.forgetProgress(out.ID)
		return first, nil
	}
	var msg *models.Message
	err := t.callWithPlainFallback(ctx, func(ctx context.Context, html bool) error {
		text, mode := formatHTML(caption, title), models.ParseModeHTML
		if !html {
			text, mode = caption, ""
		}
		var err error
		if a.Kind == "photo" {
			msg, err = t.api.SendPhoto(ctx, &tgbot.SendPhotoParams{
				ChatID: tgt.chat, MessageThreadID: tgt.thread, Photo: inputFile(a),
				Caption: text, ParseMode: mode, ReplyParameters: tgt.reply, ReplyMarkup: tgt.markup,
			})
		} else {
			msg, err = t.api.SendDocument(ctx, &tgbot.SendDocumentParams{
				ChatID: tgt.chat, MessageThreadID: tgt.thread, Document: inputFile(a),
				Caption: text, ParseMode: mode, ReplyParameters: tgt.reply, ReplyMarkup: tgt.markup,
			})
		}
		return err
	})
	if err != nil {
		if errors.Is(err, tgbot.ErrorBadRequest) && !isBadRequest(err, "chat not found") && strings.TrimSpace(out.Text) != "" {
			t.log.Warn("telegram refused the attachment; sending the text alone", "chat", who(out), "kind", a.Kind, "err", err)
			out.Attachment = nil
			return t.sendText(ctx, out, tgt)
		}
		return "", mapError(out.Chat, err)
	}
	first := bot.MessageID(itoa(msg.ID))
	if parts := splitText(rest, maxText); len(parts) > 0 {
		done := progress{pieces: 1, first: first}
		t.setProgress(out.ID, done)
		tgt.reply, tgt.markup = nil, nil
		if _, err := t.sendParts(ctx, out, tgt, parts, false, 1, done, true); err != nil {
			return "", err
		}
		t.forgetProgress(out.ID)
	}
	return first, nil
}

// Delete implements bot.Deleter: it deletes message msg of chat (a group
// message that should have been private). The bot needs the right to delete
// others' messages in groups; without it the row fails for good. A message
// that is already gone counts as deleted.
func (t *Telegram) Delete(ctx context.Context, chat bot.ChatID, msg bot.MessageID) error {
	chatID, id, err := messageIDs(chat, msg)
	if err != nil {
		return err
	}
	rctx, cancel := t.request(ctx)
	defer cancel()
	_, err = t.api.DeleteMessage(rctx, &tgbot.DeleteMessageParams{ChatID: chatID, MessageID: id})
	if isBadRequest(err, errDeleteNotFound) {
		return nil
	}
	return mapError(chat, err)
}

// who names the chat of out in logs: an anonymous suggestion's receipt must
// not say whose it was.
func who(out bot.Outgoing) string {
	if out.Anonymous {
		return "(anonymous)"
	}
	return string(out.Chat)
}

// inputFile is the attachment's bytes as an upload, or its Ref (a file_id or URL).
func inputFile(a *bot.Attachment) models.InputFile {
	if len(a.Data) == 0 {
		return &models.InputFileString{Data: a.Ref}
	}
	name := a.Name
	if name == "" {
		name = "file"
		if a.Kind == "photo" {
			name = "photo.jpg"
		}
	}
	return &models.InputFileUpload{Filename: name, Data: bytes.NewReader(a.Data)}
}

// pace waits for the rate limiter before an extra message of one Outgoing.
func (t *Telegram) pace(ctx context.Context, chat bot.ChatID) error {
	if t.limiter == nil {
		return nil
	}
	return t.limiter.Wait(ctx, chat)
}

// inlineKeyboard is the SDK's InlineKeyboardMarkup without copy_text: the
// SDK's button type always sends "copy_text":{"text":""}, which Telegram has
// been reported to reject (BUTTON_COPY_TEXT_INVALID; LIBRARIES.md §1.6).
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

// keyboard builds the inline keyboard, leaving out (and logging) buttons
// Telegram would refuse, so that the message itself still goes out.
func (t *Telegram) keyboard(rows [][]bot.Button) models.ReplyMarkup {
	var kb inlineKeyboard
	for _, row := range rows {
		var r []inlineButton
		for _, b := range row {
			if strings.TrimSpace(b.Text) == "" || b.Data == "" || len(b.Data) > maxCallbackData {
				t.log.Error("telegram button left out: it needs a label and 1-64 bytes of data", "text", b.Text, "data", b.Data)
				continue
			}
			r = append(r, inlineButton{Text: b.Text, CallbackData: b.Data})
		}
		if len(r) > 0 {
			kb.InlineKeyboard = append(kb.InlineKeyboard, r)
		}
	}
	if len(kb.InlineKeyboard) == 0 {
		return nil
	}
	return &kb
}

// formatHTML escapes text for parse_mode HTML (every <, >, & and quote, so a
// resident's "<b>" shows as typed) and, with title, puts the first line in bold.
func formatHTML(text string, title bool) string {
	if title {
		if line, rest, ok := strings.Cut(text, "\n"); ok && strings.TrimSpace(line) != "" {
			return "<b>" + html.EscapeString(line) + "</b>\n" + html.EscapeString(rest)
		}
	}
	return html.EscapeString(text)
}

// formatMentions is formatHTML with the spans of mentions linked to their
// users (<a href="tg://user?id=N">name</a>, which notifies them). A span that
// is out of range, cuts a character, overlaps another or the title, or names
// no numeric user id is left as plain text.
func formatMentions(text string, title bool, mentions []bot.Mention) string {
	type tag struct {
		at  int
		tag string
	}
	var tags []tag
	from := 0
	if title {
		if line, _, ok := strings.Cut(text, "\n"); ok && strings.TrimSpace(line) != "" {
			tags = append(tags, tag{0, "<b>"}, tag{len(line), "</b>"})
			from = len(line) + 1
		}
	}
	ms := slices.Clone(mentions)
	slices.SortFunc(ms, func(a, b bot.Mention) int { return a.Offset - b.Offset })
	for _, m := range ms {
		end := m.Offset + m.Length
		id, err := strconv.ParseInt(string(m.User), 10, 64)
		if err != nil || m.Length <= 0 || m.Offset < from || end > len(text) ||
			!utf8.RuneStart(text[m.Offset]) || (end < len(text) && !utf8.RuneStart(text[end])) {
			continue
		}
		tags = append(tags, tag{m.Offset, `<a href="tg://user?id=` + strconv.FormatInt(id, 10) + `">`}, tag{end, "</a>"})
		from = end
	}
	var b strings.Builder
	at := 0
	for _, t := range tags {
		b.WriteString(html.EscapeString(text[at:t.at]))
		b.WriteString(t.tag)
		at = t.at
	}
	b.WriteString(html.EscapeString(text[at:]))
	return b.String()
}

// hasTitle reports whether text has more than one line, the first not blank.
func hasTitle(text string) bool {
	line, rest, ok := strings.Cut(text, "\n")
	return ok && strings.TrimSpace(line) != "" && strings.TrimSpace(rest) != ""
}

// Units is the length of s in UTF-16 code units, Telegram's measure of a
// message's length.
func Units(s string) int { return units(s) }

// units is the length of s in UTF-16 code units, Telegram's measure.
func units(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// splitFirst cuts from s a head of at most limit UTF-16 units, preferably at
// a line break, else at a space (the separator is dropped), else between two
// characters, and returns it with the rest. Splitting the plain text, before
// it is escaped, means no escape sequence or tag is ever cut in two.
func splitFirst(s string, limit int) (head, tail string) {
	if units(s) <= limit {
		return s, ""
	}
	n, end := 0, 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > limit {
			break
		}
		n += w
		_, size := utf8.DecodeRuneInString(s[i:])
		end = i + size
	}
	if end == 0 { // limit < 2 and a character that needs two units
		_, end = utf8.DecodeRuneInString(s)
	}
	if end < len(s) && (s[end] == '\n' || s[end] == ' ') {
		return s[:end], s[end+1:]
	}
	for _, sep := range []byte{'\n', ' '} {
		if i := strings.LastIndexByte(s[:end], sep); i > 0 && i >= end/2 {
			return s[:i], s[i+1:]
		}
	}
	return s[:end], s[end:]
}

// splitText cuts s into parts of at most limit UTF-16 units, dropping blank ones.
func splitText(s string, limit int) []string {
	var parts []string
	for s != "" {
		head, tail := splitFirst(s, limit)
		if strings.TrimSpace(head) != "" {
			parts = append(parts, head)
		}
		s = tail
	}
	return parts
}

// clip shortens s to at most limit UTF-16 units, marking the cut with "…".
func clip(s string, limit int) string {
	if units(s) <= limit {
		return s
	}
	head, _ := splitFirst(s, limit-1)
	return head + "…"
}

// numericID parses one of Telegram's numeric ids (what: "chat", "thread" or
// "message"), kept as text elsewhere. One that is not a number can never be
// sent to: the error is permanent (bot.ErrPermanent).
func numericID[T int | int64](what, s string) (T, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: telegram %s id %q is not a number", bot.ErrPermanent, what, s)
	}
	return T(n), nil
}

// messageIDs parses a chat's id and the id of a message in it.
func messageIDs(chat bot.ChatID, msg bot.MessageID) (int64, int, error) {
	chatID, err := numericID[int64]("chat", string(chat))
	if err != nil {
		return 0, 0, err
	}
	id, err := numericID[int]("message", string(msg))
	return chatID, id, err
}
