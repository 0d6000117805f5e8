package autostart

import (
	"regexp"
	"strings"
)

// The renderers below are pure: the same Options give the same text on any
// OS, so the tests check every platform's file on Linux. Empty names and
// descriptions take their defaults; Executable and Args are used as given.

// RenderSystemdUnit returns the systemd unit for o. The tray unit is a user
// unit that runs inside the graphical session: started by, ordered after
// and stopped with graphical-session.target, so the display exists when it
// starts. It is restarted only after a failure, so Quit means quit.
// The headless unit is a system unit started at boot, after the network.
func RenderSystemdUnit(o Options) string {
	o = o.withDefaults()
	var b strings.Builder
	b.WriteString("[Unit]\n")
	b.WriteString("Description=" + systemdText(o.DisplayName+": "+o.Description) + "\n")
	if o.Headless {
		b.WriteString("Wants=network-online.target\n")
		b.WriteString("After=network-online.target\n")
	} else {
		b.WriteString("PartOf=graphical-session.target\n")
		b.WriteString("After=graphical-session.target\n")
	}
	b.WriteString("\n[Service]\n")
	b.WriteString("ExecStart=" + systemdExe(o.Executable))
	for _, a := range o.Args {
		b.WriteString(" " + systemdArg(a))
	}
	b.WriteString("\n")
	if o.Headless && o.UserName != "" {
		b.WriteString("User=" + systemdText(o.UserName) + "\n")
	}
	b.WriteString("Restart=on-failure\n")
	b.WriteString("RestartSec=5\n")
	b.WriteString("\n[Install]\n")
	if o.Headless {
		b.WriteString("WantedBy=multi-user.target\n")
	} else {
		b.WriteString("WantedBy=graphical-session.target\n")
	}
	return b.String()
}

// systemdText escapes a value where systemd expands %-specifiers.
func systemdText(s string) string {
	return strings.ReplaceAll(s, "%", "%%")
}

// systemdEscapes are what both ExecStart forms escape: backslash and control characters, the
// specifiers (%) and variables ($) systemd expands, and the braces kardianos would read as a
// template.
var systemdEscapes = []string{`\`, `\\`, "\t", `\t`, "\n", `\n`, "{", `\x7b`, "}", `\x7d`, "%", "%%", "$", "$$"}

// exeEscaper writes the program path of ExecStart unquoted, with C escapes for what would split
// or change it (as kardianos does for spaces).
var exeEscaper = strings.NewReplacer(append([]string{" ", `\x20`, `"`, `\x22`, "'", `\x27`}, systemdEscapes...)...)

// argEscaper writes one ExecStart argument inside double quotes.
var argEscaper = strings.NewReplacer(append([]string{`"`, `\"`}, systemdEscapes...)...)

func systemdExe(s string) string { return exeEscaper.Replace(s) }

var plainArg = regexp.MustCompile(`^[A-Za-z0-9_./:=,+@-]+$`)

// systemdArg writes one ExecStart argument, double-quoted unless it is plain.
func systemdArg(s string) string {
	if plainArg.MatchString(s) {
		return s
	}
	return `"` + argEscaper.Replace(s) + `"`
}

// RenderDesktopEntry returns the XDG autostart entry for o, quoted as the
// Desktop Entry Specification asks (the Exec key's quoting, then the
// escapes of string values).
func RenderDesktopEntry(o Options) string {
	o = o.withDefaults()
	exec := []string{desktopExecArg(o.Executable, true)}
	for _, a := range o.Args {
		exec = append(exec, desktopExecArg(a, false))
	}
	var b strings.Builder
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Name=" + desktopString(o.DisplayName) + "\n")
	b.WriteString("Comment=" + desktopString(o.Description) + "\n")
	b.WriteString("Exec=" + desktopString(strings.Join(exec, " ")) + "\n")
	b.WriteString("TryExec=" + desktopString(o.Executable) + "\n")
	b.WriteString("Icon=" + desktopString(o.Label) + "\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	return b.String()
}

// desktopEntryOff reports whether an autostart entry was switched off, as
// desktops' "Startup Applications" settings do: Hidden=true, or
// X-GNOME-Autostart-enabled=false.
func desktopEntryOff(entry string) bool {
	inMain := false
	for line := range strings.Lines(entry) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			inMain = line == "[Desktop Entry]"
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !inMain || !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "Hidden":
			if strings.TrimSpace(value) == "true" {
				return true
			}
		case "X-GNOME-Autostart-enabled":
			if strings.TrimSpace(value) == "false" {
				return true
			}
		}
	}
	return false
}

// desktopReserved are the characters that make an Exec argument need quotes.
const desktopReserved = " \t\n\"'\\><~|&;$*?#()`"

// desktopExecArg quotes one Exec argument. Inside quotes ", `, $ and \ take
// a backslash; a literal % is written %% everywhere (it starts field codes).
func desktopExecArg(s string, quote bool) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if !quote && s != "" && !strings.ContainsAny(s, desktopReserved) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '`', '$', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

var desktopEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`, "\r", `\r`)

// desktopString escapes a value of type string.
func desktopString(s string) string { return desktopEscaper.Replace(s) }

// RenderLaunchAgent returns the launchd property list for o: for the tray,
// a LaunchAgent run at login in the user's graphical (Aqua) session; when
// o.Headless, a LaunchDaemon run at boot (as o.UserName when set). Both are
// started at load and restarted only after a crash (KeepAlive
// SuccessfulExit false), so Quit means quit.
func RenderLaunchAgent(o Options) string {
	o = o.withDefaults()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + plistText(o.Label) + `</string>
	<key>ProgramArguments</key>
	<array>
`)
	for _, a := range append([]string{o.Executable}, o.Args...) {
		b.WriteString("\t\t<string>" + plistText(a) + "</string>\n")
	}
	b.WriteString(`	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<dict>
		<key>SuccessfulExit</key>
		<false/>
	</dict>
`)
	if o.Headless {
		if o.UserName != "" {
			b.WriteString("\t<key>UserName</key>\n\t<string>" + plistText(o.UserName) + "</string>\n")
		}
	} else {
		b.WriteString(`	<key>LimitLoadToSessionType</key>
	<string>Aqua</string>
	<key>ProcessType</key>
	<string>Interactive</string>
`)
	}
	b.WriteString("</dict>\n</plist>\n")
	return b.String()
}

// plistEscaper escapes XML text; braces become character references so
// that kardianos' template engine never sees "{{".
var plistEscaper = strings.NewReplacer(
	`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&quot;", `'`, "&apos;",
	`{`, "&#123;", `}`, "&#125;",
)

func plistText(s string) string { return plistEscaper.Replace(s) }

// RunValue returns the command line stored in the Windows Run registry
// value: the program path always in quotes, then the arguments quoted the
// way CommandLineToArgvW reads them back (as syscall.EscapeArg does).
func RunValue(exe string, args []string) string {
	parts := []string{`"` + exe + `"`}
	for _, a := range args {
		parts = append(parts, windowsArg(a))
	}
	return strings.Join(parts, " ")
}

// windowsArg is syscall.EscapeArg, which exists only on Windows.
func windowsArg(s string) string {
	if s == "" {
		return `""`
	}
	hasSpace := strings.ContainsAny(s, " \t")
	needsBackslash := strings.ContainsAny(s, `"\`)
	if !hasSpace && !needsBackslash {
		return s
	}
	if !needsBackslash {
		return `"` + s + `"`
	}
	var b strings.Builder
	if hasSpace {
		b.WriteByte('"')
	}
	slashes := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		default:
			slashes = 0
		case '\\':
			slashes++
		case '"':
			for ; slashes > 0; slashes-- {
				b.WriteByte('\\')
			}
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	if hasSpace {
		for ; slashes > 0; slashes-- {
			b.WriteByte('\\')
		}
		b.WriteByte('"')
	}
	return b.String()
}
