//go:build pcap

package live

import (
	"testing"

	"golang.org/x/net/bpf"
)

func TestCompileExpr(t *testing.T) {
	for _, link := range []Link{LinkEthernet, LinkRaw} {
		raw, err := CompileExpr("tcp port 143", link)
		if err != nil {
			t.Fatalf("%v: %v", link, err)
		}
		ins := make([]bpf.Instruction, len(raw))
		for i, r := range raw {
			ins[i] = r.Disassemble()
		}
		vm, err := bpf.NewVM(ins)
		if err != nil {
			t.Fatalf("%v: %v", link, err)
		}
		for _, c := range []struct {
			p    pkt
			want bool
		}{{pkt{sp: 40000, dp: 143}, true}, {pkt{sp: 40000, dp: 25}, false}, {pkt{v6: true, sp: 143, dp: 40000}, true}} {
			n, err := vm.Run(build(t, c.p, link))
			if err != nil || (n > 0) != c.want {
				t.Errorf("%v %+v: %d %v, want accepted=%v", link, c.p, n, err, c.want)
			}
		}
	}
	if _, err := CompileExpr("tcp port", LinkEthernet); err == nil {
		t.Error("bad expression compiled")
	}
}
