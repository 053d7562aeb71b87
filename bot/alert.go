package bot

// Alert is something a platform adapter tells the managers about its own
// state: a name two chats share, a chat the contact list lacks, a session
// lost or back. Adapters know no language, so an Alert says what happened
// and to what; cmd/bot words it in each manager's language.
type Alert struct {
	Kind AlertKind
	// Name is the chat or contact the alert is about, or the account's
	// name (AlertLoggedIn).
	Name string
	// Count is how many chats share Name (AlertNameShared).
	Count int
	// Reason is why a session ended (AlertLoggedOut), as the platform said it.
	Reason string
}

// AlertKind says what an Alert is about.
type AlertKind string

// The kinds of alerts.
const (
	// AlertNameShared: Count chats or friends are called Name, so the
	// adapter neither posts to nor reads from that name.
	AlertNameShared AlertKind = "name_shared"
	// AlertChatMissing: no group or friend is called Name in the contact
	// list; messages to it wait.
	AlertChatMissing AlertKind = "chat_missing"
	// AlertGroupUnsaved: the group Name is not saved to the contact list,
	// so the next login will not find it.
	AlertGroupUnsaved AlertKind = "group_unsaved"
	// AlertLoggedIn: the account Name is logged in again after a logout.
	AlertLoggedIn AlertKind = "logged_in"
	// AlertLoggedOut: the session ended for Reason; the adapter logs in again.
	AlertLoggedOut AlertKind = "logged_out"
)
