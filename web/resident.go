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

type residentView struct {
	*ticketView
	CanFollowUp bool
	CanRate     bool
	Foot        string
}

// residentCSRF is the resident page's form token. The page's address is
// its key already; a token derived from it keeps the forms alike.
func residentCSRF(token string) string {
	h := sha256.Sum256([]byte("linli web csrf " + token))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// residentTicket reads the ticket of a page token and its reporter, who is
// the one acting on it (the link came to them on their card).
func (s *Server) residentTicket(tx *store.Tx, token string) (*store.Ticket, *store.Person, string, error) {
	t, err := tx.TicketByPageToken(token)
	if err != nil {
		return nil, nil, s.cfg.Lang, err
	}
	lang := s.cfg.Lang
	if c, err := tx.CommunityByID(t.CommunityID); err == nil {
		lang = i18n.Normalize(c.Lang)
	}
	p, err := tx.PersonByID(t.ReporterID)
	if err != nil {
		return nil, nil, lang, err
	}
	if p.Memberships, err = tx.Memberships(p.ID); err != nil {
		return nil, nil, lang, err
	}
	return t, p, lang, nil
}

// resident is a ticket's page for its reporter: status and history, without
// the staff's names and notes; follow-up and rating forms.
func (s *Server) resident(w http.ResponseWriter, r *http.Request) {
	s.showResident(w, r, http.StatusOK, s.flash(w, r), "")
}

func (s *Server) showResident(w http.ResponseWriter, r *http.Request, code int, flash, failure string) {
	token := r.PathValue("token")
	var v *residentView
	lang := s.cfg.Lang
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		t, _, l, err := s.residentTicket(tx, token)
		lang = l
		if err != nil {
			return err
		}
		tv, err := s.ticketView(tx, t, lang, false, ResidentPath+token)
		if err != nil {
			return err
		}
		v = &residentView{ticketView: tv, Foot: i18n.T(lang, i18n.WebResidentFoot),
			CanFollowUp: t.Active() || t.Status == store.StatusResolved,
			CanRate:     t.Rating == 0 && (t.Status == store.StatusResolved || t.Status == store.StatusClosed)}
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
		t, reporter, l, err := s.residentTicket(tx, token)
		lang = l
		if err != nil {
			return err
		}
		a := desk.Actor{Person: reporter, Where: desk.OnWeb}
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

// residentPhoto serves a photo of the page's ticket.
func (s *Server) residentPhoto(w http.ResponseWriter, r *http.Request) {
	var path string
	lang := s.cfg.Lang
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		t, _, l, err := s.residentTicket(tx, r.PathValue("token"))
		lang = l
		if err != nil {
			return err
		}
		path, err = photoPath(tx, t, r.PathValue("photo"))
		return err
	})
	if err != nil {
		s.fail(w, r, lang, 0, err)
		return
	}
	servePhoto(w, r, path)
}
