package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/bot/wechatmp"
	"github.com/linli/linli/commands"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
	"github.com/linli/linli/web"
)

// Paths of the service account on the -http server. The server URL to
// configure on the 公众平台 (设置与开发 → 基本配置 → 服务器配置) is
// PUBLIC_URL + mpCallbackPath; mpMinePath is where the menu's 我的工单
// lands after WeChat's OAuth (its domain is the account's 网页授权域名).
const (
	mpCallbackPath = "/wechatmp"
	mpMinePath     = "/wechatmp/mine"
	// deskTicketPath is the web desk's page of a ticket (package web),
	// linked from the staff's new-ticket notices.
	deskTicketPath = web.TicketPath
)

// Template kinds: which ticket updates go as template messages outside a
// follower's 48-hour window, when the manager set up a template for them.
const (
	tplAccepted  = "accepted"   // the resident's card of a new ticket
	tplProgress  = "progress"   // any other update of the resident's ticket
	tplResolved  = "resolved"   // the ticket is resolved: please rate
	tplNewTicket = "new_ticket" // a staff member's notice of a new ticket
)

// What fills a template's fields.
var tplValues = map[string]bool{"number": true, "kind": true, "summary": true, "status": true, "time": true, "community": true}

// defaultTplFields are the fields of a template whose file names none:
// those of the library's common 工单 templates.
var defaultTplFields = map[string]string{"character_string1": "number", "thing2": "summary", "phrase3": "status", "time4": "time"}

// mpTemplate is a template message the manager added on the 公众平台
// (广告与服务 → 模板消息): its id, and what fills each of its fields.
type mpTemplate struct {
	ID     string            `json:"id"`
	Fields map[string]string `json:"fields"`
}

// loadTemplates reads the -wechatmp-templates file: a JSON object of
// template kinds, e.g.
//
//	{"accepted": {"id": "TEMPLATE_ID", "fields": {"character_string1": "number", "thing2": "summary"}},
//	 "resolved": {"id": "TEMPLATE_ID"}}
//
// A kind without "fields" takes defaultTplFields. Empty path: no templates.
func loadTemplates(path string) (map[string]mpTemplate, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-wechatmp-templates: %w", err)
	}
	var ts map[string]mpTemplate
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ts); err != nil {
		return nil, fmt.Errorf("-wechatmp-templates %s: %w", path, err)
	}
	for kind, t := range ts {
		switch kind {
		case tplAccepted, tplProgress, tplResolved, tplNewTicket:
		default:
			return nil, fmt.Errorf("-wechatmp-templates: unknown kind %q (accepted, progress, resolved, new_ticket)", kind)
		}
		if strings.TrimSpace(t.ID) == "" {
			return nil, fmt.Errorf("-wechatmp-templates: %s has no id", kind)
		}
		if len(t.Fields) == 0 {
			t.Fields = defaultTplFields
		}
		for field, v := range t.Fields {
			if !tplValues[v] {
				return nil, fmt.Errorf("-wechatmp-templates: %s.%s: unknown value %q (number, kind, summary, status, time, community)", kind, field, v)
			}
		}
		ts[kind] = t
	}
	return ts, nil
}

// serviceAccount is the WeChat service account as the bot runs it: the
// adapter, whose Send it extends with template messages and held rows.
type serviceAccount struct {
	*wechatmp.MP
	m         *Main
	templates map[string]mpTemplate
}

// newServiceAccount builds the adapter from the configuration.
func (m *Main) newServiceAccount() (*serviceAccount, error) {
	c := m.Config
	tpls, err := loadTemplates(c.WeChatMPTemplates)
	if err != nil {
		return nil, err
	}
	a := &serviceAccount{m: m, templates: tpls}
	mp, err := wechatmp.New(wechatmp.Config{
		AppID: c.WeChatMPAppID, AppSecret: c.WeChatMPSecret, Token: c.WeChatMPToken, EncodingAESKey: c.WeChatMPAESKey,
		APIURL: c.WeChatMPAPI, State: mpState{db: m.DB, appID: strings.TrimSpace(c.WeChatMPAppID)},
		OnWindowOpen: a.windowOpened, Log: m.Log, Now: m.Now,
	})
	if err != nil {
		return nil, err
	}
	a.MP = mp
	return a, nil
}

// Send delivers a row. When the follower's window is closed, a ticket
// update goes as a template message if there is a template for it;
// anything else is held (pending, not failed) until they write again,
// which releases it (windowOpened). The WindowClosedError also asks the
// Sender to look again later (WindowRecheck), without counting an attempt.
func (a *serviceAccount) Send(ctx context.Context, out bot.Outgoing) (bot.MessageID, error) {
	id, err := a.MP.Send(ctx, out)
	var closed *wechatmp.WindowClosedError
	if !errors.As(err, &closed) || out.ID == 0 {
		return id, err
	}
	tm, ok, terr := a.template(ctx, out)
	if terr != nil {
		return "", terr
	}
	if ok {
		return a.MP.SendTemplate(ctx, tm)
	}
	if herr := a.m.DB.Outbox().Hold(context.WithoutCancel(ctx), out.ID); herr != nil {
		a.m.Log.Error("wechatmp hold a message", "id", out.ID, "err", herr)
	}
	return "", err
}

// windowOpened releases the rows held for a follower who just wrote, before
// their message is handled, so that what waited for them arrives before
// the answer to what they wrote. It runs in the callback, so it waits for
// the database only briefly: if the write cannot be made at once, the rows
// go when the Sender looks at them again (WindowRecheck).
func (a *serviceAccount) windowOpened(chat bot.ChatID) {
	ctx, cancel := context.WithTimeout(context.Background(), releaseWait)
	defer cancel()
	n, err := a.m.DB.Outbox().Release(ctx, wechatmp.Platform, chat)
	if err != nil {
		a.m.Log.Error("wechatmp release held messages", "err", err)
	} else if n > 0 {
		a.m.Log.Info("wechatmp follower wrote again: held messages go now", "count", n)
	}
}

// releaseWait bounds windowOpened's write, within the callback's budget.
const releaseWait = time.Second

// template returns the template message for an outbox row, if the row is
// a ticket update and the manager set up a template for its kind.
func (a *serviceAccount) template(ctx context.Context, out bot.Outgoing) (wechatmp.TemplateMessage, bool, error) {
	if len(a.templates) == 0 {
		return wechatmp.TemplateMessage{}, false, nil
	}
	var t *store.Ticket
	var comm *store.Community
	var ot store.OutboxTicket
	err := a.m.DB.View(ctx, func(tx *store.Tx) (err error) {
		if ot, err = tx.OutboxTicketOf(out.ID); err != nil || ot.TicketID == 0 {
			return err
		}
		if t, err = tx.Ticket(ot.TicketID); err != nil {
			return err
		}
		comm, err = tx.CommunityByID(t.CommunityID)
		return err
	})
	if err != nil || t == nil {
		return wechatmp.TemplateMessage{}, false, err
	}
	// The row's kind, from the ticket as it is now: news of a resolved
	// ticket is the resolve (asking for a rating) only if it is the latest
	// news of the ticket to the follower; earlier rows still queued (a
	// comment before the resolve) are progress.
	var kind string
	switch {
	case ot.Role == "card":
		kind = tplAccepted
	case ot.Role == "staff_card":
		kind = tplNewTicket
	case ot.Role == "relay" && t.Status == store.StatusResolved && ot.Latest:
		kind = tplResolved
	case ot.Role == "relay":
		kind = tplProgress
	}
	tpl, ok := a.templates[kind]
	if !ok {
		return wechatmp.TemplateMessage{}, false, nil
	}
	lang := i18n.Normalize(comm.Lang)
	loc := a.m.loc
	if comm.TZ != "" {
		if l, err := time.LoadLocation(comm.TZ); err == nil {
			loc = l
		}
	}
	values := map[string]string{
		"number":    "#" + strconv.FormatInt(t.ID, 10),
		"kind":      i18n.T(lang, i18n.Kind(t.Kind)),
		"summary":   t.Text,
		"status":    i18n.T(lang, i18n.Status(t.Status)),
		"time":      t.UpdatedAt.In(loc).Format("2006-01-02 15:04"),
		"community": comm.Name,
	}
	tm := wechatmp.TemplateMessage{To: out.Chat, TemplateID: tpl.ID, Data: map[string]string{}}
	for field, v := range tpl.Fields {
		tm.Data[field] = templateValue(field, values[v])
	}
	if kind == tplNewTicket {
		tm.URL = a.deskURL(t.ID)
	} else {
		tm.URL = a.mineURL("t" + strconv.FormatInt(t.ID, 10))
	}
	return tm, true, nil
}

// templateValue fits a value to WeChat's limit for the field's type
// (thing: 20 characters, phrase: 5, character_string: 32).
func templateValue(field, v string) string {
	limit := 20
	switch {
	case strings.HasPrefix(field, "phrase"):
		// A short phrase: "已解决，待评价" is "已解决".
		if i := strings.IndexAny(v, "，,（(；;"); i > 0 {
			v = v[:i]
		}
		limit = 5
	case strings.HasPrefix(field, "character_string"):
		limit = 32
	case strings.HasPrefix(field, "time"):
		return v
	}
	v = strings.Join(strings.Fields(v), " ")
	if utf8.RuneCountInString(v) <= limit {
		return v
	}
	r := []rune(v)
	return string(r[:limit-1]) + "…"
}

// mineURL is the menu's 我的工单 link: through WeChat's OAuth to
// mpMinePath, which learns the follower's openid; "" without -public-url.
func (a *serviceAccount) mineURL(state string) string {
	if a.m.Config.PublicURL == "" {
		return ""
	}
	return a.MP.OAuthURL(a.m.Config.PublicURL+mpMinePath, state)
}

// deskURL is a ticket's page on the web desk; "" without -public-url.
func (a *serviceAccount) deskURL(ticket int64) string {
	if a.m.Config.PublicURL == "" {
		return ""
	}
	return a.m.Config.PublicURL + deskTicketPath + strconv.FormatInt(ticket, 10)
}

// menu is the account's menu in lang. WeChat allows three buttons at the
// top: 报修 and 我的工单, and a third with 公告栏 and 意见箱.
func (a *serviceAccount) menu(lang string) []wechatmp.MenuItem {
	mine := wechatmp.MenuItem{Name: i18n.T(lang, i18n.AccountMenuBtnMine), Key: commands.MenuKeyMine}
	if u := a.mineURL("mine"); u != "" {
		mine = wechatmp.MenuItem{Name: mine.Name, URL: u}
	}
	return []wechatmp.MenuItem{
		{Name: i18n.T(lang, i18n.AccountMenuBtnRepair), Key: commands.MenuKeyRepair},
		mine,
		{Name: i18n.T(lang, i18n.AccountMenuBtnMore), Items: []wechatmp.MenuItem{
			{Name: i18n.T(lang, i18n.AccountMenuBtnNotices), Key: commands.MenuKeyNotices},
			{Name: i18n.T(lang, i18n.AccountMenuBtnSuggest), Key: commands.MenuKeySuggest},
		}},
	}
}

// mpAccount is the service account as package commands sees it.
type mpAccount struct{ a *serviceAccount }

var _ commands.Account = mpAccount{}

func (x mpAccount) Platform() bot.PlatformID { return wechatmp.Platform }

func (x mpAccount) QRCode(ctx context.Context, scene string) ([]byte, error) {
	qr, err := x.a.MP.QRCode(ctx, scene)
	return qr.PNG, err
}

func (x mpAccount) SyncMenu(ctx context.Context, lang string) error {
	return x.a.MP.SetMenu(ctx, x.a.menu(lang))
}

func (x mpAccount) DeskURL(ticketID int64) string { return x.a.deskURL(ticketID) }

func (x mpAccount) JoinScene(m *bot.Message) (string, bool) { return wechatmp.Scene(m) }

// mpState keeps the adapter's state in the database (migration 0017).
type mpState struct {
	db    *store.DB
	appID string
}

var _ wechatmp.StateStore = mpState{}

func (s mpState) LoadToken(ctx context.Context) (wechatmp.Token, error) {
	var t store.MPToken
	err := s.db.View(ctx, func(tx *store.Tx) (err error) { t, err = tx.MPToken(s.appID); return })
	if err != nil || t.Value == "" {
		return wechatmp.Token{}, err
	}
	return wechatmp.Token{AppID: t.AppID, Value: t.Value, Expires: t.Expires}, nil
}

func (s mpState) SaveToken(ctx context.Context, t wechatmp.Token) error {
	return s.db.Update(ctx, func(tx *store.Tx) error {
		return tx.SaveMPToken(store.MPToken{AppID: t.AppID, Value: t.Value, Expires: t.Expires})
	})
}

func (s mpState) LoadWindow(ctx context.Context, chat bot.ChatID) (wechatmp.Window, error) {
	var w store.MPWindow
	err := s.db.View(ctx, func(tx *store.Tx) (err error) { w, err = tx.MPWindow(chat); return })
	return wechatmp.Window{Chat: chat, Last: w.Last, Sent: w.Sent, Refused: w.Refused, Unfollowed: w.Unfollowed}, err
}

func (s mpState) SaveWindow(ctx context.Context, w wechatmp.Window) error {
	return s.db.Update(ctx, func(tx *store.Tx) error {
		return tx.SaveMPWindow(store.MPWindow{Chat: w.Chat, Last: w.Last, Sent: w.Sent, Refused: w.Refused, Unfollowed: w.Unfollowed})
	})
}

// mpRoutes are the service account's pages on the -http server.
func (a *serviceAccount) routes() map[string]http.Handler {
	return map[string]http.Handler{
		mpCallbackPath: a.MP.Handler(),
		mpMinePath:     http.HandlerFunc(a.serveMine),
	}
}

// minePage is the page 我的工单 opens: the follower's tickets, newest first.
var minePage = template.Must(template.New("mine").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem;line-height:1.5}li{margin:.5rem 0}.s{color:#555}</style></head>
<body><h1>{{.Title}}</h1>
{{if .Note}}<p>{{.Note}}</p>{{end}}
{{if .Tickets}}<ul>{{range .Tickets}}<li>{{if .URL}}<a href="{{.URL}}"><b>#{{.ID}}</b></a>{{else}}<b>#{{.ID}}</b>{{end}} {{.Kind}} · <span class="s">{{.Status}}</span><br>{{.Text}}</li>{{end}}</ul>{{end}}
</body></html>
`))

type mineTicket struct {
	ID                 int64
	Kind, Status, Text string
	// URL is the ticket's page for its reporter, where they add to it and
	// rate it ("" without -public-url).
	URL string
}

// serveMine answers the 我的工单 link: WeChat's OAuth sends the follower
// here with a code that names them (snsapi_base: silent), and the page lists
// their tickets, each linking its reporter's page (the follower is its
// reporter: the OAuth code says so). The code works once, for five minutes; an old link is
// answered with how to open it again. No cookie is set: each visit comes
// through the OAuth link.
func (a *serviceAccount) serveMine(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	lang := a.m.Config.Lang
	page := struct {
		Lang, Title, Note string
		Tickets           []mineTicket
	}{Lang: lang, Title: i18n.T(lang, i18n.AccountMineTitle)}
	status := http.StatusOK
	openID, err := a.MP.OpenIDByCode(r.Context(), r.URL.Query().Get("code"))
	switch {
	case errors.Is(err, wechatmp.ErrInvalidCode):
		status, page.Note = http.StatusBadRequest, i18n.T(lang, i18n.AccountMineExpired)
	case err != nil:
		a.m.Log.Error("wechatmp oauth", "err", err)
		status, page.Note = http.StatusBadGateway, i18n.T(lang, i18n.AccountMineFailed)
	default:
		pageURL := a.m.Config.pageURL()
		// An Update: a ticket's reporter page is made the first time it is linked.
		err = a.m.DB.Update(r.Context(), func(tx *store.Tx) error {
			page.Tickets = nil
			p, err := tx.PersonByKey(wechatmp.Platform, openID)
			if store.ErrorCode(err) == store.ENOTFOUND {
				return nil
			} else if err != nil {
				return err
			}
			ts, err := tx.Tickets(store.TicketFilter{ReporterID: p.ID, Limit: 50})
			if err != nil {
				return err
			}
			for _, t := range ts {
				mt := mineTicket{ID: t.ID, Kind: i18n.T(lang, i18n.Kind(t.Kind)), Status: i18n.T(lang, i18n.Status(t.Status)), Text: t.Text}
				if pageURL != nil {
					if mt.URL, err = pageURL(tx, t, true); err != nil {
						return err
					}
				}
				page.Tickets = append(page.Tickets, mt)
			}
			return nil
		})
		if err != nil {
			a.m.Log.Error("wechatmp mine page", "err", err)
			status, page.Note = http.StatusInternalServerError, i18n.T(lang, i18n.AccountMineFailed)
		} else if len(page.Tickets) == 0 {
			page.Note = i18n.T(lang, i18n.TicketsMineNone)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := minePage.Execute(w, page); err != nil {
		a.m.Log.Debug("wechatmp mine page write", "err", err)
	}
}

// checkWeChatMP checks the service account's flags: all of the account's
// or none, and the -http server its callbacks come to.
func (c *Config) checkWeChatMP() error {
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("-public-url must be an http(s) address such as https://linli.example.com, not %q", c.PublicURL)
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	}
	if c.WeChatMPAppID == "" {
		if c.WeChatMPSecret != "" || c.WeChatMPToken != "" || c.WeChatMPAESKey != "" {
			return errors.New("-wechatmp-secret, -wechatmp-token and -wechatmp-aeskey need -wechatmp-appid")
		}
		return nil
	}
	switch {
	case c.WeChatMPSecret == "":
		return errors.New("-wechatmp-appid needs -wechatmp-secret (the account's AppSecret, 开发者密码)")
	case c.WeChatMPToken == "":
		return errors.New("-wechatmp-appid needs -wechatmp-token (the Token, 令牌, of the server configuration)")
	case c.HTTP == "":
		return errors.New("-wechatmp-appid needs -http: WeChat posts the account's messages to " + mpCallbackPath + " there")
	}
	if c.WeChatMPAPI != "" {
		if u, err := url.Parse(c.WeChatMPAPI); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("-wechatmp-api must be an http(s) address, not %q", c.WeChatMPAPI)
		}
	}
	_, err := loadTemplates(c.WeChatMPTemplates)
	return err
}

// account is the service account for package commands; nil without one.
func (m *Main) account() commands.Account {
	if m.mp == nil {
		return nil
	}
	return mpAccount{m.mp}
}

// httpRoutes are the platforms' endpoints on the -http server.
func (m *Main) httpRoutes() map[string]http.Handler {
	if m.mp == nil {
		return nil
	}
	return m.mp.routes()
}
