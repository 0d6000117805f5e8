// Package headlesstest tests the headless build of Paywatch (go build -tags headless, make
// build-headless) as its user meets it: the real binary, built once by the tests. It has no
// code of its own.
package headlesstest
