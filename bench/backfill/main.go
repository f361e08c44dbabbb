// Command backfill writes days of Prometheus TSDB blocks shaped like the inferwatch pipeline's own series:
// it reads two federation snapshots of a native stack after traffic (capture.ts), copies the ML API's
// series to N replicas, and replays every series at a fixed scrape interval. Counters grow at the rate
// they grew between the two snapshots (with a daily cycle and noise), histogram buckets stay cumulative and
// consistent with their _count and _sum, and gauges wander around their captured value. A histogram the
// snapshot types as `histogram` is a native histogram with custom buckets in Prometheus (federation writes
// those as classic ones): it is replayed as one, with the captured bucket bounds and shares.
//
// Blocks go straight into a Prometheus data directory, one per block range, as a Prometheus with that
// retention would hold them after compaction; the tsdb package is the one of the Prometheus the stack runs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"log/slog"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
)

type sample struct {
	lset labels.Labels
	v    float64
	ts   int64
}

// readSnapshot parses a federation text file into its series, keyed by their label sets, and the names of
// the families it types as histograms (federation types only native ones so).
func readSnapshot(path string) (map[string]sample, map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	out := map[string]sample{}
	native := map[string]bool{}
	p := textparse.NewPromParser(b, labels.NewSymbolTable(), false)
	for {
		e, err := p.Next()
		if errors.Is(err, io.EOF) {
			return out, native, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		if e == textparse.EntryType {
			if name, t := p.Type(); t == model.MetricTypeHistogram {
				native[string(name)] = true
			}
			continue
		}
		if e != textparse.EntrySeries {
			continue
		}
		_, ts, v := p.Series()
		var l labels.Labels
		p.Labels(&l)
		// Federation writes labels the series does not have as empty values; Prometheus stores none.
		b := labels.NewBuilder(l)
		l.Range(func(lb labels.Label) {
			if lb.Value == "" {
				b.Del(lb.Name)
			}
		})
		l = b.Labels()
		var t int64
		if ts != nil {
			t = *ts
		}
		out[l.String()] = sample{lset: l, v: v, ts: t}
	}
}

type kind int

const (
	gauge kind = iota
	constant
	counter
	bucket
	histCount
	histSum
	nativeHistogram
)

// group is one histogram (its buckets, _count and _sum share it) of one instance: one cumulative count.
type group struct {
	count float64
	rate  float64
	mean  float64
}

type series struct {
	lset  labels.Labels
	kind  kind
	value float64
	// rate: per second, counters only.
	rate     float64
	integral bool
	// fraction: share of the histogram's observations at or below this bucket's bound.
	fraction float64
	group    *group
	// bounds and shares: a native histogram's finite bucket bounds, ascending, and the share of its
	// observations at or below each.
	bounds []float64
	shares []float64
	// cum: a native histogram's cumulative bucket counts (+Inf's last) at its latest sample.
	cum      []int64
	phase    float64
	offsetMs int64
	// stepMs: the scrape interval of the job that scrapes the series.
	stepMs int64
	ref    storage.SeriesRef
}

// constantNames are gauges that hold a state, a setting or a reference value: they do not wander.
var (
	constantNames = map[string]bool{"up": true, "ALERTS": true, "ALERTS_FOR_STATE": true, "target_info": true}
	constantParts = []string{"baseline", "threshold", "_info", "capacity", "_state", "_limit", "window_size", "min_samples", "_start_time"}
)

func isConstant(name string, v float64) bool {
	if v == 0 || v == 1 || constantNames[name] {
		return true
	}
	for _, c := range constantParts {
		if strings.Contains(name, c) {
			return true
		}
	}
	return false
}

func baseName(name string) (string, string) {
	for _, suffix := range []string{"_bucket", "_count", "_sum"} {
		if strings.HasSuffix(name, suffix) {
			return strings.TrimSuffix(name, suffix), suffix
		}
	}
	return name, ""
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

type config struct {
	before, after string
	out           string
	job           string
	replicas      int
	days          float64
	scrape        time.Duration
	fastScrape    time.Duration
	fastJobs      map[string]bool
	block         time.Duration
	end           int64
	seed          int64
	record        []recorded
}

// recorded is a recording rule `sum by (<by>) (increase(<metric>[<every>]))` over a native histogram: its
// result is a native histogram, which promtool's rule backfill cannot write (it writes float samples
// only), so the generator records it as it replays, evaluated every `every` as Prometheus would, the
// increase taken between the histograms' latest samples at consecutive evaluations.
type recorded struct {
	name, metric string
	by           []string
	every        int64
	prev         map[*series][]int64
	refs         map[string]storage.SeriesRef
}

// parseRecorded reads -record-increase: `NAME=METRIC by LABEL,LABEL every DURATION`, rules separated by ";".
func parseRecorded(spec string) ([]recorded, error) {
	var out []recorded
	for _, rule := range strings.Split(spec, ";") {
		if strings.TrimSpace(rule) == "" {
			continue
		}
		var name, metric, by, every string
		if _, err := fmt.Sscanf(strings.Replace(rule, "=", " ", 1), "%s %s by %s every %s", &name, &metric, &by, &every); err != nil {
			return nil, fmt.Errorf("-record-increase %q: %w", rule, err)
		}
		d, err := time.ParseDuration(every)
		if err != nil {
			return nil, fmt.Errorf("-record-increase %q: %w", rule, err)
		}
		out = append(out, recorded{name: name, metric: metric, by: strings.Split(by, ","), every: d.Milliseconds(), prev: map[*series][]int64{}})
	}
	return out, nil
}

func main() {
	var c config
	var endFlag string
	flag.StringVar(&c.before, "before", "bench/backfill/template/before.prom", "first federation snapshot")
	flag.StringVar(&c.after, "after", "bench/backfill/template/after.prom", "second federation snapshot (the template)")
	flag.StringVar(&c.out, "out", "", "Prometheus data directory to write blocks into (required)")
	flag.StringVar(&c.job, "job", "inferwatch-ml-api", "job whose instances are copied to replicas")
	flag.IntVar(&c.replicas, "replicas", 10, "instances of the job")
	flag.Float64Var(&c.days, "days", 7, "days of data, ending at -end")
	flag.DurationVar(&c.scrape, "scrape", 15*time.Second, "scrape interval (prometheus.yml's global one)")
	var fastJobs string
	flag.DurationVar(&c.fastScrape, "fast-scrape", 5*time.Second, "scrape interval of -fast-jobs (prometheus.yml's otel-collector job)")
	flag.StringVar(&fastJobs, "fast-jobs", "inferwatch-ml-api,otel-collector", "jobs whose series come through the collector's exporter, scraped every -fast-scrape")
	flag.DurationVar(&c.block, "block", 6*time.Hour, "block range (a 7-day retention compacts to 6h blocks)")
	flag.StringVar(&endFlag, "end", "", "end of the data, RFC 3339 (default now)")
	flag.Int64Var(&c.seed, "seed", 1, "random seed")
	var record string
	flag.StringVar(&record, "record-increase", "", "native-histogram recording rules to write, `NAME=METRIC by LABEL,... every DURATION`, separated by ;")
	flag.Parse()
	var err error
	if c.record, err = parseRecorded(record); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	c.fastJobs = map[string]bool{}
	for _, j := range strings.Split(fastJobs, ",") {
		if j != "" {
			c.fastJobs[j] = true
		}
	}
	if c.out == "" {
		fmt.Fprintln(os.Stderr, "-out is required")
		os.Exit(2)
	}
	end := time.Now()
	if endFlag != "" {
		t, err := time.Parse(time.RFC3339, endFlag)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		end = t
	}
	c.end = end.UnixMilli()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "backfill:", err)
		os.Exit(1)
	}
}

func build(c config) ([]*series, error) {
	before, _, err := readSnapshot(c.before)
	if err != nil {
		return nil, err
	}
	after, native, err := readSnapshot(c.after)
	if err != nil {
		return nil, err
	}
	// Bases with buckets are histograms; other _count/_sum are summaries' and count as plain counters.
	histograms := map[string]bool{}
	templateInstance := ""
	for _, s := range after {
		name := s.lset.Get(labels.MetricName)
		if base, suffix := baseName(name); suffix == "_bucket" && s.lset.Has("le") {
			histograms[base] = true
		}
		if s.lset.Get("job") == c.job && s.lset.Get("instance") != "" {
			templateInstance = s.lset.Get("instance")
		}
	}
	if templateInstance == "" {
		return nil, fmt.Errorf("no series of job %s with an instance in %s", c.job, c.after)
	}
	instances := make([]string, c.replicas)
	for i := range instances {
		h := hash(fmt.Sprintf("replica-%d-%d", c.seed, i))
		instances[i] = fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", uint32(h), uint16(h>>32), uint16(h>>48)&0xfff, i, h&0xffffffffffff)
	}

	keys := make([]string, 0, len(after))
	for k := range after {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	groups := map[string]*group{}
	natives := map[string]*series{}
	var out []*series
	for _, key := range keys {
		s := after[key]
		name := s.lset.Get(labels.MetricName)
		base, suffix := baseName(name)
		prev, seen := before[key]
		rate := 0.0
		if dt := float64(s.ts-prev.ts) / 1000; seen && dt > 0 {
			rate = math.Max(0, (s.v-prev.v)/dt)
		}
		copies := []string{""}
		if s.lset.Get("job") == c.job && s.lset.Get("instance") == templateInstance {
			copies = instances
		}
		// Scrape targets are scraped at their own offset within the interval, every series of one alike.
		stepMs := c.scrape.Milliseconds()
		if c.fastJobs[s.lset.Get("job")] {
			stepMs = c.fastScrape.Milliseconds()
		}
		offset := int64(hash(s.lset.Get("job")+s.lset.Get("instance"))%uint64(stepMs)) / 1000 * 1000
		for i, inst := range copies {
			lset := s.lset
			if inst != "" {
				lset = labels.NewBuilder(s.lset).Set("instance", inst).Labels()
			}
			x := &series{lset: lset, value: s.v, phase: 0.3 * float64(i) / float64(len(copies)), offsetMs: offset, stepMs: stepMs}
			switch {
			case histograms[base] && suffix != "" && native[base]:
				// The buckets, _count and _sum of one label set are one native histogram series.
				hl := labels.NewBuilder(lset).Del("le").Set(labels.MetricName, base).Labels()
				h := natives[hl.String()]
				if h == nil {
					h = x
					h.lset = hl
					h.kind = nativeHistogram
					h.group = histogramGroup(before, after, s.lset, base)
					natives[hl.String()] = h
					out = append(out, h)
				}
				if le, err := strconv.ParseFloat(s.lset.Get("le"), 64); suffix == "_bucket" && err == nil && !math.IsInf(le, 1) {
					share := 0.0
					if h.group.count > 0 {
						share = s.v / h.group.count
					}
					h.bounds = append(h.bounds, le)
					h.shares = append(h.shares, share)
				}
				continue
			case histograms[base] && suffix != "":
				gkey := labels.NewBuilder(lset).Del("le").Set(labels.MetricName, base).Labels().String()
				g := groups[gkey]
				if g == nil {
					g = histogramGroup(before, after, s.lset, base)
					groups[gkey] = g
				}
				x.group = g
				switch suffix {
				case "_bucket":
					x.kind = bucket
					if g.count > 0 {
						x.fraction = s.v / g.count
					}
				case "_count":
					x.kind = histCount
				default:
					x.kind = histSum
				}
			case strings.HasSuffix(name, "_total") || suffix == "_count" || suffix == "_sum":
				x.kind = counter
				x.rate = rate
				x.integral = s.v == math.Trunc(s.v) && prev.v == math.Trunc(prev.v)
			case isConstant(name, s.v):
				x.kind = constant
			default:
				x.kind = gauge
			}
			out = append(out, x)
		}
	}
	for _, h := range natives {
		sort.Sort(byBound{h})
	}
	return out, nil
}

// histogramGroup is the histogram of `base` that the series `lset` (a bucket, _count or _sum) belongs to:
// its count in the second snapshot, the rate it grew at since the first, and its mean observation.
func histogramGroup(before, after map[string]sample, lset labels.Labels, base string) *group {
	part := func(suffix string) string {
		return labels.NewBuilder(lset).Del("le").Set(labels.MetricName, base+suffix).Labels().String()
	}
	count, sum, pc := after[part("_count")], after[part("_sum")], before[part("_count")]
	g := &group{count: count.v}
	if dt := float64(count.ts-pc.ts) / 1000; dt > 0 && pc.ts > 0 {
		g.rate = math.Max(0, (count.v-pc.v)/dt)
	}
	if count.v > 0 {
		g.mean = sum.v / count.v
	}
	return g
}

// byBound sorts a native histogram's bounds, their shares alongside.
type byBound struct{ s *series }

func (b byBound) Len() int           { return len(b.s.bounds) }
func (b byBound) Less(i, j int) bool { return b.s.bounds[i] < b.s.bounds[j] }
func (b byBound) Swap(i, j int) {
	b.s.bounds[i], b.s.bounds[j] = b.s.bounds[j], b.s.bounds[i]
	b.s.shares[i], b.s.shares[j] = b.s.shares[j], b.s.shares[i]
}

// evaluate appends the rule's result at t: per group of `by`, the sum of each histogram's increase since
// the previous evaluation (none at the first), bucket by bucket.
func (r *recorded) evaluate(app storage.Appender, all []*series, t int64) (int, error) {
	type acc struct {
		lset   labels.Labels
		counts []float64
		bounds []float64
		sum    float64
	}
	groups := map[string]*acc{}
	var keys []string
	for _, s := range all {
		if s.kind != nativeHistogram || s.cum == nil || s.lset.Get(labels.MetricName) != r.metric {
			continue
		}
		prev := r.prev[s]
		r.prev[s] = s.cum
		if prev == nil {
			continue
		}
		b := labels.NewBuilder(labels.EmptyLabels()).Set(labels.MetricName, r.name)
		for _, l := range r.by {
			b.Set(l, s.lset.Get(l))
		}
		lset := b.Labels()
		a := groups[lset.String()]
		if a == nil {
			a = &acc{lset: lset, counts: make([]float64, len(s.cum)), bounds: s.bounds}
			groups[lset.String()] = a
			keys = append(keys, lset.String())
		}
		var below int64
		var prevBelow int64
		for i := range s.cum {
			a.counts[i] += float64((s.cum[i] - below) - (prev[i] - prevBelow))
			below, prevBelow = s.cum[i], prev[i]
		}
		a.sum += float64(s.cum[len(s.cum)-1]-prev[len(prev)-1]) * s.group.mean
	}
	sort.Strings(keys)
	for _, k := range keys {
		a := groups[k]
		var count float64
		for _, c := range a.counts {
			count += c
		}
		fh := &histogram.FloatHistogram{
			CounterResetHint: histogram.GaugeType,
			Schema:           histogram.CustomBucketsSchema,
			Count:            count,
			Sum:              a.sum,
			PositiveSpans:    []histogram.Span{{Offset: 0, Length: uint32(len(a.counts))}},
			PositiveBuckets:  a.counts,
			CustomValues:     a.bounds,
		}
		ref, err := app.AppendHistogram(r.refs[k], a.lset, t, nil, fh)
		if err != nil {
			return 0, fmt.Errorf("append %s at %d: %w", a.lset, t, err)
		}
		r.refs[k] = ref
	}
	return len(keys), nil
}

// nativeSample is a native histogram's sample once its histogram counts `count` observations: each bucket
// holds its captured share, the cumulative counts whole.
func nativeSample(s *series) *histogram.Histogram {
	g := s.group
	n := len(s.bounds) + 1
	deltas := make([]int64, n)
	s.cum = make([]int64, n)
	var prevCum, prevCount int64
	for i := range n {
		cum := int64(g.count)
		if i < len(s.bounds) {
			cum = int64(math.Floor(g.count*s.shares[i] + 1e-9))
		}
		s.cum[i] = cum
		count := cum - prevCum
		deltas[i] = count - prevCount
		prevCum, prevCount = cum, count
	}
	return &histogram.Histogram{
		CounterResetHint: histogram.UnknownCounterReset,
		Schema:           histogram.CustomBucketsSchema,
		Count:            uint64(g.count),
		Sum:              g.count * g.mean,
		PositiveSpans:    []histogram.Span{{Offset: 0, Length: uint32(n)}},
		PositiveBuckets:  deltas,
		CustomValues:     s.bounds,
	}
}

// daily is the traffic's daily cycle: busiest mid-afternoon UTC, a third of the peak at night.
func daily(tMs int64, phase float64) float64 {
	day := float64(24 * time.Hour / time.Millisecond)
	x := float64(tMs)/day + phase/24
	return 1 + 0.5*math.Sin(2*math.Pi*(x-0.375))
}

func run(c config) error {
	started := time.Now()
	all, err := build(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	// The loop ticks at the shortest interval; each series takes a sample on its own job's ticks.
	step := min(c.scrape.Milliseconds(), c.fastScrape.Milliseconds())
	blockMs := c.block.Milliseconds()
	start := c.end - int64(c.days*float64(24*time.Hour/time.Millisecond))
	start = start / step * step
	rng := rand.New(rand.NewSource(c.seed))
	noise := func() float64 { return 1 + 0.2*(rng.Float64()-0.5) }
	var samples int64
	var blocks int
	for lo := start / blockMs * blockMs; lo < c.end; lo += blockMs {
		hi := lo + blockMs
		// As promtool does: the writer's head takes samples up to half its chunk range behind its newest one.
		w, err := tsdb.NewBlockWriter(slog.New(slog.DiscardHandler), c.out, 2*blockMs)
		if err != nil {
			return err
		}
		for _, s := range all {
			s.ref = 0
		}
		for i := range c.record {
			c.record[i].refs = map[string]storage.SeriesRef{}
		}
		ctx := context.Background()
		app := w.Appender(ctx)
		pending := 0
		for t := max(lo, start); t < hi && t <= c.end; t += step {
			// Histograms advance once per scrape, before their buckets read them.
			advanced := map[*group]bool{}
			for _, s := range all {
				if (t-start)%s.stepMs != 0 {
					continue
				}
				ts := t + s.offsetMs
				if ts >= hi || ts > c.end {
					continue
				}
				var v float64
				switch s.kind {
				case constant:
					v = s.value
				case gauge:
					v = s.value * (0.85 + 0.3*(daily(ts, s.phase)-0.5) + 0.05*(rng.Float64()-0.5))
				case counter:
					inc := s.rate * float64(s.stepMs) / 1000 * daily(ts, s.phase) * noise()
					if s.integral {
						inc = math.Floor(inc + rng.Float64())
					}
					s.value += inc
					v = s.value
				default:
					g := s.group
					if !advanced[g] {
						advanced[g] = true
						g.count += math.Floor(g.rate*float64(s.stepMs)/1000*daily(ts, s.phase)*noise() + rng.Float64())
					}
					switch s.kind {
					case bucket:
						v = math.Floor(g.count*s.fraction + 1e-9)
					case histCount:
						v = g.count
					case nativeHistogram:
					default:
						v = g.count * g.mean
					}
				}
				var ref storage.SeriesRef
				var err error
				if s.kind == nativeHistogram {
					ref, err = app.AppendHistogram(s.ref, s.lset, ts, nativeSample(s), nil)
				} else {
					ref, err = app.Append(s.ref, s.lset, ts, v)
				}
				if err != nil {
					return fmt.Errorf("append %s at %d: %w", s.lset, ts, err)
				}
				s.ref = ref
				pending++
				samples++
			}
			for i := range c.record {
				if (t-start)%c.record[i].every == 0 {
					n, err := c.record[i].evaluate(app, all, t)
					if err != nil {
						return err
					}
					pending += n
					samples += int64(n)
				}
			}
			if pending > 200_000 {
				if err := app.Commit(); err != nil {
					return err
				}
				app = w.Appender(ctx)
				pending = 0
			}
		}
		if err := app.Commit(); err != nil {
			return err
		}
		if _, err := w.Flush(ctx); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		blocks++
		fmt.Fprintf(os.Stderr, "block %d: %s to %s, %d samples so far, %.0f s\n", blocks,
			time.UnixMilli(lo).UTC().Format(time.RFC3339), time.UnixMilli(hi).UTC().Format(time.RFC3339), samples,
			time.Since(started).Seconds())
	}
	summary := map[string]any{
		"series":       len(all),
		"samples":      samples,
		"blocks":       blocks,
		"start":        time.UnixMilli(start).UTC().Format(time.RFC3339),
		"end":          time.UnixMilli(c.end).UTC().Format(time.RFC3339),
		"scrape":       c.scrape.String(),
		"fastScrape":   c.fastScrape.String(),
		"replicas":     c.replicas,
		"seconds":      math.Round(time.Since(started).Seconds()),
		"diskBytes":    dirSize(c.out),
		"generatedAt":  time.Now().UTC().Format(time.RFC3339),
		"endUnixMilli": c.end,
		"recorded":     recordedNames(c.record),
	}
	b, _ := json.MarshalIndent(summary, "", "  ")
	fmt.Println(string(b))
	return os.WriteFile(filepath.Join(c.out, "backfill.json"), append(b, '\n'), 0o644)
}

func recordedNames(rules []recorded) []string {
	names := []string{}
	for _, r := range rules {
		names = append(names, r.name)
	}
	return names
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}
