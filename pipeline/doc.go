// Package pipeline wires the layers together: it is the reassembly
// ConnFactory that feeds each connection to a dissect.Session and collects
// the finished sessions into a report, in first-packet order, or streams them
// as they end. The command line and the tests both drive it.
package pipeline
