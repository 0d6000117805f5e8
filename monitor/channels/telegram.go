package channels

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/nicholas-fedor/shoutrrr/pkg/services/chat/telegram"
)

// telegramAPI is the Bot API's address; the bot token and the method follow.
const telegramAPI = "https://api.telegram.org/bot"

// telegramSender delivers to Telegram itself, from the address shoutrrr read: shoutrrr's
// Telegram client (v0.13.2) reports success when its request fails without an answer (no
// network, a reset), so a message could be shown as delivered that never was. This one counts
// a message delivered only when the Bot API answers 2xx with "ok": true, for every chat; and
// it stops at once when its context ends.
type telegramSender struct {
	cfg    telegram.Config
	escape func(string) string
	client *http.Client
}

func newTelegramSender(svc *telegram.Service, escape func(string) string) *telegramSender {
	// A client of its own, on http.DefaultTransport (proxy settings, and tests that point it
	// at a local server); no timeout: each attempt has a context.
	return &telegramSender{cfg: *svc.Config, escape: escape, client: &http.Client{}}
}

type telegramPayload struct {
	ChatID              string `json:"chat_id"`
	Text                string `json:"text"`
	ThreadID            *int   `json:"message_thread_id,omitempty"`
	ParseMode           string `json:"parse_mode,omitempty"`
	DisablePreview      bool   `json:"disable_web_page_preview"`
	DisableNotification bool   `json:"disable_notification"`
}

// text is the message as the chat shows it, the way shoutrrr writes it: the title in bold above
// the text in HTML mode (which a title brings when the address asks for no parse mode), or on
// a line of its own otherwise.
func (s *telegramSender) text(m message) (text, mode string) {
	mode = ""
	switch s.cfg.ParseMode {
	case telegram.ParseModeHTML:
		mode = "HTML"
	case telegram.ParseModeMarkdown:
		mode = "Markdown"
	case telegram.ParseModeMarkdownV2:
		mode = "MarkdownV2"
	}
	body := m.Body
	if mode == "" && m.Title != "" {
		return "<b>" + html.EscapeString(m.Title) + "</b>\n" + html.EscapeString(body), "HTML"
	}
	switch {
	case m.Title == "":
		return s.escape(body), mode
	case mode == "HTML":
		return "<b>" + s.escape(m.Title) + "</b>\n" + s.escape(body), mode
	}
	return s.escape(m.Title + "\n" + body), mode
}

func (s *telegramSender) send(ctx context.Context, m message) error {
	text, mode := s.text(m)
	for _, chat := range s.cfg.Chats {
		p := telegramPayload{ChatID: chat, Text: text, ParseMode: mode,
			DisablePreview: !s.cfg.Preview, DisableNotification: !s.cfg.Notification}
		if id, thread, ok := strings.Cut(chat, ":"); ok {
			if n, err := strconv.Atoi(thread); err == nil {
				p.ChatID, p.ThreadID = id, &n
			}
		}
		if err := s.post(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func (s *telegramSender) post(ctx context.Context, p telegramPayload) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, telegramAPI+s.cfg.Token+"/sendMessage", bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("telegram request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("sending to telegram: %w", err)
	}
	defer res.Body.Close()
	var answer struct {
		OK          bool   `json:"ok"`
		Description string `json:"description"`
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("reading telegram's answer: %w", err)
	}
	jerr := json.Unmarshal(body, &answer)
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("telegram answered with status %s: %s", res.Status, answer.Description)
	}
	if jerr != nil || !answer.OK {
		return fmt.Errorf("telegram did not confirm the message (HTTP %d): %s", res.StatusCode, answer.Description)
	}
	return nil
}
