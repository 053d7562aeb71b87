package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// chatState is everything the server knows about one chat.
type chatState struct {
	chat       models.Chat
	nextMsgID  int
	msgs       map[int]*models.Message
	bot        models.ChatMemberType // the bot's standing in a group chat
	blocked    bool                  // private: the user blocked the bot
	notStarted bool                  // private: the user never started the bot
	migratedTo int64
	pinned     []int
	topics     map[int]bool
	members    map[int64]models.ChatMemberType
}

func (st *chatState) allocID() int {
	st.nextMsgID++
	return st.nextMsgID
}

// chatTypeOf guesses a chat's type from its id the way Telegram numbers
// them: users are positive, supergroups and channels are -100…, basic groups
// are other negatives.
func chatTypeOf(id int64) models.ChatType {
	switch {
	case id > 0:
		return models.ChatTypePrivate
	case id <= -1000000000000:
		return models.ChatTypeSupergroup
	default:
		return models.ChatTypeGroup
	}
}

// ensureChatLocked returns the state of c.ID, registering the chat (with
// the bot as a member) if it is new and filling in non-zero fields of c.
func (s *Server) ensureChatLocked(c models.Chat) *chatState {
	if c.ID == 0 {
		panic("telegramtest: chat id must not be 0")
	}
	st := s.chats[c.ID]
	if st == nil {
		if c.Type == "" {
			c.Type = chatTypeOf(c.ID)
		}
		st = &chatState{
			chat:    c,
			msgs:    map[int]*models.Message{},
			bot:     models.ChatMemberTypeMember,
			topics:  map[int]bool{},
			members: map[int64]models.ChatMemberType{},
		}
		s.chats[c.ID] = st
		return st
	}
	cur := &st.chat
	if c.Type != "" {
		cur.Type = c.Type
	}
	if c.Title != "" {
		cur.Title = c.Title
	}
	if c.Username != "" {
		cur.Username = c.Username
	}
	if c.FirstName != "" {
		cur.FirstName = c.FirstName
	}
	if c.LastName != "" {
		cur.LastName = c.LastName
	}
	if c.IsForum {
		cur.IsForum = true
	}
	return st
}

func (s *Server) chatLocked(id int64) *chatState {
	st := s.chats[id]
	if st == nil {
		st = s.ensureChatLocked(models.Chat{ID: id})
	}
	return st
}

// AddChat registers a chat the bot is a member of and returns it as stored.
// A missing Type is inferred from the id (positive: private, -100…:
// supergroup, other negative: group). Adding a known chat updates its
// non-zero fields. A private chat added this way has started the bot.
func (s *Server) AddChat(c models.Chat) models.Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.ensureChatLocked(c)
	s.bumpLocked()
	return st.chat
}

// ContinueMessageIDs numbers chat's next messages after last, as Telegram
// does in a chat with history the server does not hold (a bot run on a
// database with years of the chat's messages): a message id is never given
// twice in a chat. The chat is registered if it is new.
func (s *Server) ContinueMessageIDs(c models.Chat, last int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.ensureChatLocked(c)
	if st.nextMsgID < last {
		st.nextMsgID = last
	}
}

// AddPrivateChat registers the private chat of user u, who has started the
// bot, and returns it.
func (s *Server) AddPrivateChat(u models.User) models.Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
	st := s.ensureChatLocked(privateChat(u))
	st.blocked, st.notStarted = false, false
	s.bumpLocked()
	return st.chat
}

func privateChat(u models.User) models.Chat {
	return models.Chat{ID: u.ID, Type: models.ChatTypePrivate, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
}

// Chat returns the registered chat with id.
func (s *Server) Chat(id int64) (models.Chat, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.chats[id]
	if st == nil {
		return models.Chat{}, false
	}
	return st.chat, true
}

// Kick marks the bot as removed from chatID: sends answer 403 "Forbidden:
// bot was kicked from the group chat" (or supergroup/channel). For a
// private chat it is the same as BlockPrivate. No update is queued; use
// MyChatMember to also tell the bot.
func (s *Server) Kick(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.chatLocked(chatID)
	if st.chat.Type == models.ChatTypePrivate {
		st.blocked = true
	} else {
		st.bot = models.ChatMemberTypeBanned
	}
	s.bumpLocked()
}

// BlockPrivate marks userID as having blocked the bot: sends to the private
// chat answer 403 "Forbidden: bot was blocked by the user".
func (s *Server) BlockPrivate(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatLocked(userID).blocked = true
	s.bumpLocked()
}

// NeverStarted marks userID as never having started the bot: sends to the
// private chat answer 403 "Forbidden: bot can't initiate conversation with
// a user". A message from the user (SendText etc.) clears it.
func (s *Server) NeverStarted(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatLocked(userID).notStarted = true
	s.bumpLocked()
}

// Unblock undoes Kick, BlockPrivate and NeverStarted for chatID.
func (s *Server) Unblock(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.chatLocked(chatID)
	st.blocked, st.notStarted = false, false
	if st.bot == models.ChatMemberTypeBanned || st.bot == models.ChatMemberTypeLeft {
		st.bot = models.ChatMemberTypeMember
	}
	s.bumpLocked()
}

// SetMember sets user's status in chatID, as getChatMember reports it. For
// the bot's own id it sets the bot's standing: administrator lifts privacy
// mode in that chat, left and kicked make sends fail with 403.
func (s *Server) SetMember(chatID int64, user models.User, status models.ChatMemberType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.chatLocked(chatID)
	if user.ID == s.bot.ID {
		st.bot = status
	} else {
		s.users[user.ID] = user
		st.members[user.ID] = status
	}
	s.bumpLocked()
}

// CreateTopic registers a forum topic in chatID (marking the chat as a
// forum) and returns its message_thread_id, the id of the topic's
// forum_topic_created service message. No update is queued.
func (s *Server) CreateTopic(chatID int64, name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.chatLocked(chatID)
	id := s.createTopicLocked(st, 0, name, s.now())
	s.bumpLocked()
	return id
}

func (s *Server) createTopicLocked(st *chatState, id int, name string, now time.Time) int {
	st.chat.IsForum = true
	st.chat.Type = models.ChatTypeSupergroup // only supergroups have topics
	// An existing message can become a topic root.
	if st.msgs[id] != nil {
		st.topics[id] = true
		return id
	}
	if id == 0 {
		id = st.allocID()
	} else if st.nextMsgID < id {
		st.nextMsgID = id
	}
	if name == "" {
		name = "Topic " + strconv.Itoa(id)
	}
	st.topics[id] = true
	st.msgs[id] = &models.Message{
		ID:                id,
		MessageThreadID:   id,
		From:              &models.User{ID: serviceUserID, FirstName: "Group Admin"},
		Date:              int(now.Unix()),
		Chat:              st.chat,
		IsTopicMessage:    true,
		ForumTopicCreated: &models.ForumTopicCreated{Name: name, IconColor: 7322096},
	}
	return id
}

// serviceUserID is the sender of service messages the tests did not
// attribute to anyone (topic creation, group migration).
const serviceUserID int64 = 777000

// Migrate upgrades the group oldID to the supergroup newID, as Telegram
// does when a group gets a feature only supergroups have. Afterwards sends
// to oldID answer 400 "Bad Request: group chat was upgraded to a supergroup
// chat" with parameters.migrate_to_chat_id = newID. Both service messages
// are queued as updates: migrate_to_chat_id in the old chat and
// migrate_from_chat_id in the new one.
func (s *Server) Migrate(oldID, newID int64) (migrateTo, migrateFrom models.Update) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if newID >= 0 || oldID == newID {
		panic(fmt.Sprintf("telegramtest: cannot migrate chat %d to %d", oldID, newID))
	}
	now := s.now()
	old := s.chatLocked(oldID)
	nc := models.Chat{ID: newID, Type: models.ChatTypeSupergroup, Title: old.chat.Title}
	st := s.ensureChatLocked(nc)
	st.bot = old.bot
	for id, status := range old.members {
		st.members[id] = status
	}
	old.migratedTo = newID
	from := &models.User{ID: serviceUserID, FirstName: "Group Admin"}
	m1 := &models.Message{ID: old.allocID(), From: from, Date: int(now.Unix()), Chat: old.chat, MigrateToChatID: newID}
	m2 := &models.Message{ID: st.allocID(), From: from, Date: int(now.Unix()), Chat: st.chat, MigrateFromChatID: oldID}
	old.msgs[m1.ID] = m1
	st.msgs[m2.ID] = m2
	migrateTo = s.pushLocked(models.Update{Message: cloneMessage(m1)})
	migrateFrom = s.pushLocked(models.Update{Message: cloneMessage(m2)})
	return migrateTo, migrateFrom
}

// Pinned returns the ids of the messages pinned in chatID, oldest first.
func (s *Server) Pinned(chatID int64) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.chats[chatID]; st != nil {
		return append([]int(nil), st.pinned...)
	}
	return nil
}

// Message returns a copy of message messageID in chatID as the server
// stores it, whether the bot or a user sent it.
func (s *Server) Message(chatID int64, messageID int) (models.Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.chats[chatID]
	if st == nil || st.msgs[messageID] == nil {
		return models.Message{}, false
	}
	return *cloneMessage(st.msgs[messageID]), true
}

// resolveChatLocked finds the chat named by the chat_id parameter (an id or
// "@username").
func (s *Server) resolveChatLocked(q *request) (*chatState, *apiError) {
	raw := strings.TrimSpace(q.str("chat_id"))
	if raw == "" {
		return nil, badRequest("chat_id is empty")
	}
	if name, ok := strings.CutPrefix(raw, "@"); ok {
		for _, st := range s.chats {
			if strings.EqualFold(st.chat.Username, name) {
				return st, nil
			}
		}
		return nil, badRequest("chat not found")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || s.chats[id] == nil {
		return nil, badRequest("chat not found")
	}
	return s.chats[id], nil
}

// writableLocked reports why the bot may not act in st, Telegram-style.
func (s *Server) writableLocked(st *chatState) *apiError {
	if st.migratedTo != 0 {
		return &apiError{code: 400, desc: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: st.migratedTo}
	}
	if st.chat.Type == models.ChatTypePrivate {
		switch {
		case st.blocked:
			return forbidden("bot was blocked by the user")
		case st.notStarted:
			return forbidden("bot can't initiate conversation with a user")
		}
		return nil
	}
	switch st.bot {
	case models.ChatMemberTypeBanned:
		return forbidden("bot was kicked from the %s chat", st.chat.Type)
	case models.ChatMemberTypeLeft:
		return forbidden("bot is not a member of the %s chat", st.chat.Type)
	}
	return nil
}

// chatForSendLocked resolves chat_id and checks the bot may write there.
func (s *Server) chatForSendLocked(q *request) (*chatState, *apiError) {
	st, e := s.resolveChatLocked(q)
	if e != nil {
		return nil, e
	}
	if e := s.writableLocked(st); e != nil {
		return nil, e
	}
	return st, nil
}

// memberValue builds the getChatMember result for user with status.
func memberValue(status models.ChatMemberType, u models.User) any {
	switch status {
	case models.ChatMemberTypeOwner:
		return models.ChatMemberOwner{Status: status, User: &u}
	case models.ChatMemberTypeAdministrator:
		return models.ChatMemberAdministrator{
			Status: status, User: u, CanManageChat: true, CanDeleteMessages: true,
			CanRestrictMembers: true, CanInviteUsers: true, CanPinMessages: true, CanManageTopics: true,
		}
	case models.ChatMemberTypeRestricted:
		return models.ChatMemberRestricted{Status: status, User: &u, IsMember: true}
	case models.ChatMemberTypeLeft:
		return models.ChatMemberLeft{Status: status, User: &u}
	case models.ChatMemberTypeBanned:
		return models.ChatMemberBanned{Status: status, User: &u}
	}
	return models.ChatMemberMember{Status: models.ChatMemberTypeMember, User: &u}
}

// chatMember builds a models.ChatMember (for ChatMemberUpdated) for user.
func chatMember(status models.ChatMemberType, u models.User) models.ChatMember {
	m := models.ChatMember{Type: status}
	switch v := memberValue(status, u).(type) {
	case models.ChatMemberOwner:
		m.Owner = &v
	case models.ChatMemberAdministrator:
		m.Administrator = &v
	case models.ChatMemberRestricted:
		m.Restricted = &v
	case models.ChatMemberLeft:
		m.Left = &v
	case models.ChatMemberBanned:
		m.Banned = &v
	case models.ChatMemberMember:
		m.Type, m.Member = models.ChatMemberTypeMember, &v
	}
	return m
}
