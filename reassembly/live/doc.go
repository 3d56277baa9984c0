// Package live captures packets from a network interface for imapscope's
// live mode: an AF_PACKET (TPACKET_V3) socket in pure Go, a kernel BPF
// filter that lets only TCP on the IMAP ports reach user space, and a loop
// that feeds a reassembly.Engine while driving its flushing from the wall
// clock.
//
// # Scope
//
// Like its parent reassembly, this is the only kind of package that
// imports gopacket (and x/net/bpf, pcapgo for the -w pcapng copy):
// pipeline.Run drives a live capture through it, and cmd/imapscope only
// fills in Config and RunOptions.
//
// # Behaviour
//
//   - A named Ethernet or loopback interface is read as Ethernet frames
//     (LinkTypeEthernet); "any" and interfaces without an Ethernet header
//     (tun, wireguard, ...) are read cooked, from the IP header on
//     (LinkTypeRaw). Tags stripped by VLAN offload are not put back; one
//     in-band 802.1Q or 802.1ad tag is understood by the filter.
//   - The filter (Filter) is classic BPF: IPv4 (not later fragments) or
//     IPv6 without extension headers, TCP, source or destination port in
//     the set. A tcpdump expression (-f) needs libpcap to compile and is
//     only available in builds with the "pcap" tag (CompileExpr).
//   - Capture time comes from the kernel's packet timestamps; in addition
//     Run calls Engine.Flush with the wall clock every FlushEvery, so
//     connections idle for the engine's IdleTimeout end even when no packet
//     arrives at all.
//
// # Concurrency
//
// A Source is read by one goroutine (Run's). Tracker is safe for
// concurrent use: the engine's workers call it.
//
// # Limits
//
// The kernel ring is fixed at open (Config.BufferSize, default
// DefaultBufferSize); when user space falls behind the kernel drops
// packets and counts them (Stats.KernelDrops). Only MaxFilterPorts ports
// fit in a filter.
package live
