package wechatmp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// The SDK sends every request through util.DefaultHTTPClient, a package
// global, to hard-coded https://api.weixin.qq.com URLs, and most of its calls
// take no context (message.Manager.Send, Template.Send, Basic.GetQRTicket,
// Menu.SetMenu, Material.MediaUploadFromReader, User.GetUserInfo). Setting a
// base URL, a timeout or a proxy on that global would make them the same for
// every adapter in the process, and tests that each run their own fake server
// would race on it.
//
// So the global is set once, to a client whose transport (sdkTransport)
// dispatches each request to the adapter call it belongs to. Every SDK call
// the adapter makes is a *call record, found by the transport either
//
//   - in the request's context, for the SDK calls that take one (the token
//     endpoint, OAuth), or
//   - through a marker: for the calls that take no context, the adapter hands
//     the SDK an access token with "&linli_call=N" appended, which the SDK
//     puts verbatim after "access_token=" in its URL. The transport finds call
//     N, strips the marker (WeChat would ignore it anyway: it is a separate
//     query parameter) and sends the request with that call's context.
//
// A request belonging to no call fails without leaving the process.

// callParam is the query parameter that carries a call's number.
const callParam = "linli_call"

// maxBody caps an API answer held in memory (media are at most 10 MB).
const maxBody = 32 << 20

// call is one adapter call to the API: its context, the adapter's route, and
// what the last request of the call saw.
type call struct {
	ctx   context.Context
	route *route
	api   string // for errors: "message/custom/send"

	// Set by the transport in the goroutine that makes the SDK call (the
	// HTTP client runs RoundTrip in the caller's goroutine), read after the
	// SDK call returns.
	status  int
	body    []byte // the answer, if it was JSON (errcode), capped
	sendErr error  // the transport's error, if the request failed
}

type callKey struct{}

var (
	calls   sync.Map // uint64 → *call
	callSeq atomic.Uint64

	installOnce sync.Once
)

// installSDKClient points the SDK's global HTTP client at sdkTransport, once
// per process. Adapters are created before any SDK request is made, so the
// write happens before every read of the global.
func installSDKClient() {
	installOnce.Do(func() {
		util.DefaultHTTPClient = &http.Client{Transport: sdkTransport{}}
		util.SetURIModifier(nil)
	})
}

// newCall starts a call whose requests carry it in their context (SDK calls
// that take a context, and the adapter's own requests).
func (a *MP) newCall(ctx context.Context, api string) *call {
	return &call{ctx: ctx, route: a.route, api: api}
}

// begin registers a call made through an SDK function that takes no
// context; its requests find it by the marker. end unregisters it.
func (a *MP) begin(ctx context.Context, api string) (c *call, id uint64, end func()) {
	c = a.newCall(ctx, api)
	id = callSeq.Add(1)
	calls.Store(id, c)
	return c, id, func() { calls.Delete(id) }
}

// withCall returns ctx carrying c, for SDK calls that take a context and for
// the adapter's own requests.
func withCall(ctx context.Context, c *call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

// markToken is the access token to hand to an SDK call without a context.
func markToken(token string, id uint64) string {
	return token + "&" + callParam + "=" + strconv.FormatUint(id, 10)
}

// sdkTransport is the transport of util.DefaultHTTPClient.
type sdkTransport struct{}

func (sdkTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if c, ok := r.Context().Value(callKey{}).(*call); ok {
		return c.route.send(c, r)
	}
	c, query := findMarked(r)
	if c == nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, errors.New("wechatmp: an SDK request outside an adapter call")
	}
	// The SDK made this request without a context: it gets the call's.
	out := r.Clone(c.ctx)
	out.URL.RawQuery = query
	return c.route.send(c, out)
}

// findMarked finds the call whose marker r carries, and r's query without
// the marker.
func findMarked(r *http.Request) (*call, string) {
	q := r.URL.RawQuery
	i := strings.Index(q, "&"+callParam+"=")
	if i < 0 {
		return nil, q
	}
	rest := q[i+len(callParam)+2:]
	num, tail, _ := strings.Cut(rest, "&")
	id, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return nil, q
	}
	v, ok := calls.Load(id)
	if !ok {
		return nil, q
	}
	q = q[:i]
	if tail != "" {
		q += "&" + tail
	}
	return v.(*call), q
}

// route is one adapter's way to the API: its base URLs, timeout and transport.
type route struct {
	api, mp   *url.URL
	timeout   time.Duration
	transport http.RoundTripper
}

func newRoute(cfg Config) (*route, error) {
	apiURL := cfg.APIURL
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	mpURL := cfg.MPURL
	if mpURL == "" {
		mpURL = DefaultMPURL
		if cfg.APIURL != "" {
			mpURL = cfg.APIURL
		}
	}
	api, err := parseBase(apiURL)
	if err != nil {
		return nil, err
	}
	mp, err := parseBase(mpURL)
	if err != nil {
		return nil, err
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = http.ProxyFromEnvironment
	if cfg.Proxy != nil {
		t.Proxy = cfg.Proxy
	}
	return &route{api: api, mp: mp, timeout: cfg.RequestTimeout, transport: t}, nil
}

func parseBase(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("wechatmp: bad API URL %q: want http(s)://host[:port][/path]", s)
	}
	return u, nil
}

// send sends r, addressed to one of WeChat's hosts, to the route's server,
// within the timeout, and keeps what the answer said in c.
func (rt *route) send(c *call, r *http.Request) (*http.Response, error) {
	var base *url.URL
	switch r.URL.Host {
	case "api.weixin.qq.com":
		base = rt.api
	case "mp.weixin.qq.com":
		base = rt.mp
	default:
		if r.Body != nil {
			r.Body.Close()
		}
		c.sendErr = fmt.Errorf("wechatmp: unexpected API host %q", r.URL.Host)
		return nil, c.sendErr
	}
	ctx, cancel := context.WithTimeout(r.Context(), rt.timeout)
	defer cancel()
	out := r.WithContext(ctx)
	u := *r.URL
	u.Scheme, u.Host = base.Scheme, base.Host
	u.Path = base.Path + r.URL.Path
	if r.URL.RawPath != "" {
		u.RawPath = base.Path + r.URL.RawPath
	}
	out.URL = &u
	out.Host = ""
	resp, err := rt.transport.RoundTrip(out)
	if err != nil {
		c.sendErr = err
		return nil, err
	}
	defer resp.Body.Close()
	// Read the whole answer within the timeout, so the deadline can end
	// here; the SDK gets it from memory.
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err == nil && len(body) > maxBody {
		err = fmt.Errorf("answer larger than %d bytes", maxBody)
	}
	if err != nil {
		c.sendErr = err
		return nil, err
	}
	c.status = resp.StatusCode
	c.body = nil
	if isJSON(body) && len(body) <= 64<<10 {
		c.body = body
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

func isJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}

// result turns the outcome of an SDK call into the adapter's error: the
// errcode WeChat answered (*APIError), the network's error, or, when the SDK
// failed on its own, its message with every URL query removed (they carry the
// access token or the app secret).
func (c *call) result(err error) error {
	if err == nil {
		return nil
	}
	if c.sendErr != nil {
		return fmt.Errorf("wechatmp %s: %w", c.api, scrubbed{c.sendErr})
	}
	if apiErr := c.apiError(); apiErr != nil {
		return apiErr
	}
	if c.status != 0 && c.status != http.StatusOK {
		return &HTTPError{API: c.api, Status: c.status}
	}
	return fmt.Errorf("wechatmp %s: %s", c.api, redact(err.Error()))
}

// apiError is the errcode in the answer, if any.
func (c *call) apiError() *APIError {
	if c.body == nil {
		return nil
	}
	var e struct {
		Code int    `json:"errcode"`
		Msg  string `json:"errmsg"`
	}
	if json.Unmarshal(c.body, &e) != nil || e.Code == 0 {
		return nil
	}
	return &APIError{API: c.api, Code: e.Code, Msg: e.Msg}
}

// queryPattern matches the query of a URL in a message.
var queryPattern = regexp.MustCompile(`\?[^\s"']*`)

// redact removes URL queries from s.
func redact(s string) string {
	return queryPattern.ReplaceAllString(s, "?…")
}

// scrubbed is an error whose message has its URL queries removed; errors.Is
// and errors.As still see the original (a timeout stays a timeout).
type scrubbed struct{ err error }

func (s scrubbed) Error() string { return redact(s.err.Error()) }
func (s scrubbed) Unwrap() error { return s.err }
