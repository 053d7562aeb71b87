package telegramtest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// Telegram's length limits, counted in UTF-16 code units after entity
// parsing.
const (
	MaxTextLength    = 4096
	MaxCaptionLength = 1024
)

// utf16Len is the length of s in UTF-16 code units, the unit of Telegram's
// entity offsets and length limits.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
		if r == utf8.RuneError {
			n++ // RuneLen reports -1 for invalid runes; count as one unit
		}
	}
	return n
}

// formatted is message text as Telegram stores it.
type formatted struct {
	text     string // what users see: entities decoded, tags stripped, trimmed
	entities []models.MessageEntity
	raw      string
	mode     string
}

// formatText turns raw text in parse mode mode into what Telegram shows,
// applying its validation. caption selects the caption limits and allows
// empty text.
func (s *Server) formatText(raw, mode, entitiesJSON string, caption bool) (formatted, *apiError) {
	ft := formatted{raw: raw, mode: mode}
	hadTags := false
	switch strings.ToLower(mode) {
	case "":
		ft.text = raw
		if entitiesJSON != "" {
			if err := json.Unmarshal([]byte(entitiesJSON), &ft.entities); err != nil {
				return ft, badRequest("can't parse entities JSON object")
			}
		}
	case "html":
		text, ents, tags, err := parseHTML(raw, !s.lenientEntities)
		if err != nil {
			return ft, badRequest("can't parse entities: %s", err)
		}
		ft.text, ft.entities, hadTags = text, ents, tags
	case "markdown", "markdownv2":
		// Markdown is passed through unvalidated; the fake only checks HTML.
		ft.text = raw
	default:
		return ft, badRequest("unsupported parse_mode")
	}
	ft.text, ft.entities = trimText(ft.text, ft.entities)
	n := utf16Len(ft.text)
	switch {
	case caption && n > MaxCaptionLength:
		return ft, badRequest("message caption is too long")
	case caption:
	case n == 0 && hadTags:
		return ft, badRequest("text must be non-empty")
	case n == 0:
		return ft, badRequest("message text is empty")
	case n > MaxTextLength:
		return ft, badRequest("message is too long")
	}
	return ft, nil
}

// trimText strips leading and trailing white space as Telegram does and
// moves and clips the entities to match.
func trimText(text string, ents []models.MessageEntity) (string, []models.MessageEntity) {
	trimmedLeft := strings.TrimLeftFunc(text, unicode.IsSpace)
	shift := utf16Len(text[:len(text)-len(trimmedLeft)])
	out := strings.TrimRightFunc(trimmedLeft, unicode.IsSpace)
	size := utf16Len(out)
	var kept []models.MessageEntity
	for _, e := range ents {
		start, end := e.Offset-shift, e.Offset+e.Length-shift
		start, end = max(start, 0), min(end, size)
		if end <= start {
			continue
		}
		e.Offset, e.Length = start, end-start
		kept = append(kept, e)
	}
	return out, kept
}

// htmlTags are the tags Telegram's HTML parse mode accepts.
var htmlTags = map[string]bool{
	"a": true, "b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "span": true, "tg-spoiler": true,
	"code": true, "pre": true, "blockquote": true, "tg-emoji": true,
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

// decodeHTMLEntity decodes the character reference at text[i] (which is
// '&') the way Telegram does: &lt; &gt; &amp; &quot; and numeric
// references, with or without the closing ';'. It returns the rune and the
// number of bytes consumed, or n == 0 if there is no supported reference.
func decodeHTMLEntity(text string, i int) (r rune, n int) {
	j := i + 1
	var v int64
	if j < len(text) && text[j] == '#' {
		j++
		if j < len(text) && text[j] == 'x' {
			j++
			for j < len(text) {
				d, err := strconv.ParseInt(text[j:j+1], 16, 64)
				if err != nil {
					break
				}
				v = v*16 + d
				j++
				if v >= 0x10ffff {
					return 0, 0
				}
			}
		} else {
			for j < len(text) && isASCIIDigit(text[j]) {
				v = v*10 + int64(text[j]-'0')
				j++
				if v >= 0x10ffff {
					return 0, 0
				}
			}
		}
		if v == 0 || (v >= 0xd800 && v <= 0xdfff) {
			return 0, 0
		}
	} else {
		for j < len(text) && isASCIILetter(text[j]) {
			j++
		}
		switch text[i+1 : j] {
		case "lt":
			v = '<'
		case "gt":
			v = '>'
		case "amp":
			v = '&'
		case "quot":
			v = '"'
		default:
			return 0, 0
		}
	}
	if j < len(text) && text[j] == ';' {
		j++
	}
	return rune(v), j - i
}

// unknownNamedEntity reports whether text[i:] starts with "&name;" for a
// name Telegram does not support, returning it.
func unknownNamedEntity(text string, i int) (string, bool) {
	j := i + 1
	for j < len(text) && (isASCIILetter(text[j]) || (j > i+1 && isASCIIDigit(text[j]))) {
		j++
	}
	if j == i+1 || j >= len(text) || text[j] != ';' {
		return "", false
	}
	return text[i : j+1], true
}

type openTag struct {
	name     string
	arg      string
	offset   int // UTF-16 offset in the output where the tag's content starts
	contents int // byte offset in the output where the content starts
}

// parseHTML implements Telegram's HTML parse mode (after tdlib's
// parse_html): it returns the visible text, its entities, and whether any
// tag was seen. Errors carry Telegram's wording after "can't parse
// entities: " (hence the capitalised messages). With strictEntities an
// unknown "&name;" is an error too, where Telegram would keep it as text.
func parseHTML(text string, strictEntities bool) (string, []models.MessageEntity, bool, error) {
	var (
		out      strings.Builder
		offset   int // UTF-16 length of out
		ents     []models.MessageEntity
		stack    []openTag
		sawTags  bool
		n        = len(text)
		unclosed = func(pos int) error { return fmt.Errorf("Unclosed start tag at byte offset %d", pos) }
	)
	for i := 0; i < n; {
		c := text[i]
		if c == '&' {
			if r, k := decodeHTMLEntity(text, i); k > 0 {
				out.WriteRune(r)
				offset += utf16.RuneLen(r)
				i += k
				continue
			}
			if name, bad := unknownNamedEntity(text, i); bad && strictEntities {
				return "", nil, false, fmt.Errorf("Unsupported HTML entity %q at byte offset %d", name, i)
			}
		}
		if c != '<' {
			r, size := utf8.DecodeRuneInString(text[i:])
			out.WriteString(text[i : i+size])
			offset += max(utf16.RuneLen(r), 1)
			i += size
			continue
		}

		tagPos := i
		i++
		sawTags = true
		if i < n && text[i] == '/' { // end tag
			if len(stack) == 0 {
				return "", nil, false, fmt.Errorf("Unexpected end tag at byte offset %d", tagPos)
			}
			j := i + 1
			for j < n && !isHTMLSpace(text[j]) && text[j] != '>' {
				j++
			}
			endName := strings.ToLower(text[i+1 : j])
			for j < n && isHTMLSpace(text[j]) {
				j++
			}
			if j >= n || text[j] != '>' {
				return "", nil, false, fmt.Errorf("Unclosed end tag at byte offset %d", tagPos)
			}
			i = j + 1
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if endName != "" && endName != top.name {
				return "", nil, false, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", tagPos, top.name, endName)
			}
			if offset > top.offset {
				var err error
				ents, err = closeEntity(ents, top, offset, out.String()[top.contents:])
				if err != nil {
					return "", nil, false, err
				}
			}
			continue
		}

		// start tag
		begin := i
		for i < n && !isHTMLSpace(text[i]) && text[i] != '>' {
			i++
		}
		if i >= n {
			return "", nil, false, unclosed(tagPos)
		}
		name := strings.ToLower(text[begin:i])
		if !htmlTags[name] {
			return "", nil, false, fmt.Errorf("Unsupported start tag %q at byte offset %d", name, tagPos)
		}
		arg := ""
		for {
			for i < n && isHTMLSpace(text[i]) {
				i++
			}
			if i >= n {
				return "", nil, false, unclosed(tagPos)
			}
			if text[i] == '>' {
				break
			}
			attrBegin := i
			for i < n && !isHTMLSpace(text[i]) && !strings.ContainsRune("=>/\"'", rune(text[i])) {
				i++
			}
			attr := strings.ToLower(text[attrBegin:i])
			if attr == "" {
				return "", nil, false, fmt.Errorf("Empty attribute name in the tag %q at byte offset %d", name, tagPos)
			}
			for i < n && isHTMLSpace(text[i]) {
				i++
			}
			if i >= n {
				return "", nil, false, fmt.Errorf("Unclosed start tag %q at byte offset %d", name, tagPos)
			}
			if text[i] != '=' {
				if name == "blockquote" && attr == "expandable" {
					arg = "expandable"
				}
				continue
			}
			i++
			for i < n && isHTMLSpace(text[i]) {
				i++
			}
			if i >= n {
				return "", nil, false, fmt.Errorf("Unclosed start tag %q at byte offset %d", name, tagPos)
			}
			var value string
			if q := text[i]; q != '"' && q != '\'' {
				tokenBegin := i
				for i < n && (isASCIILetter(text[i]) || isASCIIDigit(text[i]) || text[i] == '.' || text[i] == '-') {
					i++
				}
				value = strings.ToLower(text[tokenBegin:i])
				if i >= n {
					return "", nil, false, unclosed(tagPos)
				}
				if !isHTMLSpace(text[i]) && text[i] != '>' {
					return "", nil, false, fmt.Errorf("Unexpected end of name token at byte offset %d", tokenBegin)
				}
			} else {
				i++
				var b strings.Builder
				for i < n && text[i] != q {
					if text[i] == '&' {
						if r, k := decodeHTMLEntity(text, i); k > 0 {
							b.WriteRune(r)
							i += k
							continue
						}
					}
					b.WriteByte(text[i])
					i++
				}
				if i < n {
					i++
				}
				if i >= n {
					return "", nil, false, unclosed(tagPos)
				}
				value = b.String()
			}
			switch {
			case name == "a" && attr == "href":
				arg = value
			case name == "code" && attr == "class" && strings.HasPrefix(value, "language-"):
				arg = strings.TrimPrefix(value, "language-")
			case name == "span" && attr == "class":
				arg = value
			case name == "tg-emoji" && attr == "emoji-id":
				arg = value
			case name == "blockquote" && attr == "expandable":
				arg = "expandable"
			}
		}
		i++ // '>'
		if name == "span" && arg != "tg-spoiler" {
			return "", nil, false, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", tagPos)
		}
		stack = append(stack, openTag{name: name, arg: arg, offset: offset, contents: out.Len()})
	}
	if len(stack) > 0 {
		return "", nil, false, fmt.Errorf("Can't find end tag corresponding to start tag %q", stack[len(stack)-1].name)
	}
	sort.SliceStable(ents, func(a, b int) bool {
		if ents[a].Offset != ents[b].Offset {
			return ents[a].Offset < ents[b].Offset
		}
		return ents[a].Length > ents[b].Length
	})
	return out.String(), ents, sawTags, nil
}

// closeEntity appends the entity for a closed tag whose content is inner.
func closeEntity(ents []models.MessageEntity, t openTag, end int, inner string) ([]models.MessageEntity, error) {
	e := models.MessageEntity{Offset: t.offset, Length: end - t.offset}
	switch t.name {
	case "b", "strong":
		e.Type = models.MessageEntityTypeBold
	case "i", "em":
		e.Type = models.MessageEntityTypeItalic
	case "u", "ins":
		e.Type = models.MessageEntityTypeUnderline
	case "s", "strike", "del":
		e.Type = models.MessageEntityTypeStrikethrough
	case "span", "tg-spoiler":
		e.Type = models.MessageEntityTypeSpoiler
	case "code":
		e.Type, e.Language = models.MessageEntityTypeCode, t.arg
	case "pre":
		// <pre><code class="language-x">…</code></pre> is one pre entity.
		if k := len(ents) - 1; k >= 0 && ents[k].Type == models.MessageEntityTypeCode &&
			ents[k].Offset == e.Offset && ents[k].Length == e.Length {
			ents[k].Type = models.MessageEntityTypePre
			return ents, nil
		}
		e.Type = models.MessageEntityTypePre
	case "blockquote":
		e.Type = models.MessageEntityTypeBlockquote
		if t.arg == "expandable" {
			e.Type = models.MessageEntityTypeExpandableBlockquote
		}
	case "tg-emoji":
		id, err := strconv.ParseInt(t.arg, 10, 64)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("Invalid custom emoji identifier specified")
		}
		e.Type, e.CustomEmojiID = models.MessageEntityTypeCustomEmoji, t.arg
	case "a":
		url := t.arg
		if url == "" {
			url = inner
		}
		if id, ok := strings.CutPrefix(url, "tg://user?id="); ok {
			uid, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return ents, nil
			}
			e.Type, e.User = models.MessageEntityTypeTextMention, &models.User{ID: uid}
			break
		}
		if !strings.Contains(url, ".") && !strings.Contains(url, "://") {
			return ents, nil // Telegram drops links it cannot make a URL of
		}
		e.Type, e.URL = models.MessageEntityTypeTextLink, url
	}
	return append(ents, e), nil
}

// isWordChar is tdlib's is_word_character.
func isWordChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_'
}

func isASCIIWord(r rune) bool {
	return r < utf8.RuneSelf && (isASCIILetter(byte(r)) || isASCIIDigit(byte(r)) || r == '_')
}

// isHashtagChar is tdlib's is_hashtag_letter; letter reports whether r is
// a letter.
func isHashtagChar(r rune) (ok, letter bool) {
	if r == '_' || r == 0x200c || r == 0xb7 || (r >= 0xd80 && r <= 0xdff) {
		return true, unicode.IsLetter(r)
	}
	if unicode.IsLetter(r) {
		return true, true
	}
	return unicode.Is(unicode.Nd, r), false
}

var shortUsernames = map[string]bool{"gif": true, "vid": true, "pic": true}

// DetectEntities returns the entities Telegram's clients find in plain text
// typed by a user: bot_command (/cmd, /cmd@bot), mention (@name), hashtag
// (#tag, including non-Latin letters such as #报修) and url (http and https
// links), with offsets and lengths in UTF-16 units. The rules follow tdlib.
func DetectEntities(text string) []models.MessageEntity {
	runes := []rune(text)
	off := make([]int, len(runes)+1) // UTF-16 offset of each rune
	for i, r := range runes {
		off[i+1] = off[i] + max(utf16.RuneLen(r), 1)
	}
	at := func(i int) rune {
		if i < 0 || i >= len(runes) {
			return 0
		}
		return runes[i]
	}
	var ents []models.MessageEntity
	add := func(t models.MessageEntityType, from, to int) {
		ents = append(ents, models.MessageEntity{Type: t, Offset: off[from], Length: off[to] - off[from]})
	}
	asciiRun := func(i int) int {
		for i < len(runes) && isASCIIWord(runes[i]) {
			i++
		}
		return i
	}

	// URLs first: mentions, commands and tags inside them are not entities.
	var urls [][2]int
	for i := 0; i < len(runes); i++ {
		rest := string(runes[i:min(i+8, len(runes))])
		if !strings.HasPrefix(strings.ToLower(rest), "http://") && !strings.HasPrefix(strings.ToLower(rest), "https://") {
			continue
		}
		if i > 0 && isWordChar(runes[i-1]) {
			continue
		}
		j := i
		for j < len(runes) && !unicode.IsSpace(runes[j]) && !strings.ContainsRune("<>\"«»", runes[j]) {
			j++
		}
		for j > i && strings.ContainsRune(".:;,('?!`", runes[j-1]) {
			j--
		}
		if j-i > len("https://") {
			urls = append(urls, [2]int{i, j})
			add(models.MessageEntityTypeURL, i, j)
			i = j - 1
		}
	}
	inURL := func(i int) bool {
		for _, u := range urls {
			if i >= u[0] && i < u[1] {
				return true
			}
		}
		return false
	}

	for i, r := range runes {
		if inURL(i) {
			continue
		}
		prev := at(i - 1)
		switch r {
		case '/':
			if i > 0 && (isWordChar(prev) || prev == '/' || prev == '<' || prev == '>') {
				continue
			}
			end := asciiRun(i + 1)
			if size := end - i - 1; size < 1 || size > 64 {
				continue
			}
			if at(end) == '@' {
				mEnd := asciiRun(end + 1)
				if size := mEnd - end - 1; size < 3 || size > 32 {
					continue
				}
				end = mEnd
			}
			if next := at(end); isWordChar(next) || next == '/' || next == '<' || next == '>' {
				continue
			}
			add(models.MessageEntityTypeBotCommand, i, end)
		case '@':
			if i > 0 && isWordChar(prev) {
				continue
			}
			end := asciiRun(i + 1)
			size := end - i - 1
			if size < 2 || size > 32 || isWordChar(at(end)) {
				continue
			}
			if size < 4 && !shortUsernames[strings.ToLower(string(runes[i+1:end]))] {
				continue
			}
			add(models.MessageEntityTypeMention, i, end)
		case '#':
			if i > 0 {
				if ok, _ := isHashtagChar(prev); ok {
					continue
				}
			}
			end, letters := i+1, false
			for end < len(runes) {
				ok, letter := isHashtagChar(runes[end])
				if !ok {
					break
				}
				letters = letters || letter
				end++
			}
			if end == i+1 || at(end) == '#' || !letters {
				continue
			}
			add(models.MessageEntityTypeHashtag, i, min(end, i+1+256))
		}
	}
	sort.SliceStable(ents, func(a, b int) bool { return ents[a].Offset < ents[b].Offset })
	return ents
}
