package live

import (
	"context"
	"errors"
	"io"
	"runtime"
	"time"

	"github.com/imapscope/imapscope/reassembly"
)

// DefaultFlushEvery is how often Run drives a flush pass from the wall
// clock when RunOptions.FlushEvery is zero.
const DefaultFlushEvery = time.Second

// RunOptions configures Run. The zero value runs until ctx is done.
type RunOptions struct {
	// Count stops the run after this many packets (0: no limit).
	Count int64
	// FlushEvery is the wall-clock interval between Engine.Flush calls
	// (default DefaultFlushEvery). OnFlush, if set, runs after each.
	FlushEvery time.Duration
	OnFlush    func() error
	// StatsEvery, if positive, calls OnStats with a snapshot at that
	// interval, from Run's goroutine.
	StatsEvery time.Duration
	OnStats    func(Stats)
	// Pcapng, if set, receives a copy of every packet captured, as a
	// pcapng stream with the source's one interface (replayable with
	// imapscope read). It is flushed with every flush pass and when Run
	// returns; a write error stops the run.
	Pcapng io.Writer
}

// Stats is a snapshot of a live run.
type Stats struct {
	// Packets and Bytes count packets that passed the kernel filter.
	Packets, Bytes int64
	// Open is the number of sessions not yet ended, Sessions all seen.
	Open, Sessions int64
	// KernelDrops counts packets the kernel dropped (ring full).
	KernelDrops int64
	// Gaps and GapBytes count holes reassembly reported (lost data).
	Gaps, GapBytes int64
	// HeapInuse is runtime.MemStats.HeapInuse in bytes.
	HeapInuse uint64
}

// Run reads src into eng until ctx is done, Count packets were read, or a
// read or pcapng write error. It does not close eng or src. The error is nil when
// the run stopped because of ctx or Count.
func Run(ctx context.Context, src *Source, eng *reassembly.Engine, tr *Tracker, o RunOptions) (Stats, error) {
	if o.FlushEvery <= 0 {
		o.FlushEvery = DefaultFlushEvery
	}
	var st Stats
	var tee *pcapngTee
	if o.Pcapng != nil {
		var err error
		if tee, err = newPcapngTee(o.Pcapng, src); err != nil {
			return st, err
		}
	}
	st, err := run(ctx, src, eng, tr, o, tee)
	if tee != nil {
		if ferr := tee.flush(); err == nil {
			err = ferr
		}
	}
	return st, err
}

// run is Run's loop.
func run(ctx context.Context, src *Source, eng *reassembly.Engine, tr *Tracker, o RunOptions, tee *pcapngTee) (Stats, error) {
	lt := src.LinkType()
	var st Stats
	start := time.Now()
	lastFlush, lastStats := start, start
	for ctx.Err() == nil {
		data, ci, err := src.ReadPacket()
		switch {
		case err == nil:
			st.Packets++
			st.Bytes += int64(len(data))
			if tee != nil {
				if err := tee.write(ci, data); err != nil {
					return snapshot(st, src, tr), err
				}
			}
			eng.Packet(ci, data, lt)
			if o.Count > 0 && st.Packets >= o.Count {
				return snapshot(st, src, tr), nil
			}
		case errors.Is(err, ErrTimeout):
		default:
			return snapshot(st, src, tr), err
		}
		now := time.Now()
		if now.Sub(lastFlush) >= o.FlushEvery {
			lastFlush = now
			eng.Flush(now)
			if tee != nil {
				if err := tee.flush(); err != nil {
					return snapshot(st, src, tr), err
				}
			}
			if o.OnFlush != nil {
				if err := o.OnFlush(); err != nil {
					return snapshot(st, src, tr), err
				}
			}
		}
		if o.StatsEvery > 0 && o.OnStats != nil && now.Sub(lastStats) >= o.StatsEvery {
			lastStats = now
			o.OnStats(snapshot(st, src, tr))
		}
	}
	return snapshot(st, src, tr), nil
}

// snapshot completes st with the tracker, socket and memory figures.
func snapshot(st Stats, src *Source, tr *Tracker) Stats {
	if tr != nil {
		st.Open, st.Sessions = tr.Open(), tr.Total()
		st.Gaps, st.GapBytes = tr.Gaps()
	}
	if d, err := src.KernelDrops(); err == nil {
		st.KernelDrops = d
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st.HeapInuse = ms.HeapInuse
	return st
}
