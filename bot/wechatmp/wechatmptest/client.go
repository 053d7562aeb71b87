package wechatmptest

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Mode is how the account's callbacks are posted (消息加解密方式).
type Mode int

// Modes of the server configuration.
const (
	// Plaintext (明文模式): the message XML as is.
	Plaintext Mode = iota
	// Safe (安全模式): the message encrypted with the EncodingAESKey, signed
	// with msg_signature.
	Safe
)

// Client posts callbacks to the account's server URL as WeChat does: signed,
// waiting Timeout for an answer, and delivering again (Retries times) when
// the answer is not "success" (or empty) or does not come.
type Client struct {
	s    *Server
	url  string
	mode Mode
	// HTTP makes the requests (default: a client of its own).
	HTTP *http.Client
	// Timeout is how long an attempt waits (WeChat: 5 s).
	Timeout time.Duration
	// Retries is how often a message is delivered again (WeChat: 3).
	Retries int
	// WrongToken, if set, signs with it instead of the account's token.
	WrongToken string
	// WrongMsgSignature makes safe-mode posts carry a bad msg_signature.
	WrongMsgSignature bool
}

// NewClient returns a Client that posts to target (the server URL
// configured on the 公众平台) in mode.
func (s *Server) NewClient(target string, mode Mode) *Client {
	return &Client{s: s, url: target, mode: mode, HTTP: &http.Client{}, Timeout: 5 * time.Second, Retries: 3}
}

// Message is a callback's XML, as WeChat posts it.
type Message struct {
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	Content      string
	MsgID        int64
	PicURL       string
	MediaID      string
	Format       string
	Recognition  string
	Event        string
	EventKey     string
	Ticket       string
	MenuID       string
}

// XML renders the message as WeChat does (strings in CDATA).
func (m Message) XML() []byte {
	var b bytes.Buffer
	b.WriteString("<xml>")
	cdata := func(tag, v string) {
		fmt.Fprintf(&b, "<%s><![CDATA[%s]]></%s>", tag, strings.ReplaceAll(v, "]]>", "]]]]><![CDATA[>"), tag)
	}
	cdata("ToUserName", m.ToUserName)
	cdata("FromUserName", m.FromUserName)
	fmt.Fprintf(&b, "<CreateTime>%d</CreateTime>", m.CreateTime)
	cdata("MsgType", m.MsgType)
	opt := func(tag, v string) {
		if v != "" {
			cdata(tag, v)
		}
	}
	opt("Content", m.Content)
	opt("PicUrl", m.PicURL)
	opt("MediaId", m.MediaID)
	opt("Format", m.Format)
	opt("Recognition", m.Recognition)
	opt("Event", m.Event)
	if m.Event != "" && m.EventKey == "" && (m.Event == "subscribe" || m.Event == "unsubscribe") {
		b.WriteString("<EventKey><![CDATA[]]></EventKey>")
	}
	opt("EventKey", m.EventKey)
	opt("Ticket", m.Ticket)
	opt("MenuId", m.MenuID)
	if m.MsgID != 0 {
		fmt.Fprintf(&b, "<MsgId>%d</MsgId>", m.MsgID)
	}
	b.WriteString("</xml>")
	return b.Bytes()
}

// Delivery is how a callback went.
type Delivery struct {
	Message Message
	// Attempts is how many times it was posted.
	Attempts int
	// Accepted: the last answer was 200 with "success" or an empty body.
	Accepted bool
	Status   int
	Body     string
	// Err is the last attempt's transport error (a timeout), if any.
	Err error
}

// message starts a callback from openID, dated now on the server's clock.
func (c *Client) message(openID, msgType string) Message {
	return Message{ToUserName: c.s.OriginalID, FromUserName: openID, CreateTime: c.s.clock().Unix(), MsgType: msgType}
}

// Text delivers a text message.
func (c *Client) Text(ctx context.Context, openID, text string) Delivery {
	m := c.message(openID, "text")
	m.Content, m.MsgID = text, c.s.nextMsgID()
	return c.Deliver(ctx, m)
}

// Image delivers a picture message; the picture is stored as a temporary
// medium (media/get serves it).
func (c *Client) Image(ctx context.Context, openID string, data []byte, contentType string) Delivery {
	m := c.message(openID, "image")
	m.MediaID = c.s.AddMedia(data, contentType)
	m.PicURL = "http://mmbiz.qpic.cn/mmbiz_jpg/" + randHex(12) + "/0"
	m.MsgID = c.s.nextMsgID()
	return c.Deliver(ctx, m)
}

// Voice delivers a voice message; recognition is what 语音识别 heard (empty:
// the account has it off).
func (c *Client) Voice(ctx context.Context, openID, recognition string) Delivery {
	m := c.message(openID, "voice")
	m.MediaID, m.Format, m.Recognition, m.MsgID = c.s.AddMedia([]byte("#!AMR\n"), "audio/amr"), "amr", recognition, c.s.nextMsgID()
	return c.Deliver(ctx, m)
}

// Location delivers a location message.
func (c *Client) Location(ctx context.Context, openID string) Delivery {
	m := c.message(openID, "location")
	m.MsgID = c.s.nextMsgID()
	return c.Deliver(ctx, m)
}

// Subscribe delivers a follow: by a parameterized QR code when scene is set
// (EventKey "qrscene_" + scene), else by search.
func (c *Client) Subscribe(ctx context.Context, openID, scene string) Delivery {
	m := c.message(openID, "event")
	m.Event = "subscribe"
	if scene != "" {
		m.EventKey, m.Ticket = "qrscene_"+scene, c.ticketFor(scene)
	}
	return c.Deliver(ctx, m)
}

// Scan delivers a follower's scan of a parameterized QR code.
func (c *Client) Scan(ctx context.Context, openID, scene string) Delivery {
	m := c.message(openID, "event")
	m.Event, m.EventKey, m.Ticket = "SCAN", scene, c.ticketFor(scene)
	return c.Deliver(ctx, m)
}

func (c *Client) ticketFor(scene string) string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	for t, q := range c.s.tickets {
		if q.scene == scene {
			return t
		}
	}
	return randTicket()
}

// Unsubscribe delivers an unfollow.
func (c *Client) Unsubscribe(ctx context.Context, openID string) Delivery {
	m := c.message(openID, "event")
	m.Event = "unsubscribe"
	return c.Deliver(ctx, m)
}

// Click delivers a press on a click button of the menu.
func (c *Client) Click(ctx context.Context, openID, key string) Delivery {
	m := c.message(openID, "event")
	m.Event, m.EventKey = "CLICK", key
	return c.Deliver(ctx, m)
}

// View delivers a press on a link button of the menu.
func (c *Client) View(ctx context.Context, openID, link string) Delivery {
	m := c.message(openID, "event")
	m.Event, m.EventKey, m.MenuID = "VIEW", link, "1"
	return c.Deliver(ctx, m)
}

// opens reports whether WeChat counts m as an interaction that opens the
// customer-service window.
func opens(m Message) bool {
	switch m.MsgType {
	case "text", "image", "voice", "video", "shortvideo", "location", "link":
		return true
	case "event":
		switch m.Event {
		case "subscribe", "SCAN", "CLICK", "scancode_push", "scancode_waitmsg":
			return true
		}
	}
	return false
}

// Deliver posts m, and posts it again while the answer is not accepted, up
// to Retries times, as WeChat does. The server records the interaction (the
// follower's window opens) before the first post, as WeChat has it whatever
// the account's server answers. Only followers can write, so the sender of a
// message (not an event) becomes one if they were not.
func (c *Client) Deliver(ctx context.Context, m Message) Delivery {
	switch {
	case m.MsgType == "event" && m.Event == "subscribe":
		scene := strings.TrimPrefix(m.EventKey, "qrscene_")
		c.s.follow(m.FromUserName, scene, time.Unix(m.CreateTime, 0))
	case m.MsgType == "event" && m.Event == "unsubscribe":
		c.s.unfollow(m.FromUserName)
	case m.MsgType != "event":
		// Only followers can write to an account: whoever writes follows.
		c.s.follow(m.FromUserName, "", time.Unix(m.CreateTime, 0))
	}
	if opens(m) {
		c.s.interact(m.FromUserName, time.Unix(m.CreateTime, 0))
	}
	d := Delivery{Message: m}
	for d.Attempts = 1; ; d.Attempts++ {
		d.Status, d.Body, d.Err = c.post(ctx, m)
		d.Accepted = d.Err == nil && d.Status == http.StatusOK && (d.Body == "success" || d.Body == "")
		if d.Accepted || d.Attempts > c.Retries || ctx.Err() != nil {
			return d
		}
	}
}

// post makes one attempt.
func (c *Client) post(ctx context.Context, m Message) (int, string, error) {
	raw := m.XML()
	ts := strconv.FormatInt(c.s.clock().Unix(), 10)
	nonce := strconv.FormatInt(int64(binary.BigEndian.Uint32(randBytes(4))), 10)
	token := c.s.Token
	if c.WrongToken != "" {
		token = c.WrongToken
	}
	q := url.Values{}
	q.Set("signature", Signature(token, ts, nonce))
	q.Set("timestamp", ts)
	q.Set("nonce", nonce)
	q.Set("openid", m.FromUserName)
	body := raw
	if c.mode == Safe {
		enc, err := Encrypt(c.s.AppID, c.s.EncodingAESKey, raw)
		if err != nil {
			return 0, "", err
		}
		sig := Signature(token, ts, nonce, enc)
		if c.WrongMsgSignature {
			sig = Signature(token, ts, nonce, enc+"x")
		}
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", sig)
		body = []byte(fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>", m.ToUserName, enc))
	}
	actx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.url+"?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", "Mozilla/4.0")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// Verify makes the URL verification WeChat makes when the server
// configuration is saved, and reports whether the handler echoed echostr.
func (c *Client) Verify(ctx context.Context) (ok bool, status int, err error) {
	ts := strconv.FormatInt(c.s.clock().Unix(), 10)
	nonce := strconv.FormatInt(int64(binary.BigEndian.Uint32(randBytes(4))), 10)
	echo := strconv.FormatInt(int64(binary.BigEndian.Uint64(randBytes(8))>>1), 10)
	token := c.s.Token
	if c.WrongToken != "" {
		token = c.WrongToken
	}
	q := url.Values{"signature": {Signature(token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {echo}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+"?"+q.Encode(), nil)
	if err != nil {
		return false, 0, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return false, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK && string(b) == echo, resp.StatusCode, err
}

// Signature is WeChat's callback signature: the SHA-1, in hex, of the
// parts sorted and joined.
func Signature(parts ...string) string {
	p := append([]string(nil), parts...)
	sort.Strings(p)
	h := sha1.Sum([]byte(strings.Join(p, "")))
	return hex.EncodeToString(h[:])
}

// Encrypt encrypts a callback for safe mode, as WeChat's 消息加解密 does:
// AES-256-CBC with the key base64(EncodingAESKey+"="), the key's first 16
// bytes as IV, over random(16) + len(msg) (4 bytes, big endian) + msg +
// appID, padded PKCS#7 to 32-byte blocks; in base64.
func Encrypt(appID, encodingAESKey string, msg []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return "", errors.New("wechatmptest: bad EncodingAESKey")
	}
	plain := append(randBytes(16), make([]byte, 4)...)
	binary.BigEndian.PutUint32(plain[16:], uint32(len(msg)))
	plain = append(plain, msg...)
	plain = append(plain, appID...)
	pad := 32 - len(plain)%32
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out), nil
}

// Decrypt undoes Encrypt and returns the message and the app id it carried.
func Decrypt(encodingAESKey, enc string) (msg []byte, appID string, err error) {
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, "", errors.New("wechatmptest: bad EncodingAESKey")
	}
	data, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(data) == 0 || len(data)%32 != 0 {
		return nil, "", errors.New("wechatmptest: bad ciphertext")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, "", err
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(plain, data)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > 32 || pad > len(plain)-20 {
		return nil, "", errors.New("wechatmptest: bad padding")
	}
	plain = plain[:len(plain)-pad]
	n := int(binary.BigEndian.Uint32(plain[16:20]))
	if 20+n > len(plain) {
		return nil, "", errors.New("wechatmptest: bad length")
	}
	return plain[20 : 20+n], string(plain[20+n:]), nil
}
