package wechatmp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // showqrcode and media answers may be any of these
	_ "image/jpeg" // showqrcode serves JPEG
	"image/png"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silenceper/wechat/v2/officialaccount/basic"
	"github.com/silenceper/wechat/v2/officialaccount/config"
	oacontext "github.com/silenceper/wechat/v2/officialaccount/context"
	"github.com/silenceper/wechat/v2/officialaccount/material"
	"github.com/silenceper/wechat/v2/officialaccount/menu"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/officialaccount/oauth"
	"github.com/silenceper/wechat/v2/officialaccount/user"

	"github.com/linli/linli/bot"
)

// openIDPattern is what an openid looks like (28 characters today). The SDK
// puts openids into URLs unescaped, so nothing else is let through.
var openIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func validOpenID(s string) bool { return openIDPattern.MatchString(s) }

// sdk returns the SDK context for one call, with the token it is to use.
func (a *MP) sdk(token string) *oacontext.Context {
	return &oacontext.Context{
		Config: &config.Config{
			AppID:          a.cfg.AppID,
			AppSecret:      a.cfg.AppSecret,
			Token:          a.cfg.Token,
			EncodingAESKey: a.cfg.EncodingAESKey,
		},
		AccessTokenHandle: fixedToken(token),
	}
}

// do runs f, one SDK call that needs the access token, as a call of a (see
// sdkhttp.go): f gets an SDK context and the token, marked with the call's
// number. If WeChat refuses the token (40001, 42001, 40014), a new one is
// fetched and f runs once more.
func (a *MP) do(ctx context.Context, api string, f func(sc *oacontext.Context, token string) error) error {
	for attempt := 0; ; attempt++ {
		tok, err := a.tokens.get(ctx)
		if err != nil {
			return err
		}
		c, id, end := a.begin(ctx, api)
		marked := markToken(tok, id)
		err = c.result(f(a.sdk(marked), marked))
		end()
		var apiErr *APIError
		if attempt == 0 && errors.As(err, &apiErr) && isTokenCode(apiErr.Code) {
			a.log.Warn("wechatmp access token refused, fetching a new one", "api", api, "errcode", apiErr.Code)
			a.tokens.invalidate(tok)
			continue
		}
		return err
	}
}

// TemplateMessage is a template message (模板消息): not bound to the 48-hour
// window, but only with a template the account has added (广告与服务 →
// 模板消息), whose fields Data fills.
type TemplateMessage struct {
	To         bot.ChatID
	TemplateID string
	// URL is the page a tap opens (a ticket's page); it must be on a domain
	// set up for the account. Empty: the message opens nothing.
	URL string
	// Data fills the template's fields, e.g. {"thing1": "3号楼电梯", "time2": …}.
	Data map[string]string
}

// SendTemplate sends a template message and returns its id. Errors are the
// Sender's vocabulary, as for Send (43004: the person no longer follows).
func (a *MP) SendTemplate(ctx context.Context, tm TemplateMessage) (bot.MessageID, error) {
	switch {
	case !validOpenID(string(tm.To)):
		return "", fmt.Errorf("%w: wechatmp: not an openid: %q", bot.ErrPermanent, tm.To)
	case strings.TrimSpace(tm.TemplateID) == "":
		return "", fmt.Errorf("%w: wechatmp: template message without a template id", bot.ErrPermanent)
	case len(tm.Data) == 0:
		return "", fmt.Errorf("%w: wechatmp: template message without data", bot.ErrPermanent)
	}
	if gone, err := a.unfollowed(ctx, tm.To); err != nil {
		return "", err
	} else if gone {
		return "", &bot.ChatGoneError{Chat: tm.To, Reason: "the follower unfollowed the account"}
	}
	msg := &message.TemplateMessage{
		ToUser:     string(tm.To),
		TemplateID: tm.TemplateID,
		URL:        tm.URL,
		Data:       make(map[string]*message.TemplateDataItem, len(tm.Data)),
	}
	for k, v := range tm.Data {
		msg.Data[k] = &message.TemplateDataItem{Value: v}
	}
	var id int64
	err := a.do(ctx, "message/template/send", func(sc *oacontext.Context, _ string) error {
		var err error
		id, err = message.NewTemplate(sc).Send(msg)
		return err
	})
	if err != nil {
		return "", a.mapError(tm.To, err)
	}
	return bot.MessageID("tpl-" + strconv.FormatInt(id, 10)), nil
}

// unfollowed reports whether chat is known to have unfollowed.
func (a *MP) unfollowed(ctx context.Context, chat bot.ChatID) (bool, error) {
	w, err := a.Window(ctx, chat)
	return w.Unfollowed, err
}

// QRCode is a permanent parameterized QR code of the account (for a lobby
// poster): scanning it follows the account, and the follow (or, for a
// follower, the scan) comes back as an EventJoin with the scene.
type QRCode struct {
	Scene  string
	Ticket string
	// URL is what the code encodes (http://weixin.qq.com/q/…).
	URL string
	// PNG is the code's image.
	PNG []byte
}

// maxScene is WeChat's limit on a QR_LIMIT_STR_SCENE scene string.
const maxScene = 64

// QRCode creates a permanent QR code for scene (qrcode/create,
// QR_LIMIT_STR_SCENE; an account may have 100,000) and fetches its image
// (showqrcode), as PNG.
func (a *MP) QRCode(ctx context.Context, scene string) (QRCode, error) {
	if scene == "" || len(scene) > maxScene {
		return QRCode{}, fmt.Errorf("wechatmp: a QR scene must be 1 to %d bytes, not %d", maxScene, len(scene))
	}
	req := basic.NewLimitQrRequest(scene)
	var t *basic.Ticket
	err := a.do(ctx, "qrcode/create", func(sc *oacontext.Context, _ string) error {
		var err error
		t, err = basic.NewBasic(sc).GetQRTicket(req)
		return err
	})
	if err != nil {
		return QRCode{}, err
	}
	if t == nil || t.Ticket == "" {
		return QRCode{}, errors.New("wechatmp qrcode/create: answer without a ticket")
	}
	img, err := a.qrImage(ctx, t.Ticket)
	if err != nil {
		return QRCode{}, err
	}
	return QRCode{Scene: scene, Ticket: t.Ticket, URL: t.URL, PNG: img}, nil
}

// qrImage fetches the image of a QR ticket and returns it as PNG.
//
// The SDK's basic.ShowQRCode puts the ticket into the URL unescaped; tickets
// are base64 and hold '+', '/' and '=', and a '+' arrives as a space, so
// WeChat would not know the ticket. The URL is built here, escaped.
func (a *MP) qrImage(ctx context.Context, ticket string) ([]byte, error) {
	c := a.newCall(ctx, "showqrcode")
	req, err := http.NewRequestWithContext(withCall(ctx, c), http.MethodGet,
		"https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket="+url.QueryEscape(ticket), nil)
	if err != nil {
		return nil, fmt.Errorf("wechatmp showqrcode: %w", err)
	}
	resp, err := a.route.send(c, req)
	if err != nil {
		return nil, c.result(err)
	}
	body, _ := io.ReadAll(resp.Body) // in memory already
	if resp.StatusCode != http.StatusOK {
		return nil, &HTTPError{API: c.api, Status: resp.StatusCode}
	}
	if e := c.apiError(); e != nil {
		return nil, e
	}
	im, _, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("wechatmp showqrcode: not an image: %w", err)
	}
	var out bytes.Buffer
	if err := png.Encode(&out, im); err != nil {
		return nil, fmt.Errorf("wechatmp showqrcode: encode png: %w", err)
	}
	return out.Bytes(), nil
}

// MenuItem is one button of the account's menu (自定义菜单): at most 3 at
// the top, each either a button or a sub-menu of at most 5.
type MenuItem struct {
	// Name is the label: at most 16 bytes at the top (5 Chinese
	// characters), 60 in a sub-menu (WeChat's limits).
	Name string
	// Key makes a click button: the press comes back as a message with a
	// Callback whose Data is Key (at most 128 bytes).
	Key string
	// URL makes a link button: it opens the page (an EventMenuView follows).
	URL string
	// Items makes a sub-menu; Key and URL must then be empty.
	Items []MenuItem
}

// Menu limits of WeChat.
const (
	maxTopItems   = 3
	maxSubItems   = 5
	maxTopName    = 16
	maxSubName    = 60
	maxMenuKey    = 128
	maxMenuURLLen = 1024
)

// SetMenu replaces the account's menu (menu/create). The description is
// checked first, so that a bad one gets a clear error rather than an errcode.
func (a *MP) SetMenu(ctx context.Context, items []MenuItem) error {
	buttons, err := menuButtons(items)
	if err != nil {
		return err
	}
	return a.do(ctx, "menu/create", func(sc *oacontext.Context, _ string) error {
		return menu.NewMenu(sc).SetMenu(buttons)
	})
}

func menuButtons(items []MenuItem) ([]*menu.Button, error) {
	if len(items) == 0 || len(items) > maxTopItems {
		return nil, fmt.Errorf("wechatmp menu: 1 to %d items at the top, not %d", maxTopItems, len(items))
	}
	out := make([]*menu.Button, 0, len(items))
	for _, it := range items {
		b, err := menuButton(it, true)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func menuButton(it MenuItem, top bool) (*menu.Button, error) {
	maxName := maxSubName
	if !top {
		if len(it.Items) > 0 {
			return nil, fmt.Errorf("wechatmp menu: %q: sub-menus cannot nest", it.Name)
		}
	} else {
		maxName = maxTopName
	}
	if it.Name == "" || len(it.Name) > maxName {
		return nil, fmt.Errorf("wechatmp menu: the name %q must be 1 to %d bytes", it.Name, maxName)
	}
	b := new(menu.Button)
	kinds := 0
	if it.Key != "" {
		kinds++
	}
	if it.URL != "" {
		kinds++
	}
	if len(it.Items) > 0 {
		kinds++
	}
	if kinds != 1 {
		return nil, fmt.Errorf("wechatmp menu: %q needs exactly one of a key, a link or sub-items", it.Name)
	}
	switch {
	case it.Key != "":
		if len(it.Key) > maxMenuKey {
			return nil, fmt.Errorf("wechatmp menu: the key of %q is longer than %d bytes", it.Name, maxMenuKey)
		}
		b.SetClickButton(it.Name, it.Key)
	case it.URL != "":
		u, err := url.Parse(it.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(it.URL) > maxMenuURLLen {
			return nil, fmt.Errorf("wechatmp menu: the link of %q must be an http(s) URL of at most %d bytes", it.Name, maxMenuURLLen)
		}
		b.SetViewButton(it.Name, it.URL)
	default:
		if len(it.Items) > maxSubItems {
			return nil, fmt.Errorf("wechatmp menu: %q has %d items; at most %d", it.Name, len(it.Items), maxSubItems)
		}
		subs := make([]*menu.Button, 0, len(it.Items))
		for _, s := range it.Items {
			sb, err := menuButton(s, false)
			if err != nil {
				return nil, err
			}
			subs = append(subs, sb)
		}
		b.SetSubButton(it.Name, subs)
	}
	return b, nil
}

// FetchMedia downloads a temporary medium (media/get): a picture a follower
// sent (the Ref of its attachment). WeChat keeps them three days.
func (a *MP) FetchMedia(ctx context.Context, mediaID string) (bot.Attachment, error) {
	if mediaID == "" || strings.ContainsAny(mediaID, "&?#/ ") {
		return bot.Attachment{}, fmt.Errorf("wechatmp media/get: bad media id %q", mediaID)
	}
	var att bot.Attachment
	err := a.do(ctx, "media/get", func(sc *oacontext.Context, _ string) error {
		// The SDK only builds this URL; the request is the adapter's.
		u, err := material.NewMaterial(sc).GetMediaURL(mediaID)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := sdkTransport{}.RoundTrip(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body) // in memory already
		if resp.StatusCode != http.StatusOK || isJSON(body) {
			return errors.New("no medium") // c.result says why
		}
		att = mediaAttachment(mediaID, resp.Header, body)
		return nil
	})
	if err != nil {
		return bot.Attachment{}, err
	}
	return att, nil
}

// mediaAttachment describes a downloaded medium.
func mediaAttachment(mediaID string, h http.Header, body []byte) bot.Attachment {
	ct := h.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		ct = mt
	} else {
		ct = http.DetectContentType(body)
	}
	name := mediaID
	if _, p, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && p["filename"] != "" {
		name = p["filename"]
	}
	kind := "file"
	if strings.HasPrefix(ct, "image/") {
		kind = "photo"
	}
	return bot.Attachment{Kind: kind, Ref: mediaID, Name: name, MIMEType: ct, Data: body}
}

// upload uploads a picture as a temporary medium (media/upload) and returns
// its media id.
func (a *MP) upload(ctx context.Context, att *bot.Attachment) (string, error) {
	name := mediaName(att)
	var m material.Media
	err := a.do(ctx, "media/upload", func(sc *oacontext.Context, _ string) error {
		var err error
		m, err = material.NewMaterial(sc).MediaUploadFromReader(material.MediaTypeImage, name, bytes.NewReader(att.Data))
		return err
	})
	if err != nil {
		return "", err
	}
	if m.MediaID == "" {
		return "", errors.New("wechatmp media/upload: answer without a media id")
	}
	return m.MediaID, nil
}

// mediaName is a file name for a picture, with the extension WeChat
// decides its type by.
func mediaName(a *bot.Attachment) string {
	ext := ".jpg"
	switch http.DetectContentType(a.Data) {
	case "image/png":
		ext = ".png"
	case "image/gif":
		ext = ".gif"
	case "image/bmp":
		ext = ".bmp"
	}
	return "photo" + ext
}

// OAuthURL is the link that identifies a person on a page of the account
// (scope snsapi_base: silent, no consent screen): WeChat sends them to
// redirectURI with ?code=…&state=state, and OpenIDByCode turns the code into
// their openid. redirectURI's domain must be the account's 网页授权域名.
func (a *MP) OAuthURL(redirectURI, state string) string {
	o := oauth.NewOauth(a.sdk(""))
	// The SDK escapes the redirect but not the state.
	u, _ := o.GetRedirectURL(redirectURI, "snsapi_base", url.QueryEscape(state))
	return u
}

// OpenIDByCode exchanges an OAuth code for the person's openid
// (sns/oauth2/access_token). A code works once, for 5 minutes; a bad one
// gives ErrInvalidCode.
func (a *MP) OpenIDByCode(ctx context.Context, code string) (bot.UserID, error) {
	if code == "" {
		return "", ErrInvalidCode
	}
	c := a.newCall(ctx, "sns/oauth2/access_token")
	res, err := oauth.NewOauth(a.sdk("")).GetUserAccessTokenContext(withCall(ctx, c), url.QueryEscape(code))
	if err = c.result(err); err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && (apiErr.Code == codeInvalidCode || apiErr.Code == codeCodeUsed) {
			return "", fmt.Errorf("%w: %w", ErrInvalidCode, err)
		}
		return "", err
	}
	if !validOpenID(res.OpenID) {
		return "", errors.New("wechatmp sns/oauth2/access_token: answer without an openid")
	}
	return bot.UserID(res.OpenID), nil
}

// Follower is what user/info tells of a person. (WeChat no longer gives
// nicknames or avatars there.)
type Follower struct {
	OpenID    bot.UserID
	Following bool
	// Since is when they followed.
	Since time.Time
	// How they came: e.g. ADD_SCENE_QR_CODE, ADD_SCENE_SEARCH.
	Source string
	// QRScene is the scene of the QR code they followed by, if any.
	QRScene  string
	Language string
	Remark   string
	UnionID  string
}

// Follower looks a person up (user/info).
func (a *MP) Follower(ctx context.Context, openID bot.UserID) (Follower, error) {
	if !validOpenID(string(openID)) {
		return Follower{}, fmt.Errorf("wechatmp user/info: not an openid: %q", openID)
	}
	var info *user.Info
	err := a.do(ctx, "user/info", func(sc *oacontext.Context, _ string) error {
		var err error
		info, err = user.NewUser(sc).GetUserInfo(string(openID))
		return err
	})
	if err != nil {
		return Follower{}, err
	}
	f := Follower{
		OpenID:    openID,
		Following: info.Subscribe == 1,
		Source:    info.SubscribeScene,
		QRScene:   info.QrSceneStr,
		Language:  info.Language,
		Remark:    info.Remark,
		UnionID:   info.UnionID,
	}
	if info.SubscribeTime > 0 {
		f.Since = time.Unix(int64(info.SubscribeTime), 0)
	}
	return f, nil
}

// clipText cuts s to at most max bytes, on a character boundary, with an
// ellipsis when it cut.
func clipText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const ell = "…"
	cut := max - len(ell)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}
