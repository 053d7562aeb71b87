package web

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/desk"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// MaxPhoto is the largest photo a resident may upload with a follow-up.
const MaxPhoto = 10 << 20

// residentView is a ticket's page for residents: the reporter's own page
// (Reporter), or the read-only view page whose link groups read.
type residentView struct {
	*ticketView
	Reporter    bool
	CanFollowUp bool
	CanRate     bool
	// Waiting are the messages held for the reporter, outside their
	// service account window, that will be delivered when they next write.
	Waiting []waitingView
	// ViewOnly says, on the view page, that only the reporter adds to the
	// ticket, from their own link, and how they get it.
	ViewOnly string
	Foot     string
}

// waitingView is one held message.
type waitingView struct {
	At, Text string
}

// residentCSRF is the resident page's form token. The page's address is
// its key already; a token derived from it keeps the forms alike.
func residentCSRF(token string) string {
	h := sha256.Sum256([]byte("linli web csrf " + token))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// residentPage is what a page token opens.
type residentPage struct {
	t *store.Ticket
	// reporter is the ticket's reporter: on their own page, the one acting
	// on it (the link came to them privately).
	reporter *store.Person
	// own reports that the token is the reporter's own page's; otherwise
	// it is the view page's, read-only.
	own  bool
	lang string
}

// residentTicket reads the ticket of a page token and its reporter. Its
// lang is set even with an error.
func (s *Server) residentTicket(tx *store.Tx, token string) (residentPage, error) {
	rp := residentPage{lang: s.cfg.Lang}
	t, own, err := tx.TicketByPageToken(token)
	if err != nil {
		return rp, err
	}
	if c, err := tx.CommunityByID(t.CommunityID); err == nil {
		rp.lang = i18n.Normalize(c.Lang)
	}
	p, err := tx.PersonByID(t.ReporterID)
	if err != nil {
		return rp, err
	}
	if p.Memberships, err = tx.Memberships(p.ID); err != nil {
		return rp, err
	}
	rp.t, rp.reporter, rp.own = t, p, own
	return rp, nil
}

// resident is a ticket's page for residents: status and history, without
// the staff's names and notes. On the reporter's own page, follow-up and
// rating forms and the messages waiting for them; the view page only reads.
func (s *Server) resident(w http.ResponseWriter, r *http.Request) {
	s.showResident(w, r, http.StatusOK, s.flash(w, r), "")
}

func (s *Server) showResident(w http.ResponseWriter, r *http.Request, code int, flash, failure string) {
	token := r.PathValue("token")
	var v *residentView
	lang := s.cfg.Lang
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		rp, err := s.residentTicket(tx, token)
		lang = rp.lang
		if err != nil {
			return err
		}
		t := rp.t
		if !rp.own {
			tv, err := s.ticketView(tx, t, lang, forAnyone, ResidentPath+token)
			v = &residentView{ticketView: tv, ViewOnly: i18n.T(lang, i18n.WebViewOnly, t.ID)}
			return err
		}
		tv, err := s.ticketView(tx, t, lang, forReporter, ResidentPath+token)
		if err != nil {
			return err
		}
		v = &residentView{ticketView: tv, Reporter: true, Foot: i18n.T(lang, i18n.WebResidentFoot),
			CanFollowUp: t.Active() || t.Status == store.StatusResolved,
			CanRate:     t.Rating == 0 && (t.Status == store.StatusResolved || t.Status == store.StatusClosed)}
		held, err := tx.HeldFor(t.ID, rp.reporter)
		if err != nil {
			return err
		}
		c, err := tx.CommunityByID(t.CommunityID)
		if err != nil {
			return err
		}
		for _, h := range held {
			v.Waiting = append(v.Waiting, waitingView{At: s.when(c, h.CreatedAt, lang), Text: h.Text})
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, lang, 0, err)
		return
	}
	p := &page{Lang: lang, Title: i18n.T(lang, i18n.WebTicketTitle, v.ID, v.Kind), CSRF: residentCSRF(token), Flash: flash, Error: failure, Resident: v, Ticket: v.ticketView}
	s.render(w, code, "resident.html", p)
}

// residentAct is the reporter's follow-up (text, a photo) or rating,
// through the desk as if they had written it in chat.
func (s *Server) residentAct(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	// The view page only reads: whoever posts to it is told where the
	// reporter adds to the ticket, before their form is read.
	var view *residentPage
	if err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		rp, err := s.residentTicket(tx, token)
		if err == nil && !rp.own {
			view = &rp
		}
		return err
	}); err != nil {
		s.fail(w, r, s.cfg.Lang, 0, err)
		return
	}
	if view != nil {
		s.render(w, http.StatusForbidden, "message.html", &page{Lang: view.lang, Title: i18n.T(view.lang, i18n.WebViewTitle),
			Message: i18n.T(view.lang, i18n.WebViewRefused, view.t.ID)})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxPhoto+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		s.showResident(w, r, http.StatusRequestEntityTooLarge, "", i18n.T(s.cfg.Lang, i18n.ErrInternal))
		return
	}
	if !sameToken(r.PostFormValue("csrf"), residentCSRF(token)) {
		s.fail(w, r, s.cfg.Lang, http.StatusForbidden, store.Errorf(store.EUNAUTHORIZED, "web_csrf"))
		return
	}
	var photo []bot.Attachment
	if f, h, err := r.FormFile("photo"); err == nil {
		data, err := io.ReadAll(io.LimitReader(f, MaxPhoto+1))
		f.Close()
		if err != nil || len(data) > MaxPhoto {
			s.showResident(w, r, http.StatusRequestEntityTooLarge, "", i18n.T(s.cfg.Lang, i18n.ErrInternal))
			return
		}
		mime := http.DetectContentType(data)
		if len(data) > 0 && strings.HasPrefix(mime, "image/") {
			photo = append(photo, bot.Attachment{Kind: "photo", Data: data, MIMEType: mime, Name: h.Filename})
		}
	}
	var answer, lang string
	err := s.cfg.DB.Update(r.Context(), func(tx *store.Tx) error {
		rp, err := s.residentTicket(tx, token)
		lang = rp.lang
		if err != nil {
			return err
		}
		if !rp.own {
			return store.Errorf(store.EUNAUTHORIZED, "not_reporter")
		}
		t := rp.t
		a := desk.Actor{Person: rp.reporter, Where: desk.OnWeb}
		var out desk.Outcome
		switch r.PostFormValue("action") {
		case "rate":
			n, _ := strconv.Atoi(r.PostFormValue("rating"))
			out, err = s.cfg.Desk.Act(tx, a, t.ID, desk.Change{Action: store.ActRate, Rating: n, Note: strings.TrimSpace(r.PostFormValue("note"))})
		default:
			note := strings.TrimSpace(r.PostFormValue("note"))
			if note == "" && len(photo) > 0 {
				out, err = s.cfg.Desk.AddPhotos(tx, a, t.ID, photo)
			} else {
				out, err = s.cfg.Desk.Act(tx, a, t.ID, desk.Change{Action: store.ActComment, Note: note, Attachments: photo})
			}
		}
		if err != nil {
			return err
		}
		answer = out.Answer(lang)
		return nil
	})
	if err != nil {
		s.showResident(w, r, status(err), "", s.errorText(lang, err))
		return
	}
	if answer == "" {
		answer = i18n.T(lang, i18n.WebDone)
	}
	s.setFlash(w, answer)
	http.Redirect(w, r, ResidentPath+token, http.StatusSeeOther)
}

// residentPhoto serves a photo of the page's ticket, on the reporter's own
// page only: the view page, whose link groups read, shows none.
func (s *Server) residentPhoto(w http.ResponseWriter, r *http.Request) {
	var path string
	lang := s.cfg.Lang
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		rp, err := s.residentTicket(tx, r.PathValue("token"))
		lang = rp.lang
		if err != nil {
			return err
		}
		if !rp.own {
			return store.Errorf(store.ENOTFOUND, "no_ticket_page")
		}
		path, err = photoPath(tx, rp.t, r.PathValue("photo"))
		return err
	})
	if err != nil {
		s.fail(w, r, lang, 0, err)
		return
	}
	servePhoto(w, r, path)
}
