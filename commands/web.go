package commands

import (
	"strings"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// WebLoginPath is the web desk's sign-in page (package web): the link /web
// sends is WebURL + WebLoginPath + "?t=" + token.
const WebLoginPath = "/web/login"

// web answers staff and managers, privately, a one-time link that signs them
// in to the web desk; "/web logout" ends every session they have. The link is
// a key to the desk: it is never sent in a group, nor to residents.
func (r *req) web() error {
	if r.chat.Kind == bot.Group {
		return store.Errorf(store.EINVALID, "web_private")
	}
	switch arg := strings.ToLower(strings.TrimSpace(r.p.Args)); arg {
	case "logout", "退出", "登出":
		n, err := r.tx.EndSessions(r.me.ID)
		if err != nil {
			return err
		}
		return r.reply(r.t(i18n.WebLoggedOut, n))
	case "":
	default:
		return usage(i18n.UsageWeb)
	}
	if r.s.cfg.WebURL == "" {
		return store.Errorf(store.EINVALID, "web_off")
	}
	token, err := r.tx.NewLogin(r.me.ID)
	if err != nil {
		return err
	}
	link := r.s.cfg.WebURL + WebLoginPath + "?t=" + token
	return r.reply(r.t(i18n.WebLink, link, int(store.LoginTTL.Minutes())))
}
