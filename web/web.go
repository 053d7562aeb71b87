// Package web is Linli's web desk, served by the bot itself under /web/: the
// property office's ticket list and ticket pages for staff and managers, who
// sign in with a one-time link from /web, and each ticket's page for the
// resident who filed it (/web/t/TOKEN, the link on their ticket's card).
//
// Pages are html/template, embedded in the binary, and work without
// JavaScript: every action is a form that posts, is checked (the session,
// its CSRF token, the person's rights in the ticket's community) and
// redirects (POST-redirect-GET). Every change goes through package desk, so
// residents get exactly the messages a chat command would send them.
package web

import (
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/linli/linli/desk"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// Paths of the web desk.
const (
	Prefix       = "/web/"
	LoginPath    = "/web/login"
	TicketPath   = "/web/tickets/" // + id
	ResidentPath = "/web/t/"       // + page token
)

// Config configures the web desk.
type Config struct {
	DB   *store.DB
	Desk *desk.Desk
	// Lang is the language where no community says otherwise.
	Lang string
	// Location is the time zone of communities that set none.
	Location *time.Location
	// PublicURL is where the desk is reached (https://linli.example.com);
	// an https address makes the session cookie Secure.
	PublicURL string
	Log       *slog.Logger
}

//go:embed templates/*.html static/*
var files embed.FS

// Server is the web desk's HTTP handler.
type Server struct {
	cfg    Config
	pages  *template.Template
	mux    *http.ServeMux
	secure bool
}

// New returns the web desk's handler, to be mounted at Prefix.
func New(cfg Config) *Server {
	cfg.Lang = i18n.Normalize(cfg.Lang)
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), secure: strings.HasPrefix(cfg.PublicURL, "https://")}
	s.pages = template.Must(template.New("").Funcs(funcs).ParseFS(files, "templates/*.html"))
	static, _ := fs.Sub(files, "static")
	s.mux.Handle("GET /web/static/", http.StripPrefix("/web/static/", staticFiles(http.FileServerFS(static))))
	s.mux.HandleFunc("GET /web/login", s.loginPage)
	s.mux.HandleFunc("POST /web/login", s.login)
	s.mux.HandleFunc("POST /web/logout", s.staff(s.logout))
	s.mux.HandleFunc("GET /web/{$}", s.staff(s.list))
	s.mux.HandleFunc("GET /web/tickets/{id}", s.staff(s.ticket))
	s.mux.HandleFunc("POST /web/tickets/{id}", s.staff(s.act))
	s.mux.HandleFunc("GET /web/tickets/{id}/photos/{photo}", s.staff(s.staffPhoto))
	s.mux.HandleFunc("GET /web/t/{token}", s.resident)
	s.mux.HandleFunc("POST /web/t/{token}", s.residentAct)
	s.mux.HandleFunc("GET /web/t/{token}/photos/{photo}", s.residentPhoto)
	s.mux.HandleFunc("GET "+ReportPath, s.staff(s.report))
	s.mux.HandleFunc("GET "+ReportExportPath, s.staff(s.reportExport))
	s.mux.HandleFunc("GET /web/office", s.manager(s.office))
	s.mux.HandleFunc("GET /web/outbox", s.manager(s.outbox))
	s.mux.HandleFunc("POST /web/outbox/{id}/retry", s.manager(s.outboxRetry))
	return s
}

// PageURL is desk.Config.PageURL for a desk reached at base
// (https://linli.example.com): the link to a ticket's view page, or with
// reporter to its reporter's own page, its token made the first time it
// is asked for.
func PageURL(base string) func(tx *store.Tx, t *store.Ticket, reporter bool) (string, error) {
	return func(tx *store.Tx, t *store.Ticket, reporter bool) (string, error) {
		token, err := tx.TicketPageToken(t.ID, reporter)
		if store.ErrorCode(err) == store.ENOTFOUND {
			return "", nil // a read transaction, before the page exists: no link this time
		}
		if err != nil {
			return "", err
		}
		return base + ResidentPath + token, nil
	}
}

// PageURL is the link to a ticket's view page or its reporter's own page
// (see the function PageURL).
func (s *Server) PageURL(tx *store.Tx, t *store.Ticket, reporter bool) (string, error) {
	return PageURL(s.cfg.PublicURL)(tx, t, reporter)
}

func staticFiles(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// ServeHTTP serves the desk with the headers every page has: no caching
// (pages show residents' names and homes), no framing, no referrer to other sites (a
// resident page's address is its key), and a strict content policy.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin") // never "no-referrer": browsers then post with Origin "null"
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'")
	if r.Method == http.MethodPost && !s.sameOrigin(r) {
		s.fail(w, r, s.cfg.Lang, http.StatusForbidden, store.Errorf(store.EUNAUTHORIZED, "web_csrf"))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// sameOrigin refuses posts that a browser says come from another site
// (the CSRF token is the main defence; this is a second one).
func (s *Server) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return origin == "" // "null": a sandboxed or opaque origin
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if u.Host == r.Host {
		return true
	}
	if p, err := url.Parse(s.cfg.PublicURL); err == nil && s.cfg.PublicURL != "" {
		return u.Host == p.Host
	}
	return false
}

const (
	sessionCookie = "linli_session"
	flashCookie   = "linli_flash"
)

// me is a signed-in staff member's request.
type me struct {
	person  *store.Person
	session *store.WebSession
	lang    string
}

// staff wraps a handler for signed-in staff: the session cookie names a live
// session of someone who is still staff or manager somewhere; every POST
// carries the session's CSRF token.
func (s *Server) staff(h func(w http.ResponseWriter, r *http.Request, m *me)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			s.fail(w, r, s.cfg.Lang, http.StatusUnauthorized, store.Errorf(store.EUNAUTHORIZED, "web_session_bad"))
			return
		}
		var m me
		err = s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
			if m.session, err = tx.Session(c.Value); err != nil {
				return err
			}
			if m.person, err = tx.PersonByID(m.session.PersonID); err != nil {
				return err
			}
			if m.person.Memberships, err = tx.Memberships(m.person.ID); err != nil {
				return err
			}
			m.lang = s.langOf(tx, m.person)
			return nil
		})
		if err != nil {
			s.fail(w, r, s.cfg.Lang, http.StatusUnauthorized, err)
			return
		}
		if !m.person.Memberships.AnyStaff() {
			s.fail(w, r, m.lang, http.StatusForbidden, store.Errorf(store.EUNAUTHORIZED, "web_staff_only"))
			return
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil || !sameToken(r.PostFormValue("csrf"), m.session.CSRF) {
				s.fail(w, r, m.lang, http.StatusForbidden, store.Errorf(store.EUNAUTHORIZED, "web_csrf"))
				return
			}
		}
		if r.Context().Err() == nil && s.cfg.DB.Now().Sub(m.session.LastSeen) >= time.Minute {
			// Extend the session; a failure here costs nothing but the extension.
			if err := s.cfg.DB.Update(r.Context(), func(tx *store.Tx) error { return tx.TouchSession(m.session) }); err != nil {
				s.cfg.Log.Warn("web: extend session", "err", err)
			}
		}
		h(w, r, &m)
	}
}

func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// langOf is the language a person reads: their first community's.
func (s *Server) langOf(tx *store.Tx, p *store.Person) string {
	ids := p.Memberships.Communities()
	if p.LastCommunityID != 0 {
		ids = append([]int64{p.LastCommunityID}, ids...)
	}
	for _, id := range ids {
		if c, err := tx.CommunityByID(id); err == nil {
			return i18n.Normalize(c.Lang)
		}
	}
	return s.cfg.Lang
}

// loginPage is where the link of /web lands: a button that signs in.
// Opening the link spends nothing, so the link previews that chat apps fetch
// do not use it up; the button posts the token, which is then spent.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("t")
	s.render(w, http.StatusOK, "login.html", &page{Lang: s.cfg.Lang, Title: i18n.T(s.cfg.Lang, i18n.WebLoginTitle), Token: token})
}

// login spends a login link's token and starts a session: the cookie is
// HttpOnly, SameSite=Lax and, behind https, Secure; the browser goes on to
// the desk with no token in its address.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var token string
	err := s.cfg.DB.Update(r.Context(), func(tx *store.Tx) error {
		_ = tx.PruneWeb()
		person, err := tx.UseLogin(r.PostFormValue("t"))
		if err != nil {
			return err
		}
		token, _, err = tx.NewSession(person)
		return err
	})
	if err != nil {
		s.fail(w, r, s.cfg.Lang, http.StatusUnauthorized, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: Prefix, HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(store.SessionMaxAge / time.Second)})
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, m *me) {
	if err := s.cfg.DB.Update(r.Context(), func(tx *store.Tx) error { return tx.EndSession(m.session.ID) }); err != nil {
		s.fail(w, r, m.lang, http.StatusInternalServerError, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: Prefix, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	s.render(w, http.StatusOK, "message.html", &page{Lang: m.lang, Title: i18n.T(m.lang, i18n.WebTitle), Message: i18n.T(m.lang, i18n.WebSignedOut)})
}

// setFlash keeps what an action answered for the page the browser is sent to.
func (s *Server) setFlash(w http.ResponseWriter, text string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(text), Path: Prefix, HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

// flash reads and clears the answer of the last action.
func (s *Server) flash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: Prefix, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	text, _ := url.QueryUnescape(c.Value)
	return text
}

// errorText is the web's one place that turns an error into what the user
// reads, as commands does in chat: a store.Error's message from the
// catalogue, anything else "internal error" (and the log).
func (s *Server) errorText(lang string, err error) string {
	var ue *store.Error
	if !errors.As(err, &ue) {
		s.cfg.Log.Error("web", "err", err)
		return i18n.T(lang, i18n.ErrInternal)
	}
	if ue.Key == "bad_transition" && len(ue.Args) == 3 {
		action, _ := ue.Args[1].(string)
		status, _ := ue.Args[2].(string)
		why := i18n.T(lang, i18n.Why(status))
		if action == string(store.ActRate) && status != store.StatusCancelled {
			return i18n.T(lang, i18n.ErrRateNotYet, ue.Args[0], why)
		}
		return i18n.T(lang, i18n.ErrBadTransition, ue.Args[0], i18n.T(lang, i18n.Refused(action)), why)
	}
	if k, ok := i18n.Err(ue.Key); ok {
		return i18n.T(lang, k, ue.Args...)
	}
	s.cfg.Log.Error("web: error without a message", "err", err)
	return i18n.T(lang, i18n.ErrInternal)
}

// status is the HTTP status of an error.
func status(err error) int {
	switch store.ErrorCode(err) {
	case store.ENOTFOUND:
		return http.StatusNotFound
	case store.EUNAUTHORIZED:
		return http.StatusForbidden
	case store.EINVALID:
		return http.StatusUnprocessableEntity
	case store.ECONFLICT:
		return http.StatusConflict
	case "":
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// fail shows an error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, lang string, code int, err error) {
	if code == 0 {
		code = status(err)
	}
	p := &page{Lang: lang, Title: i18n.T(lang, i18n.WebTitle), Error: s.errorText(lang, err)}
	if code == http.StatusUnauthorized {
		p.Title = i18n.T(lang, i18n.WebLoginTitle)
	}
	s.render(w, code, "message.html", p)
}

func (s *Server) render(w http.ResponseWriter, code int, name string, p *page) {
	p.K = keys
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	if err := s.pages.ExecuteTemplate(w, name, p); err != nil {
		s.cfg.Log.Debug("web: write page", "page", name, "err", err)
	}
}
