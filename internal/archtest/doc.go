// Package archtest holds tests of the module's import rules: which packages may import which.
// It has no code of its own; the rules are in imports_test.go.
package archtest
