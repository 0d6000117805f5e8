// Package e2e holds the end-to-end tests: they build the real paywatch binary and run it
// against a private X display and D-Bus session, with status pages served on 127.0.0.1.
package e2e
