package opstest

import (
	"bufio"
	"slices"
	"strings"
	"testing"
)

// promqlKeywords are identifiers in PromQL that are not metric names when
// no parenthesis follows them.
var promqlKeywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"bool": true, "and": true, "or": true, "unless": true, "offset": true, "inf": true, "nan": true, "atan2": true,
}

// labelListKeywords are followed by a parenthesised list of label names.
var labelListKeywords = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// metricNames returns the metric names an expression selects, in order of
// appearance without repeats: the identifiers left once strings, label
// matchers ({…}), range and subquery brackets ([…]), label lists (by (…),
// on (…)…), numbers, function and aggregation names (an identifier before
// "(") and keywords are set aside. It is a lexer, not a parser: Prometheus
// parses the expression when the test queries it.
func metricNames(expr string) []string {
	var names []string
	s := expr
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(s, i)
		case c == '{':
			i = skipTo(s, i, '}')
		case c == '[':
			i = skipTo(s, i, ']')
		case c == '#': // a comment runs to the end of the line
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			i = skipNumber(s, i)
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			word := s[i:j]
			k := j
			for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r') {
				k++
			}
			switch {
			case labelListKeywords[strings.ToLower(word)]:
				if k < len(s) && s[k] == '(' {
					j = skipTo(s, k, ')')
				}
			case k < len(s) && s[k] == '(', startsWord(s[k:], "by"), startsWord(s[k:], "without"):
				// a function, or an aggregation (its label list may
				// come before its parenthesis)
			case promqlKeywords[strings.ToLower(word)]:
			default:
				if !slices.Contains(names, word) {
					names = append(names, word)
				}
			}
			i = j
		default:
			i++
		}
	}
	return names
}

// startsWord reports whether s starts with the keyword w as a whole word.
func startsWord(s, w string) bool {
	return len(s) >= len(w) && strings.EqualFold(s[:len(w)], w) && (len(s) == len(w) || !isIdentChar(s[len(w)]))
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// skipString returns the index after the string literal starting at i.
func skipString(s string, i int) int {
	q := s[i]
	for i++; i < len(s); i++ {
		if s[i] == '\\' && q != '`' {
			i++
			continue
		}
		if s[i] == q {
			return i + 1
		}
	}
	return len(s)
}

// skipTo returns the index after the close byte that ends the group opened
// at i, stepping over strings inside it.
func skipTo(s string, i int, close byte) int {
	for i++; i < len(s); {
		switch s[i] {
		case close:
			return i + 1
		case '"', '\'', '`':
			i = skipString(s, i)
		default:
			i++
		}
	}
	return len(s)
}

// skipNumber returns the index after the number starting at i (1, 0.5,
// 1e-9, 0x1f).
func skipNumber(s string, i int) int {
	for i < len(s) && (isIdentChar(s[i]) || s[i] == '.') {
		if (s[i] == 'e' || s[i] == 'E') && i+1 < len(s) && (s[i+1] == '-' || s[i+1] == '+') {
			i++
		}
		i++
	}
	return i
}

// missingMetrics returns the metric names of expr that are not among the
// exported sample names.
func missingMetrics(expr string, exported map[string]bool) []string {
	var out []string
	for _, n := range metricNames(expr) {
		if !exported[n] {
			out = append(out, n)
		}
	}
	return out
}

// sampleNames returns the sample names in a Prometheus text exposition
// (histograms' _bucket, _sum and _count included, as Prometheus stores
// them).
func sampleNames(text string) map[string]bool {
	names := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want []string
	}{
		{`up{job="sluice"} == 0`, []string{"up"}},
		{`sum by (le) (rate(sluice_delivery_latency_seconds_bucket{instance=~"$instance"}[5m]))`, []string{"sluice_delivery_latency_seconds_bucket"}},
		{`histogram_quantile(0.99, sum by (instance, le) (rate(a_bucket[5m]))) > 0.1`, []string{"a_bucket"}},
		{"sum by (instance) (q{state=\"queued\"}) > 0\nunless on (instance)\nsum by (instance) (increase(d_total{result=\"delivered\"}[10m])) > 0", []string{"q", "d_total"}},
		{`sum(rate(w_sum[1m])) / clamp_min(sum(rate(w_count[1m])), 1e-9)`, []string{"w_sum", "w_count"}},
		{`x / y < 0.10 or predict_linear(x[6h], 4 * 3600) < 0`, []string{"x", "y"}},
		{`sum(a) without (tenant) + on (i) group_left (k) b offset 5m`, []string{"a", "b"}},
		{`c{l="}by(x)"}`, []string{"c"}},
		{`{__name__="hidden"}`, nil},
		{`rate(  spaced_total [1m])`, []string{"spaced_total"}},
	}
	for _, tt := range tests {
		if got := metricNames(tt.expr); !slices.Equal(got, tt.want) {
			t.Errorf("metricNames(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

// TestMissingMetrics: a query naming a metric sluice does not export is
// caught, the check the real-Prometheus test applies to every query.
func TestMissingMetrics(t *testing.T) {
	t.Parallel()
	exported := sampleNames("# HELP sluice_a_total A.\n# TYPE sluice_a_total counter\nsluice_a_total{x=\"1\"} 3\nsluice_h_bucket{le=\"+Inf\"} 1\nup 1\n")
	if m := missingMetrics(`sum(rate(sluice_a_total[1m])) + sum(rate(sluice_h_bucket[1m]))`, exported); m != nil {
		t.Errorf("exported names reported missing: %q", m)
	}
	if m := missingMetrics(`sum(rate(sluice_a_total[1m])) / sum(rate(sluice_typo_total[1m]))`, exported); !slices.Equal(m, []string{"sluice_typo_total"}) {
		t.Errorf("missing = %q, want [sluice_typo_total]", m)
	}
}
