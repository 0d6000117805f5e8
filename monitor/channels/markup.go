package channels

import (
	"strings"

	"github.com/nicholas-fedor/shoutrrr/pkg/services/chat/telegram"
	"github.com/nicholas-fedor/shoutrrr/pkg/services/email/smtp"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"
)

// A channel's text is plain text made safe for the channel's own syntax, once, on the final text
// (the title and the body as the channel receives them), never on parts of it: status pages
// write what they like, and a link or a mention split across an incident's title and its update
// must not come together in the chat. Page text was already cleaned where it entered (monitor's
// PageLine); here only the channel's syntax is escaped.

// markupFor says how a service's text is escaped.
func markupFor(svc types.Service, scheme string) func(string) string {
	switch scheme {
	case "slack":
		return slackText
	case "discord":
		return discordText
	case "teams":
		return teamsText
	case "mattermost", "rocketchat", "zulip", "googlechat", "lark", "matrix":
		return markdownText
	case "telegram":
		// Without a parse mode shoutrrr sends the text as it is, or (with a title) escapes it
		// for HTML itself; a parse mode in the address makes the text that syntax.
		if s, ok := svc.(*telegram.Service); ok && s.Config != nil {
			switch s.Config.ParseMode {
			case telegram.ParseModeHTML:
				return htmlText
			case telegram.ParseModeMarkdown, telegram.ParseModeMarkdownV2:
				return markdownText
			}
		}
	case "smtp":
		if s, ok := svc.(*smtp.Service); ok && s.Config != nil && s.Config.UseHTML {
			return htmlText
		}
	}
	return plainText
}

// plainText is for channels that show text as it is (webhooks, ntfy, Telegram without a parse
// mode, plain-text e-mail): nothing to escape.
func plainText(s string) string { return s }

// wordJoiner, invisible, keeps "@everyone" from being a mention anywhere it would be one.
const wordJoiner = "\u2060"

var mentions = strings.NewReplacer(
	"@everyone", "@"+wordJoiner+"everyone", "@here", "@"+wordJoiner+"here",
	"@channel", "@"+wordJoiner+"channel", "@all", "@"+wordJoiner+"all",
)

// slackText escapes Slack's mrkdwn: "&", "<" and ">" are the only characters Slack asks to
// escape, which is enough to make links (<url|text>) and mentions (<!everyone>, <@U123>)
// impossible; *bold* and _italics_ stay harmless formatting.
func slackText(s string) string {
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	return mentions.Replace(s)
}

// markdownEscapes are the characters that make links, images, headings, quotes, code and
// emphasis in the Markdown dialects of Discord, Teams, Mattermost and the like.
var markdownEscapes = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`,
	"*", `\*`, "_", `\_`, "`", "\\`", "~", `\~`, "|", `\|`, ">", `\>`, "#", `\#`, "<", `\<`)

// markdownText escapes Markdown: masked links ([text](url)), emphasis, code, quotes and
// mentions become plain text.
func markdownText(s string) string { return mentions.Replace(markdownEscapes.Replace(s)) }

// discordText escapes Discord's Markdown, and breaks its mentions (@everyone, @here, <@id>).
func discordText(s string) string { return markdownText(s) }

// teamsText escapes the Markdown of a Teams message card, and the HTML it also renders.
func teamsText(s string) string {
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	return mentions.Replace(teamsEscapes.Replace(s))
}

var teamsEscapes = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`,
	"*", `\*`, "_", `\_`, "`", "\\`", "~", `\~`, "#", `\#`)

// htmlText escapes HTML e-mail.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace(s)
}
