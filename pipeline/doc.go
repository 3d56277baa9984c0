// Package pipeline wires the layers together. Run reads capture files (or a
// live capture through reassembly/live) with reassembly, feeds each
// connection to a dissect.Session through the Collector (the reassembly
// ConnFactory), and either returns the finished sessions as a report, in
// first-packet order, or streams sessions and transactions as they end
// (Stream), in an order that depends only on the input, whatever the number
// of workers: each connection is its session's dissect.Sink and queues what
// it produces under the ordering key that reassembly passes with each call
// (the key of the packet or flush pass that caused it), and the
// Collector releases events once every worker has reported progress past
// that key. Streamed sessions alone (no Stream.Transaction) are written
// on a goroutine of the Collector's own, in that order, beside the
// dissection (collector_writer.go). Stream.Kept instead hands each session over as it ends, in any
// order with its first-packet index, for outputs written at the end:
// SessionStore keeps the first MemoryBudget bytes of them in memory and
// the rest in a temporary file (0600, unlinked at once) and gives them
// back in report order, so memory holds the open sessions and that budget;
// for the JSON document it holds them already rendered (RenderJSON), and
// it may take them on a goroutine of its own, beside the dissection
// (Async). Stream.Settled tells how far the first-packet order is settled
// (no connection that began before the bound is still open, and every
// worker is past it), so that a store streaming the JSON document or the
// table (StreamJSON, StreamTable) hands each session on as soon as its id
// is known and keeps only those that ended out of order.
// The command line and the tests both drive it.
package pipeline
