package autostart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunValue(t *testing.T) {
	tests := []struct {
		name string
		exe  string
		args []string
		want string
	}{
		{"no args", `C:\Paywatch\paywatch.exe`, nil, `"C:\Paywatch\paywatch.exe"`},
		{"path with spaces", `C:\Program Files\Paywatch\paywatch.exe`, []string{"run"},
			`"C:\Program Files\Paywatch\paywatch.exe" run`},
		{"plain args", `C:\p.exe`, []string{"run", "--config=C:\\x.yaml"}, `"C:\p.exe" run --config=C:\x.yaml`},
		{"arg with spaces", `C:\p.exe`, []string{`--config=C:\My Files\c.yaml`}, `"C:\p.exe" "--config=C:\My Files\c.yaml"`},
		{"arg with quotes", `C:\p.exe`, []string{`say "hi"`}, `"C:\p.exe" "say \"hi\""`},
		{"quote without spaces", `C:\p.exe`, []string{`a"b`}, `"C:\p.exe" a\"b`},
		{"backslashes before a quote", `C:\p.exe`, []string{`a\\"b c`}, `"C:\p.exe" "a\\\\\"b c"`},
		{"trailing backslash with space", `C:\p.exe`, []string{`C:\My Dir\`}, `"C:\p.exe" "C:\My Dir\\"`},
		{"trailing backslash alone", `C:\p.exe`, []string{`C:\Dir\`}, `"C:\p.exe" C:\Dir\`},
		{"empty arg", `C:\p.exe`, []string{""}, `"C:\p.exe" ""`},
		{"tab", `C:\p.exe`, []string{"a\tb"}, "\"C:\\p.exe\" \"a\tb\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RunValue(tt.exe, tt.args); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestRenderLaunchAgent(t *testing.T) {
	const head = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>io.paywatch.Paywatch</string>
	<key>ProgramArguments</key>
	<array>
`
	const restart = `	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<dict>
		<key>SuccessfulExit</key>
		<false/>
	</dict>
`
	const aqua = `	<key>LimitLoadToSessionType</key>
	<string>Aqua</string>
	<key>ProcessType</key>
	<string>Interactive</string>
`
	const tail = "</dict>\n</plist>\n"
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{
			name: "tray in an app bundle",
			o:    Options{Executable: "/Applications/Paywatch.app/Contents/MacOS/paywatch", Args: []string{"run"}},
			want: head +
				"\t\t<string>/Applications/Paywatch.app/Contents/MacOS/paywatch</string>\n" +
				"\t\t<string>run</string>\n" +
				restart + aqua + tail,
		},
		{
			name: "spaces, quotes and markup",
			o: Options{
				Executable: "/Users/a b/Pay & Watch.app/Contents/MacOS/paywatch",
				Args:       []string{"--config=/Users/a b/<c>.yaml", `say "it's"`},
			},
			want: head +
				"\t\t<string>/Users/a b/Pay &amp; Watch.app/Contents/MacOS/paywatch</string>\n" +
				"\t\t<string>--config=/Users/a b/&lt;c&gt;.yaml</string>\n" +
				"\t\t<string>say &quot;it&apos;s&quot;</string>\n" +
				restart + aqua + tail,
		},
		{
			name: "braces never reach kardianos' template engine as {{",
			o:    Options{Executable: "/opt/{{Path}}/paywatch"},
			want: head + "\t\t<string>/opt/&#123;&#123;Path&#125;&#125;/paywatch</string>\n" + restart + aqua + tail,
		},
		{
			name: "headless daemon with a user",
			o:    Options{Executable: "/usr/local/bin/paywatch", Args: []string{"run", "--headless"}, Headless: true, UserName: "office"},
			want: head +
				"\t\t<string>/usr/local/bin/paywatch</string>\n" +
				"\t\t<string>run</string>\n" +
				"\t\t<string>--headless</string>\n" +
				restart +
				"\t<key>UserName</key>\n\t<string>office</string>\n" +
				tail,
		},
		{
			name: "headless daemon as root",
			o:    Options{Executable: "/usr/local/bin/paywatch", Headless: true},
			want: head + "\t\t<string>/usr/local/bin/paywatch</string>\n" + restart + tail,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RenderLaunchAgent(tt.o); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestRenderSystemdUnit(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{
			name: "tray user unit",
			o:    Options{Executable: "/usr/bin/paywatch", Args: []string{"run"}},
			want: `[Unit]
Description=Paywatch: Shows whether card and payment services are working
PartOf=graphical-session.target
After=graphical-session.target

[Service]
ExecStart=/usr/bin/paywatch run
Restart=on-failure
RestartSec=5

[Install]
WantedBy=graphical-session.target
`,
		},
		{
			name: "headless system unit",
			o:    Options{Executable: "/usr/bin/paywatch", Args: []string{"run", "--headless"}, Headless: true, UserName: "office"},
			want: `[Unit]
Description=Paywatch: Watches card and payment services and reports outages
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/paywatch run --headless
User=office
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
`,
		},
		{
			name: "escapes",
			o: Options{
				Description: "100% uptime",
				Executable:  `/home/a b/it's "pay"/{{x}}/$HOME/50%/paywatch`,
				Args:        []string{"--config=/home/a b/c.yaml", `say "hi" \ $USER 5%`, "{{Path}}", ""},
			},
			want: `[Unit]
Description=Paywatch: 100%% uptime
PartOf=graphical-session.target
After=graphical-session.target

[Service]
ExecStart=/home/a\x20b/it\x27s\x20\x22pay\x22/\x7b\x7bx\x7d\x7d/$$HOME/50%%/paywatch "--config=/home/a b/c.yaml" "say \"hi\" \\ $$USER 5%%" "\x7b\x7bPath\x7d\x7d" ""
Restart=on-failure
RestartSec=5

[Install]
WantedBy=graphical-session.target
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RenderSystemdUnit(tt.o)
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			if strings.Contains(got, "{{") || strings.Contains(got, "}}") {
				t.Errorf("unit holds a template action: %q", got)
			}
		})
	}
}

func TestRenderDesktopEntry(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		exec string
		try  string
	}{
		{"plain", Options{Executable: "/usr/bin/paywatch", Args: []string{"run"}},
			`"/usr/bin/paywatch" run`, "/usr/bin/paywatch"},
		{"spaces", Options{Executable: "/opt/Pay Watch/paywatch", Args: []string{"--config=/home/a b/c.yaml"}},
			`"/opt/Pay Watch/paywatch" "--config=/home/a b/c.yaml"`, "/opt/Pay Watch/paywatch"},
		// Exec quoting puts \ before " ` $ \, then the string escape doubles each \.
		{"reserved characters", Options{Executable: `/opt/a"b/pay$w\atch`, Args: []string{`it's`, "`x`", "50%", ""}},
			`"/opt/a\\"b/pay\\$w\\\\atch" "it's" "\\` + "`x\\\\`" + `" 50%% ""`, `/opt/a"b/pay$w\\atch`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "[Desktop Entry]\n" +
				"Type=Application\n" +
				"Name=Paywatch\n" +
				"Comment=Shows whether card and payment services are working\n" +
				"Exec=" + tt.exec + "\n" +
				"TryExec=" + tt.try + "\n" +
				"Icon=io.paywatch.Paywatch\n" +
				"Terminal=false\n" +
				"X-GNOME-Autostart-enabled=true\n"
			if got := RenderDesktopEntry(tt.o); got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestDesktopEntryOff(t *testing.T) {
	on := RenderDesktopEntry(Options{Executable: "/usr/bin/paywatch"})
	tests := []struct {
		name  string
		entry string
		want  bool
	}{
		{"ours", on, false},
		{"hidden", on + "Hidden=true\n", true},
		{"gnome switch off", strings.Replace(on, "X-GNOME-Autostart-enabled=true", "X-GNOME-Autostart-enabled=false", 1), true},
		{"hidden=false", on + "Hidden=false\n", false},
		{"other group", on + "[Desktop Action x]\nHidden=true\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := desktopEntryOff(tt.entry); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBundleExecutable(t *testing.T) {
	dir := t.TempDir()
	mk := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	withPlist := filepath.Join(dir, "Paywatch.app")
	mk(filepath.Join(withPlist, "Contents", "Info.plist"), `<?xml version="1.0"?>
<plist version="1.0"><dict>
	<key>CFBundleName</key>
	<string>Paywatch</string>
	<key>CFBundleExecutable</key>
	<string>paywatch</string>
</dict></plist>`)
	mk(filepath.Join(withPlist, "Contents", "MacOS", "paywatch"), "")
	noPlist := filepath.Join(dir, "Other.app")
	mk(filepath.Join(noPlist, "Contents", "MacOS", "Other"), "")
	plainFile := filepath.Join(dir, "bin", "paywatch")
	mk(plainFile, "")

	tests := []struct{ in, want string }{
		{withPlist, filepath.Join(withPlist, "Contents", "MacOS", "paywatch")},
		{noPlist, filepath.Join(noPlist, "Contents", "MacOS", "Other")},
		{filepath.Join(withPlist, "Contents", "MacOS", "paywatch"), filepath.Join(withPlist, "Contents", "MacOS", "paywatch")},
		{plainFile, plainFile},
		{filepath.Join(dir, "Missing.app"), filepath.Join(dir, "Missing.app")},
	}
	for _, tt := range tests {
		if got := bundleExecutable(tt.in); got != tt.want {
			t.Errorf("bundleExecutable(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	_, err := New(Options{
		Name:        "pay watch",
		Executable:  "paywatch",
		Description: "two\nlines {{x}}",
		Headless:    true,
		UserName:    "bad user",
	})
	if err == nil {
		t.Fatal("New accepted bad options")
	}
	for _, field := range []string{"Name", "Executable", "Description", "UserName"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not name %s", err, field)
		}
	}
}
