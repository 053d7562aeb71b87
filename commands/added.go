package commands

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/linli/linli/bot"
	"github.com/linli/linli/i18n"
	"github.com/linli/linli/store"
)

// The notice that the bot was added to a group nobody bound is a digest:
// anyone may add the bot to any number of groups, and a stranger who adds it
// to 20 must not send the managers 20 messages. The first addition queues
// the notice to each manager AddedFold later (store.Out.NotBefore, which
// holds back nothing else of the managers' chats); every group added before
// it goes out joins it (store.Tx.RewritePending). A notice sent less than
// AddedSpacing ago makes the next one wait until AddedSpacing after it, so a
// slow stranger costs the managers at most one message an hour.
const (
	AddedFold    = time.Minute
	AddedSpacing = time.Hour
	// addedListed caps the groups a notice names; the rest are counted.
	addedListed = 20
)

// addedSetting holds the digest being gathered (addedDigest, as JSON).
const addedSetting = "notice.added_digest"

// addedDigest is the notice being gathered, kept in the settings table so
// that it survives a restart.
type addedDigest struct {
	Due    int64        `json:"due"` // unix seconds: when it goes out
	Groups []addedGroup `json:"groups"`
	Rows   []addedRow   `json:"rows"` // the outbox row queued to each manager
}

type addedGroup struct {
	Title string     `json:"title"`
	Key   bot.ChatID `json:"key"`
}

type addedRow struct {
	ID   int64  `json:"id"`
	Lang string `json:"lang"`
}

// addedToGroup tells the company-wide managers, in a digest, that the bot
// was added to chat, a group nobody bound.
func (s *Service) addedToGroup(tx *store.Tx, chat *store.Chat) error {
	var d addedDigest
	if v, err := tx.Setting(addedSetting); err != nil {
		return err
	} else if v != "" {
		if err := json.Unmarshal([]byte(v), &d); err != nil {
			d = addedDigest{} // unreadable: start a new one
		}
	}
	g := addedGroup{Title: chat.Title, Key: chat.Key}
	if len(d.Rows) > 0 && d.Due > tx.Now().Unix() {
		// A notice is waiting: the group joins it, if every manager's copy
		// is still to go.
		for _, old := range d.Groups {
			if old.Key == g.Key {
				return nil // listed already (added, removed and added again)
			}
		}
		groups := append(d.Groups, g)
		joined := true
		for _, r := range d.Rows {
			ok, err := tx.RewritePending(r.ID, addedText(r.Lang, groups))
			if err != nil {
				return err
			}
			joined = joined && ok
		}
		if joined {
			d.Groups = groups
			return saveAdded(tx, d)
		}
	}
	// A new notice, no sooner than AddedSpacing after the last one.
	due := tx.Now().Add(AddedFold)
	if last := time.Unix(d.Due, 0); d.Due != 0 && last.Add(AddedSpacing).After(due) {
		due = last.Add(AddedSpacing)
	}
	next := addedDigest{Due: due.Unix(), Groups: []addedGroup{g}}
	// The group belongs to no community yet: it is the company-wide
	// managers' to hear of (NotifyCommunityManagers for community 0).
	ms, err := tx.ManagersOf(0)
	if err != nil {
		return err
	}
	lang := s.cfg.Lang
	for _, m := range ms {
		if m.PrivateChat == "" {
			continue
		}
		id, err := tx.Enqueue(store.Out{Platform: m.Platform, Chat: m.PrivateChat, Text: addedText(lang, next.Groups), NotBefore: due})
		if err != nil {
			return err
		}
		next.Rows = append(next.Rows, addedRow{ID: id, Lang: lang})
	}
	return saveAdded(tx, next)
}

func saveAdded(tx *store.Tx, d addedDigest) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("added digest: %w", err)
	}
	return tx.SetSetting(addedSetting, string(b))
}

// addedText is the notice for groups, in lang.
func addedText(lang string, groups []addedGroup) string {
	if len(groups) == 1 {
		return i18n.T(lang, i18n.AddedToGroup, groups[0].Title, groups[0].Key)
	}
	var ls []string
	for i, g := range groups {
		if i == addedListed {
			ls = append(ls, i18n.T(lang, i18n.AddedMore, len(groups)-i))
			break
		}
		ls = append(ls, i18n.T(lang, i18n.AddedGroup, g.Title, g.Key))
	}
	return i18n.T(lang, i18n.AddedToGroups, len(groups), strings.Join(ls, "\n"))
}
