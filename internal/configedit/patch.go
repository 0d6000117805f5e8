package configedit

import (
	"bytes"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// patch writes the edited tree back into the text it was read from, changing only the lines of
// the entries and list items that differ: every other byte (comments, blank lines, quoting,
// order, keys the window does not manage) stays as it was. Where the text cannot be patched in
// place (a file that is not a block mapping), the whole document is written afresh.
func patch(src []byte, old, edited *yaml.Node) ([]byte, error) {
	oldRoot, newRoot := docRoot(old), docRoot(edited)
	if oldRoot != nil && newRoot != nil && isBlock(oldRoot, yaml.MappingNode) && isBlock(newRoot, yaml.MappingNode) && len(oldRoot.Content) > 0 {
		lines := splitLines(src)
		p := &patcher{lines: lines}
		if p.mapping(oldRoot, newRoot, len(lines)) {
			return p.apply(src), nil
		}
	}
	return encode(edited)
}

func docRoot(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
		return nil
	}
	return n.Content[0]
}

func isBlock(n *yaml.Node, kind yaml.Kind) bool { return n.Kind == kind && n.Style&yaml.FlowStyle == 0 }

// splice replaces lines [from, to) (0-based) with text.
type splice struct {
	from, to int
	text     []string
}

type patcher struct {
	lines   []string
	splices []splice
}

func splitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// apply makes the splices, last first so that earlier line numbers stay right.
func (p *patcher) apply(src []byte) []byte {
	lines := p.lines
	// Splices never overlap. Applied from the bottom up, so that earlier line numbers stay
	// right; inserts at the same line keep the order they were made in (inner ones first).
	sort.SliceStable(p.splices, func(i, j int) bool { return p.splices[i].from < p.splices[j].from })
	for i := len(p.splices) - 1; i >= 0; i-- {
		s := p.splices[i]
		next := append(append(append([]string{}, lines[:s.from]...), s.text...), lines[s.to:]...)
		lines = next
	}
	out := strings.Join(lines, "\n")
	if len(lines) > 0 && (len(src) == 0 || bytes.HasSuffix(src, []byte("\n"))) {
		out += "\n"
	}
	return []byte(out)
}

func (p *patcher) add(from, to int, text []string) {
	p.splices = append(p.splices, splice{from: from, to: to, text: text})
}

// isFiller is a blank or comment-only line.
func isFiller(line string) bool {
	t := strings.TrimSpace(line)
	return t == "" || strings.HasPrefix(t, "#")
}

// trimEnd moves end back over blank and comment lines (they belong to what follows), never
// before start+1.
func (p *patcher) trimEnd(start, end int) int {
	for end > start+1 && isFiller(p.lines[end-1]) {
		end--
	}
	return end
}

// headStart moves start up over the comment lines just above it at the same indentation (the
// entry's own comment), for deleting the entry with it.
func (p *patcher) headStart(start, indent int) int {
	for start > 0 {
		l := p.lines[start-1]
		t := strings.TrimLeft(l, " ")
		if !strings.HasPrefix(t, "#") || len(l)-len(t) != indent {
			break
		}
		start--
	}
	return start
}

func spaces(n int) string { return strings.Repeat(" ", n) }

// indented renders node lines with prefix on the first line and indent spaces on the rest.
func indented(lines []string, prefix string, indent int) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		switch {
		case i == 0:
			out[i] = prefix + l
		case l == "":
			out[i] = l
		default:
			out[i] = spaces(indent) + l
		}
	}
	return out
}

// mapping patches a block mapping whose entries end by line end (0-based, exclusive). It
// reports false when the change cannot be made in place; the caller then rewrites the whole
// mapping.
func (p *patcher) mapping(old, edited *yaml.Node, end int) bool {
	n := len(old.Content) / 2
	if n == 0 {
		return false
	}
	type span struct{ start, end int }
	spans := make([]span, n)
	for i := range n {
		start := old.Content[2*i].Line - 1
		next := end
		if i+1 < n {
			next = old.Content[2*(i+1)].Line - 1
		}
		if start < 0 || next > len(p.lines) || start >= next {
			return false
		}
		spans[i] = span{start, p.trimEnd(start, next)}
	}
	firstKey := old.Content[0]
	indent := firstKey.Column - 1
	newIdx := map[string]int{}
	for i := 0; i+1 < len(edited.Content); i += 2 {
		newIdx[edited.Content[i].Value] = i
	}
	var local []splice
	for i := range n {
		k, v := old.Content[2*i], old.Content[2*i+1]
		line := p.lines[spans[i].start]
		if k.Column-1 > len(line) {
			return false
		}
		prefix := line[:k.Column-1]
		j, kept := newIdx[k.Value]
		if !kept {
			if strings.TrimSpace(prefix) != "" {
				return false // the first key of a list item: its line carries the dash
			}
			local = append(local, splice{from: p.headStart(spans[i].start, k.Column-1), to: spans[i].end})
			continue
		}
		nv := edited.Content[j+1]
		if equal(v, nv) {
			continue
		}
		if p.value(v, nv, spans[i].end) {
			continue
		}
		local = append(local, splice{from: spans[i].start, to: spans[i].end, text: indented(renderEntry(edited.Content[j], nv), prefix, k.Column-1)})
	}
	oldKeys := map[string]bool{}
	for i := 0; i+1 < len(old.Content); i += 2 {
		oldKeys[old.Content[i].Value] = true
	}
	var added []string
	for i := 0; i+1 < len(edited.Content); i += 2 {
		if !oldKeys[edited.Content[i].Value] {
			added = append(added, indented(renderEntry(edited.Content[i], edited.Content[i+1]), spaces(indent), indent)...)
		}
	}
	if len(added) > 0 {
		at := spans[n-1].end
		local = append(local, splice{from: at, to: at, text: added})
	}
	p.splices = append(p.splices, local...)
	return true
}

// value patches a changed value inside its entry, when both are block collections of a kind.
func (p *patcher) value(old, edited *yaml.Node, end int) bool {
	switch {
	case isBlock(old, yaml.MappingNode) && isBlock(edited, yaml.MappingNode):
		return p.patchNested(func(q *patcher) bool { return q.mapping(old, edited, end) })
	case isBlock(old, yaml.SequenceNode) && isBlock(edited, yaml.SequenceNode):
		return p.patchNested(func(q *patcher) bool { return q.sequence(old, edited, end) })
	}
	return false
}

// patchNested runs f on a scratch patcher, so a nested patch that gives up half-way leaves
// nothing behind.
func (p *patcher) patchNested(f func(*patcher) bool) bool {
	q := &patcher{lines: p.lines}
	if !f(q) {
		return false
	}
	p.splices = append(p.splices, q.splices...)
	return true
}

// dashAt finds the column (0-based) of the dash that starts a list item, or -1.
func (p *patcher) dashAt(item *yaml.Node) int {
	if item.Line < 1 || item.Line > len(p.lines) {
		return -1
	}
	line := p.lines[item.Line-1]
	i := item.Column - 2
	for i >= 0 && i < len(line) && line[i] == ' ' {
		i--
	}
	if i < 0 || i >= len(line) || line[i] != '-' {
		return -1
	}
	return i
}

func (p *patcher) sequence(old, edited *yaml.Node, end int) bool {
	n := len(old.Content)
	if n == 0 {
		return false
	}
	type span struct{ start, end, dash int }
	spans := make([]span, n)
	for i, it := range old.Content {
		d := p.dashAt(it)
		if d < 0 {
			return false
		}
		start := it.Line - 1
		next := end
		if i+1 < n {
			next = old.Content[i+1].Line - 1
		}
		if start >= next {
			return false
		}
		spans[i] = span{start, p.trimEnd(start, next), d}
	}
	item := func(it *yaml.Node, dash int, prefix string) []string {
		return indented(renderItem(it), prefix, dash)
	}
	var local []splice
	switch m := len(edited.Content); {
	case m > n:
		// Items were added at the end; the ones before may have changed.
		var added []string
		d := spans[0].dash
		for _, e := range edited.Content[n:] {
			added = append(added, item(e, d, spaces(d))...)
		}
		at := spans[n-1].end
		local = append(local, splice{from: at, to: at, text: added})
		fallthrough
	case m == n:
		for i := range n {
			o, e := old.Content[i], edited.Content[i]
			if equal(o, e) {
				continue
			}
			if isBlock(o, yaml.MappingNode) && isBlock(e, yaml.MappingNode) && p.patchNested(func(q *patcher) bool { return q.mapping(o, e, spans[i].end) }) {
				continue
			}
			line := p.lines[spans[i].start]
			local = append(local, splice{from: spans[i].start, to: spans[i].end, text: item(e, spans[i].dash, line[:spans[i].dash])})
		}
	default:
		// Items were removed: what is left must be the old items in order.
		j := 0
		for i := range n {
			if j < m && equal(old.Content[i], edited.Content[j]) {
				j++
				continue
			}
			if strings.TrimSpace(p.lines[spans[i].start][:spans[i].dash]) != "" {
				return false
			}
			local = append(local, splice{from: p.headStart(spans[i].start, spans[i].dash), to: spans[i].end})
		}
		if j != m {
			return false
		}
	}
	p.splices = append(p.splices, local...)
	return true
}

// renderEntry renders "key: value" without the comments that sit outside the entry's lines.
func renderEntry(k, v *yaml.Node) []string {
	k2 := *k
	k2.HeadComment, k2.FootComment = "", ""
	m := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{&k2, withoutTrailingComment(v)}}
	return renderLines(m)
}

func renderItem(it *yaml.Node) []string {
	c := withoutTrailingComment(it)
	c.HeadComment = ""
	return renderLines(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{c}})
}

// withoutTrailingComment copies n without the foot comments down its last children: they sit
// after the entry's lines, which are kept.
func withoutTrailingComment(n *yaml.Node) *yaml.Node {
	c := *n
	c.FootComment = ""
	if len(c.Content) > 0 {
		c.Content = append([]*yaml.Node{}, c.Content...)
		last := len(c.Content) - 1
		c.Content[last] = withoutTrailingComment(c.Content[last])
	}
	return &c
}

func renderLines(n *yaml.Node) []string {
	b, err := encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}})
	if err != nil {
		return nil
	}
	return splitLines(b)
}

func encode(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	e := yaml.NewEncoder(&b)
	e.SetIndent(2)
	if err := e.Encode(n); err != nil {
		return nil, err
	}
	if err := e.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// equal compares two nodes by what they say, not where they are or how they are written.
func equal(a, b *yaml.Node) bool {
	if a.Kind != b.Kind || a.Value != b.Value || a.ShortTag() != b.ShortTag() || len(a.Content) != len(b.Content) {
		return false
	}
	if (a.Style&yaml.FlowStyle == 0) != (b.Style&yaml.FlowStyle == 0) {
		return false
	}
	for i := range a.Content {
		if !equal(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// clone deep-copies a node tree.
func clone(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	if n.Content != nil {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, k := range n.Content {
			c.Content[i] = clone(k)
		}
	}
	return &c
}
