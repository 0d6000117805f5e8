// Package bootstraptest tests .ci/gobuild, which `make build` and `make run` use to find (or
// install, or say how to install) a Go that builds Paywatch on a fresh machine.
package bootstraptest
