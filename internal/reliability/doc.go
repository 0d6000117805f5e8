// Package reliability holds Paywatch's fault-injection test: the watcher, with real HTTP on
// 127.0.0.1, behind a proxy (internal/faultproxy) that resets, hangs and blackholes connections
// and plays a captive portal, and a resolver that fails, on a schedule. See the README's
// "Reliability" section for the figures and the command.
package reliability
