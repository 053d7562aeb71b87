package schedules

import (
	"time"

	"github.com/linli/linli/store"
)

// communities caches the communities one job run looks at.
type communities struct {
	tx  *store.Tx
	def *time.Location
	m   map[int64]*store.Community
}

func (s *Scheduler) communities(tx *store.Tx) *communities {
	return &communities{tx: tx, def: s.cfg.Location, m: map[int64]*store.Community{}}
}

func (c *communities) get(id int64) (*store.Community, error) {
	if comm, ok := c.m[id]; ok {
		return comm, nil
	}
	comm, err := c.tx.CommunityByID(id)
	if err != nil {
		return nil, err
	}
	c.m[id] = comm
	return comm, nil
}

func (c *communities) loc(comm *store.Community) *time.Location {
	return comm.Location(c.def)
}

// managersOf lists who hears privately about a community: its managers and
// the company-wide ones, whose private chat the bot knows. No other
// community's manager hears of it.
func managersOf(tx *store.Tx, communityID int64) ([]*store.Person, error) {
	all, err := tx.ManagersOf(communityID)
	if err != nil {
		return nil, err
	}
	var out []*store.Person
	for _, m := range all {
		if m.PrivateChat != "" {
			out = append(out, m)
		}
	}
	return out, nil
}

// langOf is the language a person reads (store.Tx.LangOf), def when it
// cannot be read.
func (c *communities) langOf(p *store.Person, def string) string {
	if lang, err := c.tx.LangOf(p, def); err == nil {
		return lang
	}
	return def
}

// toResidentGroups posts text as it is in every resident group of a community.
func toResidentGroups(tx *store.Tx, communityID int64, text string) (int, error) {
	chats, err := tx.CommunityChats(communityID, store.RoleResidentChat)
	if err != nil {
		return 0, err
	}
	for _, c := range chats {
		if _, err := tx.Enqueue(store.Out{Platform: c.Platform, Chat: c.Key, Text: text}); err != nil {
			return 0, err
		}
	}
	return len(chats), nil
}
