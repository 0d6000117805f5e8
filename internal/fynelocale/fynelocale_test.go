package fynelocale

import (
	"bytes"
	"log"
	"testing"
)

func TestIsPlain(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"LANG": "C"}, true},
		{map[string]string{"LANG": "C.UTF-8"}, true},
		{map[string]string{"LANG": "POSIX"}, true},
		{map[string]string{"LC_ALL": "C", "LANG": "en_GB.UTF-8"}, true},
		{map[string]string{"LC_ALL": "en_GB.UTF-8", "LANG": "C"}, false},
		{map[string]string{"LC_MESSAGES": "de_DE.UTF-8", "LANG": "C"}, false},
		{map[string]string{"LANG": "en_US.UTF-8"}, false},
		{map[string]string{}, false},
	} {
		if got := IsPlain(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("IsPlain(%v) = %v, want %v", tt.env, got, tt.want)
		}
	}
}

func TestFilter(t *testing.T) {
	var out bytes.Buffer
	l := log.New(&Filter{W: &out}, "", 0)
	l.Println("Fyne error:  Error parsing user locale C")
	l.Println("  Cause: language: tag is not well-formed")
	l.Printf("  At: /root/go/pkg/mod/fyne.io/fyne/v2@v2.7.4/lang/locale.go:35")
	l.Println("Fyne error:  Failed to convert systray icon")
	l.Println("  Cause: bad PNG")
	l.Println("  At: driver_desktop.go:120")
	l.Println("  At: an unrelated line after the triplet")
	want := "Fyne error:  Failed to convert systray icon\n  Cause: bad PNG\n  At: driver_desktop.go:120\n  At: an unrelated line after the triplet\n"
	if out.String() != want {
		t.Errorf("filtered output =\n%q\nwant\n%q", out.String(), want)
	}
}
