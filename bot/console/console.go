// Package console is the terminal demo platform: one operator plays every
// person of a demo community (":as NAME"), in its resident group, its staff
// group or a private chat with the bot (":in resident|staff|private"), and
// sees every message the bot sends, to whichever chat it goes.
//
// Chat ids are "resident", "staff" and "private:NAME"; user ids are the names.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/linli/linli/bot"
)

// Chat ids of the demo's groups.
const (
	ResidentChat bot.ChatID = "resident"
	StaffChat    bot.ChatID = "staff"
)

// PrivateChat returns the id of a person's private chat with the bot.
func PrivateChat(name string) bot.ChatID { return bot.ChatID("private:" + name) }

// Person is someone the operator can speak as.
type Person struct {
	Name string
	Role string // shown by :who
}

// Config describes the demo.
type Config struct {
	In  io.Reader
	Out io.Writer
	// Prompt shows a prompt before each line (an interactive terminal);
	// without it, each input line is echoed so a piped script reads as a chat.
	Prompt        bool
	ResidentTitle string
	StaffTitle    string
	BotName       string
	Operator      string
	People        []Person
	// Say words the console's own lines (not the bot's messages) for the
	// operator, in the demo's language; cmd/bot renders them from the
	// catalogue. Without it a line shows as its number and arguments.
	Say func(l Line, args ...any) string
	// WaitIdle, if set, is called after each message so the bot's replies are
	// printed before the next line is read.
	WaitIdle func(ctx context.Context) error
	Now      func() time.Time
	// Files is the folder where photos and files the bot sends are written
	// (the terminal shows their paths); default: a folder in os.TempDir().
	Files string
}

// Console is the terminal platform.
type Console struct {
	cfg Config
	run string // distinguishes message ids of this run from earlier runs

	mu   sync.Mutex
	as   string
	in   bot.ChatID
	seen map[bot.MessageID]string // message id → who said it, for reply labels
	n    int
}

var _ bot.Platform = (*Console)(nil)

// New returns a console platform.
func New(cfg Config) *Console {
	if cfg.BotName == "" {
		cfg.BotName = "Linli"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Console{
		cfg:  cfg,
		run:  strconv.FormatInt(time.Now().UnixNano(), 36),
		as:   cfg.Operator,
		in:   ResidentChat,
		seen: map[bot.MessageID]string{},
	}
}

// ID implements bot.Platform.
func (c *Console) ID() bot.PlatformID { return bot.Console }

func (c *Console) nextID(prefix string) bot.MessageID {
	c.n++
	return bot.MessageID(fmt.Sprintf("%s%s-%d", prefix, c.run, c.n))
}

// Line is one of the console's own lines to the operator. The comment of
// each says what fills it.
type Line int

// The console's lines.
const (
	LineWelcome        Line = iota + 1 // the demo starts: the person, the chat
	LineUsageAs                        // ":as" without a name
	LineNowAs                          // after ":as": the person, the chat
	LineUsageIn                        // ":in" without a known chat
	LineNowIn                          // after ":in": the person, the chat
	LineWho                            // ":who": the person, the chat (the people follow)
	LineUsageReply                     // ":reply" without an id or a text
	LineHelp                           // ":help"
	LineUnknownControl                 // any other ":" line
	LinePrivateChat                    // a private chat's title: the person
	LineReplyingTo                     // after a bot message's chat: whom it replies to
	LineUpdated                        // after a bot message's chat: it edits an earlier one
	LineFile                           // a file the bot sent: where it was saved
	LinePhoto                          // a photo the bot sent: where it was saved
	LineFileEmpty                      // a file or photo sent without content: its name
	LineFileNotSaved                   // a file or photo that could not be saved: why
	endLines
)

// Lines lists every Line, for a Say to be checked against.
func Lines() []Line {
	var ls []Line
	for l := LineWelcome; l < endLines; l++ {
		ls = append(ls, l)
	}
	return ls
}

// say words a line through Config.Say.
func (c *Console) say(l Line, args ...any) string {
	if c.cfg.Say == nil {
		return fmt.Sprint(append([]any{"console line ", int(l), ": "}, args...)...)
	}
	return c.cfg.Say(l, args...)
}

// Run reads lines until EOF, ":quit" or ctx ends.
func (c *Console) Run(ctx context.Context, in bot.Inbound) error {
	sc := bufio.NewScanner(c.cfg.In)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	c.printf("%s\n", c.say(LineWelcome, c.as, c.chatTitle(c.in)))
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		defer close(lines)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
	}()
	for {
		c.prompt()
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case line, ok = <-lines:
		}
		if !ok {
			select {
			case err := <-errc:
				return err
			default:
				return nil
			}
		}
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		var m bot.Message
		if strings.HasPrefix(line, ":") {
			quit, reply := c.control(line)
			if quit {
				return nil
			}
			if reply == nil {
				continue
			}
			m = *reply
		} else {
			m = c.message(line)
		}
		if !c.cfg.Prompt {
			c.printf("%s @ %s: %s\n", m.SenderName, c.chatTitle(m.Chat), m.Text)
		}
		if err := in.Submit(ctx, m); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			c.printf("! %v\n", err)
		}
		if c.cfg.WaitIdle != nil {
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			_ = c.cfg.WaitIdle(wctx)
			cancel()
		}
	}
}

func (c *Console) prompt() {
	if !c.cfg.Prompt {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.cfg.Out, "%s@%s> ", c.as, c.chatTitle(c.in))
}

// message turns a typed line into a chat message from the current person.
func (c *Console) message(line string) bot.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.messageLocked(line, "")
}

func (c *Console) messageLocked(line string, replyTo bot.MessageID) bot.Message {
	kind, title := bot.Group, c.chatTitle(c.in)
	if strings.HasPrefix(string(c.in), "private:") {
		kind, title = bot.Private, ""
	}
	id := c.nextID("u")
	c.seen[id] = c.as
	return bot.Message{
		Platform:    bot.Console,
		Chat:        c.in,
		ChatKind:    kind,
		ChatTitle:   title,
		ID:          id,
		Sender:      bot.UserID(c.as),
		SenderName:  c.as,
		Text:        line,
		ReplyTo:     replyTo,
		MentionsBot: strings.Contains(line, "@"+c.cfg.BotName),
		BotNames:    []string{c.cfg.BotName},
		Time:        c.cfg.Now(),
	}
}

func (c *Console) chatTitle(id bot.ChatID) string {
	switch {
	case id == ResidentChat:
		return c.cfg.ResidentTitle
	case id == StaffChat:
		return c.cfg.StaffTitle
	case strings.HasPrefix(string(id), "private:"):
		return c.say(LinePrivateChat, strings.TrimPrefix(string(id), "private:"))
	}
	return string(id)
}

// control runs a ":" line; it reports whether to quit, and returns the
// message to send for ":reply".
func (c *Console) control(line string) (bool, *bot.Message) {
	cmd, arg, _ := strings.Cut(strings.TrimSpace(line[1:]), " ")
	arg = strings.TrimSpace(arg)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch cmd {
	case "as":
		if arg == "" {
			fmt.Fprintln(c.cfg.Out, c.say(LineUsageAs))
			return false, nil
		}
		c.as = arg
		if strings.HasPrefix(string(c.in), "private:") {
			c.in = PrivateChat(arg)
		}
		fmt.Fprintln(c.cfg.Out, c.say(LineNowAs, c.as, c.chatTitle(c.in)))
	case "in":
		switch arg {
		case "resident", "业主群":
			c.in = ResidentChat
		case "staff", "物业群":
			c.in = StaffChat
		case "private", "私聊":
			c.in = PrivateChat(c.as)
		default:
			fmt.Fprintln(c.cfg.Out, c.say(LineUsageIn))
			return false, nil
		}
		fmt.Fprintln(c.cfg.Out, c.say(LineNowIn, c.as, c.chatTitle(c.in)))
	case "who":
		fmt.Fprintln(c.cfg.Out, c.say(LineWho, c.as, c.chatTitle(c.in)))
		for _, p := range c.cfg.People {
			fmt.Fprintf(c.cfg.Out, "  %s — %s\n", p.Name, p.Role)
		}
	case "reply":
		id, text, _ := strings.Cut(arg, " ")
		if id == "" || strings.TrimSpace(text) == "" {
			fmt.Fprintln(c.cfg.Out, c.say(LineUsageReply))
			return false, nil
		}
		m := c.messageLocked(strings.TrimSpace(text), bot.MessageID(id))
		return false, &m
	case "help":
		fmt.Fprintln(c.cfg.Out, c.say(LineHelp))
	case "quit", "q", "exit":
		return true, nil
	default:
		fmt.Fprintln(c.cfg.Out, c.say(LineUnknownControl))
	}
	return false, nil
}

// Send implements bot.Platform: it prints the message with the chat it went to.
func (c *Console) Send(_ context.Context, out bot.Outgoing) (bot.MessageID, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.nextID("b")
	if out.Edit != "" {
		id = out.Edit
	}
	c.seen[id] = c.cfg.BotName
	head := fmt.Sprintf("── %s · %s", c.chatTitle(out.Chat), c.cfg.BotName)
	if out.ReplyTo != "" {
		if who, ok := c.seen[out.ReplyTo]; ok {
			head += c.say(LineReplyingTo, who)
		}
	}
	if out.Edit != "" {
		head += c.say(LineUpdated)
	}
	fmt.Fprintf(c.cfg.Out, "%s [%s]\n", head, id)
	for _, l := range strings.Split(out.Text, "\n") {
		fmt.Fprintf(c.cfg.Out, "   %s\n", l)
	}
	if out.Attachment != nil {
		fmt.Fprintf(c.cfg.Out, "   %s\n", c.saveAttachment(out.Attachment))
	}
	for _, row := range out.Buttons {
		var bs []string
		for _, b := range row {
			bs = append(bs, "["+b.Text+"]")
		}
		fmt.Fprintf(c.cfg.Out, "   %s\n", strings.Join(bs, " "))
	}
	return id, nil
}

func (c *Console) printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.cfg.Out, format, args...)
}
