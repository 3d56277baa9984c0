// Package report holds the data model of an imapscope run (model.go) and
// renders it: one JSON document (WriteJSON), a JSON Lines stream written as
// sessions end (JSONLWriter), and terminal tables (WriteTable).
//
// Ownership: renderers never modify the Report they are given; where nil
// slices must render as [] they work on shallow copies.
//
// Concurrency: WriteJSON and WriteTable may run concurrently on distinct
// writers as long as nobody mutates the Report meanwhile. A JSONLWriter is
// safe for use by several goroutines; each record is written as one whole line.
//
// Determinism: output depends only on the Report (capture timestamps, never
// the clock) and on the options passed in; the table renderer does not look at
// the terminal. schema.json (Schema, ValidateJSON, ValidateJSONLLine)
// documents every field and is closed, so a new model field fails validation
// until it is documented there.
//
// Large reports: a Report may hold its sessions in a SessionSource
// (Report.Source) instead of Sessions; every renderer then reads them one
// at a time (the table and the HTML page in two or three passes) and keeps
// only what it lays out. StatsAccumulator computes Stats as sessions end.
// JSONStream and TableStream take the sessions one at a time while the
// capture is still read, in report order with their ids (a
// JSONStreamSource or TableStreamSource hands them on), and make the same
// bytes as WriteJSON and WriteTable: the document's head and sessions go
// out as they come, the table's rows and sections wait for its layout.
// AppendSession and DecodeSession are the compact binary form sessions take
// in a spill file (codec.go), written by hand for each model type
// (codec_session.go, codec_txn.go, codec_decode.go); tests fail when a
// model field is not carried.
// Long sessions: a Session may hold its first transactions in a TxnFile
// (Session.Spilled, the same encoding, txnspill.go) and the rest in
// Transactions; renderers and accumulators read them all through
// Session.Txns and TransactionCount, and write a long session's JSON,
// JSON Lines, ECS events and transaction table in chunks.
//
// Only the table renderer (table*.go) imports tablewriter; tables of
// printable ASCII are laid out by table_fast.go exactly as tablewriter would.
package report
