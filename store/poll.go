package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli/linli/bot"
)

// Poll limits. Telegram takes questions of up to 300 characters and options of
// up to 100; these stay well within, counting every character twice.
const (
	PollLifetime      = 7 * 24 * time.Hour
	MinPollOptions    = 2
	MaxPollOptions    = 10
	MaxPollQuestion   = 140
	MaxPollOptionText = 40
)

// Poll is a question with numbered options put to a community's resident groups.
type Poll struct {
	ID          int64
	CommunityID int64
	Question    string
	Options     []string
	CreatedBy   int64
	CreatedAt   time.Time
	ClosesAt    time.Time
	ClosedAt    time.Time
}

// Open reports whether the poll takes votes at now.
func (p *Poll) Open(now time.Time) bool { return p.ClosedAt.IsZero() && now.Before(p.ClosesAt) }

// CheckPoll checks a poll's question and options.
func CheckPoll(question string, options []string) error {
	if strings.TrimSpace(question) == "" || !utf8.ValidString(question) || utf8.RuneCountInString(question) > MaxPollQuestion {
		return Errorf(EINVALID, "bad_poll_question", MaxPollQuestion)
	}
	if len(options) < MinPollOptions || len(options) > MaxPollOptions {
		return Errorf(EINVALID, "bad_poll_options", MinPollOptions, MaxPollOptions)
	}
	seen := map[string]bool{}
	for _, o := range options {
		if strings.TrimSpace(o) == "" || !utf8.ValidString(o) || utf8.RuneCountInString(o) > MaxPollOptionText {
			return Errorf(EINVALID, "bad_poll_option", MaxPollOptionText)
		}
		k := strings.ToLower(strings.TrimSpace(o))
		if seen[k] {
			return Errorf(EINVALID, "poll_option_twice", o)
		}
		seen[k] = true
	}
	return nil
}

const pollCols = `id, community_id, question, options, created_by, created_at, closes_at, closed_at`

func scanPoll(row interface{ Scan(...any) error }) (*Poll, error) {
	var p Poll
	var opts string
	var by, closed sql.NullInt64
	var created, closes int64
	if err := row.Scan(&p.ID, &p.CommunityID, &p.Question, &opts, &by, &created, &closes, &closed); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(opts), &p.Options); err != nil {
		return nil, fmt.Errorf("poll %d options: %w", p.ID, err)
	}
	p.CreatedBy = by.Int64
	p.CreatedAt, p.ClosesAt, p.ClosedAt = fromUnix(created), fromUnix(closes), nullTime(closed)
	return &p, nil
}

// AddPoll records a poll, open for PollLifetime from now.
func (tx *Tx) AddPoll(p Poll) (*Poll, error) {
	p.Question = strings.TrimSpace(p.Question)
	for i, o := range p.Options {
		p.Options[i] = strings.TrimSpace(o)
	}
	if err := CheckPoll(p.Question, p.Options); err != nil {
		return nil, err
	}
	opts, err := json.Marshal(p.Options)
	if err != nil {
		return nil, err
	}
	var by any
	if p.CreatedBy != 0 {
		by = p.CreatedBy
	}
	var id int64
	err = tx.queryRow(`INSERT INTO polls (community_id, question, options, created_by, created_at, closes_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		p.CommunityID, p.Question, string(opts), by, unix(tx.now), unix(tx.now.Add(PollLifetime))).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("add poll: %w", err)
	}
	return tx.Poll(id)
}

// Poll returns a poll by number.
func (tx *Tx) Poll(id int64) (*Poll, error) {
	p, err := scanPoll(tx.queryRow(`SELECT `+pollCols+` FROM polls WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "no_poll", id)
	}
	return p, err
}

func (tx *Tx) polls(q string, args ...any) ([]*Poll, error) {
	return queryAll(tx, scanPoll, q, args...)
}

// Polls lists a community's latest polls, newest first.
func (tx *Tx) Polls(communityID int64, limit int) ([]*Poll, error) {
	return tx.polls(`SELECT `+pollCols+` FROM polls WHERE community_id = ? ORDER BY id DESC LIMIT ?`, communityID, limit)
}

// ClosePoll stops a poll from taking votes.
func (tx *Tx) ClosePoll(id int64) error {
	_, err := tx.exec(`UPDATE polls SET closed_at = ? WHERE id = ? AND closed_at IS NULL`, unix(tx.now), id)
	return err
}

// AddPollPost records that a poll was queued to a chat as outbox row outID.
func (tx *Tx) AddPollPost(pollID, outID int64, p bot.PlatformID, chat bot.ChatID) error {
	_, err := tx.exec(`INSERT INTO poll_posts (poll_id, outbox_id, platform, chat_key) VALUES (?, ?, ?, ?)`, pollID, outID, p, chat)
	if err != nil {
		return fmt.Errorf("add poll post: %w", err)
	}
	return nil
}

// PollPosted records the platform's id of the native poll sent for outbox row
// outID. A row sent twice (a crash between sending and recording it) gets a
// second post, so answers to either poll count.
func (tx *Tx) PollPosted(outID int64, nativeID string) error {
	res, err := tx.exec(`UPDATE poll_posts SET native_id = ? WHERE outbox_id = ? AND native_id = ''`, nativeID, outID)
	if err != nil {
		return fmt.Errorf("poll posted: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	_, err = tx.exec(`INSERT INTO poll_posts (poll_id, outbox_id, platform, chat_key, native_id)
		SELECT poll_id, outbox_id, platform, chat_key, ? FROM poll_posts WHERE outbox_id = ?
			AND NOT EXISTS (SELECT 1 FROM poll_posts WHERE outbox_id = ? AND native_id = ?)
		LIMIT 1`, nativeID, outID, outID, nativeID)
	if err != nil {
		return fmt.Errorf("poll posted: %w", err)
	}
	return nil
}

// PollByNative returns the poll a platform's native poll belongs to, or nil.
func (tx *Tx) PollByNative(p bot.PlatformID, nativeID string) (*Poll, error) {
	poll, err := scanPoll(tx.queryRow(`SELECT `+prefixCols("p", pollCols)+` FROM poll_posts pp JOIN polls p ON p.id = pp.poll_id
		WHERE pp.platform = ? AND pp.native_id = ? LIMIT 1`, p, nativeID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return poll, err
}

// NumberedPoll returns the open poll a number typed in a chat answers: the
// poll of the message it replies to (replyTo), else the latest open poll
// posted there as a numbered list. It returns nil when there is none.
func (tx *Tx) NumberedPoll(p bot.PlatformID, chat bot.ChatID, replyTo bot.MessageID) (*Poll, error) {
	var (
		poll *Poll
		err  error
	)
	base := `SELECT ` + prefixCols("p", pollCols) + ` FROM poll_posts pp
		JOIN polls p ON p.id = pp.poll_id
		JOIN outbox o ON o.id = pp.outbox_id
		WHERE pp.platform = ? AND pp.chat_key = ? AND pp.native_id = '' AND o.status = 'sent'
			AND p.closed_at IS NULL AND p.closes_at > ?`
	if replyTo != "" {
		poll, err = scanPoll(tx.queryRow(base+` AND o.platform_msg_id = ? ORDER BY p.id DESC LIMIT 1`, p, chat, unix(tx.now), replyTo))
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return poll, err
		}
		return nil, nil // a reply to something else: not a vote
	}
	poll, err = scanPoll(tx.queryRow(base+` ORDER BY p.id DESC LIMIT 1`, p, chat, unix(tx.now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return poll, err
}

// Vote records a person's vote (a 0-based option), replacing an earlier one.
// It returns the option voted before, or -1.
func (tx *Tx) Vote(pollID, personID int64, choice int) (int, error) {
	prev := -1
	err := tx.queryRow(`SELECT choice FROM poll_votes WHERE poll_id = ? AND person_id = ?`, pollID, personID).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return -1, err
	}
	_, err = tx.exec(`INSERT INTO poll_votes (poll_id, person_id, choice, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (poll_id, person_id) DO UPDATE SET choice = excluded.choice, at = excluded.at`,
		pollID, personID, choice, unix(tx.now))
	if err != nil {
		return -1, fmt.Errorf("vote: %w", err)
	}
	return prev, nil
}

// Unvote removes a person's vote (a retracted Telegram vote).
func (tx *Tx) Unvote(pollID, personID int64) error {
	_, err := tx.exec(`DELETE FROM poll_votes WHERE poll_id = ? AND person_id = ?`, pollID, personID)
	return err
}

// PollResult is a poll with its vote counts, one per option.
type PollResult struct {
	Poll   *Poll
	Counts []int
	Total  int
}

// PollResult counts a poll's votes.
func (tx *Tx) PollResult(p *Poll) (PollResult, error) {
	r := PollResult{Poll: p, Counts: make([]int, len(p.Options))}
	err := tx.eachRow(func(rows *sql.Rows) error {
		var choice, n int
		if err := rows.Scan(&choice, &n); err != nil {
			return err
		}
		if choice >= 0 && choice < len(r.Counts) {
			r.Counts[choice] += n
			r.Total += n
		}
		return nil
	}, `SELECT choice, count(*) FROM poll_votes WHERE poll_id = ? GROUP BY choice`, p.ID)
	if err != nil {
		return r, fmt.Errorf("poll result: %w", err)
	}
	return r, nil
}

// PollResults returns the results of a community's polls created in [from, to), oldest first.
func (tx *Tx) PollResults(communityID int64, from, to time.Time) ([]PollResult, error) {
	ps, err := tx.polls(`SELECT `+pollCols+` FROM polls WHERE community_id = ? AND created_at >= ? AND created_at < ? ORDER BY id`,
		communityID, unix(from), unix(to))
	if err != nil {
		return nil, fmt.Errorf("report polls: %w", err)
	}
	var out []PollResult
	for _, p := range ps {
		r, err := tx.PollResult(p)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// setPinAndPoll stores what an outbox row asks besides its text: a pin, a poll.
func (tx *Tx) setPinAndPoll(id int64, o Out) error {
	if !o.Pin && o.Poll == nil {
		return nil
	}
	var poll string
	if o.Poll != nil {
		b, err := json.Marshal(o.Poll)
		if err != nil {
			return err
		}
		poll = string(b)
	}
	_, err := tx.exec(`UPDATE outbox SET pin = ?, poll = ? WHERE id = ?`, o.Pin, poll, id)
	return err
}

func decodePoll(s string) (*bot.Poll, error) {
	if s == "" {
		return nil, nil
	}
	var p bot.Poll
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// EarlyPollAnswer is a vote in a native poll that arrived before the poll's
// id was recorded (see ParkPollAnswer).
type EarlyPollAnswer struct {
	Voter  Sighting // Platform, Key, Username, Name
	Choice int      // 0-based option, or -1: the vote was retracted
}

// earlyAnswerTTL is how long a parked answer waits for its poll.
const earlyAnswerTTL = 24 * time.Hour

// ParkPollAnswer keeps a vote for a native poll nobody knows yet, until
// PollPosted records the poll's id; TakePollAnswers then returns it.
func (tx *Tx) ParkPollAnswer(nativeID string, a EarlyPollAnswer) error {
	if _, err := tx.exec(`DELETE FROM poll_answers_early WHERE at < ?`, unix(tx.now.Add(-earlyAnswerTTL))); err != nil {
		return fmt.Errorf("park poll answer: %w", err)
	}
	_, err := tx.exec(`INSERT INTO poll_answers_early (platform, native_id, user_key, username, name, choice, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.Voter.Platform, nativeID, a.Voter.Key, a.Voter.Username, a.Voter.Name, max(a.Choice, -1), unix(tx.now))
	if err != nil {
		return fmt.Errorf("park poll answer: %w", err)
	}
	return nil
}

// TakePollAnswers removes and returns the answers parked for a native poll,
// in the order they arrived.
func (tx *Tx) TakePollAnswers(p bot.PlatformID, nativeID string) ([]EarlyPollAnswer, error) {
	var out []EarlyPollAnswer
	err := tx.eachRow(func(rows *sql.Rows) error {
		a := EarlyPollAnswer{Voter: Sighting{Platform: p}}
		if err := rows.Scan(&a.Voter.Key, &a.Voter.Username, &a.Voter.Name, &a.Choice); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	}, `SELECT user_key, username, name, choice FROM poll_answers_early WHERE platform = ? AND native_id = ? ORDER BY id`, p, nativeID)
	if err != nil || len(out) == 0 {
		return nil, err
	}
	if _, err := tx.exec(`DELETE FROM poll_answers_early WHERE platform = ? AND native_id = ?`, p, nativeID); err != nil {
		return nil, err
	}
	return out, nil
}
