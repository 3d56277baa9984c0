// Package pcapmangle damages classic pcap files deterministically, for
// fault-injection tests: it drops, duplicates or reorders packets, truncates
// the file inside a record, cuts the snap length, corrupts packet bytes or
// writes an unreadable record header. The same input, fault and seed always
// give the same output, and the Report lists which input packets were
// touched so that tests can tell which TCP segments a result depends on.
//
// Only classic pcap (both byte orders, micro- and nanosecond magic) is read;
// the output keeps the input's file header. Records are parsed without
// copying; nothing here keeps state between calls and all functions are
// safe for concurrent use. Test tooling only: not for production paths.
package pcapmangle
