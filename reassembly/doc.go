// Package reassembly turns packet captures into ordered per-connection IMAP
// byte streams. It is the only imapscope package that imports gopacket: a
// thin adapter around gopacket's pcapgo readers and TCP reassembly.
//
// # Scope
//
// This is the only package (with its live subpackage) that imports
// gopacket. The contract with the rest of the program is handler.go (ConnFactory, Conn); everything below the byte
// stream lives here: capture sources (pcap, pcapng, gzip, stdin), link-layer
// decoding (Ethernet, Linux SLL and SLL2, raw IPv4/IPv6, BSD null and
// OpenBSD loop; the encapsulations listed in tunnel.go: VLAN tags with TPID
// 0x8100, 0x88a8 and 0x9100, MPLS, PPPoE, IP in IP, GRE with transparent
// Ethernet bridging and ERSPAN I/II/III, EtherIP, VXLAN, GENEVE, where the
// inner flow is the connection), TCP reassembly, worker sharding, and the
// CountingFactory floor used by "imapscope read --no-dissect".
//
// # Behaviour
//
//   - Only TCP on a configured server port (default 143, 220 and 993) reaches
//     reassembly. When both ports are configured, the lower one is the server.
//   - A direction whose SYN was not captured starts at its first packet and
//     begins with Gap(dir, ts, -1). Lost bytes become Gap(dir, ts, n) and are
//     never invented or glued: Data before and after a gap are separate calls.
//   - No window or TCP-state validation: captures starting mid-connection
//     are normal for a passive analyzer.
//   - IPv4 and IPv6 fragments are reassembled on the reading goroutine,
//     bounded in datagrams, bytes and capture time (defrag.go); IPv6 atomic
//     fragments are read on their own. What cannot be reassembled is
//     counted in Stats.Skip.
//   - TCP checksums are verified: a bad segment never wins over a good copy
//     unless checksum offload is evident for its direction (badsum.go).
//     Segments without payload are verified only while their direction
//     has not shown a good checksum: only payload can be held or lose.
//   - TCP options are not decoded (decodeTCP): nothing here reads them.
//     Of two different copies of queued bytes the first wins and the Conn
//     is told (overlap.go).
//   - A packet stamped far ahead of the capture clock does not move it
//     unless the next packet confirms the jump (clock.go).
//   - Time is capture time only. Every FlushInterval of capture time, data
//     waiting behind a hole older than PageTimeout is released (the hole
//     becomes a Gap) and connections idle for IdleTimeout are ended.
//   - Connections follow the endpoints' lifecycle (lifecycle.go): a SYN
//     with a new ISN on a 4-tuple whose connection ended (RST, FIN) or was
//     never seen to end starts a new Conn and ends the old one; a SYN
//     retried with a new ISN before any data replaces the old ISN (same
//     Conn). RST payload is never stream data (Stats.Skip.RSTPayload).
//   - Packets of a link type the decoder lacks are counted by type
//     (Stats.Skip, Stats.UnsupportedLinkTypes).
//   - End is called exactly once per Conn: on a RST, when both directions
//     have ended (FIN/RST), on idle timeout, or at the end of input (Close).
//     closed is true only when a RST or a FIN in each direction was seen.
//   - A truncated or corrupt capture is not an error: reading stops, what was
//     read is kept, and Stats.Truncated and Stats.Damage say what happened.
//     A file that is not a capture at all is an error (ErrNotCapture).
//
// # Concurrency
//
// An Engine is driven by one goroutine. With Options.Workers == 1 the
// reassembly runs on that goroutine, and so do the Conn calls, except that
// with Options.BatchDelivery, classic pcap input and a second CPU they are
// made in batches on a goroutine of their own while the next packets are
// reassembled (delivery_async.go); NewConn stays on the reading goroutine.
// With more workers,
// the reader decodes each packet far enough to hash its connection
// symmetrically, copies the IP packet into a reused batch of the worker that
// owns the connection, and each worker runs its own gopacket Assembler and
// StreamPool. ConnFactory.NewConn is then called concurrently from workers;
// the calls for one Conn never overlap and keep their order. With
// Options.BatchDelivery every worker queues its Conn calls while it
// assembles and makes them after (delivery.go). Flush passes are
// decided by the reader and queued in order with the packets, and
// ConnInfo.Seq is the index of the connection's first packet in the input,
// so the output is the same for any number of workers (unless the total
// page limit, which is split between workers, is reached).
//
// An input that can pause (a pipe, FIFO or socket: standard input fed by
// tcpdump -U -w -) is read on a goroutine of its own; when a read waits,
// the reader pushes its partial batches to the workers with a mark that
// lets each report its progress, and an Idler factory is told (push.go).
// Pushes change when results come out, never what they are.
//
// # Limits
//
// Out-of-order data is bounded by MaxBufferedPagesPerConnection and
// MaxBufferedPagesTotal (pages of 1900 bytes; see the Default constants).
// Reaching a limit skips the oldest hole (a Gap) rather than growing. Each
// worker queue holds batchesPerWorker batches of up to batchPackets packets
// or batchArenaBytes bytes; the reader blocks when a worker falls behind.
//
// # Allocation
//
// Steady-state reading allocates (almost) nothing per packet: the capture
// readers use ZeroCopyReadPacketData, decoding uses preallocated layers,
// in-order data is passed to Conn.Data straight from the packet buffer,
// and packet contexts come from slabs. Data that was queued out of order
// and is delivered together with other segments is copied once by gopacket.
// pcapng files with interfaces of link type 256 or more (SLL2) cost one
// small allocation per packet inside pcapgo.
package reassembly
